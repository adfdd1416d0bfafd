"""User settings: a small JSON file in PARLEY_HOME. Never secrets (those go to core.secrets)."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

from core import paths
from core.errors import ParleyError

log = logging.getLogger(__name__)

FILE_NAME = "settings.json"


class SettingsError(ParleyError):
    hint = "Check the value and try again."


TEXT_SCALE_RANGE = (50, 300)  # percent


@dataclass(frozen=True)
class Settings:
    """Everything a user can choose once and keep."""

    model: str = "tiny.en"  # live captions and quick transcriptions
    retranscribe_model: str = "base"  # the background (better) pass
    language: str | None = None
    device: str = "auto"  # auto | cpu | cuda
    input_device: str | None = None  # sounddevice name; None = the system default
    diarize: bool = True
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    end_of_phrase_silence_ms: int = 800
    live_mode: str = "RealTimeAndAsync"  # or "RealTime"
    profanity: str = "Masked"
    punctuation: str = "DictatedAndAutomatic"
    api_allowed_dirs: tuple[str, ...] = field(default_factory=tuple)
    text_scale: int = 100  # the transcript's and the live captions' text size, in percent of the usual (View ▸ Larger text)
    export_format: str = "remote"  # the Export dialog's last format and folder: offered again next time
    export_folder: str | None = None

    def validated(self) -> "Settings":
        """Return the settings after checking every value (raises SettingsError)."""
        from core.asr.streaming_options import PHRASE_SILENCE_RANGE_MS
        from core.jobs.model import PROFANITY_MODES, PUNCTUATION_MODES

        if self.device not in ("auto", "cpu", "cuda"):
            raise SettingsError(f"Unknown device '{self.device}'.")
        if self.profanity not in PROFANITY_MODES:
            raise SettingsError(f"Unknown profanity mode '{self.profanity}'.")
        if self.punctuation not in PUNCTUATION_MODES:
            raise SettingsError(f"Unknown punctuation mode '{self.punctuation}'.")
        if self.live_mode not in ("RealTime", "RealTimeAndAsync"):
            raise SettingsError(f"Unknown live mode '{self.live_mode}'.")
        low, high = PHRASE_SILENCE_RANGE_MS
        if not low <= int(self.end_of_phrase_silence_ms) <= high:
            raise SettingsError(f"The end-of-phrase silence must be between {low / 1000:g} and {high / 1000:g} seconds.")
        if not TEXT_SCALE_RANGE[0] <= int(self.text_scale) <= TEXT_SCALE_RANGE[1]:
            raise SettingsError(f"A text size of {self.text_scale}% is out of range.",
                                f"Give {TEXT_SCALE_RANGE[0]} to {TEXT_SCALE_RANGE[1]} %.")
        for name in ("num_speakers", "min_speakers", "max_speakers"):
            value = getattr(self, name)
            if value is not None and int(value) < 1:
                raise SettingsError(f"{name.replace('_', ' ')} must be at least 1.")
        if self.min_speakers and self.max_speakers and self.min_speakers > self.max_speakers:
            raise SettingsError("The minimum number of speakers is larger than the maximum.")
        return replace(self, api_allowed_dirs=tuple(str(Path(d).expanduser()) for d in self.api_allowed_dirs))


def settings_path() -> Path:
    """Return the path of the settings file."""
    return paths.parley_home() / FILE_NAME


def load_settings() -> Settings:
    """Return the saved settings, or the defaults when none are saved (or the file is unreadable)."""
    path = settings_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError) as exc:
        log.warning("settings file %s is unreadable (%s); using defaults", path, exc)
        return Settings()
    known = {f.name for f in fields(Settings)}
    values = {k: v for k, v in data.items() if k in known}
    if "api_allowed_dirs" in values:
        values["api_allowed_dirs"] = tuple(values["api_allowed_dirs"] or ())
    try:
        return Settings(**values).validated()
    except (SettingsError, TypeError, ValueError) as exc:
        log.warning("settings file %s has a bad value (%s); using defaults", path, exc)
        return Settings()


def save_settings(settings: Settings) -> Path:
    """Return the path the validated settings were written to (atomically)."""
    settings = settings.validated()
    path = settings_path()
    data = asdict(settings)
    data["api_allowed_dirs"] = list(settings.api_allowed_dirs)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
        tmp = Path(handle.name)
    os.replace(tmp, path)
    return path
