"""What every view shares about text: the user's text options, speaker names and N-best limits."""

from __future__ import annotations

from core.results import Alternative, Conversation, TextForms, Utterance, Word
from core.text.forms import spoken_timeline, word_token
from core.text.hesitations import is_hesitation
from core.text.options import TextOptions, render_forms, render_token
from core.text.profanity import filter_word
from core.text.punctuation import apply_punctuation

__all__ = ["TextOptions", "forms_of", "alternatives_of", "shown_words", "display_words", "speaker_name"]


def forms_of(forms: TextForms, text: TextOptions | None, locale: str = "en-US") -> TextForms:
    """Return the forms rendered with the text options (the service defaults when None) in the locale's language."""
    return render_forms(forms, text or TextOptions(), locale)


def alternatives_of(utterance: Utterance, max_alternatives: int | None) -> list[Alternative]:
    """Return the utterance's other hypotheses, at most max_alternatives - 1 of them (all when None)."""
    if max_alternatives is None:
        return list(utterance.alternatives)
    return list(utterance.alternatives[: max(max_alternatives - 1, 0)])


def shown_words(utterance: Utterance, text: TextOptions | None, locale: str = "en-US", *,
                written: bool = False) -> list[tuple[str, Word]]:
    """Return (token as shown, its time) for each word the options keep (removed profanity and dropped hesitations go).

    The tokens are the words of the utterance's lexical form, as the services list them beside a lexical
    transcript: a word written as several ("$25") is split into them, sharing its time (spoken_timeline).
    `written`: the words as written instead ("$25"), beside a formatted transcript (Watson's smart_formatting).
    """
    options = text or TextOptions()
    if written:
        pairs = [(word_token(w.text), w) for w in utterance.words]
    else:
        pairs = spoken_timeline(utterance.words, utterance.lexical, locale)
    shown = []
    for token, word in pairs:
        token = render_token(token, options, locale)
        if token:
            shown.append((token, word))
    return shown


def display_words(words: list[Word], text: TextOptions | None, locale: str = "en-US") -> list[tuple[str, Word]]:
    """Return (word as the display form shows it, word) for each word the options keep: punctuation (None drops
    the marks), hesitations (dropped when asked) and profanity, applied to the word as recognised ("Hello,", "25")."""
    options = text or TextOptions()
    shown = []
    for word in words:
        if options.hesitations == "drop" and is_hesitation(word.text, locale):
            continue
        token = filter_word(apply_punctuation(word.text.strip(), options.punctuation, locale), options.profanity, locale)
        if token:
            shown.append((token, word))
    return shown


def speaker_name(conversation: Conversation, number: int | None) -> str | None:
    """Return the name the user gave a speaker, or None when unnamed or unknown."""
    if number is None:
        return None
    speaker = conversation.speakers.get(number)
    return speaker.name if speaker and speaker.name else None
