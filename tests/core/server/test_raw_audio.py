"""Raw samples described by their media type alone (core.server.raw_audio): 16-bit PCM of either byte order, G.711."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.audiofiles import read_wav

from core.server.errors import ApiError
from core.server.raw_audio import _ALAW, _MULAW, RawFormat, raw_format


def g711(samples: np.ndarray, table: np.ndarray) -> bytes:
    """Return samples encoded with a G.711 decoding table: each the code of the nearest value."""
    order = np.argsort(table)
    ranked = table[order]
    right = np.clip(np.searchsorted(ranked, samples), 1, 255)
    nearer = np.where(np.abs(ranked[right - 1] - samples) <= np.abs(ranked[right] - samples), right - 1, right)
    return order[nearer].astype(np.uint8).tobytes()


@pytest.fixture(scope="module")
def speech(sample_wav) -> np.ndarray:
    samples, rate = read_wav(sample_wav)
    return samples[0, 6 * rate : 16 * rate]  # ten seconds of the two voices


@pytest.mark.parametrize("order", ["<i2", ">i2"])
def test_the_byte_order_of_speech_is_told_from_the_audio(speech, order):
    data = (speech * 32767).astype(order).tobytes()
    told = raw_format("audio/l16;rate=16000").settled(data)
    assert told.encoding == order
    assert np.abs(told.samples(data)[:, 0] - speech).max() < 1e-4
    said = "big-endian" if order == ">i2" else "little-endian"
    assert raw_format(f"audio/l16;rate=16000;endianness={said}").encoding == order  # said: taken as said


def test_silence_is_read_little_endian():
    assert raw_format("audio/l16;rate=8000").settled(bytes(16000)).encoding == "<i2"


@pytest.mark.parametrize("media, table", [("audio/mulaw;rate=8000", _MULAW), ("audio/alaw;rate=8000", _ALAW), ("audio/basic", _MULAW)])
def test_g711_decodes_to_the_speech_within_its_quantisation(speech, media, table):
    raw = raw_format(media)
    assert (raw.rate, raw.channels, raw.frame_bytes) == (8000, 1, 1)
    decoded = raw.samples(g711(speech, table))[:, 0]
    error = decoded - speech
    assert 10 * np.log10(np.mean(speech**2) / np.mean(error**2)) > 30  # G.711's signal-to-noise: ~38 dB on speech


def test_not_raw_or_badly_described():
    assert raw_format("audio/wav") is None and raw_format(None) is None
    with pytest.raises(ApiError, match="needs its sample rate"):
        raw_format("audio/mulaw")
    with pytest.raises(ApiError, match="channels 1 to 16"):
        raw_format("audio/l16;rate=16000;channels=0")
    assert RawFormat(16000, 3, "<i2").samples(bytes(6 * 10 + 5)).shape == (10, 3)  # whole frames only


def test_the_byte_order_waits_for_sound_after_silence_and_faint_noise(speech):
    """A big-endian stream that starts with silence and faint hiss is told from the speech that follows."""
    from core.server.pcm_stream import PcmStream

    hiss = np.random.default_rng(0).normal(0, 20 / 32768, 16_000).astype(np.float32)
    audio = np.concatenate([np.zeros(16_000, np.float32), hiss, speech])
    data = (audio * 32767).astype(">i2").tobytes()
    raw = raw_format("audio/l16;rate=16000")
    assert raw.settled(data[: 64_000], final=False).encoding is None  # two seconds of silence and hiss tell nothing
    assert raw.settled(data).encoding == ">i2"
    stream, received = PcmStream(raw), bytearray()
    received.extend(data[:64_000])
    assert len(stream.audio(received)) == 0  # held back until the order is known
    received.extend(data[64_000:])
    heard = stream.audio(received, ended=True)
    assert np.abs(heard - audio).max() < 1e-3  # all of it, silence included, read the right way
