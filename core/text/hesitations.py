"""Hesitations ("uh", "um", "hmm"): the lexical form marks them %HESITATION, as Watson does; display may drop them."""

from __future__ import annotations

HESITATION = "%HESITATION"
HESITATION_MODES = ("keep", "drop")
HESITATION_WORDS = frozenset({"uh", "uhh", "uhm", "um", "umm", "hmm", "hm", "mm", "mmm", "er", "erm", "ah", "eh"})
_EDGE = "\"'“”‘’«»()[]{}<>.,;:!?¿¡…—–-*_/\\|~`"


def is_hesitation(token: str) -> bool:
    """Return whether a token (punctuation and case ignored) is a hesitation sound or already a marker."""
    core = token.strip(_EDGE).lower()
    return core in HESITATION_WORDS or token == HESITATION


def mark_hesitations(lexical: str) -> str:
    """Return a lexical text with each hesitation replaced by %HESITATION."""
    return " ".join(HESITATION if is_hesitation(t) else t for t in lexical.split(" ") if t)


def drop_hesitations(text: str) -> str:
    """Return text without hesitations; a dropped sentence opening passes its capital to the next word."""
    out: list[str] = []
    capitalize_next = False
    for token in text.split(" "):
        if not token:
            continue
        if is_hesitation(token):
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
