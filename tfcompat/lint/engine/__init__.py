"""One file's way through the rules: parse, one traversal, suppressions, the fix loop."""
