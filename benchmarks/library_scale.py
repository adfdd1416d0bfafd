"""How the conversation library holds up at scale: 10,000 conversations, 1,000,000 utterances.

    .venv/bin/python benchmarks/library_scale.py [--fresh] [--home DIR]

Builds (once, then reuses) a library in a private PARLEY_HOME holding 10,000 conversations and
1,000,000 utterances of Zipf-distributed words, one of them a 2-hour meeting with ~1,600
utterances and their words, saved through the public API. Then times what a user waits for:
the newest 100 conversations (the library list), opening the 2-hour meeting, and full-text
queries, each against its target. The generated library is cached; --fresh rebuilds it.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

GENERATOR_VERSION = 1
TARGETS_MS = {"list": 100.0, "open": 300.0, "search": 50.0}
COMMON = (
    "the a to and of i you it that is we in this for so on be have not with just what but can do are was "
    "if they know think about like there yeah okay right one get go all at my me our your would will need "
    "maybe then when time now really people also more some because well going want make how good see"
).split()
TOPICS = (
    "budget travel hotel marketing roadmap customer invoice release deadline quarter revenue hiring "
    "design review meeting contract supplier forecast launch migration database server outage backlog "
    "sprint feature feedback pricing discount warehouse shipment payroll training onboarding security"
).split()


def vocabulary(rng: np.random.Generator, size: int = 20_000) -> tuple[np.ndarray, np.ndarray]:
    """Return words and their Zipf-like probabilities: common words first, then topics, then made-up ones."""
    syllables = ["ka", "lo", "mi", "ren", "sto", "va", "zu", "bel", "dri", "fen", "gor", "hal", "jun", "pra", "qui", "tes"]
    made_up = {
        "".join(rng.choice(syllables, size=int(rng.integers(2, 5)))) for _ in range(size * 2)
    } - set(COMMON) - set(TOPICS)
    words = np.array(COMMON + TOPICS + sorted(made_up)[: size - len(COMMON) - len(TOPICS)])
    weights = 1.0 / np.arange(1, len(words) + 1) ** 1.05
    return words, weights / weights.sum()


def sentences(rng: np.random.Generator, words: np.ndarray, p: np.ndarray, count: int) -> list[str]:
    """Return `count` utterance texts of 3 to 25 words drawn from the vocabulary."""
    lengths = rng.integers(3, 26, size=count)
    drawn = rng.choice(words, size=int(lengths.sum()), p=p)
    out, start = [], 0
    for n in lengths:
        out.append(" ".join(drawn[start : start + n]))
        start += n
    return out


def utterance_counts(rng: np.random.Generator, conversations: int, total: int) -> np.ndarray:
    """Return how many utterances each conversation gets (20..180, summing to `total`)."""
    counts = rng.integers(20, 181, size=conversations)
    counts = np.maximum(1, np.round(counts * total / counts.sum())).astype(int)
    counts[0] += total - counts.sum()
    return counts


def long_meeting(rng: np.random.Generator, words: np.ndarray, p: np.ndarray, created: datetime):
    """Return a 2-hour, 4-speaker Conversation with ~1,600 utterances and their words."""
    from core.results import Conversation, Speaker, TextForms, Utterance, Word

    texts = sentences(rng, words, p, 1600)
    utterances, offset = [], 0
    for i, text in enumerate(texts):
        tokens = text.split()
        speaker = int(rng.integers(1, 5))
        step = 4500 * 7_200_000 // (4500 * 1600)
        word_ms = max(1, (step - 200) // len(tokens))
        word_list = [
            Word(text=t, offset_ms=offset + j * word_ms, duration_ms=word_ms - 20, confidence=0.9, speaker=speaker)
            for j, t in enumerate(tokens)
        ]
        display = text[0].upper() + text[1:] + "."
        utterances.append(
            Utterance(
                result_id=f"long-{i:05d}", channel=0, offset_ms=offset, duration_ms=step - 200,
                forms=TextForms(lexical=text, itn=text, masked_itn=text, display=display),
                confidence=0.85, speaker=speaker, words=word_list,
            )
        )
        offset += step
    return Conversation(
        conversation_id="", title="All-hands, two hours", created=created, duration_ms=7_200_000,
        source="all-hands.wav", locale="en-US", model="base", utterances=utterances,
        speakers={n: Speaker(n, name) for n, name in ((1, "Alice"), (2, "Bob"), (3, None), (4, None))},
    )


def generate(library, conversations: int, utterances: int, seed: int = 7) -> dict:
    """Fill an empty library in big batches; return what was built (ids, counts, seconds)."""
    from core.store.records import to_db_time

    rng = np.random.default_rng(seed)
    words, p = vocabulary(rng)
    start_time = datetime(2024, 1, 1, tzinfo=timezone.utc)
    started = time.perf_counter()
    long_index = conversations // 2
    counts = utterance_counts(rng, conversations - 1, utterances - 1600)
    db = library.db
    batch = 250
    utterance_id = 0
    speaker_id = 0
    for first in range(0, conversations, batch):
        rows_c, rows_p, rows_s, rows_u, current = [], [], [], [], []
        for index in range(first, min(first + batch, conversations)):
            if index == long_index:
                continue
            k = index if index < long_index else index - 1
            cid = f"00000000-0000-4000-8000-{index:012d}"
            created = to_db_time(start_time + timedelta(minutes=97 * index))
            pass_id = index + 1
            n = int(counts[k])
            rows_c.append((cid, f"Meeting {index}", created, n * 4500, f"meeting-{index}.wav", "en-US", "tiny.en", 1))
            rows_p.append((pass_id, cid, "file", "tiny.en", "{}", "succeeded", created))
            n_speakers = int(rng.integers(1, 6))
            ids = list(range(speaker_id + 1, speaker_id + n_speakers + 1))
            rows_s.extend((sid, cid, number + 1, None) for number, sid in enumerate(ids))
            speaker_id += n_speakers
            texts = sentences(rng, words, p, n)
            who = rng.integers(0, n_speakers, size=n)
            for i, text in enumerate(texts):
                utterance_id += 1
                display = text[0].upper() + text[1:] + "."
                rows_u.append(
                    (utterance_id, pass_id, f"{index:05d}-{i:04d}", 0, ids[who[i]], i * 4500, 4300,
                     text, text, text, display, 0.8, 0, None, "[]")
                )
            current.append((pass_id, cid))
        with library.transaction():
            db.conn.executemany("INSERT INTO conversations (conversation_id, title, created, duration_ms, source, locale, model, channels) VALUES (?,?,?,?,?,?,?,?)", rows_c)
            db.conn.executemany("INSERT INTO passes (id, conversation_id, kind, model, options, status, created) VALUES (?,?,?,?,?,?,?)", rows_p)
            db.conn.executemany("INSERT INTO speakers (id, conversation_id, number, name) VALUES (?,?,?,?)", rows_s)
            db.conn.executemany(
                "INSERT INTO utterances (id, pass_id, result_id, channel, speaker_id, offset_ms, duration_ms, lexical,"
                " itn, masked_itn, display, confidence, overlapped, sentiment, alternatives)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                rows_u,
            )
            # becoming current is what indexes a pass for search (the triggers do it, as in the app)
            db.conn.executemany("UPDATE conversations SET current_pass_id = ? WHERE conversation_id = ?", current)
            states = rng.choice(["Succeeded", "Failed", "Canceled", "NotStarted"], size=len(current) // 3)
            db.conn.executemany(
                "INSERT INTO jobs (conversation_id, state, created, last_action) VALUES (?, ?, 'x', 'x')",
                [(cid, str(state)) for (_, cid), state in zip(current, states)],
            )
        print(f"\r  generated {min(first + batch, conversations):>6} / {conversations} conversations", end="", flush=True)
    print()
    bulk_s = time.perf_counter() - started
    meeting = long_meeting(rng, words, p, start_time + timedelta(minutes=97 * long_index))
    t0 = time.perf_counter()
    long_id = library.save_conversation(meeting, kind="file")
    save_long_s = time.perf_counter() - t0
    library.db.execute("ANALYZE")
    return {
        "version": GENERATOR_VERSION,
        "conversations": conversations,
        "utterances": utterances,
        "long_id": long_id,
        "long_words": sum(len(u.words) for u in meeting.utterances),
        "bulk_s": round(bulk_s, 1),
        "save_long_s": round(save_long_s, 3),
    }


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Return (first call ms, median of the following calls ms, last result)."""
    t0 = time.perf_counter()
    result = fn()
    first = (time.perf_counter() - t0) * 1000
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t0) * 1000)
    return first, statistics.median(times), result


def report(name: str, target_key: str | None, first: float, median: float, detail: str) -> None:
    """Print one measurement with its target and how far under (or over) it is."""
    if target_key:
        target = TARGETS_MS[target_key]
        verdict = "OK " if median < target else "SLOW"
        ratio = f"target < {target:.0f} ms, {target / median:5.1f}x headroom" if median else ""
        print(f"  {verdict} {name:<44} first {first:8.1f} ms   median {median:8.1f} ms   ({ratio})  {detail}")
    else:
        print(f"  ...  {name:<44} first {first:8.1f} ms   median {median:8.1f} ms   {detail}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path(tempfile.gettempdir()) / "parley-bench-library")
    parser.add_argument("--fresh", action="store_true", help="rebuild the generated library")
    parser.add_argument("--conversations", type=int, default=10_000)
    parser.add_argument("--utterances", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    os.environ["PARLEY_HOME"] = str(args.home)
    from core.store import Library
    from core.store.schema import MIGRATIONS
    from core.store.search import fts_query

    meta_path = args.home / "benchmark.json"
    db_path = args.home / "library.sqlite3"
    wanted = {"version": GENERATOR_VERSION, "conversations": args.conversations, "utterances": args.utterances,
              "migrations": [name for name, _ in MIGRATIONS]}
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if args.fresh or any(meta.get(k) != v for k, v in wanted.items()) or not db_path.exists():
        args.home.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db_path}{suffix}").unlink(missing_ok=True)
        print(f"Generating {args.conversations:,} conversations / {args.utterances:,} utterances in {args.home} ...")
        with Library.open(db_path) as library:
            meta = {**generate(library, args.conversations, args.utterances), **wanted}
        meta_path.write_text(json.dumps(meta, indent=1))
        print(f"  bulk insert + indexing {meta['bulk_s']} s; 2-hour meeting saved via save_conversation in {meta['save_long_s'] * 1000:.0f} ms")
    else:
        print(f"Reusing the library generated earlier in {args.home} (--fresh rebuilds it)")

    size_mb = sum(Path(f"{db_path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{db_path}{s}").exists()) / 1e6
    with Library.open(db_path) as library:
        n_conv = library.conversation_count()
        n_utt = library.db.execute("SELECT COUNT(*) FROM utterances").fetchone()[0]
        print(f"Library: {n_conv:,} conversations, {n_utt:,} utterances, {size_mb:,.0f} MB")
        print(f"Timings (first call on a freshly opened library, then median of {args.repeat}):")

        first, median, page = timed(lambda: library.list_conversations(limit=100), args.repeat)
        report("list the newest 100 conversations", "list", first, median, f"{len(page)} rows")

        long_id = meta["long_id"]
        first, median, conv = timed(lambda: library.get_conversation(long_id), args.repeat)
        n_words = sum(len(u.words) for u in conv.utterances)
        report("open the 2-hour conversation", "open", first, median, f"{len(conv.utterances)} utterances, {n_words} words")

        queries = [("budget", "search"), ('"customer invoice"', None), ("migr*", None), ("alice deadline", None),
                   ("the", None)]
        for query, target in queries:
            total = library.db.execute(
                "SELECT COUNT(*) FROM utterance_search_fts WHERE utterance_search_fts MATCH ?",
                [fts_query(query)],
            ).fetchone()[0]
            first, median, hits = timed(lambda q=query: library.search(q, limit=50), args.repeat)
            report(f"search {query!r} (top 50)", target, first, median, f"{total:,} matching utterances")

        print("Writes on the big library (each undone afterwards, so the cached library stays as generated):")
        first, median, _ = timed(lambda: _rolled_back(library, lambda: library.rename_speaker(long_id, 1, "Alicia")), 3)
        report("rename a speaker of the 2-hour conversation", None, first, median, "search index follows")

        from core.store.edits import CorrectText, MergeSpeakers

        def merge_and_undo() -> None:
            _, edit = library.correct(long_id, MergeSpeakers(1, 2), "Merge")
            library.undo_edit(edit)

        first, median, _ = timed(lambda: _rolled_back(library, merge_and_undo), 3)
        report("merge two speakers of it as an undoable edit, undo", None, first, median, "Ctrl+Z in the app")
        result_id = conv.utterances[800].result_id
        first, median, _ = timed(lambda: _rolled_back(library, lambda: library.correct(
            long_id, CorrectText(result_id, "A corrected phrase."), "Edit")), 3)
        report("correct a phrase's text as an undoable edit", None, first, median, "")
        first, median, _ = timed(
            lambda: _rolled_back(library, lambda: library.add_pass(long_id, conv.utterances, kind="async", model="base")), 3
        )
        report("re-transcribe it (add_pass, 1,600 utterances)", None, first, median, "old pass leaves the index")
        victim = page[len(page) // 2].conversation_id
        first, median, _ = timed(lambda: _rolled_back(library, lambda: library.delete_conversation(victim)), 3)
        report("delete a typical conversation", None, first, median, "")
    return 0


class _Undo(Exception):
    pass


def _rolled_back(library, action) -> None:
    """Run a write inside a transaction that is then rolled back."""
    try:
        with library.transaction():
            action()
            raise _Undo
    except _Undo:
        pass


if __name__ == "__main__":
    raise SystemExit(main())
