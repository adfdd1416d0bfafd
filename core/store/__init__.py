"""The conversation library: one SQLite file behind the `Library` facade."""

from core.store.library import Library
from core.store.records import AudioSource, ConversationSummary, NewRecording, SearchHit, TranscriptionPass

__all__ = ["AudioSource", "ConversationSummary", "Library", "NewRecording", "SearchHit", "TranscriptionPass"]
