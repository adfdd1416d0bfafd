"""import_recording: a file becomes a stored conversation with its audio and a queued Async job."""

from __future__ import annotations

import pytest
from helpers.audiofiles import overwrite_with_noise
from helpers.library import look_at_every_insert, look_from_another_connection

from core.errors import AudioError, StoreError
from core.importing import import_recording
from core.jobs.model import ASYNC, NOT_STARTED, JobOptions
from core.paths import audio_dir
from core.store import Library


def test_import_stores_audio_and_queues_an_async_job(sample_wav, tmp_path):
    with Library.open(tmp_path / "lib.sqlite3") as library:
        conversation_id, job = import_recording(library, sample_wav, JobOptions(model="tiny.en", diarize=False))
        summary = library.list_conversations()[0]
        assert summary.conversation_id == conversation_id
        assert summary.title == "sample" and summary.duration_ms == 30_000 and summary.job_state == NOT_STARTED
        assert job.mode == ASYNC and job.options.model == "tiny.en" and not job.options.diarize
        stored = library.audio_path(conversation_id)
        assert stored.is_file() and stored != sample_wav and stored.stat().st_size == sample_wav.stat().st_size


def test_an_imported_conversation_has_the_locale_given_or_its_languages_usual_one(sample_wav, tmp_path):
    with Library.open(tmp_path / "lib.sqlite3") as library:
        for given, locale in (("fr-CA", "fr-CA"), ("pt_br", "pt-BR"), ("EN-gb", "en-GB"), ("sv", "sv-SE"), (None, "en-US")):
            conversation_id, _ = import_recording(library, sample_wav, JobOptions(model="base", language=given))
            assert library.get_conversation(conversation_id).locale == locale, given


def test_a_wav_whose_header_declares_less_than_it_holds_is_stored_whole_and_plays_whole(sample_wav, tmp_path):
    """The library's copy gets a header that declares all its audio, so the app's player (which goes by the header, as
    FFmpeg does) plays it to the end; the file imported is left as it was."""
    import wave

    from helpers.audiofiles import wav_with_stale_header

    from core.audio.decode import probe

    died = wav_with_stale_header(sample_wav, tmp_path / "died.wav", 5.0)
    before = died.read_bytes()
    with Library.open(tmp_path / "lib.sqlite3") as library:
        conversation_id, _ = import_recording(library, died, JobOptions(model="tiny.en"))
        stored = library.audio_path(conversation_id)
        assert library.get_conversation(conversation_id).duration_ms == 30_000
        (source,) = library.audio_sources(conversation_id)
    with wave.open(str(stored)) as copy:  # the header itself, as a player reads it
        assert copy.getnframes() == 30 * 16_000
    audio = before.index(b"data") + 8  # the samples themselves are untouched
    assert not probe(stored).past_header and stored.read_bytes()[audio:] == before[audio:] and died.read_bytes() == before
    from core.store.audio import sha256_of

    assert source.sha256 == sha256_of(stored)


def test_a_copy_whose_header_cannot_be_completed_is_not_left_behind(sample_wav, tmp_path, monkeypatch):
    import core.store.library

    from helpers.audiofiles import wav_with_stale_header

    def fails(path):
        raise RuntimeError("the header could not be written")

    monkeypatch.setattr(core.store.library, "complete_header", fails)
    died = wav_with_stale_header(sample_wav, tmp_path / "died.wav", 5.0)
    with Library.open(tmp_path / "lib.sqlite3") as library:
        with pytest.raises(RuntimeError):
            import_recording(library, died, JobOptions(model="tiny.en"))
        assert library.list_conversations() == []
    assert not any(p.is_file() for p in audio_dir().rglob("*"))


def test_a_damaged_file_stores_nothing(sample_wav, tmp_path):
    damaged = overwrite_with_noise(sample_wav, tmp_path / "damaged.wav", start=0)
    with Library.open(tmp_path / "lib.sqlite3") as library:
        with pytest.raises(AudioError):
            import_recording(library, damaged)
        assert library.conversation_count() == 0


def test_no_reader_ever_sees_an_imported_conversation_without_its_job(sample_wav, tmp_path):
    """Each row the import writes makes a second connection look, while the import is still going on.

    Importing used to commit the conversation, then its recording, then its job: a GUI polling
    in between showed a conversation with nothing queued, and a process killed there left it so.
    """
    path = tmp_path / "lib.sqlite3"
    with Library.open(path) as library:
        seen = look_at_every_insert(library, path, ("conversations", "audio_sources", "jobs"))
        import_recording(library, sample_wav)
    assert len(seen) == 3  # one look per row written
    assert all(rows == [] for rows in seen)  # nothing half-stored was ever visible
    assert look_from_another_connection(path) == [("sample", 1, 1)]


def test_a_failed_job_insert_stores_nothing_and_removes_the_copy(sample_wav, tmp_path):
    with Library.open(tmp_path / "lib.sqlite3") as library:
        library.db.execute("CREATE TEMP TRIGGER refuse BEFORE INSERT ON main.jobs BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END")
        with pytest.raises(StoreError):
            import_recording(library, sample_wav)
        assert library.conversation_count() == 0
        assert not audio_dir().exists() or not any(audio_dir().iterdir())
