"""How the text of a transcript is shown: profanity, punctuation and hesitations, applied at view time.

The stored forms never change; every view and export renders them through ``render_forms``
with the user's options, so the same conversation can be exported raw today and masked tomorrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from core.errors import ExportError
from core.results import TextForms
from core.text.forms import mask_profanity
from core.text.hesitations import HESITATION, HESITATION_MODES, drop_hesitations, is_hesitation, mark_hesitations
from core.text.language import DEFAULT_LOCALE
from core.text.profanity import DEFAULT_PROFANITY, PROFANITY_MODES, filter_profanity, filter_word
from core.text.punctuation import DEFAULT_PUNCTUATION, PUNCTUATION_MODES, apply_punctuation


def _choose(value: str, known: tuple[str, ...], what: str) -> str:
    for name in known:
        if value.lower() == name.lower():
            return name
    raise ExportError(f"Unknown {what} '{value}'. Known: {', '.join(known)}.", hint=f"Use one of: {', '.join(known)}.")


@dataclass(frozen=True)
class TextOptions:
    """Profanity mode (None|Removed|Tags|Masked), punctuation mode and whether display text keeps hesitations.

    Raises ExportError for an unknown mode.
    """

    profanity: str = DEFAULT_PROFANITY
    punctuation: str = DEFAULT_PUNCTUATION
    hesitations: str = "keep"

    def __post_init__(self) -> None:
        # modes are matched without regard to case and kept in their canonical spelling
        object.__setattr__(self, "profanity", _choose(self.profanity, PROFANITY_MODES, "profanity filter mode"))
        object.__setattr__(self, "punctuation", _choose(self.punctuation, PUNCTUATION_MODES, "punctuation mode"))
        object.__setattr__(self, "hesitations", _choose(self.hesitations, HESITATION_MODES, "hesitation mode"))

    def checked(self) -> "TextOptions":
        """Return the options (modes were checked and spelled canonically when they were made)."""
        return self


RAW = TextOptions(profanity="None", punctuation="Automatic", hesitations="keep")


# small on purpose: it serves the few renders of one utterance in a row, and a long export must not grow it
@lru_cache(maxsize=512)
def render_forms(forms: TextForms, options: TextOptions = TextOptions(), locale: str = DEFAULT_LOCALE) -> TextForms:
    """Return the four forms as the options show them in the locale's language.

    Lexical marks hesitations; MaskedITN is always masked.
    """
    lexical, itn, display = forms.lexical, forms.itn, forms.display
    if options.hesitations == "drop":
        itn, display = drop_hesitations(itn, locale), drop_hesitations(display, locale)
        lexical = " ".join(t for t in lexical.split(" ") if t and not is_hesitation(t, locale))
    else:
        lexical = mark_hesitations(lexical, locale)
    masked = mask_profanity(itn, locale)
    display = apply_punctuation(display, options.punctuation, locale)
    mode = options.profanity
    return TextForms(
        lexical=filter_profanity(lexical, mode, locale),
        itn=filter_profanity(itn, mode, locale),
        masked_itn=masked,
        display=filter_profanity(display, mode, locale),
    )


def render_token(token: str, options: TextOptions = TextOptions(), locale: str = DEFAULT_LOCALE) -> str | None:
    """Return one recognised word token as the options show it (%HESITATION, masked...), or None when removed."""
    if is_hesitation(token, locale):
        return None if options.hesitations == "drop" else HESITATION
    return filter_word(token, options.profanity, locale)
