"""Undo and redo of the user's corrections, on the real library file: what comes back, and what refuses."""

from __future__ import annotations

import pytest

from core.store import Library
from core.store.edits import CorrectText, DeletePhrase, EditConflict, MergeSpeakers, Place, Reach, Reassign, RenameSpeaker, between, edit_state

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
    moved, edit = library.correct(cid, MergeSpeakers(1, 3), "Merge Carol into Guest-1")
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
    forms, edit = library.correct(cid, CorrectText("r3", "We should cut 3 hotel bookings."), "Edit text")
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
    _, first = library.correct(cid, Reassign("r4", 2), "Give r4 to Guest-2")
    _, second = library.correct(cid, Reassign("r1", 5), "Give r1 to Guest-5")
    assert set(library.get_conversation(cid).speakers) == {1, 2, 5}  # Guest-3 said nothing any more

    library.undo_edit(second)
    assert set(library.get_conversation(cid).speakers) == {1, 2}
    library.undo_edit(first)
    assert _looks(library, cid) == start
    assert set(library.get_conversation(cid).speakers) == {1, 2, 3}
    assert fts_is_exact(library)


def test_a_deleted_phrase_leaves_the_conversation_its_counts_and_its_speaker_until_undone(library: Library) -> None:
    """Carol's only phrase deleted, she was still a speaker of the conversation and a participant of its exports."""
    import io

    from core.export import write_conversation

    cid = library.save_conversation(conversation(names={3: "Carol"}))
    start = _looks(library, cid)
    _, edit = library.correct(cid, DeletePhrase("r4"), "Delete the phrase at 0:11")
    c = library.get_conversation(cid)
    assert [u.result_id for u in c.utterances] == ["r1", "r2", "r3"] and sorted(c.speakers) == [1, 2]
    summary = library.list_conversations()[0]
    assert (summary.utterance_count, summary.speaker_count) == (3, 2) and library.passes(cid)[0].utterance_count == 3
    assert _hits(library, "travel") == ["r3"] and _hits(library, "carol") == []
    out = io.StringIO()
    write_conversation(c, "md", out)
    assert "Carol" not in out.getvalue() and "too expensive" not in out.getvalue()
    assert library.has_corrections(cid)  # a better transcript finished later does not bring it back into view

    library.undo_edit(edit)
    assert _looks(library, cid) == start and _hits(library, "carol") == ["r4"]
    library.redo_edit(edit)
    assert sorted(library.get_conversation(cid).speakers) == [1, 2]
    assert fts_is_exact(library)


def test_an_edit_that_changed_nothing_is_empty(library: Library) -> None:
    cid = library.save_conversation(conversation(names={1: "Alice"}))
    _, edit = library.correct(cid, RenameSpeaker(1, "  Alice "), "Rename")
    assert edit.empty


def test_undo_refuses_once_the_rows_changed_elsewhere_and_changes_nothing(library: Library) -> None:
    cid = library.save_conversation(conversation())
    _, rename = library.correct(cid, RenameSpeaker(1, "Alice"), "Rename Guest-1")
    library.rename_speaker(cid, 1, "Alicia")  # the CLI, or another window
    before = _looks(library, cid)
    with pytest.raises(EditConflict, match="cannot be undone: speaker 1 was renamed since"):
        library.undo_edit(rename)
    assert _looks(library, cid) == before

    _, text = library.correct(cid, CorrectText("r2", "Costs went up."), "Edit text")
    library.undo_edit(text)
    library.edit_utterance(cid, "r2", "Costs went down.")
    with pytest.raises(EditConflict, match="cannot be redone"):
        library.redo_edit(text)
    assert library.get_conversation(cid).utterances[1].display == "Costs went down."


def test_undo_leaves_a_newer_pass_alone_and_refuses_to_remove_a_speaker_it_uses(library: Library) -> None:
    cid = library.save_conversation(conversation())
    _, edit = library.correct(cid, Reassign("r1", 5), "Give r1 to Guest-5")
    library.add_pass(cid, [utterance("n1", "A better transcript.", 0, 5), utterance("n2", "Said by one.", 3000, 1)],
                     kind="async", model="base")
    newer = _looks(library, cid)
    with pytest.raises(EditConflict, match="a newer transcript uses speaker 5"):
        library.undo_edit(edit)
    assert _looks(library, cid) == newer  # rolled back whole: the old pass's r1 is still Guest-5's too
    old_pass = library.passes(cid)[0].pass_id
    assert library.get_conversation(cid, old_pass).utterances[0].speaker == 5

    _, rename = library.correct(cid, RenameSpeaker(1, "Alice"), "Rename Guest-1")
    library.add_pass(cid, [utterance("m1", "Another one.", 0, 1)], kind="async", model="base")
    library.undo_edit(rename)  # the name is on the number, whatever pass is current
    assert library.get_conversation(cid).speaker_label(1) == "Guest-1"
    assert fts_is_exact(library)


def test_undo_and_redo_say_where_the_phrase_they_changed_is(library: Library) -> None:
    cid = library.save_conversation(conversation(names={3: "Carol"}))
    first = library.passes(cid)[0].pass_id
    _, text = library.correct(cid, CorrectText("r3", "We should cut hotel costs."), "Edit r3")
    _, rename = library.correct(cid, RenameSpeaker(2, "Bob"), "Rename Guest-2")
    library.add_pass(cid, [utterance("n1", "Carol speaks first.", 500, 3), utterance("n2", "Then Carol again.", 4000, 3)],
                     kind="async", model="base")
    newer = library.passes(cid)[-1].pass_id
    assert library.undo_edit(rename) is None  # a name: in no phrase
    assert library.undo_edit(text) == Place(first, False, "r3", 7000)  # on the pass no longer shown
    assert library.get_conversation(cid, first).utterances[2].display == "We should cut travel expenses."
    assert library.redo_edit(text) == Place(first, False, "r3", 7000)
    _, merge = library.correct(cid, MergeSpeakers(1, 3), "Merge Carol into Guest-1")
    assert library.undo_edit(merge) == Place(newer, True, "n1", 500)  # both passes changed: the first phrase of the one shown
    library.set_current_pass(cid, first)
    assert library.redo_edit(merge) == Place(first, True, "r4", 11000)


def test_an_edit_of_a_deleted_conversation_says_so(library: Library) -> None:
    from core.errors import NotFoundError

    cid = library.save_conversation(conversation())
    _, edit = library.correct(cid, RenameSpeaker(2, "Bob"), "Rename")
    library.delete_conversation(cid)
    with pytest.raises(NotFoundError):
        library.undo_edit(edit)


def test_undo_survives_speaker_rows_made_elsewhere_in_between(library: Library) -> None:
    """SQLite gives a deleted row's id to the next new row; an undo puts a speaker back by its number, not its old id."""
    cid = library.save_conversation(conversation(names={3: "Carol"}))
    start = _looks(library, cid)
    _, merge = library.correct(cid, MergeSpeakers(1, 3), "Merge")
    library.save_conversation(conversation("Another meeting"))  # new speaker rows, one of them on the freed id
    library.undo_edit(merge)
    assert _looks(library, cid) == start
    _, reassign = library.correct(cid, Reassign("r1", 6), "Give r1 to Guest-6")
    library.undo_edit(reassign)
    library.save_conversation(conversation("A third"))
    library.redo_edit(reassign)
    assert library.get_conversation(cid).utterances[0].speaker == 6
    library.undo_edit(reassign)
    assert _looks(library, cid) == start
    _, added = library.correct(cid, Reassign("r2", 7), "Give r2 to Guest-7")
    library.undo_edit(added)
    library.reassign_utterance(cid, "r4", 7)  # elsewhere, the number is given to another voice meanwhile
    with pytest.raises(EditConflict, match="cannot be redone: speaker 7 has been added since"):
        library.redo_edit(added)
    assert fts_is_exact(library)


@pytest.mark.parametrize("correction", [
    RenameSpeaker(2, "Bob"), RenameSpeaker(3, None), MergeSpeakers(1, 3), MergeSpeakers(3, 2),
    Reassign("r4", 2), Reassign("r1", 9), Reassign("r2", 1), CorrectText("r3", "Travel is cancelled."), DeletePhrase("r4"),
])
def test_each_correction_reaches_every_row_it_changes(library: Library, correction) -> None:
    """What a correction records (only the rows it can reach) is all it changed, across both passes and other speakers."""
    cid = library.save_conversation(conversation(names={3: "Carol"}))
    library.add_pass(cid, [utterance("n1", "Travel is banned.", 0, 3), utterance("n2", "Fine by me.", 2000, 2)],
                     kind="async", model="base")
    library.set_current_pass(cid, library.passes(cid)[0].pass_id)
    db = library.db

    def everything():
        numbers = [n for (n,) in db.execute("SELECT number FROM speakers WHERE conversation_id = ?", [cid])] + [9]
        ids = [i for (i,) in db.execute("SELECT id FROM utterances")]
        return edit_state(db, cid, Reach.of(numbers, ids, numbers))

    before = everything()
    _, edit = library.correct(cid, correction, "Correction")
    whole = between(cid, "Correction", before, everything())
    assert not whole.empty
    assert (edit.before, edit.after) == (whole.before, whole.after)


def test_undo_refuses_rows_of_a_pass_made_after_it_on_reused_ids(library: Library) -> None:
    """Deleting the newest pass and adding another reuses its row ids; the new rows are not the ones the edit changed."""
    lines = [("r1", "Let's review the budget.", 0, 1), ("r2", "Costs went up.", 3000, 2), ("r3", "Cut travel.", 7000, 1)]
    cid = library.save_conversation(conversation(lines=lines))
    library.add_pass(cid, [utterance(*line) for line in lines], kind="async", model="base")
    _, edit = library.correct(cid, Reassign("r2", 1), "Give r2 to Guest-1")
    library.delete_passes(cid, kind="async")  # the API's delete_remote_transcription
    again = [("r1", "Let's review the budget.", 0, 1), ("r2", "Costs went up.", 3000, 1), ("r3", "Cut travel.", 7000, 1)]
    library.add_pass(cid, [utterance(*line) for line in again], kind="async", model="base")
    assert set(edit.before.utterances) <= {u for (u,) in library.db.execute("SELECT id FROM utterances")}  # ids reused
    with pytest.raises(EditConflict, match="has changed since"):
        library.undo_edit(edit)
    assert [u.speaker for u in library.get_conversation(cid).utterances] == [1, 1, 1]
