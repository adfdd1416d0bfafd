"""Build real test recordings with PyAV: encoded audio, videos with and without sound, damaged files.

Plain functions so any test can `from helpers.audiofiles import ...`. The reference signal is read with
the standard `wave` module, never with Parley's own decoder, so comparisons are independent of it.
"""

from __future__ import annotations

import importlib.util
import struct
import wave
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

# Containers and codecs exercised by the decoder tests:
# name -> (suffix, container format, codec, rate, channels). FFmpeg's own Vorbis encoder is stereo only.
ENCODINGS = {
    "mp3": (".mp3", "mp3", "libmp3lame", 44100, 1),
    "opus": (".opus", "ogg", "libopus", 48000, 1),
    "vorbis": (".ogg", "ogg", "vorbis", 44100, 2),
    "flac": (".flac", "flac", "flac", 48000, 1),
    "aac": (".m4a", "ipod", "aac", 44100, 1),
    "alac": (".m4a", "ipod", "alac", 22050, 1),
    "pcm8k": (".wav", "wav", "pcm_s16le", 8000, 1),
    "pcm44k": (".wav", "wav", "pcm_s16le", 44100, 1),
    "pcm48k": (".wav", "wav", "pcm_s16le", 48000, 1),
}

# Video containers: name -> (suffix, container format, video codec, audio codec).
VIDEOS = {
    "mp4": (".mp4", "mp4", "mpeg4", "aac"),
    "mkv": (".mkv", "matroska", "mpeg4", "libopus"),
    "webm": (".webm", "webm", "libvpx", "libopus"),
}


def sample_wav() -> Path:
    """Return pyannote's 30 s, 16 kHz, two-speaker reference recording (found without importing torch)."""
    spec = importlib.util.find_spec("pyannote.audio")
    if spec is None or spec.origin is None:
        raise FileNotFoundError("pyannote.audio is not installed")
    return Path(spec.origin).parent / "sample" / "sample.wav"


def can_encode(codec: str) -> bool:
    """Return True when the bundled FFmpeg has an encoder called `codec`."""
    try:
        av.codec.Codec(codec, "w")
    except (av.codec.codec.UnknownCodecError, ValueError):
        return False
    return True


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Return a 16-bit PCM WAV as float32 (channels, n) in [-1, 1] and its sample rate."""
    with wave.open(str(path), "rb") as reader:
        channels, rate = reader.getnchannels(), reader.getframerate()
        raw = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")
    return (raw.reshape(-1, channels).T / 32768.0).astype(np.float32), rate


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """Write float samples (n,) or (channels, n) as a 16-bit PCM WAV and return its path."""
    samples = np.atleast_2d(samples)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2").T.tobytes()
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(samples.shape[0])
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes(pcm)
    return path


def _audio_frames(samples: np.ndarray, rate: int, seconds: float = 1.0):
    """Yield fltp AudioFrames of `seconds` each holding float samples (channels, n)."""
    samples = np.ascontiguousarray(np.atleast_2d(samples), dtype=np.float32)
    layout = {1: "mono", 2: "stereo"}.get(samples.shape[0], f"{samples.shape[0]}c")
    step = int(rate * seconds)
    for start in range(0, samples.shape[1], step):
        frame = av.AudioFrame.from_ndarray(samples[:, start : start + step], format="fltp", layout=layout)
        frame.sample_rate = rate
        frame.pts = start
        frame.time_base = Fraction(1, rate)
        yield frame


def _add_audio_stream(container, codec: str, rate: int, channels: int):
    layout = {1: "mono", 2: "stereo"}.get(channels, f"{channels}c")
    stream = container.add_stream(codec, rate=rate, layout=layout)
    if codec == "vorbis":  # FFmpeg's own Vorbis encoder is marked experimental
        stream.codec_context.options = {"strict": "experimental"}
    return stream


def encode(samples: np.ndarray, rate: int, dst: Path, *, codec: str, out_rate: int | None = None,
           container_format: str | None = None) -> Path:
    """Encode float samples (n,) or (channels, n) at `rate` into `dst` with `codec`, resampled to `out_rate`."""
    samples = np.atleast_2d(samples)
    with av.open(str(dst), "w", format=container_format) as out:
        stream = _add_audio_stream(out, codec, out_rate or rate, samples.shape[0])
        for frame in _audio_frames(samples, rate):
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return dst


def make_encoded(src_wav: Path, dst: Path, codec: str, rate: int | None = None, channels: int = 1,
                 container_format: str | None = None) -> Path:
    """Encode a WAV into `dst` with `codec` at `rate`; extra channels repeat the source, delayed 1 s each."""
    samples, src_rate = read_wav(src_wav)
    mono = samples[0]
    layers = [np.roll(mono, src_rate * k) for k in range(channels)]
    return encode(np.stack(layers), src_rate, dst, codec=codec, out_rate=rate, container_format=container_format)


def make_video(dst: Path, *, audio_src: Path | None, video_codec: str = "mpeg4", audio_codec: str = "aac",
               container_format: str | None = None, seconds: float = 30.0, fps: int = 5) -> Path:
    """Write a small video (moving gray frames) with the WAV's sound as second stream, or silent when None."""
    with av.open(str(dst), "w", format=container_format) as out:
        video = out.add_stream(video_codec, rate=fps)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio_frames = iter(())
        if audio_src is not None:
            samples, rate = read_wav(audio_src)
            seconds = samples.shape[1] / rate
            audio = _add_audio_stream(out, audio_codec, 48000 if "opus" in audio_codec else rate, samples.shape[0])
            audio_frames = _audio_frames(samples, rate)
        for second in range(int(np.ceil(seconds))):
            for i in range(fps):  # interleave one second of pictures with one second of sound
                shade = np.full((48, 64, 3), (second * fps + i) % 256, dtype=np.uint8)
                picture = av.VideoFrame.from_ndarray(shade, format="rgb24")
                picture.pts = second * fps + i
                out.mux(video.encode(picture))
            frame = next(audio_frames, None)
            if frame is not None:
                out.mux(audio.encode(frame))
        out.mux(video.encode(None))
        if audio_src is not None:
            out.mux(audio.encode(None))
    return dst


def write_long_wav(dst: Path, seconds: int, src_wav: Path, rate: int = 16000) -> Path:
    """Write a long mono 16-bit WAV by repeating a 16 kHz source block by block (never all in memory)."""
    block, src_rate = read_wav(src_wav)
    assert src_rate == rate, "the source must already be at the target rate"
    pcm = (block[0] * 32767).astype("<i2")
    total = seconds * rate
    with wave.open(str(dst), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        written = 0
        while written < total:
            piece = pcm[: total - written]
            writer.writeframes(piece.tobytes())
            written += piece.size
    return dst


def truncate(src: Path, dst: Path, fraction: float) -> Path:
    """Copy the first `fraction` of a file's bytes to `dst` (a download or copy cut short)."""
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def overwrite_with_noise(src: Path, dst: Path, *, start: int, length: int | None = None, seed: int = 0) -> Path:
    """Copy a file with `length` bytes from `start` (default: all the rest) replaced by random bytes."""
    data = src.read_bytes()
    end = len(data) if length is None else min(len(data), start + length)
    noise = np.random.default_rng(seed).integers(0, 256, end - start, dtype=np.uint8).tobytes()
    dst.write_bytes(data[:start] + noise + data[end:])
    return dst


def wav_with_stale_header(src_wav: Path, dst: Path, declared_seconds: float) -> Path:
    """Copy a WAV whose header declares only its first `declared_seconds`, as a recorder that last updated it then and died leaves it."""
    data = bytearray(src_wav.read_bytes())
    chunk = data.index(b"data", 12)
    rate, block = struct.unpack("<I", data[24:28])[0], struct.unpack("<H", data[32:34])[0]
    size = int(declared_seconds * rate) * block
    data[4:8] = struct.pack("<I", chunk + 8 + size - 8)
    data[chunk + 4 : chunk + 8] = struct.pack("<I", size)
    dst.write_bytes(bytes(data))
    return dst


def wav_with_unfinished_header(src_wav: Path, dst: Path) -> Path:
    """Copy a WAV with the RIFF and data sizes left at 0, as a recorder that crashed before closing leaves it."""
    data = bytearray(src_wav.read_bytes())
    chunk = data.index(b"data", 12)
    data[4:8] = struct.pack("<I", 0)
    data[chunk + 4 : chunk + 8] = struct.pack("<I", 0)
    dst.write_bytes(bytes(data))
    return dst


def wav_with_unknown_codec(dst: Path, seconds: float = 1.0, rate: int = 16000) -> Path:
    """Write a well-formed WAV whose format tag (0x5A5A) names a codec no FFmpeg knows."""
    payload = bytes(int(seconds * rate) * 2)
    fmt = struct.pack("<HHIIHH", 0x5A5A, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(payload)) + payload
    dst.write_bytes(b"RIFF" + struct.pack("<I", len(body)) + body)
    return dst


def lowpass(samples: np.ndarray, rate: int, cutoff_hz: float) -> np.ndarray:
    """Return the samples with everything above `cutoff_hz` removed (an ideal FFT brick-wall filter)."""
    spectrum = np.fft.rfft(samples)
    spectrum[np.fft.rfftfreq(samples.size, 1 / rate) > cutoff_hz] = 0
    return np.fft.irfft(spectrum, samples.size).astype(np.float32)


def band_energy_share(samples: np.ndarray, rate: int, low_hz: float, high_hz: float) -> float:
    """Return the share of the signal's energy that lies between `low_hz` and `high_hz`."""
    power = np.abs(np.fft.rfft(samples)) ** 2
    freqs = np.fft.rfftfreq(samples.size, 1 / rate)
    return float(power[(freqs >= low_hz) & (freqs < high_hz)].sum() / power.sum())


def best_correlation(decoded: np.ndarray, reference: np.ndarray, max_lag: int) -> tuple[float, int]:
    """Return the highest normalised correlation of two signals within +-max_lag samples, and that lag."""
    n = min(decoded.size, reference.size)
    a = decoded[:n].astype(np.float64) - decoded[:n].mean()
    b = reference[:n].astype(np.float64) - reference[:n].mean()
    if max_lag == 0:
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))), 0
    size = 1 << (2 * n - 1).bit_length()
    cross = np.fft.irfft(np.fft.rfft(a, size) * np.conj(np.fft.rfft(b, size)), size)
    window = np.concatenate([cross[-max_lag:], cross[: max_lag + 1]])
    best = int(np.argmax(window))
    return float(window[best] / (np.linalg.norm(a) * np.linalg.norm(b))), best - max_lag
