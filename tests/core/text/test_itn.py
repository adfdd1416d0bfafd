"""Inverse text normalisation and the four forms, on sentences with known written forms."""

import pytest

from core.text.forms import forms_from_display, itn_from_display, lexical_from_itn, word_token
from core.text.itn import inverse_normalize


@pytest.mark.parametrize(
    "spoken, written",
    [
        ("It's twenty five past ten.", "It's 25 past 10."),
        ("one hundred and twenty three people", "123 people"),
        ("I have one dog", "I have one dog"),  # below three, numbers stay words, as people write them
        ("two point five", "2.5"),
        ("three million", "3000000"),
        # money and percentages
        ("I paid fifty dollars.", "I paid $50."),
        ("It costs five euros and twenty cents.", "It costs €5 and 20 cents."),
        ("It grew by three point five percent", "It grew by 3.5%"),
        # dates and ordinals
        ("on March first", "on March 1st"),
        ("on March third, twenty twenty four", "on March 3rd, 2024"),
        ("the twenty first century", "the 21st century"),
        ("We met in nineteen ninety nine.", "We met in 1999."),
        # clock times
        ("Meet me at ten thirty.", "Meet me at 10:30."),
        ("Call at seven fifteen pm", "Call at 7:15 pm"),
        # titles before a name, not a common noun
        ("Doctor Smith is here", "Dr. Smith is here"),
        ("doctor smith is here", "dr. smith is here"),
        ("the doctor said no", "the doctor said no"),
        ("Mister Jones, hello", "Mr. Jones, hello"),
    ],
)
def test_inverse_normalize(spoken, written):
    assert inverse_normalize(spoken) == written


def test_other_languages_get_numbers_only():
    assert inverse_normalize("Nous avons payé vingt-cinq euros le trois mars.", "fr-FR") == "Nous avons payé 25 euros le 3 mars."
    assert inverse_normalize("Doctor twenty", "sv-SE") == "Doctor twenty"  # text2num has no Swedish: unchanged


def test_four_forms_of_a_spoken_sentence():
    forms = forms_from_display("Doctor Smith paid fifty dollars on March first, twenty twenty four.")
    assert forms.display == "Dr. Smith paid $50 on March 1st, 2024."
    assert forms.itn == "dr. smith paid $50 on march 1st 2024"
    assert forms.masked_itn == forms.itn
    assert forms.lexical == "doctor smith paid fifty dollars on march first twenty twenty four"


def test_four_forms_when_whisper_wrote_digits():
    forms = forms_from_display("  We grew 15% at 10:30, Mr. Jones.  ")
    assert forms.display == "We grew 15% at 10:30, Mr. Jones."
    assert forms.itn == "we grew 15% at 10:30 mr. jones"
    assert forms.lexical == "we grew fifteen percent at ten thirty mister jones"


def test_lexical_spells_what_itn_writes():
    assert lexical_from_itn("$3.5 on the 2nd in 1984 at 7:05") == "three point five dollars on the second in nineteen eighty four at seven five"
    assert lexical_from_itn("the 1990s") == "the nineteen nineties"


def test_word_tokens_and_itn_helpers_keep_their_contract():
    assert word_token("Hello,") == "hello"
    assert word_token("Dr.") == "dr."
    assert word_token("...") == "..."
    assert itn_from_display("Hello, World! It's “fine”.") == "hello world it's fine"
