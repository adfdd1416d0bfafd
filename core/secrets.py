"""Secrets (Hugging Face token, API keys) live in the OS keyring and nowhere else."""

from __future__ import annotations

import logging

import keyring
from keyring.errors import KeyringError

from core.errors import SecretStoreError

SERVICE = "parley"
HUGGINGFACE = "huggingface"

log = logging.getLogger(__name__)

# what keyring backends raise besides KeyringError (D-Bus, a locked collection, a broken file)
_BACKEND_FAILURES = (KeyringError, OSError, RuntimeError, KeyError, ValueError)


def _no_backend() -> bool:
    backend = keyring.get_keyring()
    return type(backend).__module__.startswith("keyring.backends.fail")


def get_secret(name: str) -> str | None:
    """Return the secret stored under `name`, or None when none is stored."""
    if _no_backend():
        return None
    try:
        return keyring.get_password(SERVICE, name)
    except _BACKEND_FAILURES as exc:
        raise SecretStoreError(f"The OS keyring refused to read '{name}': {exc}") from exc


def set_secret(name: str, value: str | None) -> None:
    """Store (or, with None or '', delete) the secret `name` in the OS keyring; returns nothing."""
    if _no_backend():
        raise SecretStoreError("No OS keyring is available to store secrets.")
    try:
        if value:
            keyring.set_password(SERVICE, name, value)
        elif keyring.get_password(SERVICE, name) is not None:
            keyring.delete_password(SERVICE, name)
    except _BACKEND_FAILURES as exc:
        raise SecretStoreError(f"The OS keyring refused to store '{name}': {exc}") from exc


def huggingface_token() -> str | None:
    """Return the Hugging Face token from the keyring, or None when none is stored."""
    return get_secret(HUGGINGFACE)
