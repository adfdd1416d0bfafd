"""A job's progress bar on a real recording: each channel and each step has its part, and the bar never goes back."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from core.asr.transcriber import TranscriptionOptions
from core.audio.decode import load_audio
from core.jobs.queue import TranscriptionQueue
from core.jobs.runner import JobProgress
from core.transcription import SpeakerOptions, transcribe_file
from helpers.library import store_recording

pytestmark = pytest.mark.slow


def test_a_diarized_two_channel_job_moves_its_bar_forward_through_each_channel_and_step(library, sample_wav, tmp_path):
    """The bar went 5 -> 80 for each channel, and 80 -> 97 again for each of pyannote's steps (segmentation, then
    embeddings), so it jumped back while the job went on; the step did not say which channel it was on."""
    audio = load_audio(sample_wav)
    stereo = tmp_path / "two-channels.wav"  # a different half of the conversation on each channel
    sf.write(stereo, np.stack([audio[6 * 16_000:21 * 16_000], audio[15 * 16_000:30 * 16_000]], axis=1), 16_000)
    queue = TranscriptionQueue(library)
    queue.enqueue(store_recording(library, sample_wav))
    job = queue.claim(4242)
    told = []
    report = queue.report

    def spy(job_id, progress, step, **kwargs):
        told.append((progress, step))
        report(job_id, progress, step, **kwargs)

    queue.report = spy
    progress = JobProgress(queue, job.job_id, diarize=True, worker_pid=4242)
    progress("loading", 0, 1)
    conversation = transcribe_file(stereo, TranscriptionOptions(model="tiny.en"), SpeakerOptions(diarize=True), hook=progress)
    assert conversation.channels == 2
    bar = [p for p, _ in told]
    assert bar == sorted(bar) and bar[-1] >= 96, told
    steps = [s for _, s in told]
    assert "transcribe (channel 1 of 2)" in steps and "transcribe (channel 2 of 2)" in steps
    assert "diarize: embeddings (channel 2 of 2)" in steps
    first_of_second = steps.index("transcribe (channel 2 of 2)")
    assert 45 <= bar[first_of_second] <= 60  # about half the work is done when the second channel begins
    assert queue.job(job.job_id).progress == bar[-1]


def test_a_running_job_estimates_its_time_left_from_its_pace_once_its_models_are_loaded(library, sample_wav):
    from datetime import timedelta

    from core.jobs.model import PAUSED_STEP

    queue = TranscriptionQueue(library)
    queue.enqueue(store_recording(library, sample_wav))
    job = queue.claim(4242)
    queue.report(job.job_id, 5, "loading")
    at = queue.job(job.job_id).started + timedelta(seconds=60)
    assert queue.job(job.job_id).time_left_s(at) is None  # loading the models says nothing of the pace
    queue.report(job.job_id, 40, "transcribe")
    assert queue.job(job.job_id).time_left_s(at) == pytest.approx(90)
    queue.report(job.job_id, 40, PAUSED_STEP)
    assert queue.job(job.job_id).time_left_s(at) is None
    assert queue.succeed(job.job_id).time_left_s(at) is None
