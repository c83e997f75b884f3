import os

import pytest

# The tox cell running the tests (tox.ini sets it); None outside tox.
CELL = os.environ.get("TFCOMPAT_CELL")


@pytest.fixture(scope="session")
def cell():
    return CELL
