"""WebVTT (.vtt): "HH:MM:SS.mmm" times, the speaker as a <v Guest-1> voice tag."""

from __future__ import annotations

from typing import TextIO

from core.export.base import Exporter, ExportOptions, speaker_of, utterance_text
from core.export.cues import clock, split_cues
from core.results import Conversation


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def write_vtt(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the conversation as WebVTT cues with voice tags, one utterance at a time."""
    stream.write("WEBVTT\n\n")
    for utterance in conversation.ordered():
        speaker = speaker_of(conversation, utterance, options)
        # a voice annotation ends at ">" and may not hold a line break
        voice = f"<v {' '.join(_escape(speaker).split())}>" if speaker else ""
        for cue in split_cues(utterance, utterance_text(utterance, options, conversation.locale)):
            lines = [_escape(line) for line in cue.lines]
            lines[0] = voice + lines[0]
            stream.write(f"{clock(cue.start_ms, '.')} --> {clock(cue.end_ms, '.')}\n")
            stream.write("\n".join(lines) + "\n\n")


EXPORTER = Exporter("vtt", ".vtt", "WebVTT captions with speaker voice tags", write_vtt)
