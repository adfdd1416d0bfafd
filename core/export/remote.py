"""Azure RemoteConversationTranscriptionResult JSON: {Id, ConversationTranscriptionResults}."""

from __future__ import annotations

from typing import TextIO

from core.export.base import Exporter, ExportOptions, write_json
from core.results import Conversation
from core.views.azure_remote import remote_conversation_transcription_result


def write_remote(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the conversation as one RemoteConversationTranscriptionResult document."""
    write_json(remote_conversation_transcription_result(conversation), stream)


EXPORTER = Exporter("remote", ".json", "Azure RemoteConversationTranscriptionResult JSON", write_remote)
