"""Hesitations ("uh", "um", "hmm"): the lexical form marks them %HESITATION, as Watson does; display may drop them.

Fillers belong to a language: English "er" is Swedish for "you", so each language has its own set and
a language without one has no hesitations.
"""

from __future__ import annotations

from core.text.language import DEFAULT_LOCALE, language_of

HESITATION = "%HESITATION"
HESITATION_MODES = ("keep", "drop")
HESITATION_WORDS = frozenset({"uh", "uhh", "uhm", "um", "umm", "hmm", "hm", "mm", "mmm", "er", "erm", "ah", "eh"})
# only sounds that are never words of the language: French "ah" and "eh" are interjections, "hein" a tag question
HESITATIONS_BY_LANGUAGE = {
    "en": HESITATION_WORDS,
    "fr": frozenset({"euh", "euhh", "heu", "hum", "hmm", "hm"}),
    "sv": frozenset({"öh", "öhm", "eh", "ehm", "hm", "hmm", "mm"}),
    "ru": frozenset({"э", "ээ", "эээ", "эм", "хм", "хмм", "мм", "ммм"}),
}
_EDGE = "\"'“”‘’«»()[]{}<>.,;:!?¿¡…—–-*_/\\|~`"


def is_hesitation(token: str, locale: str = DEFAULT_LOCALE) -> bool:
    """Return whether a token (punctuation and case ignored) is a hesitation sound of the locale's language or a marker."""
    core = token.strip(_EDGE).lower()
    return core in HESITATIONS_BY_LANGUAGE.get(language_of(locale), frozenset()) or token == HESITATION


def mark_hesitations(lexical: str, locale: str = DEFAULT_LOCALE) -> str:
    """Return a lexical text with each hesitation of the locale's language replaced by %HESITATION."""
    return " ".join(HESITATION if is_hesitation(t, locale) else t for t in lexical.split(" ") if t)


def drop_hesitations(text: str, locale: str = DEFAULT_LOCALE) -> str:
    """Return text without hesitations; a dropped sentence opening passes its capital to the next word."""
    out: list[str] = []
    capitalize_next = False
    for token in text.split(" "):
        if not token:
            continue
        if is_hesitation(token, locale):
            core = token.strip(_EDGE)
            capitalize_next = capitalize_next or (core[:1].isupper() and (not out or out[-1][-1:] in ".?!"))
            # an opening mark before the hesitation ("(um") is lost with it; closing ones go to the word before
            tail = token[len(token.rstrip(_EDGE)):]
            if out and tail and tail[:1] in ".?!" and out[-1][-1:] not in ".?!,;:":
                out[-1] += tail[:1]
            continue
        if capitalize_next:
            token = token[:1].upper() + token[1:]
            capitalize_next = False
        out.append(token)
    return " ".join(out)
