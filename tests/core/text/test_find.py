"""Finding a phrase in a shown transcript: as the library's search matches, on French, Swedish and Russian text."""

from __future__ import annotations

from core.text.find import find_all


def _found(text: str, query: str, locale: str | None = None) -> list[str]:
    return [text[a:b] for a, b in find_all(text, query, locale)]


def test_case_and_latin_accents_do_not_matter_and_the_text_is_returned_as_written() -> None:
    text = "Le café est fermé. CAFÉ du coin, café-crème : le Résumé."
    assert _found(text, "cafe") == ["café", "CAFÉ", "café"]
    assert _found(text, "RESUME") == ["Résumé"]
    assert _found(text, "ferme") == ["fermé"]
    assert _found("Vi ses på mötet i Malmö.", "motet") == ["mötet"]  # as the library's search folds å, ä, ö
    assert _found("Vi ses på mötet i Malmö.", "motet", "fr-FR") == ["mötet"]  # in French text too


def test_in_swedish_and_its_neighbours_a_ring_or_two_dots_make_another_letter() -> None:
    said = "Hon sa att det var så. Här har vi Åke och ÅKE, café och cafe\u0301."
    assert _found(said, "sa", "sv-SE") == ["sa"]  # "said", not "så" (so)
    assert _found(said, "så", "sv-SE") == ["så"]
    assert _found(said, "har", "sv-SE") == ["har"] and _found(said, "HÄR", "sv-SE") == ["Här"]
    assert _found(said, "åke", "sv-SE") == ["Åke", "ÅKE"] and _found(said, "ake", "sv-SE") == []
    assert _found(said, "cafe", "sv-SE") == ["café", "cafe\u0301"]  # other marks still do not matter
    assert _found("Pää, paa.", "paa", "fi-FI") == ["paa"]
    assert _found("Få år, få ar.", "ar", "nb-NO") == ["ar"]
    assert _found(said, "sa") == ["sa", "så"] and _found(said, "ake") == ["Åke", "ÅKE"]  # no language given: all folded


def test_russian_yo_is_e_but_short_i_is_its_own_letter() -> None:
    text = "Ещё раз: еще один мой черт, и мои тоже. Чёрт!"
    assert _found(text, "еще") == ["Ещё", "еще"]
    assert _found(text, "чёрт") == ["черт", "Чёрт"]
    assert _found(text, "мой") == ["мой"]  # not "мои"


def test_a_phrase_spans_any_spaces_and_line_breaks_and_matches_do_not_overlap() -> None:
    text = "New Jersey\nnow, though. I'm in New   Jersey. aaaa"
    assert find_all(text, "new jersey") == [(0, 10), (31, 43)] and text[31:43] == "New   Jersey"
    assert _found(text, "jersey now") == ["Jersey\nnow"]
    assert _found(text, "aa") == ["aa", "aa"]


def test_nothing_to_find() -> None:
    assert find_all("Hello there.", "   ") == []
    assert find_all("Hello there.", "bye") == []
    assert find_all("", "hello") == []
    assert _found("a.b (c) [d]*", "(c) [d]*") == ["(c) [d]*"]  # the query is text, not a pattern


def test_a_letter_folded_into_two_is_one_place_and_marks_written_apart_count_as_one_letter() -> None:
    text = "Straße, ﬃ."
    assert _found(text, "s") == ["S", "ß"]  # folded "ss": one place, not two
    assert _found(text, "strasse") == ["Straße"]
    decomposed = "cafe\u0301 and мои\u0306 and мои"  # é and й written as a letter and a combining mark
    assert _found(decomposed, "cafe") == ["cafe\u0301"]
    assert _found(decomposed, "мой") == ["мои\u0306"] and _found(decomposed, "мои") == ["мои"]
