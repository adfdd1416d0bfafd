"""CSV: one row per utterance (times, channel, speaker, text, confidence; sentiment when asked)."""

from __future__ import annotations

import csv
from typing import TextIO

from core.export.base import Exporter, ExportOptions, speaker_of, utterance_text
from core.export.cues import clock
from core.results import Conversation
from core.views.azure_batch_v2 import utterance_sentiment

COLUMNS = ("result_id", "start", "end", "start_seconds", "end_seconds", "channel", "speaker", "text", "confidence")
SENTIMENT_COLUMNS = ("negative", "neutral", "positive")


def write_csv(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write a header and one CSV row per utterance in time order (RFC 4180 quoting, CRLF line ends)."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS + (SENTIMENT_COLUMNS if options.sentiment else ()))
    for utterance in conversation.ordered():
        row = [
            utterance.result_id,
            clock(utterance.offset_ms, "."),
            clock(utterance.end_ms, "."),
            f"{utterance.offset_ms / 1000:.3f}",
            f"{utterance.end_ms / 1000:.3f}",
            utterance.channel,
            speaker_of(conversation, utterance, options) or "",
            utterance_text(utterance, options, conversation.locale),
            f"{utterance.confidence:.4f}",
        ]
        if options.sentiment:
            scores = utterance_sentiment(utterance, conversation.locale)
            row += [f"{getattr(scores, c):.4f}" if scores else "" for c in SENTIMENT_COLUMNS]
        writer.writerow(row)


EXPORTER = Exporter("csv", ".csv", "CSV table, one row per utterance", write_csv, text_encoding="utf-8-sig")
