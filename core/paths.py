"""Where Parley keeps user data: one home folder, overridable with PARLEY_HOME."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

ENV_VAR = "PARLEY_HOME"


def _location_file() -> Path:
    return Path(platformdirs.user_config_dir("parley", "Parley")) / "data-location"


def parley_home() -> Path:
    """Return the data folder (created if missing): $PARLEY_HOME, the chosen location, or the platform default."""
    override = os.environ.get(ENV_VAR)
    if override:
        home = Path(override).expanduser()
    else:
        try:
            chosen = _location_file().read_text(encoding="utf-8").strip()
        except OSError:
            chosen = ""
        home = Path(chosen) if chosen else Path(platformdirs.user_data_dir("parley", "Parley"))
    return _made(home, "as Parley's data folder")


def _made(folder: Path, role: str) -> Path:
    """Return `folder` once it exists; raise StoreError (with a hint) when it cannot be made (read-only, full, not a folder)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from core.errors import StoreError, disk_hint

        raise StoreError(f"Cannot use {folder} {role}: {exc.strerror or exc}.", hint=disk_hint(exc)) from exc
    return folder


def choose_data_location(folder: Path | None) -> Path:
    """Return the folder Parley will use from its next start (None restores the default); PARLEY_HOME still wins."""
    pointer = _location_file()
    if folder is None:
        pointer.unlink(missing_ok=True)
        return Path(platformdirs.user_data_dir("parley", "Parley"))
    folder = Path(folder).expanduser().resolve()
    folder.mkdir(parents=True, exist_ok=True)
    pointer.parent.mkdir(parents=True, exist_ok=True)
    pointer.write_text(str(folder), encoding="utf-8")
    return folder


def library_path() -> Path:
    """Return the path of the SQLite conversation library."""
    return parley_home() / "library.sqlite3"


def audio_dir() -> Path:
    """Return the folder that holds recorded and imported audio (created if missing)."""
    return _made(parley_home() / "audio", "for Parley's recordings")


def models_dir() -> Path:
    """Return the model cache folder (created if missing)."""
    return _made(parley_home() / "models", "for Parley's models")
