"""A PCM WAV's RIFF header, read and (for Parley's own copy) mended: where its audio starts and how much it declares.

A recorder that died after writing its header once (or last updating it minutes earlier) leaves a
data size that ends before the file does; FFmpeg stops where the header says. `unsaid_ms` tells such a
file from one whose audio is followed by another chunk, and `complete_header` rewrites the sizes of a
copy so that every player reads all of it. Plain bytes, no PyAV: the library mends its copies with it.
"""

from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path

CUT_SHORT_SLACK_MS = 200  # a WAV holding this much less (more) than its header declares is cut short (holds more)
MAX_RIFF_BYTES = 0xFFFFFFFF  # the most a RIFF header's 32-bit sizes can declare
UNKNOWN_WAV_SIZE = 0x7FFF0000  # data sizes from here up are what streaming writers put before they know (0x7FFFFFFF, 0xFFFFFFFF)


@dataclass(frozen=True)
class WavData:
    """Where a PCM WAV's data chunk starts, the size its header declares, and its frame size and rate."""

    start: int
    size: int
    block: int
    rate: int

    @property
    def declared_ms(self) -> int:
        return int(self.size // self.block * 1000 // self.rate)


def wav_data(path: Path) -> WavData | None:
    """Return the data chunk a PCM WAV's header declares, or None when it does not say (a streamed or RF64 file)."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(4096)
    except OSError:
        return None
    if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        return None
    at, block, rate = 12, 0, 0
    while at + 8 <= len(head):
        kind, size = head[at:at + 4], struct.unpack("<I", head[at + 4:at + 8])[0]
        if kind == b"fmt " and at + 22 <= len(head):
            _, _, rate, _, block = struct.unpack("<HHIIH", head[at + 8:at + 22])
        elif kind == b"data":
            if not (block and rate) or size == 0 or size >= UNKNOWN_WAV_SIZE:
                return None
            return WavData(at + 8, size, block, rate)
        at += 8 + size + (size & 1)
    return None


def unsaid_ms(path: Path, data: WavData) -> int | None:
    """Return how long a WAV really is when its header declares less audio than follows it, else None.

    A recorder that died after writing its header once (or last updating it minutes earlier) leaves
    a data size that ends before the file does. FFmpeg stops where the header says, so the rest of
    the recording was silently left out. What follows the declared data is audio when it does not
    start another chunk (LIST, id3, bext, cue: four ASCII letters and a size that fits the file).
    """
    end, size = data.start + data.size, path.stat().st_size
    if size > MAX_RIFF_BYTES:  # a WAV over 4 GiB cannot declare its size (32-bit fields): FFmpeg reads it to its end
        return None
    if size - end < CUT_SHORT_SLACK_MS * data.rate // 1000 * data.block + 1:
        return None
    with open(path, "rb") as handle:
        handle.seek(end)
        after = handle.read(5)
    # a chunk id after the pad byte an odd size needs, or right after the audio (writers that leave the pad out)
    if _metadata_starts(after[data.size & 1:]) or _metadata_starts(after):
        return None
    return int((size - data.start) // data.block * 1000 // data.rate)


def complete_header(path: Path) -> bool:
    """Rewrite the sizes in the header of a WAV that declares less audio than it holds (see `unsaid_ms`) so that
    every player reads all of it; return whether it was rewritten. Only for Parley's own copy of a recording."""
    data = wav_data(path)
    if data is None or unsaid_ms(path, data) is None:
        return False
    size = path.stat().st_size
    audio = (size - data.start) // data.block * data.block
    with open(path, "r+b") as handle:
        handle.seek(4)
        handle.write(struct.pack("<I", size - 8))
        handle.seek(data.start - 4)
        handle.write(struct.pack("<I", audio))
        handle.flush()
        os.fsync(handle.fileno())
    return True


def _metadata_starts(head: bytes) -> bool:
    """Return whether these bytes start a RIFF chunk (LIST, bext, id3, cue: four letters, digits or spaces, the first a
    letter) or a bare ID3 tag, rather than audio samples."""
    chunk_id = head[:4]
    return len(chunk_id) == 4 and (chunk_id[:3] == b"ID3" or (
        chr(chunk_id[0]).isalpha() and all(chr(b).isalnum() or b == 32 for b in chunk_id) and max(chunk_id) < 127))
