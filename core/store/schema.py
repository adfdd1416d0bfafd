"""The library's schema as named migrations, applied in order, each in its own transaction.

A migration is a plain function of a sqlite-utils ``Database``; its name is recorded in
``_migrations`` (name, applied) once it has run. Never edit a released migration: add a new
one at the end of ``MIGRATIONS`` so old libraries upgrade in place.

sqlite-utils 4 has a ``Migrations`` class, but it opens deferred transactions; two processes
(the GUI and a worker) opening an old library at once would both try to upgrade it. Here each
migration runs under ``BEGIN IMMEDIATE`` and re-checks that it is still pending once it holds
the write lock, so exactly one process applies it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timezone

from sqlite_utils import Database

log = logging.getLogger(__name__)

MIGRATIONS_TABLE = "_migrations"
JOB_STATES = ("NotStarted", "Running", "Succeeded", "Failed", "Canceled")
PASS_KINDS = ("realtime", "async", "file")


def initial_schema(db: Database) -> None:
    """Create the conversations, their audio, passes, speakers, utterances, words and jobs."""
    kinds = ", ".join(f"'{k}'" for k in PASS_KINDS)
    states = ", ".join(f"'{s}'" for s in JOB_STATES)
    db.executescript(
        f"""
        CREATE TABLE conversations (
            conversation_id TEXT PRIMARY KEY,
            title TEXT NOT NULL,
            created TEXT NOT NULL,
            duration_ms INTEGER NOT NULL DEFAULT 0,
            source TEXT NOT NULL DEFAULT '',
            locale TEXT NOT NULL DEFAULT '',
            model TEXT NOT NULL DEFAULT '',
            channels INTEGER NOT NULL DEFAULT 1,
            current_pass_id INTEGER REFERENCES passes(id) ON DELETE SET NULL
        );
        CREATE INDEX conversations_by_created ON conversations(created);
        CREATE INDEX conversations_by_current_pass ON conversations(current_pass_id);

        CREATE TABLE audio_sources (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(conversation_id) ON DELETE CASCADE,
            path TEXT NOT NULL,
            channels INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            sha256 TEXT NOT NULL,
            copied INTEGER NOT NULL CHECK (copied IN (0, 1)),
            added TEXT NOT NULL
        );
        CREATE INDEX audio_sources_by_conversation ON audio_sources(conversation_id);

        CREATE TABLE passes (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(conversation_id) ON DELETE CASCADE,
            kind TEXT NOT NULL CHECK (kind IN ({kinds})),
            model TEXT NOT NULL DEFAULT '',
            options TEXT NOT NULL DEFAULT '{{}}',
            status TEXT NOT NULL DEFAULT 'succeeded',
            created TEXT NOT NULL
        );
        CREATE INDEX passes_by_conversation ON passes(conversation_id, id);

        CREATE TABLE speakers (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(conversation_id) ON DELETE CASCADE,
            number INTEGER NOT NULL CHECK (number >= 1),
            name TEXT,
            UNIQUE (conversation_id, number)
        );

        CREATE TABLE utterances (
            id INTEGER PRIMARY KEY,
            pass_id INTEGER NOT NULL REFERENCES passes(id) ON DELETE CASCADE,
            result_id TEXT NOT NULL,
            channel INTEGER NOT NULL DEFAULT 0,
            speaker_id INTEGER REFERENCES speakers(id),
            offset_ms INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            lexical TEXT NOT NULL DEFAULT '',
            itn TEXT NOT NULL DEFAULT '',
            masked_itn TEXT NOT NULL DEFAULT '',
            display TEXT NOT NULL DEFAULT '',
            confidence REAL NOT NULL DEFAULT 0,
            overlapped INTEGER NOT NULL DEFAULT 0,
            sentiment TEXT,
            alternatives TEXT NOT NULL DEFAULT '[]'
        );
        CREATE UNIQUE INDEX utterances_by_result ON utterances(pass_id, result_id);
        CREATE INDEX utterances_by_time ON utterances(pass_id, offset_ms, channel);
        CREATE INDEX utterances_by_speaker ON utterances(speaker_id, pass_id);

        CREATE TABLE words (
            utterance_id INTEGER NOT NULL REFERENCES utterances(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            text TEXT NOT NULL,
            offset_ms INTEGER NOT NULL,
            duration_ms INTEGER NOT NULL,
            confidence REAL,
            speaker INTEGER,
            PRIMARY KEY (utterance_id, position)
        ) WITHOUT ROWID;

        CREATE TABLE jobs (
            id INTEGER PRIMARY KEY,
            conversation_id TEXT NOT NULL REFERENCES conversations(conversation_id) ON DELETE CASCADE,
            state TEXT NOT NULL DEFAULT 'NotStarted' CHECK (state IN ({states})),
            mode TEXT NOT NULL DEFAULT 'async',
            options TEXT NOT NULL DEFAULT '{{}}',
            progress INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
            step TEXT NOT NULL DEFAULT '',
            error TEXT,
            attempts INTEGER NOT NULL DEFAULT 0,
            worker_pid INTEGER,
            created TEXT NOT NULL,
            last_action TEXT NOT NULL,
            started TEXT,
            finished TEXT
        );
        CREATE INDEX jobs_by_conversation ON jobs(conversation_id, id);
        CREATE INDEX jobs_by_state ON jobs(state, id);
        """
    )


# Which utterances are searchable: those of each conversation's current pass, with the name of
# their speaker. The FTS index mirrors exactly this view (so 'rebuild' and 'integrity-check'
# stay exact); the triggers below keep it in step with every write to the base tables.
_IS_CURRENT = "EXISTS (SELECT 1 FROM conversations WHERE current_pass_id = {}.pass_id)"
_NAME_OF = "(SELECT name FROM speakers WHERE id = {}.speaker_id)"


def full_text_search(db: Database) -> None:
    """Index the current pass of every conversation (utterance text and speaker name) with FTS5."""
    db.executescript(
        f"""
        CREATE VIEW utterance_search AS
            SELECT u.id AS id, u.display AS display, s.name AS speaker
            FROM conversations c
            JOIN utterances u ON u.pass_id = c.current_pass_id
            LEFT JOIN speakers s ON s.id = u.speaker_id;

        CREATE VIRTUAL TABLE utterance_search_fts USING fts5(
            display, speaker,
            content='utterance_search', content_rowid='id',
            tokenize='unicode61 remove_diacritics 2', prefix='2 3'
        );

        CREATE TRIGGER utterances_ai AFTER INSERT ON utterances BEGIN
            INSERT INTO utterance_search_fts(rowid, display, speaker)
                SELECT new.id, new.display, {_NAME_OF.format('new')} WHERE {_IS_CURRENT.format('new')};
        END;

        CREATE TRIGGER utterances_ad AFTER DELETE ON utterances BEGIN
            INSERT INTO utterance_search_fts(utterance_search_fts, rowid, display, speaker)
                SELECT 'delete', old.id, old.display, {_NAME_OF.format('old')} WHERE {_IS_CURRENT.format('old')};
        END;

        CREATE TRIGGER utterances_au AFTER UPDATE OF display, speaker_id, pass_id ON utterances BEGIN
            INSERT INTO utterance_search_fts(utterance_search_fts, rowid, display, speaker)
                SELECT 'delete', old.id, old.display, {_NAME_OF.format('old')} WHERE {_IS_CURRENT.format('old')};
            INSERT INTO utterance_search_fts(rowid, display, speaker)
                SELECT new.id, new.display, {_NAME_OF.format('new')} WHERE {_IS_CURRENT.format('new')};
        END;

        CREATE TRIGGER speakers_au AFTER UPDATE OF name ON speakers
        WHEN old.name IS NOT new.name BEGIN
            INSERT INTO utterance_search_fts(utterance_search_fts, rowid, display, speaker)
                SELECT 'delete', u.id, u.display, old.name
                FROM utterances u JOIN conversations c ON c.current_pass_id = u.pass_id
                WHERE u.speaker_id = old.id;
            INSERT INTO utterance_search_fts(rowid, display, speaker)
                SELECT u.id, u.display, new.name
                FROM utterances u JOIN conversations c ON c.current_pass_id = u.pass_id
                WHERE u.speaker_id = new.id;
        END;

        CREATE TRIGGER conversations_current_pass AFTER UPDATE OF current_pass_id ON conversations
        WHEN old.current_pass_id IS NOT new.current_pass_id BEGIN
            INSERT INTO utterance_search_fts(utterance_search_fts, rowid, display, speaker)
                SELECT 'delete', u.id, u.display, s.name
                FROM utterances u LEFT JOIN speakers s ON s.id = u.speaker_id
                WHERE u.pass_id = old.current_pass_id;
            INSERT INTO utterance_search_fts(rowid, display, speaker)
                SELECT u.id, u.display, s.name
                FROM utterances u LEFT JOIN speakers s ON s.id = u.speaker_id
                WHERE u.pass_id = new.current_pass_id;
        END;

        -- Cascaded deletes run after the conversation row is gone, when its utterances no
        -- longer look current; so its entries leave the index here, before the delete.
        CREATE TRIGGER conversations_bd BEFORE DELETE ON conversations BEGIN
            INSERT INTO utterance_search_fts(utterance_search_fts, rowid, display, speaker)
                SELECT 'delete', u.id, u.display, s.name
                FROM utterances u LEFT JOIN speakers s ON s.id = u.speaker_id
                WHERE u.pass_id = old.current_pass_id;
        END;

        INSERT INTO utterance_search_fts(utterance_search_fts) VALUES ('rebuild');
        """
    )


def utterance_edits(db: Database) -> None:
    """Remember when the user corrected an utterance's text (NULL while it is as recognised)."""
    db.execute("ALTER TABLE utterances ADD COLUMN edited TEXT")


def api_transcriptions(db: Database) -> None:
    """Remember the transcriptions created through the local speech service (parley serve).

    One transcription (Azure batch v2/v3 or a Watson recognition job) holds one or more sources;
    each source is one conversation of the library with its job. Deleting the conversation in the
    app removes the source; a transcription marked deleted waits for its jobs to stop before its
    conversations go.
    """
    db.executescript(
        """
        CREATE TABLE api_transcriptions (
            id TEXT PRIMARY KEY,
            api TEXT NOT NULL CHECK (api IN ('v2.0', 'v3.1', 'watson')),
            name TEXT NOT NULL DEFAULT '',
            description TEXT NOT NULL DEFAULT '',
            locale TEXT NOT NULL DEFAULT '',
            properties TEXT NOT NULL DEFAULT '{}',
            created TEXT NOT NULL,
            last_action TEXT NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
        );
        CREATE INDEX api_transcriptions_by_created ON api_transcriptions(api, deleted, created);

        CREATE TABLE api_transcription_sources (
            transcription_id TEXT NOT NULL REFERENCES api_transcriptions(id) ON DELETE CASCADE,
            position INTEGER NOT NULL,
            conversation_id TEXT NOT NULL REFERENCES conversations(conversation_id) ON DELETE CASCADE,
            url TEXT NOT NULL,
            PRIMARY KEY (transcription_id, position)
        );
        CREATE INDEX api_transcription_sources_by_conversation ON api_transcription_sources(conversation_id);
        """
    )


Migration = Callable[[Database], None]

# Order matters and names are forever: they are what `_migrations` records.
MIGRATIONS: list[tuple[str, Migration]] = [
    ("0001_initial_schema", initial_schema),
    ("0002_full_text_search", full_text_search),
    ("0003_utterance_edits", utterance_edits),
    ("0004_api_transcriptions", api_transcriptions),
]


def applied_migrations(db: Database) -> list[str]:
    """Return the names of the migrations already applied, oldest first."""
    if not db[MIGRATIONS_TABLE].exists():
        return []
    return [row[0] for row in db.execute(f"SELECT name FROM {MIGRATIONS_TABLE} ORDER BY rowid")]


def apply_migrations(db: Database, migrations: list[tuple[str, Migration]] | None = None) -> list[str]:
    """Apply the pending migrations in order, each in its own transaction; return the names applied."""
    migrations = MIGRATIONS if migrations is None else migrations
    done_before = set(applied_migrations(db))
    if all(name in done_before for name, _ in migrations):
        return []
    applied: list[str] = []
    for name, migrate in migrations:
        if name in done_before:
            continue
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {MIGRATIONS_TABLE} (name TEXT PRIMARY KEY, applied TEXT NOT NULL)"
            )
            # another process may have applied it while we waited for the write lock
            if db.execute(f"SELECT 1 FROM {MIGRATIONS_TABLE} WHERE name = ?", [name]).fetchone() is None:
                migrate(db)
                db.execute(
                    f"INSERT INTO {MIGRATIONS_TABLE} (name, applied) VALUES (?, ?)",
                    [name, datetime.now(timezone.utc).isoformat(timespec="seconds")],
                )
                applied.append(name)
                log.info("library migration applied: %s", name)
            db.execute("COMMIT")
        except BaseException:
            db.conn.rollback()
            raise
    return applied
