"""Fixtures for the library tests: a fresh PARLEY_HOME and library file per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.store import Library


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("PARLEY_HOME", str(path))
    return path


@pytest.fixture
def library(home: Path):
    with Library.open() as lib:
        yield lib
