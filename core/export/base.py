"""What every exporter shares: the options a user picks and the shape of one output format."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import IO, Callable

from core.errors import ExportError
from core.results import Conversation, Utterance
from core.text.hesitations import HESITATION_MODES
from core.text.keywords import check_keywords
from core.text.options import TextOptions, render_forms
from core.text.profanity import PROFANITY_MODES
from core.text.punctuation import PUNCTUATION_MODES
from core.views.lazy import LazyList, LazyText

TEXT_FORMS = ("display", "lexical", "itn", "masked_itn")


@dataclass(frozen=True)
class ExportOptions:
    """What to include in an export and how its text is shown; every format honours the options that apply to it.

    JSON formats always carry all four text forms; ``text_form`` picks the one text formats print.
    ``profanity`` (None|Removed|Tags|Masked), ``punctuation`` (None|Dictated|Automatic|DictatedAndAutomatic)
    and ``hesitations`` (keep|drop, display only; lexical always shows %HESITATION) render the forms.
    ``keywords`` with ``keywords_threshold`` add Watson's keywords_result; ``max_alternatives`` caps
    the N-best list (None: the format's own default); ``word_alternatives_threshold`` adds Watson's
    word_alternatives; ``sentiment`` adds per-utterance scores (Azure v2, CSV).
    """

    speakers: bool = True
    timestamps: bool = True
    word_timestamps: bool = False
    # "choices" metadata tells a form (the GUI's export dialog) what a text option may be
    text_form: str = field(default="display", metadata={"choices": TEXT_FORMS})
    sentiment: bool = False
    profanity: str = field(default="Masked", metadata={"choices": PROFANITY_MODES})
    punctuation: str = field(default="DictatedAndAutomatic", metadata={"choices": PUNCTUATION_MODES})
    hesitations: str = field(default="keep", metadata={"choices": HESITATION_MODES})
    keywords: tuple[str, ...] = ()
    keywords_threshold: float | None = None
    max_alternatives: int | None = None
    word_alternatives_threshold: float | None = None

    def check(self) -> "ExportOptions":
        """Return the options with modes spelled canonically; raise ExportError when a value is unusable."""
        if self.text_form not in TEXT_FORMS:
            raise ExportError(
                f"Unknown text form '{self.text_form}'. Known forms: {', '.join(TEXT_FORMS)}.",
                hint=f"Use one of: {', '.join(TEXT_FORMS)}.",
            )
        text = TextOptions(self.profanity, self.punctuation, self.hesitations).checked()
        keywords = tuple(self.keywords)
        check_keywords(keywords, self.keywords_threshold)
        if self.max_alternatives is not None and self.max_alternatives < 1:
            raise ExportError(f"max_alternatives is {self.max_alternatives}.", hint="Ask for 1 or more alternatives.")
        threshold = self.word_alternatives_threshold
        if threshold is not None and not 0.0 <= threshold <= 1.0:
            raise ExportError(f"The word alternatives threshold {threshold} is not between 0 and 1.", hint="Use e.g. 0.1.")
        return replace(self, profanity=text.profanity, punctuation=text.punctuation, hesitations=text.hesitations, keywords=keywords)

    @property
    def text(self) -> TextOptions:
        """Return the text options (profanity, punctuation, hesitations) these export options carry."""
        return TextOptions(self.profanity, self.punctuation, self.hesitations).checked()


# write(conversation, stream, options, channel): channel is None unless the format is per channel
WriteFunction = Callable[[Conversation, IO, ExportOptions, "int | None"], None]


@dataclass(frozen=True)
class Exporter:
    """One output format: its name, file extension and the function that writes it to a stream.

    A binary format (DOCX) is written to a byte stream, every other one to a UTF-8 text stream.
    A file (not stdout) is written in `text_encoding`: CSV's starts with a byte order mark, as Excel's own
    "CSV UTF-8" does, because Excel reads a CSV file without one in the system's code page (Cyrillic, å/ä/ö and
    é come out as mojibake).
    """

    name: str
    extension: str
    description: str
    write: WriteFunction
    per_channel: bool = False
    binary: bool = False
    text_encoding: str = "utf-8"


def utterance_text(utterance: Utterance, options: ExportOptions, locale: str = "en-US") -> str:
    """Return the text form the user chose for one utterance, rendered with the options, whitespace collapsed."""
    forms = render_forms(utterance.forms, options.text, locale)
    return " ".join(getattr(forms, options.text_form).split())


def speaker_of(conversation: Conversation, utterance: Utterance, options: ExportOptions) -> str | None:
    """Return the speaker label to print for an utterance, or None (unknown speaker, or speakers turned off)."""
    return conversation.speaker_label(utterance.speaker) if options.speakers else None


def participants(conversation: Conversation) -> list[str]:
    """Return the labels of the conversation's speakers: known ones by number, then any only seen in utterances."""
    numbers = sorted(set(conversation.speakers) | {u.speaker for u in conversation.utterances if u.speaker is not None})
    return [conversation.speaker_label(n) for n in numbers]


def write_json(document, stream: IO[str]) -> None:
    """Write one JSON document (lazy parts written as they are produced), UTF-8 as is, indented, ending with a newline."""
    from core.export.jsonstream import dump

    dump(document, stream)
    stream.write("\n")


__all__ = ["TEXT_FORMS", "ExportOptions", "Exporter", "LazyList", "LazyText", "participants", "speaker_of", "utterance_text", "write_json"]
