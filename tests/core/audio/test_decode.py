"""Decoding real recordings in every supported container into 16 kHz float32, checked against the source."""

from __future__ import annotations

import dataclasses
import inspect
import time

import numpy as np
import pytest

from core.audio.decode import SAMPLE_RATE, AudioInfo, iter_audio, load_audio, probe
from core.errors import AudioNotFoundError
from helpers import audiofiles as af

SECONDS = 30
TOLERANCE_MS = 50  # codec padding and priming; 50 ms is 800 samples
LOSSLESS = {"flac", "alac", "pcm8k", "pcm44k", "pcm48k"}
# name -> (decoder FFmpeg reports, a name in FFmpeg's demuxer list)
EXPECTED = {
    "mp3": ("mp3float", "mp3"),
    "opus": ("opus", "ogg"),
    "vorbis": ("vorbis", "ogg"),
    "flac": ("flac", "flac"),
    "aac": ("aac", "m4a"),
    "alac": ("alac", "m4a"),
    "pcm8k": ("pcm_s16le", "wav"),
    "pcm44k": ("pcm_s16le", "wav"),
    "pcm48k": ("pcm_s16le", "wav"),
    "mp4": ("aac", "mp4"),
    "mkv": ("opus", "matroska"),
    "webm": ("opus", "webm"),
}


def _matches(decoded: np.ndarray, reference: np.ndarray, minimum: float) -> None:
    corr, lag = af.best_correlation(decoded, reference, max_lag=SAMPLE_RATE // 20)
    assert corr > minimum, f"correlation with the source only {corr:.4f}"
    assert abs(lag) <= SAMPLE_RATE // 200, f"decoded audio is shifted by {lag} samples"


@pytest.mark.parametrize("name", list(af.ENCODINGS))
def test_audio_formats_decode_to_16k_float32_matching_the_source(encoded, reference, name):
    _, _, _, rate, channels = af.ENCODINGS[name]
    path = encoded(name)

    info = probe(path)
    samples = load_audio(path, mono=False)

    decoder, container = EXPECTED[name]
    assert (info.codec, info.sample_rate, info.channels) == (decoder, rate, channels)
    assert container in info.container.split(",")
    assert abs(info.duration_ms - SECONDS * 1000) <= TOLERANCE_MS
    assert samples.dtype == np.float32 and samples.shape[0] == channels
    assert abs(samples.shape[1] - SECONDS * SAMPLE_RATE) <= TOLERANCE_MS * SAMPLE_RATE // 1000
    _matches(samples[0], reference, 0.999 if name in LOSSLESS else 0.99)


@pytest.mark.parametrize("name", list(af.VIDEOS))
def test_the_sound_track_of_a_video_is_decoded(encoded, reference, name):
    path = encoded(name)

    info = probe(path)
    samples = load_audio(path)

    decoder, container = EXPECTED[name]
    assert info.codec == decoder and container in info.container.split(",")
    assert abs(info.duration_ms - SECONDS * 1000) <= TOLERANCE_MS
    assert samples.dtype == np.float32 and samples.ndim == 1
    assert abs(samples.size - SECONDS * SAMPLE_RATE) <= TOLERANCE_MS * SAMPLE_RATE // 1000
    _matches(samples, reference, 0.99)


@pytest.mark.parametrize(("codec", "rate", "container", "suffix"),
                         [("flac", 44100, "flac", ".flac"), ("libopus", 48000, "ogg", ".opus")])
def test_stereo_keeps_each_channel_in_order_and_mono_is_their_average(tmp_path, sample_wav, reference,
                                                                      codec, rate, container, suffix):
    # channel 1 holds the sample delayed by one second: same voice, different content at every instant
    path = af.make_encoded(sample_wav, tmp_path / f"stereo{suffix}", codec, rate, 2, container)
    delayed = np.roll(reference, SAMPLE_RATE)

    stereo = load_audio(path, mono=False)
    mono = load_audio(path)

    assert stereo.shape[0] == 2 and stereo.dtype == np.float32
    _matches(stereo[0], reference, 0.99)
    _matches(stereo[1], delayed, 0.99)
    crossed, _ = af.best_correlation(stereo[0], delayed, max_lag=SAMPLE_RATE // 20)
    assert crossed < 0.2
    assert mono.shape == (stereo.shape[1],)
    np.testing.assert_allclose(mono, stereo.mean(axis=0), atol=1e-6)


def test_six_channels_are_all_kept_in_order(tmp_path, reference):
    layers = np.stack([np.roll(reference, SAMPLE_RATE * k) for k in range(6)])
    path = af.encode(layers, SAMPLE_RATE, tmp_path / "six.flac", codec="flac", out_rate=48000)

    info = probe(path)
    decoded = load_audio(path, mono=False)

    assert info.channels == 6 and decoded.shape[0] == 6
    for k in range(6):
        scores = [af.best_correlation(decoded[k], layer, max_lag=0)[0] for layer in layers]
        assert int(np.argmax(scores)) == k and scores[k] > 0.999


def test_an_8k_recording_keeps_the_low_band_and_gains_nothing_above_4k(tmp_path, reference):
    # sample.wav holds almost nothing above 4 kHz, so add high-band noise that an 8 kHz file must lose
    rng = np.random.default_rng(7)
    noise = af.lowpass(rng.standard_normal(reference.size).astype(np.float32), SAMPLE_RATE, 8000)
    noise -= af.lowpass(noise, SAMPLE_RATE, 4500)
    wideband = reference + 0.5 * np.std(reference) / np.std(noise) * noise
    path = af.encode(wideband, SAMPLE_RATE, tmp_path / "phone.wav", codec="pcm_s16le", out_rate=8000)

    info = probe(path)
    decoded = load_audio(path)

    assert info.sample_rate == 8000
    assert decoded.size == SECONDS * SAMPLE_RATE
    assert af.band_energy_share(wideband, SAMPLE_RATE, 4200, 8000) > 0.15
    assert af.band_energy_share(decoded, SAMPLE_RATE, 4200, 8000) < 0.001
    _matches(decoded, af.lowpass(wideband, SAMPLE_RATE, 3800), 0.99)
    whole, _ = af.best_correlation(decoded, wideband, max_lag=0)
    assert whole < 0.95  # it really lost the high band, it is not a copy of the 16 kHz original


def test_iter_audio_yields_fixed_chunks_that_join_into_load_audio(encoded):
    path = encoded("vorbis")  # stereo
    whole = load_audio(path, mono=False)

    stereo_chunks = list(iter_audio(path, chunk_ms=7_000, mono=False))
    mono_chunks = list(iter_audio(path, chunk_ms=7_000))

    step = 7 * SAMPLE_RATE
    assert [c.shape for c in stereo_chunks[:-1]] == [(2, step)] * 4
    assert stereo_chunks[-1].shape == (2, whole.shape[1] - 4 * step)
    assert all(c.dtype == np.float32 and c.flags.c_contiguous for c in stereo_chunks)
    np.testing.assert_array_equal(np.concatenate(stereo_chunks, axis=1), whole)
    assert [c.shape for c in mono_chunks[:-1]] == [(step,)] * 4
    np.testing.assert_allclose(np.concatenate(mono_chunks), whole.mean(axis=0), atol=1e-6)


def test_iter_audio_is_a_generator_that_validates_at_the_call(encoded, tmp_path):
    assert inspect.isgenerator(iter_audio(str(encoded("flac"))))
    with pytest.raises(ValueError):
        iter_audio(encoded("flac"), chunk_ms=0)
    with pytest.raises(AudioNotFoundError):
        iter_audio(tmp_path / "missing.flac")  # raised before the first next()


def test_probe_describes_without_decoding_everything(encoded):
    path = encoded("opus")

    info = probe(str(path))

    assert isinstance(info, AudioInfo) and info.path == path
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.duration_ms = 0  # type: ignore[misc]


def test_a_30_second_mp3_decodes_far_faster_than_real_time(encoded):
    path = encoded("mp3")
    load_audio(path)  # warm the codec tables

    started = time.perf_counter()
    samples = load_audio(path)
    elapsed = time.perf_counter() - started

    assert samples.size >= 29 * SAMPLE_RATE
    assert elapsed < 3.0, f"30 s of MP3 took {elapsed:.2f} s to decode"
