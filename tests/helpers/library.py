"""Conversations stored for tests: the real recording copied into a real library."""

from __future__ import annotations

from core.results import Conversation, new_conversation_id, utc_now
from core.store import Library


def store_recording(library: Library, path, title: str = "sample", duration_ms: int = 30_000) -> str:
    """Return the id of a new conversation without transcript holding a copy of the recording."""
    conversation = Conversation(
        conversation_id=new_conversation_id(), title=title, created=utc_now(), duration_ms=duration_ms,
        source=str(path), locale="en-US", model="", channels=1,
    )
    library.create_conversation(conversation)
    library.add_audio(conversation.conversation_id, path)
    return conversation.conversation_id
