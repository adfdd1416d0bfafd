"""Hesitations: %HESITATION in the lexical form (and Watson's transcripts), dropped from display on request."""

from datetime import datetime, timezone

from core.results import Conversation
from core.text.hesitations import HESITATION, drop_hesitations, mark_hesitations
from core.text.options import TextOptions, render_forms, render_token
from core.views.watson import speech_recognition_results
from text_samples import utterance

SPOKEN = "Um, I think, uh, we should go. Hmm."


def test_lexical_marks_each_hesitation():
    assert mark_hesitations("um i think uh we should go hmm") == "%HESITATION i think %HESITATION we should go %HESITATION"
    forms = render_forms(utterance(SPOKEN).forms)
    assert forms.lexical == "%HESITATION i think %HESITATION we should go %HESITATION"
    assert forms.display == SPOKEN  # kept in display by default


def test_drop_removes_them_from_display_and_itn():
    forms = render_forms(utterance(SPOKEN).forms, TextOptions(hesitations="drop"))
    assert forms.display == "I think, we should go."
    assert forms.itn == "i think we should go"
    assert HESITATION not in forms.lexical and "um" not in forms.lexical.split()


def test_a_dropped_opening_passes_on_its_capital():
    assert drop_hesitations("Well. Uh, maybe tomorrow.") == "Well. Maybe tomorrow."


def test_words_and_watson_transcripts_carry_the_marker():
    assert render_token("Um,") == HESITATION
    assert render_token("um", TextOptions(hesitations="drop")) is None
    said = utterance("Uh, yes.", [("Uh,", 0, 300, 0.5), ("yes.", 400, 300, 0.9)])
    conversation = Conversation("c", "t", datetime(2026, 3, 1, tzinfo=timezone.utc), 1_000, "a.wav", "en-US", "tiny.en", utterances=[said])
    document = speech_recognition_results(conversation)
    best = document["results"][0]["alternatives"][0]
    assert best["transcript"] == "%HESITATION yes "
    assert best["timestamps"] == [[HESITATION, 0.0, 0.3], ["yes", 0.4, 0.7]]
    dropped = speech_recognition_results(conversation, text=TextOptions(hesitations="drop"))["results"][0]["alternatives"][0]
    assert dropped["transcript"] == "yes " and dropped["timestamps"] == [["yes", 0.4, 0.7]]


def test_hesitations_belong_to_a_language():
    # Swedish "er" is "you", French "ah" an interjection: only each language's own fillers are hesitations
    assert mark_hesitations("vi ser er i morgon", "sv-SE") == "vi ser er i morgon"
    assert drop_hesitations("Vi ser er i morgon.", "sv-SE") == "Vi ser er i morgon."
    assert mark_hesitations("öh vi ser er hmm", "sv-SE") == "%HESITATION vi ser er %HESITATION"
    assert mark_hesitations("euh ah bon", "fr-FR") == "%HESITATION ah bon"
    assert drop_hesitations("Э, ну хм, да.", "ru-RU") == "Ну да."
    assert mark_hesitations("um er ano", "ja") == "um er ano"  # no list for Japanese: nothing is a filler
    assert render_token("er", TextOptions(hesitations="drop"), "sv-SE") == "er"
    assert render_token("er", TextOptions(hesitations="drop")) is None  # English keeps its list


def test_a_swedish_conversation_keeps_its_words():
    said = utterance("Vi ser er i morgon.", [("Vi", 0, 200, 0.9), ("ser", 200, 200, 0.9), ("er", 400, 200, 0.9),
                                              ("i", 600, 100, 0.9), ("morgon.", 700, 300, 0.9)])
    conversation = Conversation("c", "t", datetime(2026, 3, 1, tzinfo=timezone.utc), 1_000, "a.wav", "sv-SE", "small", utterances=[said])
    best = speech_recognition_results(conversation, text=TextOptions(hesitations="drop"))["results"][0]["alternatives"][0]
    assert best["transcript"] == "vi ser er i morgon "
    assert [t for t, _, _ in best["timestamps"]] == ["vi", "ser", "er", "i", "morgon"]
