"""Crash safety: a live session killed with SIGKILL mid-recording is found and recovered with at most 1 s of audio lost."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.slow

from core.audio.decode import load_audio
from core.errors import AudioError
from core.jobs.queue import TranscriptionQueue
from core.live import discard_unfinished, find_unfinished_recordings, journal, recover
from core.store import Library
from helpers.library import unfinished_folder as _unfinished_folder

ROOT = Path(__file__).resolve().parents[3]
SPEED = 2.0

CHILD = textwrap.dedent(
    """
    import json, sys, time
    from core.audio.capture import FileSource
    from core.live import ConversationTranscriber
    finals, settled = [], [[]]  # settled: the committed words shown of the result under way
    t = ConversationTranscriber(FileSource(sys.argv[1], speed=float(sys.argv[2])))
    t.transcribed.connect(lambda args: (finals.append(args.result.text), settled.__setitem__(0, [])))
    t.transcribing.connect(lambda args: settled.__setitem__(0, [w.text for w in args.result.utterance.words[:args.result.stable_words]]))
    t.start()
    started = time.time()
    print(json.dumps({"started": started, "id": t.conversation_id}), flush=True)
    while True:
        print(json.dumps({"recorded": t.recorded_ms, "finals": len(finals), "settled": settled[0]}), flush=True)
        time.sleep(0.1)
    """
)


@pytest.fixture(scope="module")
def crashed(tmp_path_factory, sample_wav):
    """A child process records the sample at 2x and is killed with SIGKILL after its first final result, while words of
    the next one are shown as settled."""
    home = tmp_path_factory.mktemp("crash-home")
    env = {**os.environ, "PARLEY_HOME": str(home)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(sample_wav), str(SPEED)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, text=True)
    head, last = None, {"recorded": 0, "finals": 0}
    try:
        for line in child.stdout:
            data = json.loads(line)
            if "started" in data:
                head = data
                continue
            last = data
            if (data["finals"] >= 1 and data["recorded"] >= 12_000 and len(data["settled"]) >= 2) or data["recorded"] >= 28_000:
                break
        killed_at = time.time()
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(30)
    assert child.returncode == -signal.SIGKILL and head is not None
    delivered_ms = min(30_000, int((killed_at - head["started"]) * SPEED * 1000))  # an upper bound
    return {"home": home, "id": head["id"], "delivered_ms": delivered_ms, "last": last}


def test_the_killed_session_is_offered_for_recovery(crashed, monkeypatch):
    monkeypatch.setenv("PARLEY_HOME", str(crashed["home"]))
    [unfinished] = find_unfinished_recordings()
    assert unfinished.conversation_id == crashed["id"]
    assert unfinished.title.startswith("Recording ")
    assert unfinished.results >= crashed["last"]["finals"]
    assert unfinished.duration_ms >= crashed["last"]["recorded"]
    assert list(crashed["home"].glob("live-session*.pid"))  # the dead process's marker: ignored as stale
    from core.jobs.live import live_session_running

    assert not live_session_running()
    assert not list(crashed["home"].glob("live-session*.pid"))  # and removed: killed sessions' markers do not pile up


def test_recovery_stores_the_audio_with_at_most_one_second_lost(crashed, monkeypatch, sample_wav):
    monkeypatch.setenv("PARLEY_HOME", str(crashed["home"]))
    [unfinished] = find_unfinished_recordings()
    journaled = journal.read_results(unfinished.folder)
    cid = recover(unfinished)
    assert cid == crashed["id"]
    with Library.open() as library:
        conversation = library.get_conversation(cid)
        audio_path = library.audio_path(cid)
        passes = library.passes(cid)
        jobs = TranscriptionQueue(library).jobs(conversation_id=cid)
    lost_ms = crashed["delivered_ms"] - conversation.duration_ms
    assert lost_ms <= 1000, f"{lost_ms} ms lost"
    assert conversation.duration_ms >= crashed["last"]["recorded"]
    recorded, original = load_audio(audio_path), load_audio(sample_wav)
    assert len(recorded) == conversation.duration_ms * 16
    assert np.max(np.abs(recorded - original[: len(recorded)])) < 1e-3  # the very samples that were played
    assert [p.kind for p in passes] == ["realtime"]
    assert [u.display for u in conversation.ordered()] == [u.display for u in journaled]
    assert len(journaled) >= crashed["last"]["finals"]
    # the words shown as settled of the result the kill cut short are kept (they were lost with it)
    settled = [w.rstrip(",;:") for w in crashed["last"]["settled"]]  # (read back alone, a phrase ends without its comma)
    assert len(settled) >= 2
    stored = [w.text.rstrip(",;:") for u in conversation.ordered() for w in u.words]
    assert any(stored[k:k + len(settled)] == settled for k in range(len(stored))), (settled, stored)
    assert [(j.mode, j.state) for j in jobs] == [("RealTimeAndAsync", "NotStarted")]
    assert find_unfinished_recordings() == []
    assert sorted(p.name for p in audio_path.parent.iterdir()) == ["recording.wav"]


def test_a_session_killed_before_any_audio_is_removed_not_offered(parley_home):
    """Killed while the microphone opened: nothing was recorded, so there is no empty conversation to store."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    empty = _unfinished_folder(parley_home, int(dead.stdout), seconds=0)
    kept = _unfinished_folder(parley_home, int(dead.stdout), "00000000-0000-4000-8000-000000000002")
    assert [r.folder for r in find_unfinished_recordings()] == [kept]
    assert not empty.exists() and (kept / journal.AUDIO_FILE).exists()


def test_a_session_of_a_living_process_is_not_offered(parley_home):
    _unfinished_folder(parley_home, os.getpid())
    assert find_unfinished_recordings() == []


def test_a_session_whose_process_id_now_belongs_to_another_process_is_offered(parley_home):
    """After a power cut or a container restart the recording's process id may be taken by another process."""
    import psutil

    other = subprocess.Popen(["sleep", "60"])
    try:
        began = psutil.Process(other.pid).create_time()
        _unfinished_folder(parley_home, other.pid, pid_started=began)  # that very process: still recording
        assert find_unfinished_recordings() == []
        _unfinished_folder(parley_home, other.pid, "00000000-0000-4000-8000-000000000002", pid_started=began - 3600)
        [unfinished] = find_unfinished_recordings()  # a process of an hour ago, whose id was given again
        assert unfinished.conversation_id == "00000000-0000-4000-8000-000000000002"
    finally:
        other.kill()
        other.wait()


def test_recovery_finishes_a_save_that_was_cut_short_and_discard_deletes(parley_home):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    folder = _unfinished_folder(parley_home, int(dead.stdout))
    [unfinished] = find_unfinished_recordings()
    info = unfinished.info
    with Library.open() as library:  # the crash came after the conversation row was written
        from core.results import Conversation

        library.create_conversation(Conversation(info.conversation_id, info.title, info.started, 0, info.source,
                                                 info.locale, info.model))
        cid = recover(unfinished, library, queue=False)
        assert library.audio_sources(cid)[0].duration_ms == 1000
        assert TranscriptionQueue(library).jobs(conversation_id=cid) == []
        assert [p.kind for p in library.passes(cid)] == ["realtime"]
    assert find_unfinished_recordings() == []
    other = _unfinished_folder(parley_home, int(dead.stdout), "00000000-0000-4000-8000-000000000002")
    [again] = find_unfinished_recordings()
    discard_unfinished(again)
    assert not other.exists() and (folder / journal.AUDIO_FILE).exists()



def test_discarding_a_recording_the_library_already_holds_keeps_its_audio(parley_home):
    """Stored, but its journal could not be removed afterwards: offered again, Discard must not delete the library's audio."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    folder = _unfinished_folder(parley_home, int(dead.stdout))
    [unfinished] = find_unfinished_recordings()
    cid = recover(unfinished, queue=False)
    journal.SessionJournal(folder, unfinished.info).close()  # the sidecar files are back, as when finish() failed
    [again] = find_unfinished_recordings()
    discard_unfinished(again)
    assert sorted(p.name for p in folder.iterdir()) == [journal.AUDIO_FILE]  # the journal went, the audio stayed
    with Library.open() as library:
        assert library.audio_path(cid).resolve() == (folder / journal.AUDIO_FILE).resolve()
        assert library.get_conversation(cid).duration_ms == 1000
    assert find_unfinished_recordings() == []

def test_deleting_a_recorded_conversation_deletes_its_recording(parley_home):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    folder = _unfinished_folder(parley_home, int(dead.stdout))
    [unfinished] = find_unfinished_recordings()
    cid = recover(unfinished, queue=False)
    with Library.open() as library:
        library.delete_conversation(cid)
    assert not (folder / journal.AUDIO_FILE).exists()


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)


@pytest.mark.parametrize("pid", ["1234", -1, 99999999999, None, True])
def test_a_leftover_whose_owner_id_is_damaged_is_recovered_and_the_others_too(parley_home, pid):
    """A session.json whose pid is no process id made every start fail with a traceback (TypeError, ValueError,
    OverflowError), and the intact leftovers beside it were never recovered."""
    damaged = _unfinished_folder(parley_home, _dead_pid())
    data = json.loads((damaged / journal.SESSION_FILE).read_text())
    data["pid"], data["pid_started"] = pid, "yesterday"
    (damaged / journal.SESSION_FILE).write_text(json.dumps(data))
    _unfinished_folder(parley_home, _dead_pid(), "00000000-0000-4000-8000-000000000002")
    found = find_unfinished_recordings()
    assert [r.conversation_id for r in found] == ["00000000-0000-4000-8000-000000000001",
                                                  "00000000-0000-4000-8000-000000000002"]
    assert [recover(r) for r in found] == [r.conversation_id for r in found]


def test_a_leftover_written_by_a_later_version_is_recovered(parley_home):
    folder = _unfinished_folder(parley_home, _dead_pid())
    data = json.loads((folder / journal.SESSION_FILE).read_text())
    (folder / journal.SESSION_FILE).write_text(json.dumps({**data, "microphone_gain": 0.8}))
    [found] = find_unfinished_recordings()
    assert found.title == "Left over" and found.info.model == "tiny.en"


@pytest.mark.parametrize("damage", ["torn", "empty", "list", "folder"])
def test_a_leftover_whose_session_file_is_damaged_is_recovered_under_its_folder_name(parley_home, damage):
    """session.json is written whole or not at all, so only damage makes it unreadable. Such a recording, its audio
    and captions intact, was never offered: a warning at each start was all that said it was there."""
    folder = _unfinished_folder(parley_home, _dead_pid())
    line = json.dumps(journal.utterance_to_dict(_utterance("Hello there.")))
    (folder / journal.RESULTS_FILE).write_text(line + "\n")
    session = folder / journal.SESSION_FILE
    session.unlink()
    {"torn": lambda: session.write_text('{"conversation_id": "00000000-0000-4000-8000-0000'),
     "empty": lambda: session.write_text(""), "list": lambda: session.write_text("[1, 2]"),
     "folder": session.mkdir}[damage]()
    assert find_unfinished_recordings() == []  # a folder touched just now may be a session still writing
    old = time.time() - 120
    for path in folder.iterdir():
        os.utime(path, (old, old))
    [found] = find_unfinished_recordings()
    assert found.conversation_id == folder.name and found.results == 1
    cid = recover(found)
    with Library.open() as library:
        conversation = library.get_conversation(cid)
        assert [u.display for u in conversation.ordered()] == ["Hello there."]
        assert library.audio_sources(cid)[0].duration_ms == 1000
    assert find_unfinished_recordings() == []


def test_a_leftover_whose_captions_cannot_be_read_is_recovered_with_its_audio(parley_home):
    folder = _unfinished_folder(parley_home, _dead_pid())
    (folder / journal.RESULTS_FILE).unlink()
    (folder / journal.RESULTS_FILE).mkdir()
    [found] = find_unfinished_recordings()
    with Library.open() as library:
        assert library.audio_sources(recover(found, library))[0].duration_ms == 1000


@pytest.mark.parametrize("left", ["gone", "empty", "header only", "folder"])
def test_a_leftover_whose_audio_file_is_gone_keeps_its_captions(parley_home, capsys, left):
    """Its recording.wav deleted, recovery failed at every start and the leftover was announced for ever, its captions
    never stored. They are stored now as a conversation without a recording, and nothing is queued to re-transcribe.
    An empty file in its place was stored as a recording of 0 s, and a folder there was refused at every start."""
    from core.cli.live import recover_unfinished

    folder = _unfinished_folder(parley_home, _dead_pid())
    (folder / journal.RESULTS_FILE).write_text(json.dumps(journal.utterance_to_dict(_utterance("Hello there."))) + "\n")
    audio = folder / journal.AUDIO_FILE
    {"gone": audio.unlink, "empty": lambda: audio.write_bytes(b""), "header only": lambda: audio.write_bytes(audio.read_bytes()[:44]),
     "folder": lambda: (audio.unlink(), audio.mkdir())}[left]()
    [found] = find_unfinished_recordings()
    assert found.audio_lost and found.results == 1
    recover_unfinished()
    assert "its audio file was gone: 1 captions kept" in capsys.readouterr().err
    assert find_unfinished_recordings() == [] and not (folder / journal.SESSION_FILE).exists()
    with Library.open() as library:
        conversation = library.get_conversation(found.conversation_id)
        assert [u.display for u in conversation.ordered()] == ["Hello there."]
        assert conversation.duration_ms == 600 and library.audio_sources(found.conversation_id) == []
        assert TranscriptionQueue(library).jobs(conversation_id=found.conversation_id) == []
        from core.errors import JobError

        with pytest.raises(JobError, match="was stored without a recording: there is nothing to transcribe again"):
            TranscriptionQueue(library).enqueue(found.conversation_id)
    assert folder.exists() == (left == "folder")  # an empty file of its own goes, with the folder; a folder put there stays


def test_a_leftover_whose_captions_cannot_be_read_and_whose_audio_is_gone_is_offered_not_deleted(parley_home):
    """Such a folder was taken for a session killed before it recorded anything, and deleted without a word."""
    folder = _unfinished_folder(parley_home, _dead_pid())
    (folder / journal.AUDIO_FILE).unlink()
    (folder / journal.RESULTS_FILE).write_bytes(b"\x00\xff garbage that is no JSON\n")
    [found] = find_unfinished_recordings()
    assert found.audio_lost and found.results == 0
    with pytest.raises(AudioError, match="has no audio left, and none of its captions can be read") as raised:
        recover(found)
    assert f"interrupted --discard {found.conversation_id}" in raised.value.hint
    assert (folder / journal.RESULTS_FILE).exists()
    discard_unfinished(found)
    assert not folder.exists()


def _utterance(text: str):
    from core.results import Utterance, Word
    from core.text.forms import forms_from_display

    return Utterance(result_id="0" * 32, channel=0, offset_ms=100, duration_ms=500, forms=forms_from_display(text, "en-US"),
                     confidence=0.9, words=[Word(w, 100 + 250 * k, 200, 0.9) for k, w in enumerate(text.split())])


@pytest.mark.parametrize("damage", [{"title": None}, {"title": "  "}, {"conversation_id": "../../etc"},
                                    {"source": None, "model": 5, "locale": None, "mode": None, "job_options": []}])
def test_a_leftover_whose_session_file_says_wrong_things_is_recovered_under_its_folder(parley_home, damage):
    """JSON that reads but says damaged things: a null title failed every start (NOT NULL constraint); another id
    stored the conversation under it, its audio in the folder of the real one."""
    folder = _unfinished_folder(parley_home, _dead_pid())
    data = json.loads((folder / journal.SESSION_FILE).read_text())
    (folder / journal.SESSION_FILE).write_text(json.dumps({**data, **damage}))
    [found] = find_unfinished_recordings()
    assert found.conversation_id == folder.name
    cid = recover(found)
    with Library.open() as library:
        assert cid == folder.name and library.get_conversation(cid).title.strip()
        assert library.audio_sources(cid)[0].duration_ms == 1000


def test_damaged_journal_lines_are_skipped_with_one_warning(tmp_path, caplog):
    """Random bytes appended to results.jsonl made about 60 warnings, each printed twice (review)."""
    import logging

    from core.results import Utterance, Word
    from core.text.forms import forms_from_display

    utterance = Utterance(result_id="r1", channel=0, offset_ms=0, duration_ms=500, forms=forms_from_display("Hello."),
                          confidence=0.9, words=[Word("Hello.", 0, 500, 0.9)])
    good = json.dumps(journal.utterance_to_dict(utterance))
    (tmp_path / journal.RESULTS_FILE).write_bytes(good.encode() + b"\n" + os.urandom(4000).replace(b"\n", b"\n\x01"))
    with caplog.at_level(logging.WARNING, logger="core.live.journal"):
        assert [u.display for u in journal.read_results(tmp_path)] == ["Hello."]
    [said] = [r.getMessage() for r in caplog.records]
    assert "unreadable" in said and "skipped" in said
