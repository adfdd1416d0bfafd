"""import_recording: a file becomes a stored conversation with its audio and a queued Async job."""

from __future__ import annotations

import pytest

from core.errors import AudioError
from core.importing import import_recording
from core.jobs.model import ASYNC, NOT_STARTED, JobOptions
from core.store import Library
from helpers.audiofiles import overwrite_with_noise


def test_import_stores_audio_and_queues_an_async_job(sample_wav, tmp_path):
    with Library.open(tmp_path / "lib.sqlite3") as library:
        conversation_id, job = import_recording(library, sample_wav, JobOptions(model="tiny.en", diarize=False))
        summary = library.list_conversations()[0]
        assert summary.conversation_id == conversation_id
        assert summary.title == "sample" and summary.duration_ms == 30_000 and summary.job_state == NOT_STARTED
        assert job.mode == ASYNC and job.options.model == "tiny.en" and not job.options.diarize
        stored = library.audio_path(conversation_id)
        assert stored.is_file() and stored != sample_wav and stored.stat().st_size == sample_wav.stat().st_size


def test_a_damaged_file_stores_nothing(sample_wav, tmp_path):
    damaged = overwrite_with_noise(sample_wav, tmp_path / "damaged.wav", start=0)
    with Library.open(tmp_path / "lib.sqlite3") as library:
        with pytest.raises(AudioError):
            import_recording(library, damaged)
        assert library.conversation_count() == 0
