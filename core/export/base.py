"""What every exporter shares: the options a user picks and the shape of one output format."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable, TextIO

from core.errors import ExportError
from core.results import Conversation, Utterance

TEXT_FORMS = ("display", "lexical", "itn", "masked_itn")


@dataclass(frozen=True)
class ExportOptions:
    """What to include in an export; JSON formats always carry all four text forms."""

    speakers: bool = True
    timestamps: bool = True
    word_timestamps: bool = False
    text_form: str = "display"
    sentiment: bool = False

    def check(self) -> None:
        """Raise ExportError when an option has a value no exporter understands."""
        if self.text_form not in TEXT_FORMS:
            raise ExportError(
                f"Unknown text form '{self.text_form}'. Known forms: {', '.join(TEXT_FORMS)}.",
                hint=f"Use one of: {', '.join(TEXT_FORMS)}.",
            )


# write(conversation, stream, options, channel): channel is None unless the format is per channel
WriteFunction = Callable[[Conversation, TextIO, ExportOptions, "int | None"], None]


@dataclass(frozen=True)
class Exporter:
    """One output format: its name, file extension and the function that writes it to a text stream."""

    name: str
    extension: str
    description: str
    write: WriteFunction
    per_channel: bool = False


def utterance_text(utterance: Utterance, options: ExportOptions) -> str:
    """Return the text form the user chose for one utterance, whitespace collapsed."""
    return " ".join(getattr(utterance.forms, options.text_form).split())


def speaker_of(conversation: Conversation, utterance: Utterance, options: ExportOptions) -> str | None:
    """Return the speaker label to print for an utterance, or None (unknown speaker, or speakers turned off)."""
    return conversation.speaker_label(utterance.speaker) if options.speakers else None


def write_json(document: dict, stream: TextIO) -> None:
    """Write one JSON document, UTF-8 as is, indented, ending with a newline."""
    json.dump(document, stream, ensure_ascii=False, indent=2)
    stream.write("\n")
