"""A container (WAV, Ogg, WebM, FLAC, MP3...) arriving over a WebSocket in pieces, decoded as it comes.

FFmpeg reads the stream on a thread of its own, from a pipe that hands it the bytes received so far
and waits for more, so each piece is demuxed and decoded once: a session of half an hour costs as
little per interim result as a minute's (before, the whole stream was decoded again each time: 2.4 s
for 30 minutes of Ogg/Opus, more than the 1.5 s between two interim results; benchmarks/websocket_audio.py). A WAV is read to the
stream's end whatever its header declares, as a streamed header's sizes are placeholders.
"""

from __future__ import annotations

import logging
import threading

import numpy as np

from core.audio.decode import SAMPLE_RATE, stream_blocks
from core.errors import AudioError
from core.server.errors import ApiError
from core.server.pcm_stream import SampleBuffer

log = logging.getLogger(__name__)

CATCH_UP_S = 5  # the most a look at the audio so far waits for the bytes received to be decoded
JOIN_TIMEOUT_S = 300  # the most the end of a stream waits for its last bytes to be decoded
# a container whose first bytes this many give no audio is not what it says (a demuxer looking for its sync words in
# noise waits for ever): any real one has decoded audio well before (FFmpeg probes a WAV's first 32-48 KB before its
# first block). MP3 may open with an ID3 tag holding cover art, so it is given more
UNDECODABLE_BYTES, UNDECODABLE_MP3_BYTES = 128 * 1024, 1024 * 1024


class _Pipe:
    """Bytes handed over by one thread and read by another (FFmpeg's): `read` waits until some come or the stream ends."""

    def __init__(self):
        self._ready = threading.Condition()
        self._unread = bytearray()
        self._ended = False
        self._idle = False  # the reader waits for bytes: all it was given is read and decoded
        self._done = False  # the reader stopped reading

    def put(self, data: bytes, *, ended: bool = False) -> None:
        with self._ready:
            self._unread.extend(data)
            self._ended = self._ended or ended
            self._ready.notify_all()

    def read(self, size: int = -1) -> bytes:
        """Return up to `size` bytes (all that wait when negative), at least one unless the stream has ended."""
        with self._ready:
            if not self._unread and not self._ended:
                self._idle = True
                self._ready.notify_all()
                self._ready.wait_for(lambda: self._unread or self._ended)
                self._idle = False
            count = len(self._unread) if size is None or size < 0 else min(size, len(self._unread))
            taken = bytes(self._unread[:count])
            del self._unread[:count]
            return taken

    def stop_reading(self) -> None:
        with self._ready:
            self._done = True
            self._ready.notify_all()

    def idle(self) -> bool:
        """Return whether the reader has taken every byte given (and waits for more) or has stopped."""
        with self._ready:
            return self._done or (self._idle and not self._unread)

    def drained(self, timeout: float) -> None:
        """Return None once the reader waits for more bytes or has stopped, or after `timeout` seconds."""
        with self._ready:
            self._ready.wait_for(lambda: self._done or (self._idle and not self._unread), timeout)


class ContainerStream:
    """The 16 kHz mono float32 audio of a container's bytes received so far (see the module docstring)."""

    def __init__(self, name: str = "the stream", *, undecodable_bytes: int = UNDECODABLE_BYTES):
        self.name = name
        self.undecodable_bytes = undecodable_bytes
        self.given = 0  # bytes handed to the decoder
        self._pipe = _Pipe()
        self._samples = SampleBuffer()
        self._error: AudioError | None = None
        self._thread = threading.Thread(target=self._decode, name="stream-decoder", daemon=True)  # started by the first bytes

    def audio(self, data: bytes | bytearray, *, ended: bool = False) -> np.ndarray:
        """Return the audio of `data` (all the bytes received so far) once the decoder has taken them in (a container
        holds back the end of its last packet); `ended`: all of them came. Raises ApiError (400) when nothing could be
        decoded: as soon as the decoder failed, or at the end when the stream held no audio."""
        if len(data) > self.given:
            self._pipe.put(bytes(data[self.given :]))
            self.given = len(data)
            if self._thread.ident is None:
                self._thread.start()
        if not ended:
            self._pipe.drained(CATCH_UP_S)
            audio = self._samples.view()
            if self._error is not None and not len(audio):  # said at once, not after the whole stream came for nothing
                raise ApiError(400, f"The audio cannot be decoded: {self._error.user_message()}")
            if not len(audio) and self.given >= self.undecodable_bytes and self._pipe.idle():
                raise ApiError(400, f"The audio cannot be decoded: its first {self.given // 1024} KB hold no audio of "
                                    "the type the start said. Check the content-type.")
            return audio
        self._pipe.put(b"", ended=True)
        if self._thread.ident is not None:
            self._thread.join(JOIN_TIMEOUT_S)
        audio = self._samples.view()
        if self._error is not None and not len(audio):
            raise ApiError(400, f"The audio cannot be decoded: {self._error.user_message()}")
        if self._error is not None:
            log.warning("%s decoded up to %.1f s: %s", self.name, len(audio) / SAMPLE_RATE, self._error.user_message())
        if not len(audio):
            raise ApiError(400, "The audio cannot be decoded: it holds no audio samples.")
        return audio

    def close(self) -> None:
        """Return None at once; the decoder thread ends (the stream is taken as ended where it is)."""
        self._pipe.put(b"", ended=True)

    def _decode(self) -> None:
        try:
            for block in stream_blocks(self._pipe, self.name):
                self._samples.append(block)
        except AudioError as exc:
            self._error = exc
        except Exception as exc:  # noqa: BLE001 - a decoder failure must end the stream with its reason, not a thread trace
            log.exception("decoding %s failed", self.name)
            self._error = AudioError(f"{self.name} could not be decoded: {exc}.")
        finally:
            self._pipe.stop_reading()
