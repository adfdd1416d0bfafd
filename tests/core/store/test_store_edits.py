"""Undo and redo of the user's corrections, on the real library file: what comes back, and what refuses."""

from __future__ import annotations

import pytest

from core.store import Library
from core.store.edits import EditConflict

from store_samples import conversation, fts_is_exact, utterance


def _looks(library: Library, cid: str):
    """Return what a reader sees of a conversation: speakers with names, and each utterance's speaker, texts and word speakers."""
    c = library.get_conversation(cid)
    return ({n: s.name for n, s in c.speakers.items()},
            [(u.result_id, u.speaker, u.lexical, u.itn, u.masked_itn, u.display, [w.speaker for w in u.words])
             for u in c.utterances])


def _hits(library: Library, query: str) -> list[str]:
    return sorted(h.result_id for h in library.search(query))


def test_merge_is_undone_and_redone_with_names_words_and_search(library: Library) -> None:
    cid = library.save_conversation(conversation(names={3: "Carol"}))
    start = _looks(library, cid)
    moved, edit = library.recording_edit(cid, "Merge Carol into Guest-1", lambda lib: lib.merge_speakers(cid, 1, 3))
    assert moved == 1 and not edit.empty
    merged = _looks(library, cid)
    assert merged[0] == {1: "Carol", 2: None}  # Guest-1 had no name, so it took Carol's
    assert _hits(library, "carol") == ["r1", "r3", "r4"]

    library.undo_edit(edit)
    assert _looks(library, cid) == start
    assert _hits(library, "carol") == ["r4"]
    assert library.get_conversation(cid).speakers[3].name == "Carol"
    assert fts_is_exact(library)

    library.redo_edit(edit)
    assert _looks(library, cid) == merged
    assert _hits(library, "carol") == ["r1", "r3", "r4"]
    assert fts_is_exact(library)


def test_text_edit_undo_brings_back_the_recognized_forms(library: Library) -> None:
    cid = library.save_conversation(conversation())
    start = _looks(library, cid)
    forms, edit = library.recording_edit(cid, "Edit text", lambda lib: lib.edit_utterance(cid, "r3", "We should cut 3 hotel bookings."))
    assert forms.lexical == "we should cut three hotel bookings"
    assert _hits(library, "hotel") == ["r3"]

    library.undo_edit(edit)
    assert _looks(library, cid) == start
    assert library.db.execute("SELECT edited FROM utterances WHERE result_id = 'r3'").fetchone() == (None,)  # not corrected by hand
    assert _hits(library, "hotel") == [] and _hits(library, "travel") == ["r3", "r4"]
    library.redo_edit(edit)
    assert library.get_conversation(cid).utterances[2].display == "We should cut 3 hotel bookings."
    assert _hits(library, "hotel") == ["r3"]
    assert fts_is_exact(library)


def test_undoing_a_reassignment_brings_back_the_voice_it_emptied_and_removes_the_one_it_made(library: Library) -> None:
    cid = library.save_conversation(conversation())
    start = _looks(library, cid)
    _, first = library.recording_edit(cid, "Give r4 to Guest-2", lambda lib: lib.reassign_utterance(cid, "r4", 2))
    _, second = library.recording_edit(cid, "Give r1 to Guest-5", lambda lib: lib.reassign_utterance(cid, "r1", 5))
    assert set(library.get_conversation(cid).speakers) == {1, 2, 5}  # Guest-3 said nothing any more

    library.undo_edit(second)
    assert set(library.get_conversation(cid).speakers) == {1, 2}
    library.undo_edit(first)
    assert _looks(library, cid) == start
    assert set(library.get_conversation(cid).speakers) == {1, 2, 3}
    assert fts_is_exact(library)


def test_an_edit_that_changed_nothing_is_empty(library: Library) -> None:
    cid = library.save_conversation(conversation(names={1: "Alice"}))
    _, edit = library.recording_edit(cid, "Rename", lambda lib: lib.rename_speaker(cid, 1, "  Alice "))
    assert edit.empty


def test_undo_refuses_once_the_rows_changed_elsewhere_and_changes_nothing(library: Library) -> None:
    cid = library.save_conversation(conversation())
    _, rename = library.recording_edit(cid, "Rename Guest-1", lambda lib: lib.rename_speaker(cid, 1, "Alice"))
    library.rename_speaker(cid, 1, "Alicia")  # the CLI, or another window
    before = _looks(library, cid)
    with pytest.raises(EditConflict, match="cannot be undone: the conversation has changed since"):
        library.undo_edit(rename)
    assert _looks(library, cid) == before

    _, text = library.recording_edit(cid, "Edit text", lambda lib: lib.edit_utterance(cid, "r2", "Costs went up."))
    library.undo_edit(text)
    library.edit_utterance(cid, "r2", "Costs went down.")
    with pytest.raises(EditConflict, match="cannot be redone"):
        library.redo_edit(text)
    assert library.get_conversation(cid).utterances[1].display == "Costs went down."


def test_undo_leaves_a_newer_pass_alone_and_refuses_to_remove_a_speaker_it_uses(library: Library) -> None:
    cid = library.save_conversation(conversation())
    _, edit = library.recording_edit(cid, "Give r1 to Guest-5", lambda lib: lib.reassign_utterance(cid, "r1", 5))
    library.add_pass(cid, [utterance("n1", "A better transcript.", 0, 5), utterance("n2", "Said by one.", 3000, 1)],
                     kind="async", model="base")
    newer = _looks(library, cid)
    with pytest.raises(EditConflict, match="a newer transcript uses the speaker it added"):
        library.undo_edit(edit)
    assert _looks(library, cid) == newer  # rolled back whole: the old pass's r1 is still Guest-5's too
    old_pass = library.passes(cid)[0].pass_id
    assert library.get_conversation(cid, old_pass).utterances[0].speaker == 5

    _, rename = library.recording_edit(cid, "Rename Guest-1", lambda lib: lib.rename_speaker(cid, 1, "Alice"))
    library.add_pass(cid, [utterance("m1", "Another one.", 0, 1)], kind="async", model="base")
    library.undo_edit(rename)  # the name is on the number, whatever pass is current
    assert library.get_conversation(cid).speaker_label(1) == "Guest-1"
    assert fts_is_exact(library)


def test_an_edit_of_a_deleted_conversation_says_so(library: Library) -> None:
    from core.errors import NotFoundError

    cid = library.save_conversation(conversation())
    _, edit = library.recording_edit(cid, "Rename", lambda lib: lib.rename_speaker(cid, 2, "Bob"))
    library.delete_conversation(cid)
    with pytest.raises(NotFoundError):
        library.undo_edit(edit)
