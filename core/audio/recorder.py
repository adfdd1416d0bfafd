"""The crash-safe recorder: captured audio goes to a WAV file on disk before anything else touches it.

Every block is handed to the kernel with one unbuffered write, so a killed process (kill -9) loses
nothing it had written; the RIFF header's sizes are fixed up and the file is fsynced every second,
so even a power cut loses at most about a second. `repair_wav` fixes the header of a file whose
writer died, using the file's real length. Nothing is kept in memory: hours of audio cost nothing.
A file deleted while it is written (its folder removed, Parley's data folder moved away) is seen
at the next sync and written again at its path from the open file (`restored` counts it): the
audio lived on only in that open file, and the session's end would have found nothing to store.
"""

from __future__ import annotations

import errno
import logging
import os
import struct
import time
from pathlib import Path

import numpy as np

from core.audio.decode import SAMPLE_RATE
from core.errors import StoreError, disk_hint

log = logging.getLogger(__name__)

HEADER_BYTES = 44
SAMPLE_BYTES = 2  # 16-bit PCM
SYNC_INTERVAL_S = 1.0
MAX_DATA_BYTES = 0xFFFFFFFF - 36  # the RIFF header's 32-bit sizes: 37 h 16 min of 16 kHz mono 16-bit audio


def _header(data_bytes: int, sample_rate: int, channels: int) -> bytes:
    block_align = channels * SAMPLE_BYTES
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF", 36 + data_bytes, b"WAVE", b"fmt ", 16, 1, channels, sample_rate,
        sample_rate * block_align, block_align, SAMPLE_BYTES * 8, b"data", data_bytes,
    )


def to_pcm16(block: np.ndarray) -> bytes:
    """Return float samples (-1..1) as little-endian 16-bit PCM bytes (clipped)."""
    scaled = np.clip(np.asarray(block, dtype=np.float32), -1.0, 1.0) * 32767.0
    return np.round(scaled).astype("<i2").tobytes()


class Recorder:
    """Writes 16 kHz mono audio blocks to a WAV file that survives a crash of the process at any moment."""

    def __init__(self, path: str | Path, *, sample_rate: int = SAMPLE_RATE, channels: int = 1,
                 sync_interval_s: float = SYNC_INTERVAL_S, max_data_bytes: int = MAX_DATA_BYTES):
        self.path = Path(path)
        self.max_data_bytes = max_data_bytes
        self.sample_rate = sample_rate
        self.channels = channels
        self.sync_interval_s = sync_interval_s
        self.data_bytes = 0
        self.restored = 0  # how many times the file was deleted while written, and written again (see the docstring)
        self._watching = True
        self._fd: int | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o644)  # read too: see _restore
            os.write(self._fd, _header(0, sample_rate, channels))
            os.fsync(self._fd)
        except OSError as exc:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None
            raise StoreError(f"Cannot create the recording {self.path}: {exc.strerror or exc}.", hint=disk_hint(exc)) from exc
        self._synced = time.monotonic()

    @property
    def duration_ms(self) -> int:
        """Return how much audio has been written, in milliseconds."""
        return self.data_bytes // (SAMPLE_BYTES * self.channels) * 1000 // self.sample_rate

    @property
    def closed(self) -> bool:
        return self._fd is None

    def write(self, block: np.ndarray) -> None:
        """Return None once the block is in the file (the kernel has it; header and fsync follow each second)."""
        if self._fd is None:
            raise StoreError(f"The recording {self.path} is closed.")
        data = to_pcm16(block)
        if self.data_bytes + len(data) > self.max_data_bytes:
            raise StoreError(f"The recording {self.path} is as long as a WAV file can be ({_hours(self.duration_ms)}).",
                             hint="The audio recorded so far is kept; start a new recording to go on.")
        try:
            view = memoryview(data)
            while view:
                written = os.write(self._fd, view)
                view = view[written:]
            self.data_bytes += len(data)
            if time.monotonic() - self._synced >= self.sync_interval_s:
                self.sync()
        except OSError as exc:
            try:  # a block written in part is taken back, so the file holds what its header counts
                os.ftruncate(self._fd, HEADER_BYTES + self.data_bytes)
            except OSError:
                pass
            if exc.errno == errno.EFBIG:
                cause = "This system allows no larger file"
            elif exc.errno in (errno.ENOSPC, errno.EDQUOT):
                cause = "Free some disk space"
            else:
                cause = "Check the disk that holds Parley's data (was it removed?)"
            raise StoreError(f"Writing the recording {self.path} failed: {exc.strerror or exc}.",
                             hint=f"{cause}; the audio recorded so far is kept.") from exc

    def sync(self) -> None:
        """Return None after fixing the header's sizes and flushing the file to the disk."""
        if self._fd is None:
            return
        if self._watching and self._gone():
            try:
                self._restore()
            except FileExistsError:  # another file stands there now: not overwritten, and not looked at again
                self._watching = False
                log.warning("the recording %s was replaced while recording; going on in the deleted one", self.path)
        header = _header(self.data_bytes, self.sample_rate, self.channels)
        os.pwrite(self._fd, header[4:8], 4)
        os.pwrite(self._fd, header[40:44], 40)
        os.fsync(self._fd)
        self._synced = time.monotonic()

    def _gone(self) -> bool:
        """Return whether the file is no longer at its path (a stat that fails otherwise tells nothing: not gone)."""
        try:
            if os.fstat(self._fd).st_nlink == 0:
                return True
            os.stat(self.path)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return False

    def _restore(self) -> None:
        """Write the open file, deleted from its folder, to its path again and go on writing there (an OSError if the
        disk refuses: the session then ends, saying so)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            size, done = HEADER_BYTES + self.data_bytes, 0
            while done < size:
                chunk = os.pread(self._fd, min(1 << 20, size - done), done)
                if not chunk:
                    break
                view = memoryview(chunk)
                while view:
                    view = view[os.pwrite(fd, view, done + len(chunk) - len(view)):]
                done += len(chunk)
            os.lseek(fd, size, os.SEEK_SET)
        except OSError:
            os.close(fd)
            self.path.unlink(missing_ok=True)
            raise
        os.close(self._fd)
        self._fd = fd
        self.restored += 1
        log.info("the recording %s was deleted while recording; written again from the open file", self.path)  # the session warns

    def close(self) -> None:
        """Return None after the final header fix-up (safe to call twice)."""
        if self._fd is None:
            return
        try:
            self.sync()
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "Recorder":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _hours(ms: int) -> str:
    minutes = ms // 60_000
    if minutes >= 60:
        return f"{minutes // 60} h {minutes % 60} min"
    return f"{minutes} min" if minutes else f"{ms / 1000:.1f} s"


def repair_wav(path: str | Path) -> int:
    """Return the duration in ms of a WAV this recorder wrote, after fixing its header to the file's real length."""
    path = Path(path)
    try:
        with path.open("r+b") as handle:
            head = handle.read(HEADER_BYTES)
            if len(head) < HEADER_BYTES or head[:4] != b"RIFF" or head[8:12] != b"WAVE" or head[36:40] != b"data":
                # damaged (or cut before its header was whole): this recorder writes 16 kHz mono after 44 bytes
                log.warning("%s: its header is damaged; the rest is read as the 16 kHz mono audio it was", path)
                head = _header(0, SAMPLE_RATE, 1)
                if os.fstat(handle.fileno()).st_size < HEADER_BYTES:
                    handle.truncate(0)
                    handle.seek(0)
                    handle.write(head)
                    handle.flush()
            channels, sample_rate = struct.unpack("<HI", head[22:28])
            if not (1 <= channels <= 8 and 8_000 <= sample_rate <= 384_000):  # damaged: this recorder writes 16 kHz mono
                log.warning("%s: its header says %d channels at %d Hz; read as 16 kHz mono", path, channels, sample_rate)
                channels, sample_rate = 1, SAMPLE_RATE
            frame = channels * SAMPLE_BYTES
            size = os.fstat(handle.fileno()).st_size
            data = (size - HEADER_BYTES) // frame * frame
            if size != HEADER_BYTES + data:  # a half-written last sample
                handle.truncate(HEADER_BYTES + data)
            handle.seek(0)
            handle.write(_header(data, sample_rate, channels))
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        hint = disk_hint(exc)
        if isinstance(exc, IsADirectoryError) or hint == StoreError.hint:  # not the library's or the disk's doing
            hint = "Something else stands in the recording's place: move it aside, then start Parley again."
        raise StoreError(f"Cannot repair the recording {path}: {exc.strerror or exc}.", hint=hint) from exc
    return data // frame * 1000 // sample_rate
