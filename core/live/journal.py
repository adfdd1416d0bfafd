"""What a live session keeps next to its recording so a crash loses nothing, and how it is stored at the end.

The folder audio_dir()/<conversation_id>/ holds recording.wav (the crash-safe recorder's file),
session.json (who is recording what, written once at the start) and results.jsonl (one final
result per line, appended as it happens, with some room kept for it in .results-reserve, given up when
the disk is full; between finals, lines with the committed words of the result under way, which its final
supersedes). While session.json exists the session is unfinished;
`save_session` puts the conversation in the library and then removes the two sidecar files.
Saving is idempotent, so a recovery can redo a save that was cut short.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timezone
from pathlib import Path

from core.errors import NotFoundError, StoreError, disk_hint
from core.results import Conversation, Speaker, TextForms, Utterance, Word, utc_now
from core.text.forms import forms_of_words

log = logging.getLogger(__name__)

SESSION_FILE, RESULTS_FILE, AUDIO_FILE = "session.json", "results.jsonl", "recording.wav"
# room kept for results.jsonl: the disk fills with audio first, and the finals heard after that (the last ones, said as
# the session ends) were written in part or not at all, and lost
RESERVE_FILE, RESERVE_BYTES = ".results-reserve", 256 * 1024
UNDER_WAY = "under_way"  # marks a line holding the committed words of a result not final yet (SessionJournal.hold)
REALTIME_PASS = "realtime"
REAL_TIME, REAL_TIME_AND_ASYNC = "RealTime", "RealTimeAndAsync"


@dataclass(frozen=True)
class SessionInfo:
    """What session.json says about a recording: ids, title, start, owner process, model and mode."""

    conversation_id: str
    title: str
    started: datetime
    pid: int
    source: str
    model: str
    locale: str
    mode: str = REAL_TIME_AND_ASYNC
    job_options: dict = field(default_factory=dict)
    pid_started: float | None = None  # when the owner process began: tells it from a later one given the same id

    def to_json(self) -> str:
        data = asdict(self)
        data["started"] = self.started.isoformat()
        return json.dumps(data, indent=1)

    @classmethod
    def from_json(cls, text: str) -> "SessionInfo":
        """Return the info session.json holds; fields a later version added are left out, and an owner process id that
        is no process id (damaged) is 0: no living process."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"a JSON object is expected, not {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        data = {key: value for key, value in data.items() if key in known}
        data["started"] = datetime.fromisoformat(data["started"])
        for name in ("conversation_id", "source", "model", "locale"):  # damage made them no text (null)
            if not isinstance(data.get(name), str):
                data[name] = ""
        if not isinstance(data.get("title"), str) or not data["title"].strip():
            data["title"] = f"Recovered recording {data['started'].astimezone():%Y-%m-%d %H:%M}"
        if not isinstance(data.get("mode", ""), str):
            data.pop("mode")
        if not isinstance(data.get("job_options", {}), dict):
            data.pop("job_options")
        pid = data.get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool) or not 0 < pid < 2 ** 31:
            data["pid"] = 0
        if not isinstance(data.get("pid_started"), (int, float, type(None))) or isinstance(data.get("pid_started"), bool):
            data["pid_started"] = None
        return cls(**data)

    @classmethod
    def begun_here(cls, conversation_id: str, title: str | None, source: str, model: str, locale: str, mode: str,
                   job_options=None) -> "SessionInfo":
        """Return the info of a session this process starts now (a title of its start time when none is given)."""
        from core.jobs.queue import process_started

        started = utc_now()
        return cls(conversation_id=conversation_id, title=title or f"Recording {started.astimezone():%Y-%m-%d %H:%M}",
                   started=started, pid=os.getpid(), pid_started=process_started(os.getpid()), source=source, model=model,
                   locale=locale, mode=mode, job_options=asdict(job_options) if job_options is not None else {})

    @classmethod
    def unreadable(cls, folder: Path, duration_ms: int) -> "SessionInfo":
        """Return what a recording folder with a damaged session.json is known to be: its id is the folder's name, and
        it began its recording's length (`duration_ms`) before that was last written to."""
        try:
            last = (Path(folder) / AUDIO_FILE).stat().st_mtime
        except OSError:
            last = datetime.now(tz=timezone.utc).timestamp()
        started = datetime.fromtimestamp(last - duration_ms / 1000, tz=timezone.utc)
        return cls(conversation_id=Path(folder).name, title=f"Recovered recording {started.astimezone():%Y-%m-%d %H:%M}",
                   started=started, pid=0, source="live", model="unknown", locale="en-US")


def utterance_to_dict(utterance: Utterance) -> dict:
    """Return a final result as a JSON-ready dict (the journal's line)."""
    return {
        "result_id": utterance.result_id, "offset_ms": utterance.offset_ms, "duration_ms": utterance.duration_ms,
        "forms": asdict(utterance.forms), "confidence": utterance.confidence, "speaker": utterance.speaker,
        "words": [[w.text, w.offset_ms, w.duration_ms, w.confidence, w.speaker] for w in utterance.words],
    }


def utterance_from_dict(data: dict) -> Utterance:
    """Return the Utterance a journal line holds."""
    return Utterance(
        result_id=data["result_id"], channel=0, offset_ms=int(data["offset_ms"]), duration_ms=int(data["duration_ms"]),
        forms=TextForms(**data["forms"]), confidence=float(data["confidence"]), speaker=data.get("speaker"),
        words=[Word(text, int(offset), int(duration), confidence, speaker) for text, offset, duration, confidence, speaker in data["words"]],
    )


class SessionJournal:
    """The sidecar files of a recording under way: session.json and the append-only results.jsonl."""

    def __init__(self, folder: Path, info: SessionInfo):
        self.folder = Path(folder)
        self.info = info
        self._fd: int | None = None
        self._lines: list[bytes] = []  # what results.jsonl holds, for restore()
        self._lock = threading.Lock()  # restore() comes from the capture thread, append() from the recognizer's
        try:
            self._open()
        except OSError as exc:
            raise StoreError(f"Cannot start the recording's journal in {self.folder}: {exc.strerror or exc}.",
                             hint=disk_hint(exc)) from exc

    def _open(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.folder / SESSION_FILE, self.info.to_json())
        self._fd = os.open(self.folder / RESULTS_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            (self.folder / RESERVE_FILE).write_bytes(bytes(RESERVE_BYTES))
        except OSError as exc:  # a disk this full refuses the recording too, and says so
            log.warning("could not keep room for the results in %s: %s", self.folder, exc)

    def restore(self) -> None:
        """Return None after writing the journal again in its folder, deleted while recording (the recorder's file was
        written again: core.audio.recorder), so that a crash after that is still recovered with its results."""
        with self._lock:
            if self._fd is None:
                return
            os.close(self._fd)
            self._fd = None
            try:
                (self.folder / RESULTS_FILE).unlink(missing_ok=True)
                self._open()
                for line in self._lines:
                    os.write(self._fd, line)
            except OSError as exc:  # the session keeps its results in memory and stores them at its end
                log.warning("could not write the journal in %s again: %s", self.folder, exc)

    def update(self, **changes) -> None:
        """Return None after rewriting session.json with these fields changed (in memory only when the disk refuses)."""
        self.info = replace(self.info, **changes)
        try:
            _write_atomically(self.folder / SESSION_FILE, self.info.to_json())
        except OSError as exc:  # the recording matters more: recovery would only show the older details
            log.warning("could not update %s: %s", SESSION_FILE, exc)

    def append(self, utterance: Utterance) -> None:
        """Return None once a final result's line is in results.jsonl (one unbuffered write)."""
        line = _line(utterance_to_dict(utterance))
        with self._lock:
            self._lines.append(line)
            if self._fd is not None:
                self._append(line)

    def hold(self, utterance: Utterance, stable_words: int, locale: str) -> None:
        """Return None after journaling the committed words of the result under way (`stable_words` of them), so that a
        crash keeps the words already shown as settled; the result's final supersedes the line. On a disk too full for
        it nothing is written: the room kept is for finals."""
        words = utterance.words[:stable_words]
        if not words:
            return
        if words[-1].text.rstrip(",;:"):  # read back alone, the sentence goes on no further: "Sheila in Texas," ends there
            words[-1] = replace(words[-1], text=words[-1].text.rstrip(",;:"))
        part = replace(utterance, words=words, offset_ms=words[0].offset_ms, duration_ms=words[-1].end_ms - words[0].offset_ms,
                       forms=forms_of_words((w.text for w in words), locale), alternatives=[])
        line = _line({**utterance_to_dict(part), UNDER_WAY: True})
        with self._lock:
            if self._fd is not None:
                self._append(line, reserve=False)

    def _append(self, line: bytes, *, reserve: bool = True) -> None:
        for attempt in range(2):
            size = os.fstat(self._fd).st_size
            try:
                if os.write(self._fd, line) == len(line):
                    return
                problem: OSError = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            except OSError as exc:
                problem = exc
            with contextlib.suppress(OSError):
                os.ftruncate(self._fd, size)  # no torn line: the next one is readable
            if attempt == 0 and reserve and self._release_reserve():
                continue  # the room kept for this
            log.warning("could not journal a result: %s", problem)  # the re-transcription recovers the text
            return

    def _release_reserve(self) -> bool:
        try:
            (self.folder / RESERVE_FILE).unlink()
        except OSError:
            return False
        return True

    def close(self) -> None:
        """Return None after closing results.jsonl (the files stay)."""
        with self._lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
        self._release_reserve()


def _line(data: dict) -> bytes:
    """Return a results.jsonl line: compact JSON and its newline."""
    return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _write_atomically(path: Path, text: str) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as writer:
            writer.write(text)
            writer.flush()
            os.fsync(writer.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_info(folder: Path) -> SessionInfo | None:
    """Return the session.json of a recording folder, or None when there is none (or it is unreadable)."""
    try:
        return SessionInfo.from_json((Path(folder) / SESSION_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, KeyError) as exc:
        log.warning("unreadable %s in %s: %s", SESSION_FILE, folder, exc)
        return None


def read_results(folder: Path) -> list[Utterance]:
    """Return the final results journaled in a recording folder (a line torn by a crash is skipped), and the committed
    words of the result a crash cut short."""
    path = Path(folder) / RESULTS_FILE
    results = []
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except FileNotFoundError:
        return []
    except OSError as exc:  # damaged (a folder in its place, unreadable): the recording is worth more than its captions
        log.warning("cannot read %s (%s); the recording is recovered without its captions", path, exc)
        return []
    skipped: list[int] = []
    under_way = None  # the committed words of a result the session had not finished: kept if no final came after them
    for number, line in enumerate(lines, 1):
        try:
            data = json.loads(line)
            heard = utterance_from_dict(data)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            if not skipped:
                first_error = exc
            skipped.append(number)
            continue
        if data.get(UNDER_WAY):
            under_way = heard
        else:
            results.append(heard)
            under_way = None
    if under_way is not None:
        results.append(under_way)
    if skipped:  # one line for all of them: damage made about 60 lines of warnings, twice over
        where = f"line {skipped[0]}" if len(skipped) == 1 else f"{len(skipped)} lines ({skipped[0]} to {skipped[-1]})"
        log.warning("%s: %s unreadable (%s); skipped", path, where, first_error)
    return results


def speakers_of(utterances: list[Utterance]) -> dict[int, Speaker]:
    """Return the speakers that utterances or their words name."""
    numbers = {u.speaker for u in utterances} | {w.speaker for u in utterances for w in u.words}
    return {n: Speaker(n) for n in sorted(n for n in numbers if n is not None)}


def save_session(library, info: SessionInfo, utterances: list[Utterance], audio: Path | None, duration_ms: int, *,
                 queue=None) -> str:
    """Return the conversationId after storing the conversation, its recording (None: it is gone) and realtime pass, and
    queuing the job.

    All of it is one transaction, and every step is skipped when already done (a library saved
    in several steps by an older version and cut short by a crash is completed).
    """
    from core.jobs.model import REAL_TIME_AND_ASYNC as JOB_MODE
    from core.jobs.model import JobOptions
    from core.jobs.queue import TranscriptionQueue

    cid = info.conversation_id
    with library.transaction():  # one commit: no reader sees the conversation without its pass or job
        try:
            passes = library.passes(cid)
        except NotFoundError:
            library.create_conversation(Conversation(
                conversation_id=cid, title=info.title, created=info.started, duration_ms=duration_ms,
                source=info.source, locale=info.locale, model=info.model, channels=1,
            ))
            passes = []
        if audio is not None and not library.audio_sources(cid):
            library.add_audio(cid, audio, copy=False, channels=1, duration_ms=duration_ms)
        if not any(p.kind == REALTIME_PASS for p in passes):
            ordered = sorted(utterances, key=lambda u: u.offset_ms)
            library.add_pass(cid, ordered, speakers_of(ordered), kind=REALTIME_PASS, model=info.model,
                             options={"mode": info.mode, "source": info.source})
        if info.mode == REAL_TIME_AND_ASYNC and duration_ms > 0:
            queue = queue or TranscriptionQueue(library)
            if not queue.jobs(conversation_id=cid):
                queue.enqueue(cid, JobOptions.from_json(json.dumps(info.job_options)), mode=JOB_MODE)
    return cid


def finish(folder: Path) -> None:
    """Return None after removing the sidecar files of a stored recording (the audio stays)."""
    for name in (RESERVE_FILE, RESULTS_FILE, SESSION_FILE):  # session.json last: it is what marks the folder unfinished
        path = Path(folder) / name
        try:
            if path.is_dir() and not path.is_symlink():  # damage put a folder in its place
                shutil.rmtree(path)
            path.unlink(missing_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot tidy the recording folder {folder}: {exc.strerror or exc}.") from exc
