"""`tfcompat lint`, `tfcompat rules`, `tfcompat rule CODE` (filled in by the lint engine)."""


def register(subparsers):
    """Add the lint subcommands to the `tfcompat` parser."""
