"""Schema migrations: a new library, an old (v1) library upgraded in place, two processes at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

from core.store import Library
from core.store.connection import connect
from core.store.schema import MIGRATIONS, apply_migrations

from store_samples import fts_is_exact

ALL = [name for name, _ in MIGRATIONS]
ROOT = Path(__file__).resolve().parents[3]


def test_new_library_gets_every_migration_in_order(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with Library.open(path) as lib:
        assert lib.applied_migrations() == ALL
        rows = lib.db.execute("SELECT name, applied FROM _migrations ORDER BY rowid").fetchall()
        assert [r[0] for r in rows] == ALL
        for _, applied in rows:
            assert datetime.fromisoformat(applied).tzinfo is not None
        assert lib.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert lib.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert lib.db.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        tables = set(lib.db.table_names())
        assert {"conversations", "audio_sources", "passes", "speakers", "utterances", "words", "jobs"} <= tables
    with Library.open(path) as again:  # reopening applies nothing twice
        assert again.db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(ALL)


def test_default_path_is_in_parley_home(home: Path) -> None:
    with Library.open() as lib:
        assert lib.path == home / "library.sqlite3"
    assert (home / "library.sqlite3").is_file()


def _v1_library(path: Path) -> None:
    """Build a library as the first release left it: migration 1 only, with a conversation in it."""
    db = connect(path)
    assert apply_migrations(db, MIGRATIONS[:1]) == ["0001_initial_schema"]
    db.execute(
        "INSERT INTO conversations (conversation_id, title, created, duration_ms, source, locale, model, channels)"
        " VALUES ('c-1', 'Old standup', '2025-01-02T08:00:00.000000+00:00', 60000, 'a.wav', 'en-US', 'tiny.en', 1)"
    )
    db.execute(
        "INSERT INTO passes (id, conversation_id, kind, model, options, status, created)"
        " VALUES (7, 'c-1', 'file', 'tiny.en', '{\"beam\": 5}', 'succeeded', '2025-01-02T08:05:00.000000+00:00')"
    )
    db.execute("UPDATE conversations SET current_pass_id = 7 WHERE conversation_id = 'c-1'")
    db.execute("INSERT INTO speakers (id, conversation_id, number, name) VALUES (1, 'c-1', 1, 'Dana')")
    db.execute(
        "INSERT INTO utterances (id, pass_id, result_id, channel, speaker_id, offset_ms, duration_ms,"
        " lexical, itn, masked_itn, display, confidence, alternatives)"
        " VALUES (1, 7, 'u-1', 0, 1, 1500, 2000, 'the deployment is blocked', 'the deployment is blocked',"
        " 'the deployment is blocked', 'The deployment is blocked.', 0.8, '[]')"
    )
    db.execute(
        "INSERT INTO words VALUES (1, 0, 'The', 1500, 200, 0.9, 1), (1, 1, 'deployment', 1700, 600, 0.8, 1)"
    )
    db.close()


def test_v1_library_upgrades_in_place_and_keeps_its_data(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    _v1_library(path)
    raw = Database(path)
    assert "utterance_search_fts" not in raw.table_names()
    assert "edited" not in raw["utterances"].columns_dict
    raw.close()

    with Library.open(path) as lib:
        assert lib.applied_migrations() == ALL
        assert "edited" in lib.db["utterances"].columns_dict
        conversation = lib.get_conversation("c-1")
        assert conversation.title == "Old standup"
        assert conversation.speakers[1].name == "Dana"
        [only] = conversation.utterances
        assert (only.result_id, only.offset_ms, only.speaker, only.display) == ("u-1", 1500, 1, "The deployment is blocked.")
        assert [w.text for w in only.words] == ["The", "deployment"]
        [first_pass] = lib.passes("c-1")
        assert first_pass.options == {"beam": 5} and first_pass.is_current
        # migration 2 indexed what v1 had stored: both its text and its speaker's name are searchable
        assert [h.result_id for h in lib.search("deployment")] == ["u-1"]
        assert [h.result_id for h in lib.search("dana")] == ["u-1"]
        assert fts_is_exact(lib)
        # migration 3's column is used by edits made after the upgrade
        lib.edit_utterance("c-1", "u-1", "The deployment is unblocked.")
        edited = lib.db.execute("SELECT edited FROM utterances WHERE id = 1").fetchone()[0]
        assert edited is not None
        assert [h.result_id for h in lib.search("unblocked")] == ["u-1"]


def test_a_failing_migration_leaves_the_library_as_it_was(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    _v1_library(path)

    def broken(db: Database) -> None:
        db.execute("ALTER TABLE conversations ADD COLUMN half_done TEXT")
        raise sqlite3.OperationalError("boom")

    db = connect(path)
    try:
        apply_migrations(db, [*MIGRATIONS[:1], ("0002_broken", broken)])
    except sqlite3.OperationalError:
        pass
    else:
        raise AssertionError("the broken migration should have raised")
    assert "half_done" not in db["conversations"].columns_dict
    assert [r[0] for r in db.execute("SELECT name FROM _migrations")] == ["0001_initial_schema"]
    db.close()
    with Library.open(path) as lib:  # the real upgrade still works afterwards
        assert lib.applied_migrations() == ALL


_OPEN_AND_REPORT = """
import json, sys
from core.store import Library
with Library.open(sys.argv[1]) as lib:
    print(json.dumps(lib.applied_migrations()))
"""


def test_two_processes_opening_an_old_library_upgrade_it_once(tmp_path: Path, home: Path) -> None:
    path = tmp_path / "v1.sqlite3"
    _v1_library(path)
    procs = [
        subprocess.Popen([sys.executable, "-c", _OPEN_AND_REPORT, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    assert [p.returncode for p in procs] == [0, 0]
    assert [json.loads(o) for o in outputs] == [ALL, ALL]
    with Library.open(path) as lib:
        assert lib.db.execute("SELECT COUNT(*) FROM _migrations").fetchone()[0] == len(ALL)
        assert [h.result_id for h in lib.search("deployment")] == ["u-1"]
        assert fts_is_exact(lib)
