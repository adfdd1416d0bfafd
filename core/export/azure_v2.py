"""Azure batch transcription v2.0 JSON, one document per audio channel."""

from __future__ import annotations

from typing import TextIO

from core.export.base import Exporter, ExportOptions, write_json
from core.results import Conversation
from core.views.azure_batch_v2 import batch_v2_result


def write_azure_v2(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the v2.0 result document of one channel (channel 0 when none is given), segment by segment."""
    document = batch_v2_result(
        conversation,
        channel or 0,
        word_timestamps=options.word_timestamps,
        sentiment=options.sentiment,
        text=options.text,
        max_alternatives=options.max_alternatives,
        lazy=True,
    )
    write_json(document, stream)


EXPORTER = Exporter(
    "azure-v2", ".json", "Azure batch transcription v2.0 JSON (one file per channel)", write_azure_v2, per_channel=True
)
