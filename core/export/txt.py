"""Plain text: one line per utterance, "[00:00:03.2] Guest-1: text" (time and speaker optional)."""

from __future__ import annotations

from typing import TextIO

from core.export.base import Exporter, ExportOptions, speaker_of, utterance_text
from core.results import Conversation


def tenths_clock(ms: int) -> str:
    """Return a millisecond time as HH:MM:SS.d (tenths, truncated so a line never starts late)."""
    tenths = max(int(ms), 0) // 100
    seconds, tenth = divmod(tenths, 10)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{tenth}"


def write_txt(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write one line per utterance in time order."""
    for utterance in conversation.ordered():
        text = utterance_text(utterance, options, conversation.locale)
        if not text:
            continue
        parts = []
        if options.timestamps:
            parts.append(f"[{tenths_clock(utterance.offset_ms)}]")
        speaker = speaker_of(conversation, utterance, options)
        if speaker:
            parts.append(f"{speaker}:")
        parts.append(text)
        stream.write(" ".join(parts) + "\n")


EXPORTER = Exporter("txt", ".txt", "plain text, one line per utterance", write_txt)
