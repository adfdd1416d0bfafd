"""SubRip (.srt): numbered cues, "HH:MM:SS,mmm" times, the speaker as a "Guest-1: " prefix."""

from __future__ import annotations

from typing import TextIO

from core.export.base import Exporter, ExportOptions, speaker_of, utterance_text
from core.export.cues import clock, split_cues
from core.results import Conversation


def write_srt(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the conversation as SubRip cues, one utterance at a time."""
    index = 0
    for utterance in conversation.ordered():
        speaker = speaker_of(conversation, utterance, options)
        prefix = f"{' '.join(speaker.split())}: " if speaker else ""
        for cue in split_cues(utterance, utterance_text(utterance, options, conversation.locale), len(prefix)):
            index += 1
            lines = (prefix + cue.lines[0],) + cue.lines[1:]
            stream.write(f"{index}\n{clock(cue.start_ms, ',')} --> {clock(cue.end_ms, ',')}\n")
            stream.write("\n".join(lines) + "\n\n")


EXPORTER = Exporter("srt", ".srt", "SubRip subtitles", write_srt)
