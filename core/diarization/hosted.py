"""pyannote's hosted pipelines (e.g. ``pyannote/speaker-diarization-community-1``), once downloaded.

A hosted pipeline is a folder with ``config.yaml`` and one sub-folder per model. It is found,
in this order, at a local path the caller names, in Parley's model folder
(``<PARLEY_HOME>/models/hub-<owner>--<name>``) or in the Hugging Face cache. Nothing is
downloaded unless the caller passes ``allow_download=True``; the token for a download comes
from the argument or from the OS keyring (service "parley", user "huggingface").
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from core import paths
from core.errors import ModelError, SecretStoreError

log = logging.getLogger(__name__)

KEYRING_SERVICE = "parley"
KEYRING_USER = "huggingface"


def keyring_token() -> str | None:
    """Return the Hugging Face token stored in the OS keyring (None when none is stored)."""
    import keyring
    from keyring.errors import KeyringError, NoKeyringError

    try:
        return keyring.get_password(KEYRING_SERVICE, KEYRING_USER)
    except NoKeyringError as exc:
        raise SecretStoreError(
            "No OS keyring is available to read the Hugging Face token."
        ) from exc
    except KeyringError as exc:
        raise SecretStoreError(f"The OS keyring refused to read the Hugging Face token: {exc}") from exc


def hub_folder(repo_id: str) -> Path:
    """Return the folder under Parley's model folder where a hosted pipeline is kept."""
    return paths.models_dir() / f"hub-{repo_id.replace('/', '--')}"


def _cached_snapshot(repo_id: str) -> Path | None:
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import LocalEntryNotFoundError

    try:
        return Path(snapshot_download(repo_id, local_files_only=True))
    except (LocalEntryNotFoundError, FileNotFoundError, OSError):
        return None


def locate_pipeline(name_or_path: str | os.PathLike) -> Path | None:
    """Return the local folder (or config.yaml) of a hosted pipeline, or None when not downloaded."""
    path = Path(name_or_path).expanduser()
    if path.is_file() or (path.is_dir() and (path / "config.yaml").is_file()):
        return path
    name = str(name_or_path)
    if name.count("/") != 1 or path.exists():
        return None
    folder = hub_folder(name)
    if (folder / "config.yaml").is_file():
        return folder
    return _cached_snapshot(name)


def download_pipeline(repo_id: str, *, token: str | None = None) -> Path:
    """Return the folder of a hosted pipeline downloaded from the Hugging Face hub (network!)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    if token is None:
        token = keyring_token()
    target = hub_folder(repo_id)
    try:
        return Path(snapshot_download(repo_id, local_dir=target, token=token))
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as exc:
        raise ModelError(
            f"Could not download the pipeline {repo_id}: {exc}",
            hint="Check the network, accept the model's conditions on huggingface.co and store your token.",
        ) from exc


def load_hosted_pipeline(name_or_path: str | os.PathLike, *, token: str | None = None, allow_download: bool = False):
    """Return the pyannote Pipeline at a local path or of a downloaded hosted pipeline name."""
    from pyannote.audio import Pipeline

    from core.diarization.pipeline import disable_telemetry

    disable_telemetry()
    local = Path(name_or_path).expanduser()
    is_hub_name = not local.exists() and str(name_or_path).count("/") == 1
    if is_hub_name and token is None:
        token = keyring_token()  # a local folder needs no token
    location = locate_pipeline(name_or_path)
    if location is None:
        if not allow_download or not is_hub_name:
            raise ModelError(
                f"The diarization pipeline '{name_or_path}' is not downloaded.",
                hint="Download it once (this needs a Hugging Face token in the keyring), or use the embedded pipeline.",
            )
        location = download_pipeline(str(name_or_path), token=token)
    try:
        pipeline = Pipeline.from_pretrained(location, token=token)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise ModelError(f"Could not load the diarization pipeline at {location}: {exc}") from exc
    if pipeline is None:
        raise ModelError(f"Could not load the diarization pipeline at {location}.")
    log.info("loaded hosted diarization pipeline from %s", location)
    return pipeline
