"""Azure RemoteConversationTranscriptionResult JSON: {Id, ConversationTranscriptionResults}."""

from __future__ import annotations

from typing import TextIO

from core.export.base import Exporter, ExportOptions, write_json
from core.results import Conversation
from core.views.azure_remote import remote_conversation_transcription_result


def write_remote(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the conversation as one RemoteConversationTranscriptionResult document, result by result."""
    document = remote_conversation_transcription_result(
        conversation, text=options.text, max_alternatives=options.max_alternatives, lazy=True
    )
    write_json(document, stream)


EXPORTER = Exporter("remote", ".json", "Azure RemoteConversationTranscriptionResult JSON", write_remote)
