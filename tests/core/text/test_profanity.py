"""Every profanity mode on the forms, words and a whole sentence (better-profanity's list)."""

import pytest

from core.errors import ExportError
from core.results import TextForms
from core.text.forms import forms_from_display
from core.text.options import TextOptions, render_forms, render_token
from core.text.profanity import filter_profanity, is_profane

SENTENCE = "What the fuck is this shit, Bob?"


@pytest.mark.parametrize(
    "mode, display",
    [
        ("None", "What the fuck is this shit, Bob?"),
        ("Removed", "What the is this, Bob?"),
        ("Tags", "What the <profanity>fuck</profanity> is this <profanity>shit</profanity>, Bob?"),
        ("Masked", "What the **** is this ****, Bob?"),
    ],
)
def test_each_mode_on_display_text(mode, display):
    assert filter_profanity(SENTENCE, mode) == display
    forms = render_forms(forms_from_display(SENTENCE), TextOptions(profanity=mode))
    assert forms.display == display
    # MaskedITN is masked whatever the mode: that is what the form means
    assert forms.masked_itn == "what the **** is this **** bob"


def test_modes_apply_to_itn_and_lexical_too():
    forms = forms_from_display(SENTENCE)
    assert render_forms(forms, TextOptions(profanity="Removed")).itn == "what the is this bob"
    assert render_forms(forms, TextOptions(profanity="Tags")).lexical.count("<profanity>") == 2
    assert render_forms(forms, TextOptions(profanity="None")).lexical == "what the fuck is this shit bob"


def test_masked_is_the_default_and_stored_forms_never_change():
    forms = forms_from_display(SENTENCE)
    assert TextOptions().profanity == "Masked"
    assert render_forms(forms).display == "What the **** is this ****, Bob?"
    assert forms.display == SENTENCE  # rendering is not destructive


def test_word_tokens_follow_the_mode():
    assert render_token("shit", TextOptions(profanity="Masked")) == "****"
    assert render_token("shit", TextOptions(profanity="Removed")) is None
    assert render_token("shit", TextOptions(profanity="Tags")) == "<profanity>shit</profanity>"
    assert render_token("ship", TextOptions(profanity="Removed")) == "ship"


def test_the_list_catches_capitals_and_leaves_clean_words():
    assert is_profane("Shit!") and is_profane("FUCK")
    assert not any(is_profane(w) for w in ("Scunthorpe", "class", "assessment", "hello"))


def test_unknown_mode_is_an_export_error():
    with pytest.raises(ExportError, match="profanity filter mode 'Bleeped'"):
        TextOptions(profanity="Bleeped").checked()
    assert TextOptions(profanity="masked").checked().profanity == "Masked"
    assert render_forms(TextForms("", "", "", "")).display == ""


def test_modes_match_without_regard_to_case():
    options = TextOptions(profanity="none", punctuation="automatic", hesitations="KEEP")
    assert (options.profanity, options.punctuation, options.hesitations) == ("None", "Automatic", "keep")
    assert render_forms(forms_from_display(SENTENCE), options).display == SENTENCE


def test_other_languages_are_not_masked_with_the_english_list():
    # Swedish "slut" is "end", "sex" six, "rum" a room; "Dick" a name
    text = "Slut på sex rum, sa Dick, en prick och en kock."
    assert filter_profanity(text, "Masked", "sv-SE") == text
    assert render_forms(forms_from_display(text, "sv-SE"), TextOptions(), "sv-SE").masked_itn == "slut på sex rum sa dick en prick och en kock"
    assert filter_profanity("this shit", "Masked", "en-US") == "this ****"
    assert filter_profanity("this shit", "Masked", "ja") == "this shit"  # no list for Japanese


@pytest.mark.parametrize(
    "locale, text, masked",
    [
        ("fr-FR", "Putain, c'est l'enculé!", "******, c'est l'******!"),
        ("sv-SE", "Jävla skit, sa han.", "***** ****, sa han."),
        ("ru-RU", "Сука, опять дерьмо.", "****, опять ******."),
    ],
)
def test_each_language_masks_its_own_swear_words(locale, text, masked):
    assert filter_profanity(text, "Masked", locale) == masked
    assert filter_profanity(text, "Masked") == text  # the English list does not know them
    assert is_profane("PUTAIN", "fr-FR") and not is_profane("putains", "sv-SE") and not is_profane("con", "fr-FR")
    forms = render_forms(forms_from_display(text, locale), TextOptions(profanity="Tags"), locale)
    assert forms.display.count("<profanity>") == 2 and "*" in forms.masked_itn
    assert render_token("сука", TextOptions(profanity="Removed"), "ru-RU") is None
