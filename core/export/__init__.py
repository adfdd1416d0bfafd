"""Exports of a conversation: one small module per format, all listed in FORMATS.

Adding a format is a module with a ``write(conversation, stream, options, channel)`` function
and an ``EXPORTER = Exporter(...)`` line, plus one entry in ``_MODULES`` below. JSON formats
call the views in ``core.views`` (lazily, so long conversations stream); they never rebuild the
shapes themselves. ``export_many`` (core.export.bulk) writes many conversations at once.
"""

from __future__ import annotations

import sys
from functools import partial
from pathlib import Path
from typing import IO

from core.errors import ExportError
from core.export import azure_v2, azure_v3, csv_table, markdown, remote, rttm, srt, txt, vtt, watson, word
from core.export.base import TEXT_FORMS, Exporter, ExportOptions
from core.export.files import write_atomically
from core.results import Conversation
from core.views import channel_numbers

__all__ = [
    "FORMATS", "TEXT_FORMS", "ExportOptions", "Exporter", "channel_path", "export_conversation", "export_many",
    "write_conversation",
]

_MODULES = (remote, azure_v2, azure_v3, watson, txt, markdown, srt, vtt, word, csv_table, rttm)

FORMATS: dict[str, Exporter] = {module.EXPORTER.name: module.EXPORTER for module in _MODULES}


def _exporter(fmt: str) -> Exporter:
    try:
        return FORMATS[fmt]
    except KeyError:
        raise ExportError(
            f"Unknown export format '{fmt}'. Known formats: {', '.join(FORMATS)}.",
            hint=f"Choose one of: {', '.join(FORMATS)}.",
        ) from None


def channel_path(output: Path, channel: int) -> Path:
    """Return the file name of one channel's document: out.json -> out.channel0.json."""
    return output.with_name(f"{output.stem}.channel{channel}{output.suffix}")


def _channels(conversation: Conversation, exporter: Exporter) -> list[int | None]:
    return list(channel_numbers(conversation)) if exporter.per_channel else [None]


def _writer(exporter: Exporter, conversation: Conversation, options: ExportOptions, channel: int | None):
    return partial(exporter.write, conversation, options=options, channel=channel)


def write_conversation(conversation: Conversation, fmt: str, stream: IO, options: ExportOptions | None = None) -> None:
    """Write a conversation in a format to an open stream (text; bytes for DOCX), per-channel documents one after another."""
    exporter = _exporter(fmt)
    options = (options or ExportOptions()).check()
    for channel in _channels(conversation, exporter):
        exporter.write(conversation, stream, options, channel)


def export_conversation(
    conversation: Conversation, fmt: str, output: Path | None, options: ExportOptions | None = None
) -> list[Path]:
    """Write a conversation in a format to a file (or stdout when output is None); return the files written.

    A per-channel format writes one file per channel when the recording has several
    (out.json -> out.channel0.json, out.channel1.json); to stdout the documents follow each other.
    """
    exporter = _exporter(fmt)
    options = (options or ExportOptions()).check()
    channels = _channels(conversation, exporter)
    if output is None:
        stream = sys.stdout.buffer if exporter.binary else sys.stdout
        write_conversation(conversation, fmt, stream, options)
        stream.flush()
        return []
    output = Path(output)
    if len(channels) == 1:
        targets = [(output, _writer(exporter, conversation, options, channels[0]))]
    else:
        targets = [(channel_path(output, c), _writer(exporter, conversation, options, c)) for c in channels]
    return write_atomically(targets, binary=exporter.binary, encoding=exporter.text_encoding)


from core.export.bulk import export_many  # noqa: E402  (bulk uses the helpers above)
