"""DOCX (Word): title, date, duration, participants, then one speaker-labelled paragraph per utterance.

python-docx builds the document in memory and writes it at the end (a DOCX is a zip archive),
so this is the one format that is not streamed utterance by utterance.
"""

from __future__ import annotations

from typing import BinaryIO

from core.export.base import Exporter, ExportOptions, participants, speaker_of, utterance_text
from core.export.clock import hms, when
from core.results import Conversation

# characters XML 1.0 forbids; python-docx raises on them
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def _clean(text: str) -> str:
    return text.translate(_CONTROL)


def _mark_language(document, locale: str) -> None:
    """Return None after marking the document's text as the conversation's language (Word spell-checks in it)."""
    from docx.oxml.ns import qn

    document.core_properties.language = locale
    defaults = document.styles.element.find(qn("w:docDefaults"))
    lang = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr")).find(qn("w:lang"))  # python-docx's template has one: en-US
    lang.set(qn("w:val"), locale)


def write_docx(conversation: Conversation, stream: BinaryIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the conversation as a Word document to a byte stream."""
    from docx import Document
    from docx.shared import RGBColor

    document = Document()
    title = _clean(conversation.title or "Conversation")
    document.core_properties.title = title
    _mark_language(document, conversation.locale or "en-US")
    document.core_properties.created = conversation.created.replace(tzinfo=None) if conversation.created else None
    document.add_heading(title, level=0)
    facts = [("Date", when(conversation.created)), ("Duration", hms(conversation.duration_ms))]
    people = participants(conversation) if options.speakers else []
    if people:
        facts.append(("Participants", ", ".join(_clean(p) for p in people)))
    for label, value in facts:
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    for utterance in conversation.ordered():
        text = utterance_text(utterance, options, conversation.locale)
        if not text:
            continue
        paragraph = document.add_paragraph()
        speaker = speaker_of(conversation, utterance, options)
        if speaker:
            paragraph.add_run(_clean(speaker)).bold = True
        if options.timestamps:
            stamp = paragraph.add_run(f" [{hms(utterance.offset_ms)}]" if speaker else f"[{hms(utterance.offset_ms)}]")
            stamp.font.color.rgb = RGBColor(0x70, 0x70, 0x70)
        if speaker or options.timestamps:
            paragraph.add_run(": ")
        paragraph.add_run(_clean(text))
    document.save(stream)


EXPORTER = Exporter("docx", ".docx", "Word document with speakers and times", write_docx, binary=True)
