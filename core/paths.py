"""Where Parley keeps user data: one home folder, overridable with PARLEY_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "PARLEY_HOME"


def parley_home() -> Path:
    """Return the data folder (created if missing): $PARLEY_HOME or the platform's user data dir."""
    override = os.environ.get(ENV_VAR)
    home = Path(override).expanduser() if override else Path(platformdirs.user_data_dir("parley", "Parley"))
    home.mkdir(parents=True, exist_ok=True)
    return home


def library_path() -> Path:
    """Return the path of the SQLite conversation library."""
    return parley_home() / "library.sqlite3"


def audio_dir() -> Path:
    """Return the folder that holds recorded and imported audio (created if missing)."""
    path = parley_home() / "audio"
    path.mkdir(parents=True, exist_ok=True)
    return path


def models_dir() -> Path:
    """Return the model cache folder (created if missing)."""
    path = parley_home() / "models"
    path.mkdir(parents=True, exist_ok=True)
    return path
