"""Creating an API transcription stores its conversations, record and jobs in one transaction."""

from __future__ import annotations

import shutil

import pytest
from helpers.library import look_at_every_insert, look_from_another_connection

from core.errors import StoreError
from core.jobs.model import ASYNC, NOT_STARTED, JobOptions
from core.paths import audio_dir
from core.server.transcriptions import NewSource, TranscriptionService
from core.store import Library


def _sources(sample_wav, tmp_path) -> list[NewSource]:
    """Return two downloaded-looking sources, each in a temporary folder the service must remove."""
    sources = []
    for name in ("first", "second"):
        folder = tmp_path / f"download-{name}"
        folder.mkdir()
        shutil.copy(sample_wav, folder / f"{name}.wav")
        sources.append(NewSource(url=f"https://example.org/{name}.wav", path=folder / f"{name}.wav", cleanup=folder))
    return sources


def _create(service: TranscriptionService, sources: list[NewSource]):
    return service.create("v3.1", sources, name="", description="", locale="en-US", properties={},
                          options=JobOptions(model="tiny.en", diarize=False))


def test_no_reader_sees_a_created_transcriptions_conversations_before_their_jobs(sample_wav, tmp_path):
    """Each row written makes a second connection look while the create is still going on.

    create used to commit each conversation with its recording, then the API record and the jobs:
    the desktop library saw conversations with nothing queued, and a killed server left them so.
    """
    path = tmp_path / "lib.sqlite3"
    sources = _sources(sample_wav, tmp_path)
    with Library.open(path) as library:
        seen = look_at_every_insert(library, path, ("conversations", "audio_sources", "api_transcriptions", "jobs"))
        record = _create(TranscriptionService(library), sources)
    assert len(seen) == 7  # 2 conversations, 2 recordings, 1 record, 2 jobs
    assert all(rows == [] for rows in seen)
    assert look_from_another_connection(path) == [("first", 1, 1), ("second", 1, 1)]
    assert [s.job.state for s in record.sources] == [NOT_STARTED, NOT_STARTED]
    assert all(s.job.mode == ASYNC for s in record.sources)
    assert not any(s.cleanup.exists() for s in sources)


def test_a_failed_create_stores_nothing_and_removes_every_copy(sample_wav, tmp_path):
    sources = _sources(sample_wav, tmp_path)
    with Library.open(tmp_path / "lib.sqlite3") as library:
        # the second job's insert fails, after both recordings were copied and the first job was written
        library.db.execute(
            "CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.jobs WHEN (SELECT COUNT(*) FROM main.jobs) = 1"
            " BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        )
        with pytest.raises(StoreError):
            _create(TranscriptionService(library), sources)
        assert library.conversation_count() == 0
        with library.reading() as db:
            assert db.execute("SELECT COUNT(*) FROM api_transcriptions").fetchone()[0] == 0
            assert db.execute("SELECT COUNT(*) FROM jobs").fetchone()[0] == 0
    assert not audio_dir().exists() or not any(audio_dir().iterdir())
    assert not any(s.cleanup.exists() for s in sources)


def test_an_unreadable_recording_is_a_failure_of_its_own_not_a_state_of_the_others(sample_wav, tmp_path):
    from core.errors import AudioError, NotFoundError
    from core.jobs.model import FAILED

    def sources(folder: str, bad: tuple[int, ...]) -> list[NewSource]:
        made = _sources(sample_wav, tmp_path / folder)
        for index in bad:
            made[index].path.write_text("not audio")
        return made

    def create(service, made, keep):
        return service.create("v3.1", made, name="", description="", locale="en-US", properties={},
                              options=JobOptions(model="tiny.en", diarize=False), keep_unreadable=keep)

    (tmp_path / "a").mkdir(), (tmp_path / "b").mkdir(), (tmp_path / "c").mkdir()
    with Library.open(tmp_path / "lib.sqlite3") as library:
        service = TranscriptionService(library)
        with pytest.raises(AudioError, match="is a text file, not a recording"):  # v2 and Watson: the request is refused
            create(service, sources("a", (1,)), keep=False)
        record = create(service, sources("b", (1,)), keep=True)
        # the good one waits in the queue: NotStarted, not Running because the bad one has "failed"
        assert record.status == NOT_STARTED and [u["position"] for u in record.unreadable] == [1]
        assert [r.transcription_id for r in service.list("v3.1")[0]] == [record.transcription_id]
        library.delete_conversation(record.sources[0].conversation_id)  # the user deletes the good one's conversation
        with pytest.raises(NotFoundError):  # nothing of it is left to show, as when every recording was deleted
            service.get(record.transcription_id, "v3.1")
        assert service.list("v3.1")[0] == []
        failed = create(service, sources("c", (0, 1)), keep=True)
        assert failed.status == FAILED and "is a text file, not a recording" in failed.status_message
        assert [r.transcription_id for r in service.list("v3.1")[0]] == [failed.transcription_id]
