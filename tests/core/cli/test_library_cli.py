"""`parley conversations`, `queue`, `worker`, `remote` and `export` on a real library and the real model."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from core.cli import main
from core.store import Library
from core.results import Speaker, new_conversation_id


@pytest.fixture
def stored(sample_conversation, sample_wav, parley_home):
    """Return the id of the sample conversation stored with two speakers taking turns, and its recording."""
    conversation = sample_conversation.with_utterances(
        [replace(u, speaker=1 + i % 2) for i, u in enumerate(sample_conversation.utterances)]
    )
    conversation.speakers = {1: Speaker(1), 2: Speaker(2)}
    with Library.open() as library:
        cid = library.save_conversation(conversation)
        library.add_audio(cid, sample_wav)
        return cid


def test_list_show_search(stored, capsys):
    assert main(["conversations", "list"]) == 0
    assert stored in capsys.readouterr().out
    assert main(["conversations", "show", stored]) == 0
    shown = capsys.readouterr().out
    assert "Guest-1:" in shown and "Guest-2:" in shown
    assert main(["conversations", "search", "jersey"]) == 0
    hits = capsys.readouterr().out.strip().splitlines()
    assert hits and all(line.startswith(stored) for line in hits) and "[Jersey]" in hits[0]


def test_a_library_that_cannot_be_written_is_still_read(stored, capsys, monkeypatch, tmp_path):
    """A full disk refuses the library's opening writes (WAL set-up, upgrades): list, show, search and export still work."""
    import sqlite3

    from core.store import connection

    def full_disk(path):
        raise connection.translate(sqlite3.OperationalError("database or disk is full"), path)

    monkeypatch.setattr("core.store.library.connect", full_disk)
    assert main(["conversations", "list"]) == 0
    captured = capsys.readouterr()
    assert stored in captured.out and "read without being changed" in captured.err
    assert "the disk is full" in captured.err and "change was not saved" not in captured.err  # none was asked for
    assert main(["conversations", "search", "jersey"]) == 0 and capsys.readouterr().out.startswith(stored)
    assert main(["export", stored, "--format", "srt", "--output", str(tmp_path / "call.srt")]) == 0
    assert "Chicago" in (tmp_path / "call.srt").read_text(encoding="utf-8")
    assert main(["conversations", "rename-speaker", stored, "Guest-1", "Ana"]) == 1  # a change is refused, in one line
    assert "The disk is full" in capsys.readouterr().err
    assert main(["queue", "list"]) == 0 and "read without being changed" in capsys.readouterr().err
    assert main(["queue", "add", stored]) == 1 and "The disk is full" in capsys.readouterr().err


def test_a_read_only_library_refuses_every_write(stored, parley_home):
    from core.errors import StoreError

    with Library.open(read_only=True) as library:
        assert [c.conversation_id for c in library.list_conversations()] == [stored]
        with pytest.raises(StoreError, match="read-only"):
            library.delete_conversation(stored)
    with Library.open() as library:  # nothing was changed
        assert library.get_conversation(stored).utterances
    with pytest.raises(StoreError, match="no library"):
        Library.open(parley_home / "elsewhere.sqlite3", read_only=True)


def test_a_renamed_speaker_appears_in_every_view(stored, capsys, tmp_path):
    assert main(["conversations", "rename-speaker", stored, "Guest-1", "Diane"]) == 0
    capsys.readouterr()
    for fmt in ("txt", "srt", "vtt", "remote", "azure-v3", "watson"):
        out = tmp_path / f"out.{fmt}"
        assert main(["export", stored, "--format", fmt, "--output", str(out)]) == 0, fmt
        text = out.read_text()
        if fmt == "watson":  # Watson numbers speakers; the names live in Parley's other views
            assert json.loads(text)["speaker_labels"]
        elif fmt == "azure-v3":
            assert {p["speaker"] for p in json.loads(text)["recognizedPhrases"]} == {1, 2}
        else:
            assert "Diane" in text and "Guest-1" not in text and "Guest-2" in text, fmt
    assert main(["conversations", "search", "diane"]) == 0
    assert capsys.readouterr().out.count(stored) >= 3


def test_unknown_ids_are_one_line_errors(capsys):
    unknown = "00000000-0000-0000-0000-000000000000"
    for argv in (["conversations", "show", unknown], ["conversations", "delete", unknown], ["export", unknown],
                 ["queue", "add", unknown], ["queue", "cancel", "99"], ["remote", "get", unknown]):
        assert main(argv) == 1, argv
        err = capsys.readouterr().err.strip()
        assert err.startswith("parley: error:") and len(err.splitlines()) == 1, (argv, err)


def test_async_mode_queue_worker_and_remote_get(sample_wav, capsys):
    assert main(["transcribe", "--mode", "async", "--model", "tiny.en", str(sample_wav)]) == 0
    conversation_id = capsys.readouterr().out.split("conversationId: ")[1].split()[0]
    assert main(["remote", "get", conversation_id]) == 3  # not finished yet
    assert "Processing" in capsys.readouterr().err
    assert main(["queue", "list"]) == 0
    assert "NotStarted" in capsys.readouterr().out
    assert main(["worker", "--once"]) == 0
    assert main(["remote", "get", conversation_id, "--wait", "--timeout", "10"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["Id"] == conversation_id and len(document["ConversationTranscriptionResults"]) >= 8
    assert main(["remote", "get", conversation_id, "--format", "watson"]) == 0
    assert json.loads(capsys.readouterr().out)["results"]
    assert main(["conversations", "delete", conversation_id]) == 0
    with Library.open() as library:
        assert library.list_conversations() == []


def test_queue_cancel_and_retry(stored, capsys):
    assert main(["queue", "add", stored, "--model", "tiny.en"]) == 0
    job_id = capsys.readouterr().out.split()[1]
    assert main(["queue", "cancel", job_id]) == 0
    assert "Canceled" in capsys.readouterr().out
    assert main(["queue", "retry", job_id]) == 0
    assert "NotStarted" in capsys.readouterr().out


def test_a_queued_retranscription_keeps_the_speakers_a_conversation_has(stored, sample_conversation, sample_wav, capsys):
    """`parley transcribe --diarize` then `parley queue add ID`: the better transcript must not lose who spoke."""
    from core.jobs.queue import TranscriptionQueue

    assert main(["queue", "add", stored[:8], "--model", "tiny.en"]) == 0  # the start of the id names it too
    said = capsys.readouterr().out
    assert stored in said and "speakers" in said
    with Library.open() as library:
        unlabelled = library.save_conversation(replace(sample_conversation, conversation_id=new_conversation_id()))
        library.add_audio(unlabelled, sample_wav)
    assert main(["queue", "add", unlabelled, "--model", "tiny.en"]) == 0
    assert "speakers" not in capsys.readouterr().out
    with Library.open() as library:
        jobs = {job.conversation_id: job for job in TranscriptionQueue(library).jobs()}
    assert jobs[stored].options.diarize and not jobs[unlabelled].options.diarize
    assert main(["queue", "cancel", str(jobs[stored].job_id)]) == 0
    assert main(["queue", "add", stored, "--no-diarize"]) == 0
    assert "speakers" not in capsys.readouterr().out.splitlines()[-1]
    assert main(["queue", "add", stored, "--no-diarize", "--speakers", "2"]) == 2
    assert "opposite" in capsys.readouterr().err


def test_a_conversation_is_named_by_the_start_of_its_id_when_only_it_begins_so(sample_conversation, parley_home, capsys):
    """As `parley conversations list` prints whole ids and people type the first few characters (as with git)."""
    conversation = sample_conversation.with_utterances([replace(u, speaker=1) for u in sample_conversation.utterances])
    conversation.speakers = {1: Speaker(1)}
    with Library.open() as library:
        for cid in ("abcd1234-0000-4000-8000-000000000001", "abcd9999-0000-4000-8000-000000000002"):
            library.save_conversation(replace(conversation, conversation_id=cid))
    assert main(["conversations", "show", "abcd1"]) == 0
    assert "Jersey" in capsys.readouterr().out
    assert main(["conversations", "rename-speaker", "abcd9", "1", "Diane"]) == 0
    assert main(["export", "abcd9", "--format", "txt"]) == 0
    assert "Diane" in capsys.readouterr().out
    assert main(["conversations", "show", "abcd"]) == 1  # both begin so: which one is not guessed
    err = capsys.readouterr().err
    assert "More than one conversation id begins with 'abcd'" in err and "Give more of the id" in err
    assert main(["conversations", "show", "abc"]) == 1  # under 4 characters is no id
    assert "No conversation with id abc." in capsys.readouterr().err
    assert main(["conversations", "delete", "abcd1"]) == 0
    assert capsys.readouterr().err.strip() == "deleted abcd1234-0000-4000-8000-000000000001"
    with Library.open() as library:
        assert [c.conversation_id for c in library.list_conversations()] == ["abcd9999-0000-4000-8000-000000000002"]


def test_an_interrupted_recording_is_mentioned_until_it_is_stored(stored, parley_home, capsys):
    """A session killed mid-recording is stored at the next `parley live` (or app start); until then `conversations
    list` and `show` of its id said nothing of it ("No conversation with id")."""
    import subprocess
    import sys

    from helpers.library import unfinished_folder

    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    folder = unfinished_folder(parley_home, dead)
    assert main(["conversations", "list"]) == 0
    captured = capsys.readouterr()
    assert stored in captured.out and folder.name not in captured.out
    assert f"1 interrupted recording(s) wait to be stored ({folder.name})" in captured.err
    assert "parley conversations interrupted --recover" in captured.err
    assert main(["conversations", "show", folder.name[:8]]) == 1
    err = capsys.readouterr().err
    assert "was interrupted and waits to be stored" in err and "interrupted --recover" in err


def test_interrupted_recordings_are_listed_stored_or_discarded_without_starting_a_recording(stored, parley_home, capsys):
    """They were stored only by `parley live` (which starts recording) or the app: a terminal user could neither store
    one now nor get rid of one."""
    import subprocess
    import sys

    from helpers.library import unfinished_folder

    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    kept = unfinished_folder(parley_home, dead)
    dropped = unfinished_folder(parley_home, dead, "00000000-0000-4000-8000-000000000002", seconds=2.0)
    assert main(["conversations", "interrupted"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == [kept.name, dropped.name] and "2.0s" in listed[1]
    assert main(["conversations", "interrupted", "--discard", "0000"]) == 1  # both ids start so: neither is deleted
    assert "starts the ids of 2 interrupted recordings" in capsys.readouterr().err and dropped.exists()
    assert main(["conversations", "interrupted", "--discard", dropped.name]) == 0
    assert "Discarded the interrupted recording" in capsys.readouterr().err and not dropped.exists()
    assert main(["conversations", "interrupted", "--recover"]) == 0
    assert f"conversationId {kept.name}" in capsys.readouterr().err
    assert main(["conversations", "list"]) == 0
    captured = capsys.readouterr()
    assert kept.name in captured.out and "interrupted" not in captured.err
    assert main(["conversations", "interrupted"]) == 0
    assert capsys.readouterr().err.strip() == "no interrupted recording"


def test_a_job_whose_worker_was_killed_is_listed_as_interrupted_not_running(stored, capsys):
    """After a kill -9 of `worker --once` the job showed "Running 30% transcribe" for ever (review)."""
    import subprocess
    import sys

    from core.jobs.queue import TranscriptionQueue

    assert main(["queue", "add", stored, "--model", "tiny.en"]) == 0
    capsys.readouterr()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # a process id that no longer runs
    with Library.open() as library:
        queue = TranscriptionQueue(library)
        job = queue.claim(worker_pid=gone.pid)
        queue.report(job.job_id, 30, "transcribe")
    assert main(["queue", "list"]) == 0
    out = capsys.readouterr().out
    assert "Running" in out and " 30% transcribe — interrupted: its worker stopped" in out
