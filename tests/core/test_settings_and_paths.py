"""Settings file and data location: real files in a temporary PARLEY_HOME."""

from __future__ import annotations

import json

import pytest

from core import paths
from core.settings import Settings, SettingsError, load_settings, save_settings, settings_path


def test_defaults_then_round_trip(parley_home):
    assert load_settings() == Settings()
    chosen = Settings(model="base", diarize=False, num_speakers=3, api_allowed_dirs=("~/calls",), text_scale=150)
    path = save_settings(chosen)
    assert path.parent == parley_home
    loaded = load_settings()
    assert loaded.model == "base" and loaded.num_speakers == 3 and not loaded.diarize and loaded.text_scale == 150
    assert loaded.api_allowed_dirs[0].endswith("/calls") and not loaded.api_allowed_dirs[0].startswith("~")


@pytest.mark.parametrize(
    "bad",
    [dict(device="tpu"), dict(profanity="Loud"), dict(end_of_phrase_silence_ms=5), dict(min_speakers=4, max_speakers=2), dict(num_speakers=0),
     dict(text_scale=20), dict(text_scale=1000)],
)
def test_bad_values_are_refused(bad):
    with pytest.raises(SettingsError):
        save_settings(Settings(**bad))


def test_a_damaged_or_foreign_file_falls_back_to_defaults(parley_home):
    settings_path().write_text("{not json")
    assert load_settings() == Settings()
    settings_path().write_text(json.dumps({"model": "base", "from_a_newer_version": 1, "device": "tpu"}))
    assert load_settings() == Settings()
    settings_path().write_text(json.dumps({"model": "base", "from_a_newer_version": 1}))
    assert load_settings().model == "base"


def test_secrets_never_reach_the_settings_file(parley_home):
    save_settings(Settings())
    assert "token" not in settings_path().read_text().lower()


def test_the_data_location_can_be_moved_but_parley_home_wins(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    chosen = paths.choose_data_location(tmp_path / "elsewhere")
    assert paths.parley_home() != chosen, "PARLEY_HOME (set by the test fixture) wins"
    monkeypatch.delenv("PARLEY_HOME")
    assert paths.parley_home() == chosen and paths.library_path().parent == chosen
    paths.choose_data_location(None)
    assert paths.parley_home() == tmp_path / "data" / "parley"
