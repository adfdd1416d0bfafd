"""Recordings behind conversations, deleting, and the failures a user can meet: damaged, read-only, full, busy."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from core.errors import AudioNotFoundError, JobError, StoreError
from core.paths import audio_dir
from core.store import Library

from store_samples import conversation, fts_is_exact, later, utterance



@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """Return a private copy of the reference recording (30 s, mono), outside the audio folder."""
    spec = importlib.util.find_spec("pyannote.audio")  # where it is, without importing torch
    original = Path(spec.origin).parent / "sample" / "sample.wav"
    target = tmp_path / "originals" / "meeting.wav"
    target.parent.mkdir()
    shutil.copyfile(original, target)
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_add_audio_copies_into_the_audio_folder(library: Library, sample: Path) -> None:
    cid = library.save_conversation(conversation())
    source = library.add_audio(cid, sample)
    assert source.copied and source.exists
    assert source.path.parent == audio_dir() / cid
    assert source.path.name == "meeting.wav"
    assert source.path.read_bytes() == sample.read_bytes()
    assert source.sha256 == _sha256(sample)
    assert (source.channels, source.duration_ms) == (1, 30000)  # probed from the file
    second = library.add_audio(cid, sample)
    assert second.path.name == "meeting-1.wav"  # never overwrites an earlier copy
    assert library.audio_sources(cid) == [source, second]
    assert library.audio_path(cid) == source.path


def test_add_audio_by_reference_leaves_the_file_where_it_is(library: Library, sample: Path) -> None:
    cid = library.save_conversation(conversation())
    source = library.add_audio(cid, sample, copy=False, channels=2, duration_ms=1234)
    assert not source.copied and source.path == sample.resolve()
    assert (source.channels, source.duration_ms, source.sha256) == (2, 1234, _sha256(sample))
    assert not (audio_dir() / cid).exists()
    with pytest.raises(AudioNotFoundError):
        library.add_audio(cid, sample.parent / "nope.wav")


def test_delete_removes_rows_and_copies_only(library: Library, sample: Path) -> None:
    doomed = library.save_conversation(conversation("Doomed"))
    kept = library.save_conversation(conversation("Kept", created=later(1)))
    copied = library.add_audio(doomed, sample, channels=1, duration_ms=30000)
    referenced = library.add_audio(doomed, sample, copy=False, channels=1, duration_ms=30000)
    kept_copy = library.add_audio(kept, sample, channels=1, duration_ms=30000)
    library.db.execute(
        "INSERT INTO jobs (conversation_id, state, created, last_action) VALUES (?, 'Succeeded', 'now', 'now')", [doomed]
    )
    stray = audio_dir() / "unrelated.wav"
    stray.write_bytes(b"not ours to delete")

    library.delete_conversation(doomed)

    for table in ("passes", "speakers", "audio_sources", "jobs"):
        count = library.db.execute(f"SELECT COUNT(*) FROM {table} WHERE conversation_id = ?", [doomed]).fetchone()[0]
        assert count == 0, table
    assert library.db.execute("SELECT COUNT(*) FROM utterances").fetchone()[0] == 4  # only Kept's
    assert library.db.execute("SELECT COUNT(*) FROM words").fetchone()[0] == sum(
        len(u.words) for u in library.get_conversation(kept).utterances
    )
    assert not copied.path.exists() and not (audio_dir() / doomed).exists()
    assert referenced.path.exists() and referenced.path.read_bytes() == sample.read_bytes()
    assert kept_copy.path.exists() and stray.exists()
    assert [s.title for s in library.list_conversations()] == ["Kept"]
    assert library.get_conversation(kept).title == "Kept"
    assert fts_is_exact(library)


def test_delete_refuses_while_a_job_is_running(library: Library, sample: Path) -> None:
    cid = library.save_conversation(conversation())
    copy = library.add_audio(cid, sample, channels=1, duration_ms=30000)
    library.db.execute("INSERT INTO jobs (conversation_id, state, created, last_action) VALUES (?, 'Running', 'n', 'n')", [cid])
    with pytest.raises(JobError, match="being transcribed"):
        library.delete_conversation(cid)
    assert library.get_conversation(cid).title == "Budget meeting" and copy.path.exists()


def test_missing_audio_is_a_clear_error_and_the_rest_still_works(library: Library, sample: Path) -> None:
    cid = library.save_conversation(conversation())
    with pytest.raises(AudioNotFoundError, match="no recording"):
        library.audio_path(cid)
    source = library.add_audio(cid, sample, channels=1, duration_ms=30000)
    source.path.unlink()
    with pytest.raises(AudioNotFoundError, match="missing") as caught:
        library.audio_path(cid)
    assert str(source.path) in str(caught.value) and caught.value.hint
    [listed] = library.audio_sources(cid)
    assert not listed.exists
    assert len(library.get_conversation(cid).utterances) == 4
    assert library.search("travel") and library.list_conversations()[0].conversation_id == cid
    library.delete_conversation(cid)  # deleting works with the file already gone
    assert library.list_conversations() == []


def test_random_bytes_are_not_a_library(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "library.sqlite3"
    junk = os.urandom(8192)
    path.write_bytes(junk)
    with pytest.raises(StoreError, match="not a Parley library") as caught:
        Library.open(path)
    assert caught.value.hint
    assert path.read_bytes() == junk  # left alone for the user to rescue


def test_damaged_library_is_a_store_error(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib:
        lib.save_conversation(conversation())
    data = bytearray(path.read_bytes())
    data[100:] = os.urandom(len(data) - 100)  # keep the header, destroy every page
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError):
        with Library.open(path) as lib:
            lib.list_conversations()
            lib.search("travel")


def _make_unwritable(path: Path) -> bool:
    """Return whether the file really refuses writes now (as root that needs the immutable flag)."""
    path.chmod(0o444)
    try:
        with path.open("r+b"):
            pass
    except PermissionError:
        return True
    if shutil.which("chattr") and subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
        return True
    return False


def _make_writable(path: Path) -> None:
    if shutil.which("chattr"):
        subprocess.run(["chattr", "-i", str(path)], capture_output=True)
    path.chmod(0o644)


def test_read_only_library_is_a_store_error(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "library.sqlite3"
    with Library.open(path) as lib:
        lib.save_conversation(conversation())
    if not _make_unwritable(path):
        pytest.skip("cannot make a file read-only for this user")
    try:
        with pytest.raises(StoreError, match="read-only") as caught:
            Library.open(path)
        assert "writable" in caught.value.hint
    finally:
        _make_writable(path)
    with Library.open(path) as lib:
        assert len(lib.list_conversations()) == 1


def test_full_disk_rolls_back_and_loses_nothing(library: Library) -> None:
    kept = library.save_conversation(conversation("Kept"))
    library.rename_speaker(kept, 1, "Alice")
    pages = library.db.execute("PRAGMA page_count").fetchone()[0]
    library.db.execute(f"PRAGMA max_page_count = {pages}")  # the file may not grow any more
    big = conversation(
        "Too big", lines=[(f"b{i}", f"Line {i} about zebras and quokkas " * 4, i * 1000, 1 + i % 2) for i in range(100)]
    )
    with pytest.raises(StoreError, match="disk is full") as caught:
        library.save_conversation(big)
    assert "space" in caught.value.hint
    with pytest.raises(StoreError, match="disk is full"):
        library.add_pass(kept, big.utterances, kind="async", model="base")

    assert [s.title for s in library.list_conversations()] == ["Kept"]
    assert len(library.passes(kept)) == 1
    assert library.search("zebras") == []
    assert len(library.search("alice")) == 2
    assert library.get_conversation(kept) == library.get_conversation(kept)
    assert fts_is_exact(library)

    library.db.execute("PRAGMA max_page_count = 1073741823")  # space freed: the same save now works
    big_id = library.save_conversation(big)
    assert len(library.get_conversation(big_id).utterances) == 100
    assert len(library.search("zebras", limit=1000)) == 100


def test_threads_share_one_library(library: Library) -> None:
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(10):
                cid = library.save_conversation(conversation(f"T{n}-{i}"))
                library.rename_speaker(cid, 1, f"Speaker{n}x{i}")
                assert len(library.get_conversation(cid).utterances) == 4
                library.list_conversations(limit=5)
                library.search("travel")
        except BaseException as exc:  # reported to the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert library.conversation_count() == 40
    assert len(library.search("travel", limit=1000)) == 80
    assert fts_is_exact(library)


def test_two_connections_write_the_same_file(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "shared.sqlite3"
    Library.open(path).close()
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            with Library.open(path) as own:  # like the GUI and a worker process: one connection each
                for i in range(15):
                    cid = own.save_conversation(conversation(f"P{n}-{i}"))
                    own.add_pass(cid, [utterance("x", "Again.", 0, 1)], kind="async", model="base")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with Library.open(path) as lib:
        assert lib.conversation_count() == 45
        assert len(lib.search("again", limit=100)) == 45
        assert fts_is_exact(lib)


def test_closed_library_says_so(tmp_path: Path, home: Path) -> None:
    lib = Library.open(tmp_path / "x.sqlite3")
    lib.close()
    lib.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        lib.list_conversations()
