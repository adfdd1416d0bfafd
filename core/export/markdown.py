"""Markdown: a title, the date, duration and participants, then one paragraph per utterance.

Each paragraph reads "**Alice** [00:00:03]: text"; the text is escaped so a transcript that
says "*" or "1." never turns into emphasis or a list.
"""

from __future__ import annotations

import re
from typing import TextIO

from core.export.base import Exporter, ExportOptions, participants, speaker_of, utterance_text
from core.export.clock import hms, when
from core.results import Conversation

_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+|~!])")
_LINE_START = re.compile(r"^(\d+)([.)])|^([-=>])")


def escape(text: str) -> str:
    """Return text with every Markdown control character backslash-escaped."""
    text = _SPECIAL.sub(r"\\\1", " ".join(text.split()))
    return _LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else f"\\{m.group(3)}", text)


def write_markdown(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the conversation as a Markdown document, utterance by utterance."""
    stream.write(f"# {escape(conversation.title or 'Conversation')}\n\n")
    stream.write(f"- **Date:** {when(conversation.created)}\n")
    stream.write(f"- **Duration:** {hms(conversation.duration_ms)}\n")
    people = participants(conversation) if options.speakers else []
    if people:
        stream.write(f"- **Participants:** {', '.join(escape(p) for p in people)}\n")
    stream.write("\n")
    for utterance in conversation.ordered():
        text = utterance_text(utterance, options, conversation.locale)
        if not text:
            continue
        head = []
        speaker = speaker_of(conversation, utterance, options)
        if speaker:
            head.append(f"**{escape(speaker)}**")
        if options.timestamps:
            head.append(f"\\[{hms(utterance.offset_ms)}\\]")
        prefix = " ".join(head) + ": " if head else ""
        stream.write(f"{prefix}{escape(text)}\n\n")


EXPORTER = Exporter("md", ".md", "Markdown document with speakers and times", write_markdown)
