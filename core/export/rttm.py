"""RTTM (diarization): one SPEAKER line per speaker turn, the format of NIST evaluations and pyannote.

A turn is a run of words by one speaker inside an utterance (the whole utterance when it has no
word speakers). Fields are separated by spaces, so spaces in names and file names become "_".
Utterances with no known speaker are left out: RTTM says who spoke, not what.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import TextIO

from core.export.base import Exporter, ExportOptions
from core.results import Conversation, Utterance

_SPACE = re.compile(r"\s+")


def _field(text: str) -> str:
    return _SPACE.sub("_", text.strip()) or "NA"


def recording_name(conversation: Conversation) -> str:
    """Return the RTTM file id: the recording's file name without extension (a file played live: its own), else the
    conversation id (a microphone recording: "live: microphone: ..." made the id "live:_microphone:_Headset")."""
    source = conversation.source or ""
    if source.startswith("live: "):
        source = source.removeprefix("live: ")
        source = source.removeprefix("file: ") if source.startswith("file: ") else ""
    stem = PurePath(source).stem if source else ""
    return _field(stem or conversation.conversation_id)


def _turns(utterance: Utterance) -> list[tuple[int, int, int]]:
    turns: list[list[int]] = []
    for word in utterance.words:
        speaker = word.speaker if word.speaker is not None else utterance.speaker
        if speaker is None:
            continue
        if turns and turns[-1][2] == speaker:
            turns[-1][1] = max(turns[-1][1], word.end_ms)
        else:
            turns.append([word.offset_ms, word.end_ms, speaker])
    if not turns and utterance.speaker is not None:
        turns.append([utterance.offset_ms, utterance.end_ms, utterance.speaker])
    return [(start, end, speaker) for start, end, speaker in turns]


def write_rttm(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write one RTTM SPEAKER line per speaker turn in time order."""
    uri = recording_name(conversation)
    for utterance in conversation.ordered():
        for start, end, speaker in _turns(utterance):
            name = _field(conversation.speaker_label(speaker))
            stream.write(
                f"SPEAKER {uri} {utterance.channel + 1} {start / 1000:.3f} {max(end - start, 0) / 1000:.3f} "
                f"<NA> <NA> {name} <NA> <NA>\n"
            )


EXPORTER = Exporter("rttm", ".rttm", "RTTM speaker turns (diarization)", write_rttm)
