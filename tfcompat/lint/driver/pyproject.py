"""Reading a pyproject.toml: the settings (tfcompat.lint.driver.config) and the project's TensorFlow
requirement (tfcompat.lint.driver.target) both come from it."""
try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib


class Unreadable(Exception):
    """The file cannot be opened, is not UTF-8, or is not TOML."""


def load(path):
    """The parsed TOML document at ``path``; raises Unreadable."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise Unreadable(str(exc)) from exc
