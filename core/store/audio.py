"""The recordings behind conversations: copies the library owns under audio_dir(), or references.

Only copies are ever deleted with their conversation; a referenced file is the user's own and
stays where it is. Every copy is checksummed (sha256) so a later check can tell it is intact.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlite_utils import Database

from core.errors import AudioNotFoundError, StoreError
from core.store.records import AudioSource, from_db_time

log = logging.getLogger(__name__)

_CHUNK = 1 << 20


@dataclass(frozen=True)
class PlacedAudio:
    """A recording ready to be recorded in audio_sources: the library's copy, or the user's file in place."""

    path: Path
    sha256: str
    channels: int
    duration_ms: int
    copied: bool

    def discard(self) -> None:
        """Return None after removing the copy (never a referenced file) when its row is not saved."""
        if self.copied:
            discard_copy(self.path)


def sha256_of(path: Path) -> str:
    """Return the hex sha256 digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(_CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def conversation_audio_dir(audio_root: Path, conversation_id: str) -> Path:
    """Return the folder that holds the audio copies of one conversation."""
    return audio_root / conversation_id


def copy_into(source: Path, folder: Path) -> tuple[Path, str]:
    """Return (path of a new copy of `source` in `folder`, its sha256); the name is kept unless taken."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / source.name
    counter = 1
    while target.exists():
        target = folder / f"{source.stem}-{counter}{source.suffix}"
        counter += 1
    digest = hashlib.sha256()
    handle, temporary = tempfile.mkstemp(dir=folder, prefix=".copy-", suffix=source.suffix)
    try:
        with source.open("rb") as reader, os.fdopen(handle, "wb") as writer:
            for block in iter(lambda: reader.read(_CHUNK), b""):
                digest.update(block)
                writer.write(block)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target, digest.hexdigest()


def probe_audio(path: Path) -> tuple[int, int]:
    """Return (channels, duration_ms) of a recording, as the decoder reports them."""
    from core.audio.decode import probe  # PyAV is only needed when the caller did not say

    info = probe(path)
    return info.channels, info.duration_ms


def source_from_row(row: tuple) -> AudioSource:
    """Return the AudioSource an audio_sources row holds."""
    source_id, conversation_id, path, channels, duration_ms, sha256, copied, added = row
    return AudioSource(
        source_id=source_id, conversation_id=conversation_id, path=Path(path), channels=channels,
        duration_ms=duration_ms, sha256=sha256, copied=bool(copied), added=from_db_time(added),
    )


COLUMNS = "id, conversation_id, path, channels, duration_ms, sha256, copied, added"


def list_sources(db: Database, conversation_id: str) -> list[AudioSource]:
    """Return the recordings of a conversation in the order they were added."""
    rows = db.execute(
        f"SELECT {COLUMNS} FROM audio_sources WHERE conversation_id = ? ORDER BY id", [conversation_id]
    )
    return [source_from_row(row) for row in rows]


def existing_audio(sources: list[AudioSource], title: str) -> AudioSource:
    """Return the first recording whose file is present; raise AudioNotFoundError naming what is missing."""
    if not sources:
        raise AudioNotFoundError(f"The conversation “{title}” has no recording in the library.")
    for source in sources:
        if source.exists:
            return source
    missing = ", ".join(str(s.path) for s in sources)
    raise AudioNotFoundError(
        f"The recording of “{title}” is missing: {missing}.",
        hint="Put the file back where it was, or add the recording again; the transcript is still available.",
    )


def remove_copies(sources: list[AudioSource], audio_root: Path) -> list[Path]:
    """Return the library's own files that were deleted (copies, and recordings made in audio_root); references elsewhere stay."""
    root = audio_root.resolve()
    removed: list[Path] = []
    folders: set[Path] = set()
    for source in sources:
        path = source.path.resolve()
        if not source.copied and root not in path.parents:  # the user's own file, only referenced
            continue
        if root not in path.parents:
            log.warning("not deleting %s: it is outside the audio folder %s", path, root)
            continue
        try:
            path.unlink(missing_ok=True)
            removed.append(path)
        except OSError as exc:
            log.warning("could not delete the audio copy %s: %s", path, exc)
        folders.add(path.parent)
    for folder in folders:
        if folder != root and not any(folder.iterdir()):
            folder.rmdir()
    return removed


def check_source_file(source_path: Path) -> Path:
    """Return the absolute path of a recording to add; raise AudioNotFoundError when it is not a file."""
    path = Path(source_path).expanduser()
    if not path.is_file():
        raise AudioNotFoundError(f"There is no recording at {path}.")
    try:
        return path.resolve()
    except OSError as exc:
        raise StoreError(f"Cannot read the recording {path}: {exc}.") from exc


def discard_copy(path: Path) -> None:
    """Return None after removing a copy whose row could not be saved (and its folder if now empty)."""
    try:
        path.unlink(missing_ok=True)
        if not any(path.parent.iterdir()):
            path.parent.rmdir()
    except OSError as exc:
        log.warning("could not remove the unsaved audio copy %s: %s", path, exc)

