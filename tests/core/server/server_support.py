"""Test support for the speech service: keyrings that really store, a live server on a loopback port, audio."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors


class FileKeyring(keyring.backend.KeyringBackend):
    """A keyring backend shared by processes through a JSON file named by $PARLEY_TEST_KEYRING (tests only)."""

    priority = -1  # never chosen by keyring on its own (nor chained): tests install it explicitly

    @property
    def _path(self) -> Path:
        import os

        return Path(os.environ["PARLEY_TEST_KEYRING"])

    def _load(self) -> dict:
        try:
            return json.loads(self._path.read_text())
        except FileNotFoundError:
            return {}

    def set_password(self, service, username, password):
        data = self._load()
        data[f"{service}\n{username}"] = password
        self._path.write_text(json.dumps(data))

    def get_password(self, service, username):
        return self._load().get(f"{service}\n{username}")

    def delete_password(self, service, username):
        data = self._load()
        if data.pop(f"{service}\n{username}", None) is None:
            raise keyring.errors.PasswordDeleteError(username)
        self._path.write_text(json.dumps(data))


class LiveServer:
    """The speech service run by uvicorn in a thread on 127.0.0.1 and an ephemeral port."""

    def __init__(self, config):
        import uvicorn

        from core.server import create_app

        self.app = create_app(config)
        self.server = uvicorn.Server(uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the speech service did not start")
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)

    @property
    def services(self):
        return self.app.state.services


def wait_for(predicate, timeout: float = 120.0, interval: float = 0.25):
    """Return the predicate's first truthy value, polling until timeout (then fail)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")


def excerpt(src: Path, dst: Path, start_s: float, seconds: float) -> Path:
    """Write `seconds` of a 16 kHz mono WAV from `start_s` to dst and return it."""
    import wave

    with wave.open(str(src), "rb") as reader:
        rate = reader.getframerate()
        reader.setpos(int(start_s * rate))
        frames = reader.readframes(int(seconds * rate))
        params = reader.getparams()
    with wave.open(str(dst), "wb") as writer:
        writer.setparams(params)
        writer.writeframes(frames)
    return dst
