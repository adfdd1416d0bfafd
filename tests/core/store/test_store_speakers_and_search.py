"""Speaker edits, text edits and re-transcription, as seen by get_conversation and by full-text search."""

from __future__ import annotations

import pytest

from core.errors import StoreError
from core.store import Library
from core.store.search import fts_query

from store_samples import conversation, fts_is_exact, utterance


def _hits(library: Library, query: str) -> list[tuple[str, str]]:
    return sorted((h.conversation_id, h.result_id) for h in library.search(query))


def test_search_finds_words_across_conversations_with_snippets(library: Library) -> None:
    first = library.save_conversation(conversation("Budget"))
    second = library.save_conversation(
        conversation("Trip", lines=[("t1", "Book the travel early this year.", 0, 1), ("t2", "Nothing here.", 4000, 2)])
    )
    hits = library.search("travel")
    assert sorted((h.conversation_id, h.result_id) for h in hits) == sorted([(first, "r3"), (first, "r4"), (second, "t1")])
    by_result = {h.result_id: h for h in hits}
    assert by_result["t1"].snippet == "Book the [travel] early this year."
    assert by_result["t1"].title == "Trip" and by_result["t1"].offset_ms == 0
    assert by_result["t1"].speaker == "Guest-1"
    assert by_result["r4"].snippet == "I agree, [travel] is too expensive."
    assert [h.result_id for h in hits] == ["t1", "r4", "r3"]  # newest first
    assert [h.result_id for h in library.search("travel", limit=2)] == ["t1", "r4"]
    [marked] = library.search("early", markers=("<b>", "</b>"))
    assert marked.snippet == "Book the travel <b>early</b> this year."


def test_snippets_show_profanity_as_the_transcript_does(library: Library) -> None:
    """Search results showed swear words the transcript masks (the library keeps them, so they stay searchable)."""
    from dataclasses import replace

    library.save_conversation(conversation("Call", lines=[("e1", "That budget is shit, honestly.", 0, 1)]))
    library.save_conversation(replace(conversation("Réunion", lines=[("f1", "Ce budget, c'est de la merde.", 0, 1)]), locale="fr-FR"))
    [english] = library.search("budget shit")
    assert english.snippet == "That [budget] is [****], honestly."
    assert library.search("shit", profanity="None")[0].snippet == "That budget is [shit], honestly."
    assert library.search("shit", profanity="Removed")[0].snippet == "That budget is, honestly."
    assert library.search('"is shit"', profanity="Removed")[0].snippet == "That budget [is], honestly."  # pairs stay whole
    assert library.search('"is shit"', profanity="Tags")[0].snippet == "That budget [is <profanity>shit</profanity>], honestly."
    [french] = library.search("merde")
    assert french.snippet == "Ce budget, c'est de la [*****]."  # the French list, for a French conversation
    [marked] = library.search("honestly", markers=("\ue000", "\ue001"))
    assert marked.snippet == "That budget is ****, \ue000honestly\ue001."


def test_russian_e_and_yo_are_one_letter_to_search(library: Library) -> None:
    """Russian is mostly typed without ё: "еще" found nothing where whisper wrote "ещё" (FTS5 folds Latin letters only)."""
    cid = library.save_conversation(conversation("Встреча", lines=[("y1", "Давайте ещё раз, чёрт возьми.", 0, 1),
                                                                    ("y2", "Все еще черт знает что.", 3000, 2)]))
    assert _hits(library, "еще") == [(cid, "y1"), (cid, "y2")]
    assert _hits(library, "ЕЩЁ") == [(cid, "y1"), (cid, "y2")]
    assert _hits(library, "черт") == _hits(library, "чёрт") == [(cid, "y1"), (cid, "y2")]
    assert _hits(library, '"еще раз"') == [(cid, "y1")] and _hits(library, '"ещё раз"') == [(cid, "y1")]
    assert _hits(library, "чё*") == _hits(library, "че*") == [(cid, "y1"), (cid, "y2")]
    assert _hits(library, "раз") == [(cid, "y1")]  # words without е or ё: as before
    [hit] = library.search("ещё знает")
    assert hit.snippet == "Все [еще] черт [знает] что."
    assert fts_query("е" * 9) == '"' + "е" * 9 + '"'  # pasted, not a word: as typed


def test_in_swedish_a_ring_or_two_dots_make_another_letter_to_search(library: Library) -> None:
    """FTS5 folds å, ä and ö into a and o: "sa" (said) found every "så" (so) of a Swedish meeting, "har" (has) "här" (here)."""
    from dataclasses import replace

    swedish = library.save_conversation(replace(conversation("Möte", lines=[
        ("s1", "Hon sa att det var så.", 0, 1), ("s2", "Så vi gör så här.", 3000, 2), ("s3", "Vi har en plan för året.", 6000, 1),
        ("s4", "För en gångs skull.", 9000, 2)], names={2: "Åsa"}), locale="sv-SE"))
    english = library.save_conversation(conversation("Call", lines=[("e1", "Sa Pa is far for a trip.", 0, 1)]))

    def hits(query: str) -> set[tuple[str, str]]:
        return set(_hits(library, query))

    assert hits("sa") == {(swedish, "s1"), (english, "e1")}  # not the Swedish "så": the English text folds as ever
    assert [h.snippet for h in library.search("sa")] == ["[Sa] Pa is far for a trip.", "Hon [sa] att det var så."]
    assert library.search('"så här"')[0].snippet == "Så vi gör [så här]." and library.search("år*")[0].snippet == "Vi har en plan för [året]."
    assert hits("så") == {(swedish, "s1"), (swedish, "s2"), (english, "e1")}
    assert hits("har") == {(swedish, "s3")} and hits("HÄR") == {(swedish, "s2")}
    assert hits("for") == {(english, "e1")} and hits("för") == {(swedish, "s3"), (swedish, "s4"), (english, "e1")}
    assert hits('"så här"') == {(swedish, "s2")} and hits('"sa har"') == set()
    assert hits("ar*") == set() and hits("år*") == {(swedish, "s3")}  # "året"
    assert hits("åsa") == {(swedish, "s2"), (swedish, "s4")} and hits("asa") == set()  # the speaker's name
    for n in range(30):  # more "så" than a page of hits, newest first: the one "sa" under them is still found
        library.save_conversation(replace(conversation(f"Möte {n}", lines=[(f"m{n}", "Och så vidare.", 0, 1)]), locale="sv-SE"))
    assert [h.result_id for h in library.search("sa", limit=5)] == ["e1", "s1"]
    assert len(library.search("så", limit=5)) == 5


def test_phrases_prefixes_and_several_words(library: Library) -> None:
    cid = library.save_conversation(conversation())
    assert _hits(library, '"travel expenses"') == [(cid, "r3")]
    assert _hits(library, '"expenses travel"') == []
    assert _hits(library, "expens*") == [(cid, "r3"), (cid, "r4")]
    assert _hits(library, "expens") == []  # whole words unless asked for a prefix
    assert _hits(library, "travel agree") == [(cid, "r4")]  # every word must occur
    assert _hits(library, "MARKETING") == [(cid, "r2")]
    assert _hits(library, "2025") == [(cid, "r1")]


@pytest.mark.parametrize(
    "typed",
    ['"', '"unclosed phrase', "AND", "OR travel", "NOT", "travel NOT", "a:b", "col:travel", "(travel", "travel)",
     "*", "**", "-travel", "^travel", "travel +", "NEAR(travel agree)", "'; DROP TABLE utterances; --", "\\", "",
     "   ", "🙂", "ünïcödé", "travel\x00", "{display}: travel"],
)
def test_anything_typed_is_a_safe_query(library: Library, typed: str) -> None:
    library.save_conversation(conversation())
    hits = library.search(typed)  # never raises
    assert all(h.result_id in {"r1", "r2", "r3", "r4"} for h in hits)
    assert "utterances" in library.db.table_names()


def test_query_translation() -> None:
    assert fts_query('budget "travel costs" exp*') == '"budget" AND "travel costs" AND "exp"*'
    assert fts_query('say "hi') == '"say" AND "hi"'
    assert fts_query('a"b') == '"a""b"'  # one quoted term; the tokenizer splits it into a phrase
    assert fts_query("travel\x00 x") == '"travel" AND "x"'
    assert fts_query("чёрт еще") == '("чёрт" OR "черт") AND ("еще" OR "ёще" OR "ещё")'
    assert fts_query(" -- ** ") == ""


def test_rename_speaker_shows_in_conversation_and_search(library: Library) -> None:
    cid = library.save_conversation(conversation())
    assert library.search("alice") == []
    library.rename_speaker(cid, 1, "Alice")
    assert library.get_conversation(cid).speakers[1].name == "Alice"
    assert _hits(library, "alice") == [(cid, "r1"), (cid, "r3")]
    assert {h.speaker for h in library.search("alice")} == {"Alice"}
    assert _hits(library, "alice travel") == [(cid, "r3")]

    library.rename_speaker(cid, 1, "Alicia")
    assert _hits(library, "alice") == []
    assert _hits(library, "alicia") == [(cid, "r1"), (cid, "r3")]
    library.rename_speaker(cid, 1, "")  # back to Guest-1
    assert library.get_conversation(cid).speaker_label(1) == "Guest-1"
    assert _hits(library, "alicia") == []
    assert fts_is_exact(library)


def test_merge_speakers(library: Library) -> None:
    cid = library.save_conversation(conversation(names={3: "Carol"}))
    library.rename_speaker(cid, 1, "Alice")
    moved = library.merge_speakers(cid, keep=1, absorb=3)
    assert moved == 1
    loaded = library.get_conversation(cid)
    assert set(loaded.speakers) == {1, 2}
    assert [u.speaker for u in loaded.utterances] == [1, 2, 1, 1]
    assert {w.speaker for w in loaded.utterances[3].words} == {1}
    assert _hits(library, "alice") == [(cid, "r1"), (cid, "r3"), (cid, "r4")]
    assert library.search("carol") == []
    assert library.list_conversations()[0].speaker_count == 2
    with pytest.raises(StoreError):
        library.merge_speakers(cid, 1, 1)
    assert fts_is_exact(library)


def test_merge_into_an_unnamed_speaker_keeps_the_name(library: Library) -> None:
    cid = library.save_conversation(conversation(names={2: "Bob"}))
    library.merge_speakers(cid, keep=1, absorb=2)
    assert library.get_conversation(cid).speakers[1].name == "Bob"
    assert _hits(library, "bob") == [(cid, "r1"), (cid, "r2"), (cid, "r3")]
    assert fts_is_exact(library)


def test_reassign_utterance_creates_the_speaker(library: Library) -> None:
    cid = library.save_conversation(conversation())
    library.rename_speaker(cid, 2, "Bob")
    library.reassign_utterance(cid, "r4", 2)
    library.reassign_utterance(cid, "r1", 5)  # a speaker the diarizer never found
    loaded = library.get_conversation(cid)
    assert [u.speaker for u in loaded.utterances] == [5, 2, 1, 2]
    assert {w.speaker for w in loaded.utterances[0].words} == {5}
    assert loaded.speaker_label(5) == "Guest-5"
    assert set(loaded.speakers) == {1, 2, 5}  # unnamed 3 said nothing any more, so it is gone
    assert _hits(library, "bob") == [(cid, "r2"), (cid, "r4")]
    library.rename_speaker(cid, 5, "Eve")
    assert _hits(library, "eve") == [(cid, "r1")]
    library.reassign_utterance(cid, "r1", 1)
    assert library.get_conversation(cid).speakers[5].name == "Eve"  # a named speaker stays
    assert fts_is_exact(library)


def test_edit_utterance_recomputes_forms_and_search(library: Library) -> None:
    cid = library.save_conversation(conversation())
    forms = library.edit_utterance(cid, "r3", "We should cut 3 hotel bookings.")
    assert forms.display == "We should cut 3 hotel bookings."
    assert forms.itn == "we should cut 3 hotel bookings"
    assert forms.lexical == "we should cut three hotel bookings"
    edited = library.get_conversation(cid).utterances[2]
    assert (edited.display, edited.itn, edited.lexical, edited.masked_itn) == (
        forms.display, forms.itn, forms.lexical, forms.masked_itn,
    )
    assert edited.words[0].text == "We"  # word timings are kept
    assert _hits(library, "hotel") == [(cid, "r3")]
    assert _hits(library, "travel") == [(cid, "r4")]
    assert fts_is_exact(library)


def test_new_pass_replaces_search_results(library: Library) -> None:
    cid = library.save_conversation(conversation())
    other = library.save_conversation(conversation("Other"))
    first_pass = library.passes(cid)[0].pass_id
    library.rename_speaker(cid, 1, "Alice")
    library.add_pass(cid, [utterance("n1", "Travel is now banned.", 0, 1)], kind="async", model="base")

    assert _hits(library, "travel") == sorted([(cid, "n1"), (other, "r3"), (other, "r4")])
    assert _hits(library, "budget") == [(other, "r1")]  # the old pass of cid is no longer found
    assert _hits(library, "alice") == [(cid, "n1")]  # the name stays on the number

    library.set_current_pass(cid, first_pass)
    assert _hits(library, "banned") == []
    assert (cid, "r1") in _hits(library, "budget")
    assert fts_is_exact(library)


def test_delete_keeps_the_index_exact(library: Library) -> None:
    cid = library.save_conversation(conversation())
    library.add_pass(cid, [utterance("n1", "Travel is now banned.", 0, 1)], kind="async", model="base")
    other = library.save_conversation(conversation("Other"))
    library.delete_conversation(cid)
    assert _hits(library, "travel") == [(other, "r3"), (other, "r4")]
    assert _hits(library, "banned") == []
    assert fts_is_exact(library)
    library.db.execute("INSERT INTO utterance_search_fts(utterance_search_fts) VALUES ('rebuild')")
    assert _hits(library, "travel") == [(other, "r3"), (other, "r4")]  # a rebuild finds the same
