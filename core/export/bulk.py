"""Bulk export: many conversations at once, one file each in a folder or together in one zip archive.

Conversations are taken from an iterable one at a time, so a caller that loads them lazily
(from the library) never holds more than one in memory; each is written as it comes.
"""

from __future__ import annotations

import io
import logging
import os
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path

from core.errors import ExportError
from core.export.base import Exporter, ExportOptions
from core.results import Conversation

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^\w\-]+", re.UNICODE)
MAX_TITLE_CHARS = 60


def safe_name(conversation: Conversation) -> str:
    """Return a file name stem for a conversation: its title made safe on every file system, then a short id."""
    title = unicodedata.normalize("NFC", conversation.title or "")
    title = _UNSAFE.sub("-", title).strip("-_")[:MAX_TITLE_CHARS].strip("-_") or "conversation"
    return f"{title}-{conversation.conversation_id.replace('-', '')[:8]}"


def _names(conversation: Conversation, exporter: Exporter, channels: list[int | None], taken: set[str]) -> list[str]:
    stem = safe_name(conversation)
    base, n = stem, 1
    while any(t == f"{stem}{exporter.extension}".lower() or t.startswith(f"{stem}.channel".lower()) for t in taken):
        n += 1
        stem = f"{base}-{n}"
    if len(channels) == 1:
        names = [f"{stem}{exporter.extension}"]
    else:
        names = [f"{stem}.channel{c}{exporter.extension}" for c in channels]
    taken.update(name.lower() for name in names)
    return names


def _folder(destination: Path) -> Path:
    if destination.exists() and not destination.is_dir():
        raise ExportError(f"Cannot export into {destination}: it is a file, not a folder.")
    try:
        destination.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"Cannot create the folder {destination}: {exc.strerror or exc}.") from exc
    return destination


def _to_folder(conversations, fmt: str, folder: Path, options: ExportOptions) -> list[Path]:
    from core.export import _channels, _exporter, _writer
    from core.export.files import write_atomically

    exporter = _exporter(fmt)
    written: list[Path] = []
    taken = {p.name.lower() for p in folder.iterdir()}
    for conversation in conversations:
        channels = _channels(conversation, exporter)
        names = _names(conversation, exporter, channels, taken)
        targets = [(folder / name, _writer(exporter, conversation, options, c)) for name, c in zip(names, channels)]
        written += write_atomically(targets, binary=exporter.binary, encoding=exporter.text_encoding)
    return written


def _to_zip(conversations, fmt: str, archive: Path, options: ExportOptions) -> list[Path]:
    from core.export import _channels, _exporter

    exporter = _exporter(fmt)
    if archive.is_dir() or not archive.parent.is_dir():
        raise ExportError(f"Cannot write the archive {archive}: its folder does not exist or it is a folder.")
    temporary = archive.with_name(f".{archive.name}.{uuid.uuid4().hex[:8]}.part")
    taken: set[str] = set()
    try:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
            for conversation in conversations:
                channels = _channels(conversation, exporter)
                for name, channel in zip(_names(conversation, exporter, channels, taken), channels):
                    with bundle.open(name, "w", force_zip64=True) as member:
                        if exporter.binary:
                            exporter.write(conversation, member, options, channel)
                        else:
                            text = io.TextIOWrapper(member, encoding=exporter.text_encoding, newline="")
                            exporter.write(conversation, text, options, channel)
                            text.flush()
                            text.detach()
        os.replace(temporary, archive)
    except OSError as exc:
        raise ExportError(f"Cannot write the archive {archive}: {exc.strerror or exc}.") from exc
    finally:
        if temporary.exists():
            temporary.unlink()
    log.info("exported %s", archive)
    return [archive]


def export_many(
    conversations: Iterable[Conversation],
    fmt: str,
    destination: Path,
    options: ExportOptions | None = None,
    *,
    as_zip: bool | None = None,
) -> list[Path]:
    """Export each conversation to its own file ("<title>-<short id>.<ext>"); return the files written.

    ``destination`` is a folder (created when missing) or, when it ends in ".zip" (or ``as_zip``),
    a zip archive holding the files; the archive is then the one path returned.
    """
    from core.export import _exporter

    _exporter(fmt)
    options = (options or ExportOptions()).check()
    destination = Path(destination)
    if as_zip if as_zip is not None else destination.suffix.lower() == ".zip":
        return _to_zip(conversations, fmt, destination, options)
    return _to_folder(conversations, fmt, _folder(destination), options)
