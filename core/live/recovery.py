"""Recordings a crash left unfinished: find them, store them in the library with their audio, or discard them."""

from __future__ import annotations

import contextlib
import logging
import shutil
import time
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from core import paths
from core.audio.recorder import repair_wav
from core.errors import AudioError, NotFoundError, StoreError
from core.live import journal

log = logging.getLogger(__name__)

LEFT_AFTER_S = 30  # a recording folder untouched this long has no session writing to it


@dataclass(frozen=True)
class UnfinishedRecording:
    """A live recording whose process died before storing it: what survived of it."""

    conversation_id: str
    folder: Path
    title: str
    started: datetime
    duration_ms: int
    results: int
    info: journal.SessionInfo

    @property
    def audio(self) -> Path:
        return self.folder / journal.AUDIO_FILE

    @property
    def audio_lost(self) -> bool:
        """Return whether no audio was left of it when it was found: its file gone, empty, or something else in its place
        (its captions are recovered alone)."""
        return self.duration_ms == 0

    @property
    def unsaved(self) -> bool:
        """Return whether this process's session ended whole but could not be stored (a full disk), not interrupted."""
        return self.conversation_id in _left_unstored


# sessions of this process that ended without being stored (the disk was full), with their finals: recoverable now,
# not only after a restart, and with the finals a full disk kept out of their journal
_left_unstored: dict[str, list] = {}


def left_unstored(conversation_id: str, finals: list) -> None:
    """Mark a session of this process as ended without being stored, so that its recording is offered for recovery."""
    _left_unstored[conversation_id] = list(finals)


def _alive(info: journal.SessionInfo) -> bool:
    from core.jobs.queue import process_alive

    return info.conversation_id not in _left_unstored and process_alive(info.pid, info.pid_started)


def _audio_ms(path: Path) -> int:
    try:
        if not path.is_file():  # gone, or a folder in its place
            return 0
        size = path.stat().st_size
    except OSError:
        return 0
    return max(0, size - 44) // 2 * 1000 // 16_000


def _nothing_journaled(folder: Path) -> bool:
    """Return whether the session wrote no captions at all (a journal that holds something unreadable is not nothing)."""
    path = folder / journal.RESULTS_FILE
    try:
        return not path.exists() or (path.is_file() and not path.read_bytes().strip())
    except OSError:
        return False


def _damaged_and_left(folder: Path) -> bool:
    """Return whether a folder holds a recording whose session.json is there but unreadable, untouched for a while.

    session.json is written whole or not at all, so only damage makes it unreadable; a session still recording
    writes its audio every second. Ignored, such a recording was never offered, its audio and captions intact."""
    if not (folder.is_dir() and (folder / journal.SESSION_FILE).exists()):
        return False
    try:
        uuid.UUID(folder.name)
        touched = max(path.stat().st_mtime for path in folder.iterdir())
    except (ValueError, OSError):  # not a folder a session made
        return False
    return time.time() - touched > LEFT_AFTER_S


def find_unfinished_recordings() -> list[UnfinishedRecording]:
    """Return the recordings whose session process is gone without storing them, oldest first.

    One that ended before any audio or result was written (killed while the microphone opened)
    holds nothing to recover: its folder is removed, not offered as an empty conversation.
    """
    found = []
    for folder in sorted(paths.audio_dir().iterdir()):
        info = journal.read_info(folder) if folder.is_dir() else None
        if info is None and _damaged_and_left(folder):
            log.warning("recovering %s, whose %s is damaged, as %s", folder, journal.SESSION_FILE, folder.name)
            info = journal.SessionInfo.unreadable(folder, _audio_ms(folder / journal.AUDIO_FILE))
        if info is None or _alive(info):
            continue
        if info.conversation_id != folder.name:  # the folder is named by its conversation; damage changed the file
            log.warning("%s in %s names conversation %r; recovered as %s", journal.SESSION_FILE, folder,
                        info.conversation_id, folder.name)
            info = replace(info, conversation_id=folder.name)
        recording = UnfinishedRecording(
            conversation_id=info.conversation_id, folder=folder, title=info.title, started=info.started,
            duration_ms=_audio_ms(folder / journal.AUDIO_FILE), results=len(journal.read_results(folder)), info=info,
        )
        if recording.duration_ms == 0 and recording.results == 0 and _nothing_journaled(folder):
            log.info("removing the unfinished recording %s: it ended before any audio was recorded", folder)
            try:
                discard_unfinished(recording)
            except (OSError, StoreError) as exc:
                log.warning("could not remove the empty recording %s: %s", folder, exc)
            continue
        found.append(recording)
    return sorted(found, key=lambda r: r.started)


def recover(recording: UnfinishedRecording, library=None, *, queue: bool = True) -> str:
    """Return the conversationId after storing an unfinished recording: its audio, journaled results and (RealTimeAndAsync) job."""
    from core.store import Library

    results = journal.read_results(recording.folder)
    kept = _left_unstored.get(recording.conversation_id, [])
    if len(kept) > len(results):  # the session of this process heard more than its journal could keep
        results = kept
    audio: Path | None = recording.audio
    lost = recording.audio_lost
    if not lost:
        duration_ms = repair_wav(audio)
        info = recording.info if queue else _without_job(recording.info)
    elif results:  # its captions are all that is left: kept as a conversation without a recording (nothing to re-transcribe)
        log.info("the recording %s has no audio left; storing its %d captions alone", recording.folder, len(results))
        audio, duration_ms, info = None, max(u.end_ms for u in results), _without_job(recording.info)
    else:
        raise AudioError(f"The recording “{recording.title}” in {recording.folder} has no audio left, and none of its "
                         "captions can be read.",
                         hint=f"Discard it (in the app, or `parley conversations interrupted --discard "
                              f"{recording.conversation_id}`), or look at its results.jsonl there first.")
    owned = library is None
    library = library or Library.open()
    try:
        cid = journal.save_session(library, info, results, audio, duration_ms)
    finally:
        if owned:
            library.close()
    journal.finish(recording.folder)
    if lost:  # an empty file of its own is no recording to keep; a folder left empty goes too (something else stays)
        with contextlib.suppress(OSError):
            if recording.audio.is_file() and not recording.audio.is_symlink():
                recording.audio.unlink()
            recording.folder.rmdir()
    log.info("recovered %s: %d ms of audio, %d results", cid, 0 if lost else duration_ms, len(results))
    return cid


def _without_job(info: journal.SessionInfo) -> journal.SessionInfo:
    return replace(info, mode=journal.REAL_TIME)


def discard_unfinished(recording: UnfinishedRecording) -> None:
    """Return None after deleting an unfinished recording's folder (audio included).

    One the library holds after all (stored, then its journal could not be removed) keeps its audio:
    only the journal goes.
    """
    root = paths.audio_dir().resolve()
    folder = recording.folder.resolve()
    if root not in folder.parents:
        raise StoreError(f"Not deleting {folder}: it is outside the audio folder {root}.")
    if _in_library(recording.conversation_id):
        log.warning("not deleting %s: the library holds its conversation; removing its journal only", folder)
        journal.finish(folder)
        return
    shutil.rmtree(folder)


def _in_library(conversation_id: str) -> bool:
    from core.store import Library

    with Library.open() as library:
        try:
            library.passes(conversation_id)
        except NotFoundError:
            return False
    return True
