"""Decode any recording (an audio file or a video's sound track) into 16 kHz float32 samples with PyAV.

Input is validated once, at the edge, by `probe`; every FFmpeg failure becomes an `AudioError` subclass
whose message names the file and says what happened. Decoding streams: `iter_audio` yields fixed-size
chunks so a recording of hours never sits in memory whole; `load_audio` joins them for short files.

Damage policy (close to FFmpeg's own players): a few undecodable packets are skipped with a warning;
a long run of them, or a container that cannot be read any further, raises `CorruptAudioError`. A file
that ends early (a cut-short copy) yields the audio it holds and logs a warning, unless less than half of
its declared duration decodes: then the last step of the iteration raises `CorruptAudioError`. A WAV
takes its duration from its size, so only its header tells it was cut short: it is read for what it
holds, unless that is under a second of what the header declares (`probe` refuses it at once).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import av
import numpy as np

from core.audio.wav_header import CUT_SHORT_SLACK_MS, unsaid_ms, wav_data
from core.errors import (
    AudioError,
    AudioNotFoundError,
    CorruptAudioError,
    EmptyAudioError,
    UnsupportedAudioError,
)

SAMPLE_RATE = 16000

log = logging.getLogger(__name__)

# How many packets in a row may fail to decode before the file counts as damaged rather than glitched.
MAX_BAD_PACKETS_IN_ROW = 16
# A frame that starts later than the previous one ended by more than GAP_S follows lost packets: the
# stretch is filled with silence so later words keep their times, unless it is too long to be a loss.
GAP_S = 0.05
MAX_GAP_FILL_S = 10.0
# Below this share of the declared duration a file counts as damaged; above it, a short end is only logged.
MIN_DECODED_SHARE = 0.5
# A WAV cut short keeps what it holds (with a warning), unless that is less than this: then it is damaged, not short.
MIN_CUT_SHORT_MS = 1_000
# Packets read by `probe` while looking for the first decodable sound.
PROBE_PACKETS = 64
# Leading bytes of containers we know: a file that starts like one but cannot be opened is damaged.
_MAGIC = (b"RIFF", b"RF64", b"OggS", b"fLaC", b"ID3", b"\x1a\x45\xdf\xa3", b"FORM", b"caff", b"#!AMR", b"wvpk")


@dataclass(frozen=True)
class AudioInfo:
    """What a recording holds, as FFmpeg reports it (before any resampling)."""

    path: Path
    duration_ms: int
    channels: int
    sample_rate: int
    codec: str
    container: str
    header_ms: int | None = None  # what a WAV header declares, when it says more than the file holds
    past_header: bool = False  # a WAV whose header declares less than the file holds: read to its end


def probe(path: str | Path) -> AudioInfo:
    """Return the recording's duration, channels, rate, codec and container; raise an AudioError if unusable."""
    path = _existing_file(path)
    with _open(path) as container, _ffmpeg_errors(path):
        stream = _audio_stream(container, path)
        first = _first_frame(container, stream, path)
        wav = wav_data(path) if container.format.name == "wav" else None
        holds_ms = unsaid_ms(path, wav) if wav else None
        info = AudioInfo(
            path=path,
            duration_ms=holds_ms or _duration_ms(container, stream, path),
            channels=first.layout.nb_channels,
            sample_rate=first.sample_rate,
            codec=stream.codec_context.name,
            container=container.format.name,
            header_ms=wav.declared_ms if wav else None,
            past_header=holds_ms is not None,
        )
    if info.past_header:
        stat = path.stat()
        _say_past_header(str(path), stat.st_size, stat.st_mtime_ns, info.header_ms, info.duration_ms)
    if info.header_ms and info.duration_ms < MIN_CUT_SHORT_MS and info.duration_ms < info.header_ms * MIN_DECODED_SHARE:
        raise CorruptAudioError(f"{path.name} is cut short: only {info.duration_ms / 1000:.2f} s of the "
                                f"{info.header_ms / 1000:.1f} s its header declares are in the file.")
    return info


@lru_cache(maxsize=64)
def _say_past_header(path: str, size: int, mtime_ns: int, header_ms: int, duration_ms: int) -> None:
    """Log once per file (as it is now) what a WAV header left unsaid: import, transcription and channels all probe it."""
    log.warning("%s: its header declares %.1f s but the file holds %.1f s (a recorder that stopped without finishing it?); "
                "all of it is read.", Path(path).name, header_ms / 1000, duration_ms / 1000)


def falls_short(decoded_ms: int, declared_ms: int) -> bool:
    """Return whether a file decoded to less than the length it declares, by more than FFmpeg's estimate may be off."""
    return decoded_ms < declared_ms * 0.98 - 200


def iter_audio(path: str | Path, *, chunk_ms: int = 30_000, mono: bool = True) -> Iterator[np.ndarray]:
    """Return a generator of consecutive float32 16 kHz chunks: (n,) averaged if mono, else (channels, n)."""
    if chunk_ms <= 0:
        raise ValueError(f"chunk_ms must be positive, got {chunk_ms}")
    info = probe(path)  # validate now, so a bad file fails at the call and not at the first next()
    return _chunks(info, max(1, chunk_ms * SAMPLE_RATE // 1000), mono)


def load_audio(path: str | Path, *, mono: bool = True) -> np.ndarray:
    """Return the whole recording as float32 at 16 kHz: (n,) averaged if mono, else (channels, n)."""
    return np.concatenate(list(iter_audio(path, chunk_ms=60_000, mono=mono)), axis=-1)


def _chunks(info: AudioInfo, size: int, mono: bool) -> Iterator[np.ndarray]:
    pending: list[np.ndarray] = []
    count = total = 0
    with _ffmpeg_errors(info.path):
        for block in _resampled_blocks(info.path, past_header=info.past_header):
            pending.append(block)
            count += block.shape[1]
            while count >= size:
                joined = np.concatenate(pending, axis=1)
                pending, count = ([joined[:, size:].copy()] if count > size else []), count - size
                total += size
                yield _shaped(joined[:, :size], mono)
    if count:
        total += count
        yield _shaped(np.concatenate(pending, axis=1), mono)
    decoded_ms, declared_ms = total * 1000 // SAMPLE_RATE, info.duration_ms
    if total == 0:
        raise EmptyAudioError(f"{info.path.name} holds no audio samples.")
    if decoded_ms < declared_ms * MIN_DECODED_SHARE:
        raise CorruptAudioError(f"{info.path.name} is damaged or cut short: only {decoded_ms / 1000:.1f} s "
                                f"of its {declared_ms / 1000:.1f} s decode.")
    if falls_short(decoded_ms, declared_ms):
        log.warning("%s ends after %d of %d ms; the file may be truncated.", info.path.name, decoded_ms, declared_ms)
    elif info.header_ms and decoded_ms < info.header_ms - CUT_SHORT_SLACK_MS:  # FFmpeg takes a WAV's length from its size
        log.warning("%s ends after %d of the %d ms its header declares; the file may be truncated (a copy cut short?).",
                    info.path.name, decoded_ms, info.header_ms)


def _shaped(chunk: np.ndarray, mono: bool) -> np.ndarray:
    """Return a (channels, n) chunk as its own contiguous array, averaged to (n,) when mono."""
    if not mono:
        return np.ascontiguousarray(chunk)
    return chunk[0].copy() if chunk.shape[0] == 1 else chunk.mean(axis=0, dtype=np.float32)


def stream_blocks(source, name: str, *, mono: bool = True) -> Iterator[np.ndarray]:
    """Yield float32 blocks at 16 kHz, (k,) averaged if mono, else (channels, k), decoded from `source`, a file object
    read as its bytes arrive (a live stream: only `read` is called, and a WAV is read to the stream's end whatever its
    header declares).

    `name` stands for the stream in error messages; failures raise AudioError subclasses, as for files.
    """
    with _ffmpeg_errors(Path(name)):
        for block in _resampled_blocks(Path(name), stream=source):
            yield _shaped(block, mono)


def _resampled_blocks(path: Path, *, past_header: bool = False, stream=None) -> Iterator[np.ndarray]:
    """Yield (channels, k) float32 blocks at 16 kHz in the first frame's layout, with lost stretches silenced
    (from the file at `path`, or from the file object `stream`, which `path` then only names)."""
    resampler = layout = source = expected = None
    with _open(path, past_header=past_header) if stream is None else _open_stream(stream, path) as container:
        stream = _audio_stream(container, path)
        tick = float(stream.time_base or 0)
        for frame in _decoded_frames(container, stream, path):
            start = frame.pts * tick if frame.pts is not None and tick else None
            gap = start - expected if start is not None and expected is not None else 0.0
            shape = (frame.format.name, frame.layout.name, frame.sample_rate)
            if shape != source or gap > GAP_S:  # the first frame, lost packets, or a new rate or layout
                if resampler is not None:
                    yield from map(_planes, resampler.resample(None))
                if gap > GAP_S:
                    yield from _silence(path, gap, layout.nb_channels)
                layout, source = layout or frame.layout, shape
                resampler = av.AudioResampler(format="fltp", layout=layout, rate=SAMPLE_RATE)
            yield from map(_planes, resampler.resample(frame))
            expected = start + frame.samples / frame.sample_rate if start is not None else None
        if resampler is not None:
            yield from map(_planes, resampler.resample(None))


def _silence(path: Path, seconds: float, channels: int) -> Iterator[np.ndarray]:
    """Yield the silence that keeps later audio on the recording's clock after packets were lost."""
    if seconds > MAX_GAP_FILL_S:  # a timestamp jump (e.g. joined recordings), not lost audio
        log.warning("%s: timestamps jump by %.1f s; the audio after it is joined without a pause.", path.name, seconds)
        return
    log.info("%s: %.0f ms of audio are missing; filled with silence.", path.name, seconds * 1000)
    yield np.zeros((channels, round(seconds * SAMPLE_RATE)), dtype=np.float32)


def _planes(frame: av.AudioFrame) -> np.ndarray:
    """Return a planar float frame as a (channels, samples) array (a view when it has one channel)."""
    count = frame.samples
    planes = [np.frombuffer(plane, dtype=np.float32, count=count) for plane in frame.planes]
    return planes[0][np.newaxis] if len(planes) == 1 else np.stack(planes)


def _decoded_frames(container, stream, path: Path) -> Iterator[av.AudioFrame]:
    """Yield decoded frames, skipping isolated bad packets and raising CorruptAudioError on real damage."""
    bad_in_row = bad_total = 0
    last = None
    packets = container.demux(stream)
    while True:
        try:
            packet = next(packets)
        except StopIteration:
            break
        except av.error.FFmpegError as exc:
            raise CorruptAudioError(f"{path.name} cannot be read past {_at(last)}: {_reason(exc)}.") from exc
        try:
            frames = packet.decode()
        except av.error.FFmpegError as exc:
            bad_in_row, bad_total = bad_in_row + 1, bad_total + 1
            if bad_in_row > MAX_BAD_PACKETS_IN_ROW:
                raise CorruptAudioError(f"{path.name} is damaged at {_at(last)}: {_reason(exc)}.") from exc
            continue
        bad_in_row = 0
        for last in frames:
            yield last
    if bad_total:
        log.warning("%s: skipped %d undecodable packet(s); the audio may have short gaps.", path.name, bad_total)


def _at(frame: av.AudioFrame | None) -> str:
    """Return where a frame sits in its recording, in seconds, for an error message."""
    if frame is None or frame.pts is None or frame.time_base is None:
        return "the start" if frame is None else "an unknown position"
    return f"{float(frame.pts * frame.time_base):.1f} s"


def _existing_file(path: str | Path) -> Path:
    path = Path(path).expanduser()
    if not path.exists():
        raise AudioNotFoundError(f"{path} does not exist.")
    if path.is_dir():
        raise AudioNotFoundError(f"{path} is a directory, not a recording.", hint="Choose an audio or video file.")
    if not path.is_file():  # a pipe or a device: it is read twice (probed, then decoded), and has no size to check
        raise UnsupportedAudioError(f"{path} is not a file but a pipe or device.", hint="Save the recording to a file and choose that.")
    if path.stat().st_size == 0:
        raise EmptyAudioError(f"{path.name} is empty (0 bytes).")
    return path


def _open(path: Path, *, past_header: bool = False):
    """Return an open PyAV input container, or raise the AudioError that says why it cannot be opened.

    `past_header` reads a WAV to the end of the file whatever its header declares (FFmpeg's ignore_length).
    """
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore", options={"ignore_length": "1"} if past_header else None)
    except FileNotFoundError as exc:
        raise AudioNotFoundError(f"{path} does not exist.") from exc
    except PermissionError as exc:
        raise AudioError(f"{path.name} cannot be read: permission denied.",
                         hint="Check the file's permissions.") from exc
    except av.error.FFmpegError as exc:
        if _looks_like_media(path):
            message = f"{path.name} looks like a recording but cannot be opened: {_reason(exc)}."
            raise CorruptAudioError(message) from exc
        if _looks_like_text(path):  # a short one FFmpeg does not take for ANSI art (as it does longer ones: "tty")
            raise UnsupportedAudioError(f"{path.name} is a text file, not a recording.") from exc
        message = f"{path.name} is not an audio or video file FFmpeg can read: {_reason(exc)}."
        raise UnsupportedAudioError(message) from exc


def _open_stream(stream, path: Path):
    """Return an input container reading the file object `stream` (never seeked), or raise the AudioError that says why."""
    try:
        return av.open(stream, mode="r", metadata_errors="ignore", options={"ignore_length": "1"})
    except av.error.FFmpegError as exc:
        raise UnsupportedAudioError(f"{path.name} is not audio FFmpeg can read: {_reason(exc)}.") from exc


def _audio_stream(container, path: Path):
    if container.format.name == "tty":  # FFmpeg reads a text file (.txt, .nfo, ...) as ANSI art: a video
        raise UnsupportedAudioError(f"{path.name} is a text file, not a recording.")
    if not container.streams.audio:
        kinds = sorted({s.type for s in container.streams})
        holds = f"only {', '.join(kinds)} streams" if kinds else "no streams"
        raise UnsupportedAudioError(f"{path.name} has no sound: it holds {holds}.")
    stream = container.streams.best("audio") or container.streams.audio[0]
    if stream.codec_context is None:
        raise UnsupportedAudioError(f"{path.name} holds audio in a codec FFmpeg has no decoder for.")
    return stream


def _first_frame(container, stream, path: Path) -> av.AudioFrame:
    """Return the first decoded frame, proving the stream really decodes."""
    failure = None
    for index, packet in enumerate(container.demux(stream)):  # a demuxing error is left to _ffmpeg_errors
        if index >= PROBE_PACKETS:
            break
        try:
            for frame in packet.decode():
                if frame.samples:
                    return frame
        except av.error.FFmpegError as exc:
            failure = exc
    if failure is not None:
        raise CorruptAudioError(f"{path.name} holds audio that does not decode: {_reason(failure)}.") from failure
    if stream.duration or container.duration:
        raise CorruptAudioError(f"{path.name} declares audio but none of it can be read.")
    raise EmptyAudioError(f"{path.name} holds no audio samples.")


def _duration_ms(container, stream, path: Path) -> int:
    if stream.duration and stream.time_base:
        return int(stream.duration * stream.time_base * 1000)
    if container.duration:
        return container.duration // 1000  # AV_TIME_BASE is microseconds
    last = 0  # no header says it (e.g. a streamed WebM): read the packet times, without decoding
    with _open(path) as again:
        try:
            for packet in again.demux(again.streams[stream.index]):
                if packet.pts is not None and packet.time_base is not None:
                    last = max(last, int((packet.pts + (packet.duration or 0)) * packet.time_base * 1000))
        except av.error.FFmpegError as exc:  # damage shows when decoding; the duration is only a promise
            log.info("%s: stopped reading packet times: %s", path.name, _reason(exc))
    return last


@contextmanager
def _ffmpeg_errors(path: Path) -> Iterator[None]:
    """Turn any FFmpeg error not already explained into a CorruptAudioError naming the file."""
    try:
        yield
    except av.error.FFmpegError as exc:
        raise CorruptAudioError(f"{path.name} could not be decoded: {_reason(exc)}.") from exc


def _reason(exc: BaseException) -> str:
    """Return FFmpeg's short reason for an error, without errno or file noise."""
    return (getattr(exc, "strerror", None) or str(exc)).rstrip(".")


def _looks_like_text(path: Path) -> bool:
    """Return whether a file's first 4 KB read as UTF-8 text (no NUL byte, no control characters but layout ones)."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:  # a character cut at the 4 KB mark is still text
        if exc.start < len(head) - 3:
            return False
        text = head[:exc.start].decode("utf-8")
    return bool(text.strip()) and all(ch.isprintable() or ch in "\n\r\t\f" for ch in text)


def _looks_like_media(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(12)
    mpeg_sync = len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0  # MP3 / ADTS frame header
    return head.startswith(_MAGIC) or head[4:8] == b"ftyp" or mpeg_sync
