"""Conversations and passes: saved and read back whole, listed newest first, re-transcribed, renamed."""

from __future__ import annotations

from datetime import timezone

import pytest

from core.errors import NotFoundError, StoreError
from core.results import Conversation, Speaker
from core.store import Library

from store_samples import conversation, fts_is_exact, later, utterance


def test_saved_conversation_reads_back_whole(library: Library) -> None:
    original = conversation(names={2: "Bob"})
    original.utterances[1].overlapped = True
    cid = library.save_conversation(original)
    loaded = library.get_conversation(cid)

    assert cid and loaded.conversation_id == cid
    for field in ("title", "created", "duration_ms", "source", "locale", "model", "channels"):
        assert getattr(loaded, field) == getattr(original, field), field
    assert loaded.created.tzinfo is not None
    assert loaded.utterances == original.utterances  # forms, words, alternatives, sentiment, speaker, overlap
    assert loaded.speakers == {1: Speaker(1), 2: Speaker(2, "Bob"), 3: Speaker(3)}
    assert loaded.speaker_label(2) == "Bob" and loaded.speaker_label(1) == "Guest-1"


def test_utterances_come_back_in_time_order_and_keep_their_id(library: Library) -> None:
    lines = [("late", "Second.", 5000, 1), ("early", "First.", 1000, 2), ("ch1", "Other channel.", 1000, None)]
    original = conversation(lines=lines)
    original.utterances[2].channel = 1
    original.conversation_id = "my-own-id"
    cid = library.save_conversation(original)
    assert cid == "my-own-id"
    loaded = library.get_conversation(cid)
    assert [u.result_id for u in loaded.utterances] == ["early", "ch1", "late"]
    assert loaded.utterances[1].speaker is None and loaded.utterances[1].channel == 1


def test_naive_created_time_is_taken_as_utc(library: Library) -> None:
    original = conversation(created=later(0).replace(tzinfo=None))
    loaded = library.get_conversation(library.save_conversation(original))
    assert loaded.created == later(0) and loaded.created.tzinfo == timezone.utc


def test_new_pass_becomes_current_and_old_pass_stays_readable(library: Library) -> None:
    cid = library.save_conversation(conversation(), options={"beam": 1})
    retranscribed = [utterance("n1", "Let us review the whole budget.", 0, 1), utterance("n2", "Agreed.", 2500, 2)]
    new_pass = library.add_pass(cid, retranscribed, {2: Speaker(2, "Bob")}, kind="async", model="base", options={"beam": 5})

    current = library.get_conversation(cid)
    assert [u.result_id for u in current.utterances] == ["n1", "n2"]
    assert current.model == "base"
    assert set(current.speakers) == {1, 2} and current.speakers[2].name == "Bob"

    passes = library.passes(cid)
    assert [(p.kind, p.model, p.options, p.is_current, p.utterance_count) for p in passes] == [
        ("file", "tiny.en", {"beam": 1}, False, 4),
        ("async", "base", {"beam": 5}, True, 2),
    ]
    assert passes[1].pass_id == new_pass

    old = library.get_conversation(cid, pass_id=passes[0].pass_id)
    assert [u.result_id for u in old.utterances] == ["r1", "r2", "r3", "r4"]
    assert old.model == "tiny.en"
    assert set(old.speakers) == {1, 2, 3}

    library.set_current_pass(cid, passes[0].pass_id)
    assert [u.result_id for u in library.get_conversation(cid).utterances] == ["r1", "r2", "r3", "r4"]
    assert [p.is_current for p in library.passes(cid)] == [True, False]
    assert fts_is_exact(library)


def test_create_conversation_then_add_pass(library: Library) -> None:
    empty = conversation()
    empty.utterances = []
    empty.speakers = {1: Speaker(1, "Ann"), 2: Speaker(2, "Ben")}
    cid = library.create_conversation(empty)
    loaded = library.get_conversation(cid)
    assert loaded.utterances == [] and loaded.speakers == empty.speakers  # participants named up front
    assert library.passes(cid) == []

    library.add_pass(cid, [utterance("x", "Hello there.", 0, 1)], kind="realtime", model="tiny.en", options={})
    loaded = library.get_conversation(cid)
    assert [u.display for u in loaded.utterances] == ["Hello there."]
    assert loaded.speakers == {1: Speaker(1, "Ann"), 2: Speaker(2, "Ben")}  # Ben has not spoken yet but stays

    with pytest.raises(ValueError):
        library.create_conversation(conversation())  # utterances belong in a pass
    with pytest.raises(ValueError):
        library.add_pass(cid, [], kind="guess", model="m")


def test_list_is_newest_first_with_counts_and_latest_job(library: Library) -> None:
    ids = [library.save_conversation(conversation(f"Meeting {i}", created=later(i))) for i in range(5)]
    library.add_pass(ids[2], [utterance("only", "Short.", 0, 1)], kind="async", model="base")
    for state in ("Failed", "Running"):
        library.db.execute(
            "INSERT INTO jobs (conversation_id, state, created, last_action) VALUES (?, ?, 'now', 'now')", [ids[3], state]
        )

    summaries = library.list_conversations()
    assert [s.title for s in summaries] == [f"Meeting {i}" for i in (4, 3, 2, 1, 0)]
    by_id = {s.conversation_id: s for s in summaries}
    assert (by_id[ids[0]].utterance_count, by_id[ids[0]].speaker_count) == (4, 3)
    assert (by_id[ids[2]].utterance_count, by_id[ids[2]].speaker_count) == (1, 1)
    assert by_id[ids[3]].job_state == "Running" and by_id[ids[0]].job_state is None
    assert by_id[ids[0]].duration_ms == 15000 and by_id[ids[0]].created == later(0)

    page = library.list_conversations(limit=2, offset=2)
    assert [s.title for s in page] == ["Meeting 2", "Meeting 1"]
    assert library.conversation_count() == 5


def test_rename_conversation(library: Library) -> None:
    cid = library.save_conversation(conversation())
    library.rename_conversation(cid, "  Q4   budget ")
    assert library.get_conversation(cid).title == "Q4 budget"
    assert library.list_conversations()[0].title == "Q4 budget"
    with pytest.raises(StoreError):
        library.rename_conversation(cid, "   ")


def test_unknown_ids_raise_not_found(library: Library) -> None:
    cid = library.save_conversation(conversation())
    other = library.save_conversation(conversation("Other"))
    other_pass = library.passes(other)[0].pass_id
    calls = [
        lambda: library.get_conversation("nope"),
        lambda: library.get_conversation(cid, pass_id=other_pass),  # a pass of another conversation
        lambda: library.get_conversation(cid, pass_id=999),
        lambda: library.passes("nope"),
        lambda: library.set_current_pass(cid, other_pass),
        lambda: library.add_pass("nope", [], kind="file", model="m"),
        lambda: library.rename_conversation("nope", "x"),
        lambda: library.delete_conversation("nope"),
        lambda: library.rename_speaker(cid, 9, "Zed"),
        lambda: library.rename_speaker("nope", 1, "Zed"),
        lambda: library.merge_speakers(cid, 1, 9),
        lambda: library.reassign_utterance(cid, "no-such-result", 1),
        lambda: library.edit_utterance(cid, "no-such-result", "text"),
        lambda: library.audio_sources("nope"),
        lambda: library.audio_path("nope"),
    ]
    for call in calls:
        with pytest.raises(NotFoundError):
            call()
    assert library.get_conversation(cid).title == "Budget meeting"  # nothing changed


def test_duplicate_result_ids_save_nothing(library: Library) -> None:
    bad = conversation(lines=[("same", "One.", 0, 1), ("same", "Two.", 900, 1)])
    with pytest.raises(StoreError, match="same"):
        library.save_conversation(bad)
    assert library.list_conversations() == []
    existing = conversation()
    existing.conversation_id = "fixed"
    library.save_conversation(existing)
    with pytest.raises(StoreError, match="already"):
        library.save_conversation(existing)
    assert len(library.passes("fixed")) == 1


def test_conversation_model_is_plain_data(library: Library) -> None:
    cid = library.save_conversation(conversation())
    loaded = library.get_conversation(cid)
    assert isinstance(loaded, Conversation)
    loaded.utterances.clear()  # changing what was handed out never touches the library
    assert len(library.get_conversation(cid).utterances) == 4
