"""The persistent job queue on a real library file (no models run here)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from helpers.library import store_recording
from core.errors import Canceled, JobError, NotFoundError
from core.jobs.model import JobOptions
from core.jobs.queue import TranscriptionQueue
from core.store import Library


def test_enqueue_is_persistent_and_never_duplicates_pending_work(library, sample_wav):
    conversation_id = store_recording(library, sample_wav)
    queue = TranscriptionQueue(library)
    first = queue.enqueue(conversation_id, JobOptions(model="base", diarize=True, num_speakers=2))
    again = queue.enqueue(conversation_id, JobOptions(model="tiny.en"))
    assert again.job_id == first.job_id and again.options.model == "base"
    library.close()
    with Library.open() as reopened:
        stored = TranscriptionQueue(reopened).job(first.job_id)
    assert stored.state == "NotStarted" and stored.options.num_speakers == 2 and stored.mode == "Async"


def test_claim_takes_the_oldest_and_reports_progress(library, sample_wav):
    queue = TranscriptionQueue(library)
    ids = [queue.enqueue(store_recording(library, sample_wav, f"c{i}")).job_id for i in range(3)]
    job = queue.claim(4242)
    assert job.job_id == ids[0] and job.state == "Running" and job.attempts == 1 and job.worker_pid == 4242
    queue.report(job.job_id, 40, "transcribe")
    assert (queue.job(job.job_id).progress, queue.job(job.job_id).step) == (40, "transcribe")
    with pytest.raises(Canceled, match="belongs to worker 4242"):  # an orphan of another worker stops
        queue.report(job.job_id, 50, "transcribe", worker_pid=4343)
    queue.report(job.job_id, 60, "transcribe", worker_pid=4242)
    done = queue.succeed(job.job_id)
    assert done.state == "Succeeded" and done.progress == 100 and done.finished is not None
    assert queue.claim(4242).job_id == ids[1]


def test_cancel_and_retry(library, sample_wav):
    queue = TranscriptionQueue(library)
    waiting = queue.enqueue(store_recording(library, sample_wav))
    assert queue.cancel(waiting.job_id).state == "Canceled"
    assert queue.claim() is None, "a canceled job is never claimed"
    with pytest.raises(JobError, match="already ended"):
        queue.cancel(waiting.job_id)
    again = queue.retry(waiting.job_id)
    assert again.state == "NotStarted" and again.attempts == 0 and again.error is None
    running = queue.claim()
    queue.cancel(running.job_id)
    with pytest.raises(Canceled):
        queue.report(running.job_id, 50, "transcribe")
    assert queue.fail(running.job_id, "late failure").state == "Canceled", "a canceled job stays canceled"
    with pytest.raises(JobError, match="only failed or canceled"):
        queue.retry(queue.enqueue(store_recording(library, sample_wav)).job_id)


def test_failed_jobs_keep_their_message_and_can_be_retried(library, sample_wav):
    queue = TranscriptionQueue(library)
    job = queue.enqueue(store_recording(library, sample_wav))
    queue.claim()
    failed = queue.fail(job.job_id, "The recording is damaged.")
    assert failed.state == "Failed" and failed.error == "The recording is damaged."
    assert queue.retry(job.job_id).state == "NotStarted"


def test_jobs_left_running_by_a_dead_process_are_recovered(library, sample_wav):
    queue = TranscriptionQueue(library)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job = queue.enqueue(store_recording(library, sample_wav))
    queue.claim(dead.pid)
    alive = queue.enqueue(store_recording(library, sample_wav, "alive"))
    queue.claim(os.getppid())  # a living process that is not us: its job is left alone
    recovered = queue.recover(max_attempts=3)
    assert [j.job_id for j in recovered] == [job.job_id] and recovered[0].state == "NotStarted"
    assert queue.job(alive.job_id).state == "Running"
    for _ in range(2):  # two more deaths: the third attempt ends it
        queue.claim(dead.pid)
        queue.recover(max_attempts=3)
    final = queue.job(job.job_id)
    assert final.state == "Failed" and "3 times" in final.error


def test_two_workers_never_take_the_same_job(parley_home, sample_wav):
    with Library.open() as library:
        queue = TranscriptionQueue(library)
        for i in range(40):
            queue.enqueue(store_recording(library, sample_wav, f"c{i}"))
    taken: dict[int, list[int]] = {1: [], 2: []}

    def claim_all(worker: int) -> None:
        with Library.open() as own:
            own_queue = TranscriptionQueue(own)
            while (job := own_queue.claim(worker)) is not None:
                taken[worker].append(job.job_id)

    threads = [threading.Thread(target=claim_all, args=(n,)) for n in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(taken[1] + taken[2]) == list(range(1, 41))
    assert not set(taken[1]) & set(taken[2])


def test_unknown_ids_and_running_jobs_protect_conversations(library, sample_wav):
    queue = TranscriptionQueue(library)
    with pytest.raises(NotFoundError):
        queue.enqueue("00000000-0000-0000-0000-000000000000")
    with pytest.raises(NotFoundError):
        queue.job(999)
    conversation_id = store_recording(library, sample_wav)
    queue.enqueue(conversation_id)
    queue.claim()
    with pytest.raises(JobError, match="being transcribed"):
        library.delete_conversation(conversation_id)
    assert library.get_conversation(conversation_id).title == "sample"


def test_bad_options_are_refused():
    with pytest.raises(JobError, match="profanity"):
        JobOptions(profanity="Loud")
    with pytest.raises(JobError, match="at least 1"):
        JobOptions(num_speakers=0)
    with pytest.raises(JobError, match="11 hypotheses per phrase") as refused:
        JobOptions(hypotheses=11)
    assert refused.value.hint == "Ask for 1 to 10."
    assert JobOptions.from_json('{"model": "tiny.en", "from_the_future": 1}').model == "tiny.en"
    # options stored before N-best hypotheses could be asked for keep one; those asked for reach the transcriber
    assert JobOptions.from_json('{"model": "tiny.en"}').transcription().max_alternatives == 1
    assert JobOptions.from_json(JobOptions(hypotheses=3).to_json()).transcription().max_alternatives == 3
