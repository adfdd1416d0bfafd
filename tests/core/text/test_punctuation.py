"""Every punctuation mode on dictated and automatic punctuation."""

import pytest

from core.errors import ExportError
from core.text.forms import forms_from_display
from core.text.options import TextOptions, render_forms
from core.text.punctuation import apply_punctuation

DICTATED = "Dear Anna comma thanks for the notes period Can we meet on Friday question mark"
MIXED = "Hello, Dr. Smith! It costs $5.50, right? See you then exclamation point"


@pytest.mark.parametrize(
    "mode, dictated, mixed",
    [
        ("None",
         "Dear Anna comma thanks for the notes period Can we meet on Friday question mark",
         "Hello Dr. Smith It costs $5.50 right See you then exclamation point"),
        ("Dictated",
         "Dear Anna, thanks for the notes. Can we meet on Friday?",
         "Hello Dr. Smith It costs $5.50 right See you then!"),
        ("Automatic", DICTATED, MIXED),
        ("DictatedAndAutomatic",
         "Dear Anna, thanks for the notes. Can we meet on Friday?",
         "Hello, Dr. Smith! It costs $5.50, right? See you then!"),
    ],
)
def test_each_mode(mode, dictated, mixed):
    assert apply_punctuation(DICTATED, mode) == dictated
    assert apply_punctuation(MIXED, mode) == mixed


def test_dictated_marks_capitalise_the_next_sentence():
    assert apply_punctuation("done period next one please", "Dictated") == "done. Next one please"


def test_a_mark_name_used_as_a_noun_stays_a_word():
    text = "It was a long period. Put a comma here."
    assert apply_punctuation(text, "DictatedAndAutomatic") == text
    assert apply_punctuation("the trial period ends", "Dictated") == "the trial period ends"


def test_dictated_mark_replaces_the_automatic_one_before_it():
    assert apply_punctuation("Yes, comma, I agree.", "DictatedAndAutomatic") == "Yes, I agree."


def test_punctuation_only_changes_display():
    forms = forms_from_display("Wait comma what question mark")
    rendered = render_forms(forms, TextOptions(punctuation="DictatedAndAutomatic"))
    assert rendered.display == "Wait, what?"
    assert rendered.lexical == "wait comma what question mark"  # the words that were spoken
    assert render_forms(forms, TextOptions(punctuation="Automatic")).display == "Wait comma what question mark"


def test_unknown_mode():
    with pytest.raises(ExportError, match="punctuation mode"):
        TextOptions(punctuation="Loud").checked()


@pytest.mark.parametrize(
    "locale, text",
    [
        ("sv-SE", "Det var en lång period av regn"),
        ("fr-FR", "Le colon est arrivé"),
        ("sv", "Vi tar en paus, period."),
    ],
)
def test_mark_names_are_english_words_only(locale, text):
    # Swedish "period" and French "colon" are words of their own: other languages keep their text
    assert apply_punctuation(text, "DictatedAndAutomatic", locale) == text
    assert render_forms(forms_from_display(text, locale), TextOptions(), locale).display == text
    assert apply_punctuation("Le colon est arrivé", "Dictated", "fr-FR") == "Le colon est arrivé"
    assert apply_punctuation("Wait comma what", "DictatedAndAutomatic", "en-GB") == "Wait, what"
