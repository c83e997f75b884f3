"""Running the linter over files: settings, which files, worker processes, the cache, output."""
