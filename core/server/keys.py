"""API keys of the local speech service: created, listed and revoked; kept only in the OS keyring.

The keyring holds the list of keys (id, name, creation time) under "api-keys" and, for each key,
the SHA-256 of the key under "api-key:<id>". The key itself is shown once, when it is created.
Checking a key hashes it and compares it with every stored hash in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from core.errors import NotFoundError, ParleyError, SecretStoreError
from core.secrets import get_secret, set_secret

KEY_LIST = "api-keys"
KEY_HASH = "api-key:{}"
CACHE_S = 1.0  # a revocation made by another process counts within this time


class ApiKeyError(ParleyError):
    """An API key could not be created or found."""

    hint = "List the keys with `parley keys list`; create one with `parley keys create`."


@dataclass(frozen=True)
class ApiKey:
    """One API key as listed: its id, the name the user gave it and when it was created (never the key)."""

    key_id: str
    name: str
    created: datetime


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


class ApiKeys:
    """The keys in the keyring, with a short cache so each request does not ask the keyring."""

    def __init__(self, cache_s: float = CACHE_S):
        self.cache_s = cache_s
        self._lock = threading.Lock()
        self._cached: tuple[float, list[tuple[str, str]]] | None = None

    def _entries(self) -> list[dict]:
        raw = get_secret(KEY_LIST)
        if not raw:
            return []
        try:
            entries = json.loads(raw)
        except ValueError as exc:
            raise SecretStoreError("The list of API keys in the keyring is damaged.", "Revoke and create the keys again.") from exc
        return [e for e in entries if isinstance(e, dict) and "id" in e]

    def _save(self, entries: list[dict]) -> None:
        set_secret(KEY_LIST, json.dumps(entries) if entries else None)
        self._cached = None

    def create(self, name: str = "") -> tuple[ApiKey, str]:
        """Return a new key's listing and the key itself (32 hex digits, shown only now)."""
        key = secrets.token_hex(16)
        with self._lock:
            entries = self._entries()
            key_id = secrets.token_hex(4)
            while any(e["id"] == key_id for e in entries):
                key_id = secrets.token_hex(4)
            created = datetime.now(timezone.utc).replace(microsecond=0)
            set_secret(KEY_HASH.format(key_id), _digest(key))
            entries.append({"id": key_id, "name": " ".join((name or "").split()), "created": created.isoformat()})
            self._save(entries)
        return ApiKey(key_id, entries[-1]["name"], created), key

    def list(self) -> list[ApiKey]:
        """Return the keys, oldest first (ids, names and times; the keys themselves are not kept)."""
        with self._lock:
            entries = self._entries()
        return [ApiKey(e["id"], e.get("name", ""), datetime.fromisoformat(e["created"])) for e in entries]

    def revoke(self, key_id: str) -> ApiKey:
        """Return the key revoked: it and the tokens issued with it stop working."""
        with self._lock:
            entries = self._entries()
            found = [e for e in entries if e["id"] == key_id]
            if not found:
                raise NotFoundError(f"There is no API key '{key_id}'.", ApiKeyError.hint)
            set_secret(KEY_HASH.format(key_id), None)
            self._save([e for e in entries if e["id"] != key_id])
        entry = found[0]
        return ApiKey(entry["id"], entry.get("name", ""), datetime.fromisoformat(entry["created"]))

    def _hashes(self) -> list[tuple[str, str]]:
        now = time.monotonic()
        with self._lock:
            if self._cached is not None and now - self._cached[0] < self.cache_s:
                return self._cached[1]
            pairs = []
            for entry in self._entries():
                digest = get_secret(KEY_HASH.format(entry["id"]))
                if digest:
                    pairs.append((entry["id"], digest))
            self._cached = (now, pairs)
            return pairs

    def verify(self, key: str | None) -> str | None:
        """Return the id of the key, or None when it is not a current key (compared in constant time)."""
        if not key:
            return None
        candidate = _digest(key)
        found = None
        for key_id, digest in self._hashes():
            if hmac.compare_digest(candidate, digest) and found is None:
                found = key_id
        return found

    def is_active(self, key_id: str) -> bool:
        """Return whether a key id is still listed (tokens of revoked keys stop working)."""
        return any(hmac.compare_digest(key_id.encode(), k.encode()) for k, _ in self._hashes())

    def forget_cache(self) -> None:
        """Drop the cached list, so the next check reads the keyring; returns nothing."""
        with self._lock:
            self._cached = None
