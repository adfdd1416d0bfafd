"""Fixtures of the speech-service tests: a real in-memory keyring, an API key, allowed folders, a live server."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.memory_keyring import MemoryKeyring, keyring_backend
from server_support import LiveServer, excerpt

from core.server import ServerConfig
from core.settings import Settings, save_settings


@pytest.fixture(autouse=True)
def memory_keyring():
    with keyring_backend(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def api_key() -> str:
    from core.server.keys import ApiKeys

    return ApiKeys().create("tests")[1]


@pytest.fixture
def allowed_dir(tmp_path) -> Path:
    folder = tmp_path / "allowed"
    folder.mkdir()
    save_settings(Settings(api_allowed_dirs=(str(folder),)))
    return folder


@pytest.fixture
def config() -> ServerConfig:
    return ServerConfig(english_model="tiny.en", multilingual_model="", run_worker=True, maintenance_interval_s=0.5, recognitions_at_once=1)


@pytest.fixture
def server(config, api_key):
    with LiveServer(config) as live:
        yield live


@pytest.fixture
def headers(api_key) -> dict:
    return {"Ocp-Apim-Subscription-Key": api_key}


@pytest.fixture(scope="session")
def ten_seconds(sample_wav, tmp_path_factory) -> Path:
    """The sample's first ten seconds (one speaker, clear speech)."""
    return excerpt(sample_wav, tmp_path_factory.mktemp("excerpts") / "sample-0-10.wav", 0.0, 10.0)
