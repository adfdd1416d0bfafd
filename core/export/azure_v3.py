"""Azure batch transcription v3 JSON, one document with every channel."""

from __future__ import annotations

from typing import TextIO

from core.export.base import Exporter, ExportOptions, write_json
from core.results import Conversation
from core.views.azure_batch_v3 import batch_v3_result


def write_azure_v3(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the v3 result document of the whole recording, phrase by phrase."""
    document = batch_v3_result(
        conversation,
        word_timestamps=options.word_timestamps,
        text=options.text,
        max_alternatives=options.max_alternatives,
        lazy=True,
    )
    write_json(document, stream)


EXPORTER = Exporter("azure-v3", ".json", "Azure batch transcription v3 JSON", write_azure_v3)
