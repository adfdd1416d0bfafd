from __future__ import annotations

import pytest

from core.store import Library


@pytest.fixture
def library(parley_home):
    """Return a fresh library in the test's PARLEY_HOME."""
    with Library.open() as opened:
        yield opened
