"""The worker and its job processes on the real model and a real library: run, kill, cancel, recover."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import psutil
import pytest

from core.jobs.model import JobOptions
from core.jobs.queue import TranscriptionQueue
from core.jobs.remote import RemoteConversationTranscriptionClient
from core.jobs.worker import Worker
from core.store import Library
from helpers.audiofiles import write_long_wav
from helpers.library import store_recording
from helpers.reference import wer

FAST = JobOptions(model="tiny.en", diarize=False)


def _wait(condition, timeout: float, what: str, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out waiting for {what}")


def _job_processes(worker_pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(worker_pid).children() if "core.jobs.runner" in " ".join(p.cmdline())]


def _runner_processes(library_path) -> list[psutil.Process]:
    """Return the job processes of one library, whoever their parent is now."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if "core.jobs.runner" in command and str(library_path) in command:
            found.append(process)
    return found


def test_worker_runs_a_job_and_the_remote_client_returns_its_result(library, sample_wav, sample_reference):
    conversation_id = store_recording(library, sample_wav)
    job = TranscriptionQueue(library).enqueue(conversation_id, FAST)
    operation = RemoteConversationTranscriptionClient(library).get_transcription_operation(conversation_id, 0.2)
    assert operation.status == "Processing" and not operation.has_completed
    assert Worker(poll_interval=0.1).run(once=True) == 1
    result = operation.wait_for_completion(timeout=5)
    assert TranscriptionQueue(library).job(job.job_id).state == "Succeeded"
    document = result.to_dict()
    assert document["Id"] == conversation_id
    texts = [r["Text"] for r in document["ConversationTranscriptionResults"]]
    assert wer(sample_reference, " ".join(texts)) <= 0.2
    passes = library.passes(conversation_id)
    assert [p.kind for p in passes] == ["async"] and passes[0].is_current
    assert library.search("chicago")[0].conversation_id == conversation_id



def test_a_packaged_app_runs_its_jobs_through_its_own_executable(library, sample_wav, tmp_path, monkeypatch):
    """A packaged app's executable is `parley` itself, which takes no `-m`: it starts its job processes with `parley __module__`."""
    parley = tmp_path / "parley"  # what a packaged `parley` is: the CLI, with no interpreter options
    parley.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m core.cli "$@"\n')
    parley.chmod(0o755)
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(parley))
    conversation_id = store_recording(library, sample_wav)
    job = TranscriptionQueue(library).enqueue(conversation_id, FAST)
    assert Worker(poll_interval=0.1).run(once=True) == 1
    done = TranscriptionQueue(library).job(job.job_id)
    assert done.state == "Succeeded", done.error
    assert [p.kind for p in library.passes(conversation_id)] == ["async"]

def test_a_missing_recording_fails_the_job_clearly_and_the_worker_goes_on(library, sample_wav):
    queue = TranscriptionQueue(library)
    broken = store_recording(library, sample_wav, "broken")
    fine = store_recording(library, sample_wav, "fine")
    library.audio_sources(broken)[0].path.unlink()
    broken_job = queue.enqueue(broken, FAST)
    fine_job = queue.enqueue(fine, FAST)
    assert Worker(poll_interval=0.1).run(once=True) == 2
    failed = queue.job(broken_job.job_id)
    assert failed.state == "Failed" and "broken" in failed.error
    assert queue.job(fine_job.job_id).state == "Succeeded"
    operation = RemoteConversationTranscriptionClient(library).get_transcription_operation(broken)
    assert operation.status == "Failed"


@pytest.fixture
def long_recording(tmp_path, sample_wav):
    return write_long_wav(tmp_path / "long.wav", 240, sample_wav)


def test_cancel_stops_a_running_job_within_two_seconds(library, long_recording):
    queue = TranscriptionQueue(library)
    job = queue.enqueue(store_recording(library, long_recording, duration_ms=240_000), FAST)
    worker = Worker(poll_interval=0.1)
    thread = threading.Thread(target=worker.run, kwargs={"once": True})
    thread.start()
    try:
        _wait(lambda: queue.job(job.job_id).step == "transcribe", 60, "the job to start transcribing")
        child = _wait(lambda: _job_processes(os.getpid()), 5, "the job process")[0]
        start = time.monotonic()
        queue.cancel(job.job_id)
        _wait(lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, 2.0, "the job process to end")
        assert time.monotonic() - start <= 2.0
    finally:
        thread.join(timeout=30)
    assert queue.job(job.job_id).state == "Canceled"
    assert library.passes(queue.job(job.job_id).conversation_id) == []


def test_a_killed_job_process_fails_its_job_but_not_the_worker(library, long_recording, sample_wav):
    queue = TranscriptionQueue(library)
    job = queue.enqueue(store_recording(library, long_recording, duration_ms=240_000), FAST)
    after = queue.enqueue(store_recording(library, sample_wav, "after"), FAST)
    worker = Worker(poll_interval=0.1)
    thread = threading.Thread(target=worker.run, kwargs={"once": True})
    thread.start()
    _wait(lambda: queue.job(job.job_id).step == "transcribe", 60, "the job to start transcribing")
    _job_processes(os.getpid())[0].send_signal(signal.SIGKILL)  # what the kernel's OOM killer does
    thread.join(timeout=120)
    killed = queue.job(job.job_id)
    assert killed.state == "Failed" and "signal 9" in killed.error
    assert queue.job(after.job_id).state == "Succeeded"


def test_a_worker_killed_mid_job_is_recovered_and_the_job_completes(library, sample_wav, parley_home):
    queue = TranscriptionQueue(library)
    job = queue.enqueue(store_recording(library, sample_wav), FAST)
    env = dict(os.environ, PARLEY_HOME=str(parley_home))
    first = subprocess.Popen([sys.executable, "-m", "core.cli", "worker"], env=env)
    try:
        _wait(lambda: queue.job(job.job_id).state == "Running", 60, "the job to run")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    # the job process dies with its worker: killed (PR_SET_PDEATHSIG), or, when the worker died
    # while it was still starting, it sees that and exits; an orphan would run the job a second time
    _wait(lambda: not _runner_processes(library.path), 30, "the job process to end with its worker")
    assert queue.job(job.job_id).state == "Running", "a killed worker leaves its job Running"
    assert library.passes(job.conversation_id) == []
    second = subprocess.run(
        [sys.executable, "-m", "core.cli", "worker", "--once"], env=env, capture_output=True, text=True, timeout=300
    )
    assert second.returncode == 0, second.stderr
    done = queue.job(job.job_id)
    assert done.state == "Succeeded" and done.attempts == 2
    assert len(library.passes(done.conversation_id)) == 1, "the job ran to completion exactly once"


def test_a_conversation_deleted_under_a_running_job_does_not_stop_the_worker(library, long_recording, sample_wav):
    queue = TranscriptionQueue(library)
    doomed = store_recording(library, long_recording, "doomed", duration_ms=240_000)
    job = queue.enqueue(doomed, FAST)
    after = queue.enqueue(store_recording(library, sample_wav, "after"), FAST)
    worker = Worker(poll_interval=0.1)
    thread = threading.Thread(target=worker.run, kwargs={"once": True})
    thread.start()
    _wait(lambda: queue.job(job.job_id).step == "transcribe", 60, "the job to start transcribing")
    queue.cancel(job.job_id)
    library.delete_conversation(doomed)  # the job row goes with it while its process may still run
    thread.join(timeout=120)
    assert not thread.is_alive()
    assert queue.job(after.job_id).state == "Succeeded"


def test_a_better_transcript_keeps_each_name_on_the_voice_it_was_given_to(library, sample_wav, sample_dir):
    """The live captions number speakers as they come; the re-transcription numbered them its own way, and names stay
    with numbers: "Sheila" given in the captions landed on Diane's phrases in the better transcript (1 run in 4)."""
    from core.results import Speaker, Utterance, Word
    from core.text.forms import forms_from_display

    conversation_id = store_recording(library, sample_wav)
    numbers = {"Sheila": 1, "Diane": 2}  # the other way round from the order they first speak in
    shown = []
    for n, line in enumerate((sample_dir / "sample.stm").read_text().splitlines()):
        _, _, who, start, end, text = line.split(maxsplit=5)
        begin, stop, tokens = int(float(start) * 1000), int(float(end) * 1000), text.split()
        step = (stop - begin) // len(tokens)
        shown.append(Utterance(f"{n:032x}", 0, begin, stop - begin, forms_from_display(text), 0.9, speaker=numbers[who],
                               words=[Word(t, begin + k * step, step, 0.9, numbers[who]) for k, t in enumerate(tokens)]))
    library.add_pass(conversation_id, shown, {n: Speaker(n, who) for who, n in numbers.items()}, kind="realtime", model="tiny.en")
    TranscriptionQueue(library).enqueue(conversation_id, JobOptions(model="tiny.en", diarize=True, num_speakers=2))
    assert Worker(poll_interval=0.1).run(once=True) == 1
    better = library.get_conversation(conversation_id)
    assert library.passes(conversation_id)[-1].kind == "async"
    said_by = {}
    for u in better.utterances:
        for phrase, who in (("texas", "Sheila"), ("diane in new jersey", "Diane"), ("there isn't that much", "Sheila")):
            if phrase in u.display.lower():
                said_by[phrase] = better.speakers[u.speaker].name
    assert said_by == {"texas": "Sheila", "diane in new jersey": "Diane", "there isn't that much": "Sheila"}


def test_a_better_transcript_does_not_replace_one_the_user_corrected(library, sample_wav, sample_conversation):
    conversation_id = store_recording(library, sample_wav)
    library.add_pass(conversation_id, sample_conversation.utterances, kind="realtime", model="tiny.en")
    library.edit_utterance(conversation_id, sample_conversation.utterances[0].result_id, "Hello, Sheila?")
    TranscriptionQueue(library).enqueue(conversation_id, FAST)
    assert Worker(poll_interval=0.1).run(once=True) == 1
    assert [(p.kind, p.is_current) for p in library.passes(conversation_id)] == [("realtime", True), ("async", False)]
    assert library.get_conversation(conversation_id).ordered()[0].display == "Hello, Sheila?"
