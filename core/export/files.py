"""Atomic output files: each export is written to a temporary file beside its target, then renamed."""

from __future__ import annotations

import logging
import os
import uuid
from pathlib import Path
from typing import IO, Callable

from core.errors import ExportError

log = logging.getLogger(__name__)


def _check_target(path: Path) -> None:
    if path.is_dir():
        raise ExportError(f"Cannot write the export to {path}: it is a folder.")
    if not path.parent.is_dir():
        raise ExportError(f"Cannot write the export to {path}: the folder {path.parent} does not exist.")


def _write_temporary(path: Path, write: Callable[[IO], None], temporaries: list[Path], binary: bool, encoding: str) -> None:
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.part")
    # os.open with 0o666 lets the user's umask decide the final file mode, as a plain open() would
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    temporaries.append(temporary)
    handle = open(fd, "wb") if binary else open(fd, "w", encoding=encoding, newline="")
    with handle:
        write(handle)
        handle.flush()
        os.fsync(handle.fileno())


def write_atomically(targets: list[tuple[Path, Callable[[IO], None]]], *, binary: bool = False,
                     encoding: str = "utf-8") -> list[Path]:
    """Write every (path, writer) pair to a temporary file, then move them all into place; return the paths.

    Nothing is moved until every file has been written, and temporary files are removed on
    any failure, so a failed export never leaves a half-written file behind. Writers get a
    text stream in `encoding` (UTF-8), or a byte stream when ``binary``.
    """
    for path, _ in targets:
        _check_target(path)
    temporaries: list[Path] = []
    current = None
    try:
        for path, write in targets:
            current = path
            _write_temporary(path, write, temporaries, binary, encoding)
        for (path, _), temporary in zip(targets, temporaries):
            current = path
            os.replace(temporary, path)
    except OSError as exc:
        raise ExportError(f"Cannot write the export to {current}: {exc.strerror or exc}.") from exc
    finally:
        for temporary in temporaries:
            if temporary.exists():
                temporary.unlink()
    for path, _ in targets:
        log.info("exported %s", path)
    return [path for path, _ in targets]
