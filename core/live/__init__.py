"""Live conversation transcription: a ConversationTranscriber session, its results, and crash recovery.

See /work/notes/live-api.md (and docs) for the contract the desktop app builds on.
"""

from core.live.events import (
    CanceledEventArgs,
    ConversationTranscriptionEventArgs,
    EventSignal,
    LevelEventArgs,
    SessionEventArgs,
    WarningEventArgs,
)
from core.live.options import LiveOptions
from core.live.recovery import UnfinishedRecording, discard_unfinished, find_unfinished_recordings, recover
from core.live.result import LiveResult
from core.live.session import ConversationTranscriber
from core.live.speakers import LiveSpeakerTracker, NoSpeakers, label_utterance

__all__ = [
    "CanceledEventArgs", "ConversationTranscriber", "ConversationTranscriptionEventArgs", "EventSignal", "LevelEventArgs",
    "LiveOptions", "LiveResult", "LiveSpeakerTracker", "NoSpeakers", "SessionEventArgs", "UnfinishedRecording",
    "WarningEventArgs", "discard_unfinished", "find_unfinished_recordings", "label_utterance", "recover",
]
