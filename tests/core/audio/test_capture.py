"""Audio sources: device listing and errors on a machine without a sound card, the microphone callback, file playback."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import sounddevice as sd

from core.audio.capture import (
    DEVICE_LOST,
    END_OF_STREAM,
    INPUT_OVERFLOW,
    BlockResampler,
    FileSource,
    MicrophoneSource,
    default_input_device,
    find_input_device,
    list_input_devices,
)
from core.errors import AudioNotFoundError, DeviceError
from helpers import audiofiles as af

OVERFLOW = sd.CallbackFlags(2)  # paInputOverflow
NO_FLAGS = sd.CallbackFlags()


def _sine(rate: int, seconds: float, hz: float = 440.0, channels: int = 1) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    wave = (0.5 * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.repeat(wave[:, None], channels, axis=1)


def _dominant_hz(samples: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[np.argmax(spectrum)])


no_sound_card = pytest.mark.skipif(bool(sd.query_devices()), reason="this machine has a sound card")


def test_input_devices_are_listed_with_names_channels_rates_and_the_default():
    devices = list_input_devices()
    assert isinstance(devices, list)
    assert sum(d.is_default for d in devices) <= 1
    for device in devices:
        assert device.name and device.channels > 0 and device.default_sample_rate > 0


@no_sound_card
def test_without_a_sound_card_the_list_is_empty_and_choosing_a_microphone_says_why():
    assert list_input_devices() == []
    for attempt in (default_input_device, lambda: find_input_device(3), lambda: find_input_device("USB")):
        with pytest.raises(DeviceError) as caught:
            attempt()
        assert "no input devices" in str(caught.value)
        assert "microphone" in caught.value.user_message().lower()


@no_sound_card
def test_starting_the_microphone_without_a_device_raises_a_device_error_not_a_portaudio_one():
    source = MicrophoneSource()
    with pytest.raises(DeviceError, match="There is no microphone"):
        source.start(lambda block: None, lambda status: None)
    source.stop()  # safe after a failed start


@no_sound_card
def test_a_microphone_plugged_in_later_is_listed_after_a_rescan_which_never_ends_an_open_stream(sound_inputs):
    sound_inputs.plug("parley_desk_mic")
    assert list_input_devices() == []  # PortAudio still has the list it made when it started
    found = list_input_devices(rescan=True)
    assert [d.name for d in found] == ["parley_desk_mic"] and found[0].is_default

    received = []
    source = MicrophoneSource("desk")  # part of a name finds the device
    source.start(lambda block: received.append(len(block)), lambda status: None)
    try:
        sound_inputs.unplug()
        assert [d.name for d in list_input_devices(rescan=True)] == ["parley_desk_mic"]  # not while it records
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.01)
        assert source._stream.active and received  # the stream went on delivering audio
    finally:
        source.stop()
    assert list_input_devices(rescan=True) == []  # closed: the next look finds the device gone


def test_the_microphone_callback_converts_48k_stereo_to_16k_mono_and_reports_overflow():
    blocks, statuses = [], []
    source = MicrophoneSource()
    source.attach(blocks.append, statuses.append, 48_000)
    stereo = _sine(48_000, 1.0, channels=2)
    for at in range(0, len(stereo), 4800):  # ten 100 ms device blocks, the fourth one flagged
        source._callback(stereo[at:at + 4800], 4800, None, OVERFLOW if at == 3 * 4800 else NO_FLAGS)
    audio = np.concatenate(blocks)
    assert abs(len(audio) - 16_000) <= 32  # the resampler may hold back a few samples
    assert all(b.dtype == np.float32 and b.ndim == 1 for b in blocks)
    assert abs(_dominant_hz(audio[400:], 16_000) - 440) < 5
    assert abs(np.max(np.abs(audio[400:])) - 0.5) < 0.02
    assert [s.code for s in statuses] == [INPUT_OVERFLOW]
    assert not statuses[0].fatal and source.overflows == 1


def test_the_microphone_callback_drops_blocks_while_paused_and_never_raises():
    blocks, statuses = [], []
    source = MicrophoneSource()
    source.attach(blocks.append, statuses.append, 16_000)
    block = _sine(16_000, 0.1)
    source.pause()
    source._callback(block, 1600, None, NO_FLAGS)
    assert blocks == [] and source.paused
    source.resume()
    source._callback(block, 1600, None, NO_FLAGS)
    assert len(blocks) == 1 and np.allclose(blocks[0], block[:, 0])

    def broken(_block):
        raise RuntimeError("listener bug")

    source.attach(broken, statuses.append, 16_000)
    source._callback(block, 1600, None, OVERFLOW)  # must not raise into PortAudio's thread
    assert [s.code for s in statuses] == [INPUT_OVERFLOW]


def test_a_stream_that_ends_by_itself_is_reported_as_a_lost_device_once():
    statuses = []
    source = MicrophoneSource()
    source.attach(lambda block: None, statuses.append, 16_000)
    source._finished()
    source._finished()
    assert [(s.code, s.fatal) for s in statuses] == [(DEVICE_LOST, True)]
    stopped = MicrophoneSource()
    stopped.attach(lambda block: None, statuses.append, 16_000)
    stopped.stop()
    stopped._finished()  # closing it ourselves is not a loss
    assert len(statuses) == 1


def test_the_resampler_keeps_its_state_across_blocks():
    resample = BlockResampler(44_100)
    tone = _sine(44_100, 2.0, hz=1000)[:, 0]
    out = np.concatenate([resample(tone[at:at + 4410]) for at in range(0, len(tone), 4410)])
    assert abs(len(out) - 32_000) <= 64
    body = out[1000:-1000]
    assert abs(_dominant_hz(body, 16_000) - 1000) < 5
    # no clicks at block joins: the signal stays a clean sine (energy outside 900-1100 Hz tiny)
    assert af.band_energy_share(body, 16_000, 900, 1100) > 0.99


def test_a_file_plays_to_its_end_as_fast_as_possible_then_reports_end_of_stream(sample_wav, reference):
    blocks, statuses, done = [], [], threading.Event()
    source = FileSource(sample_wav, speed=None)

    def status(s):
        statuses.append(s)
        done.set()

    source.start(blocks.append, status)
    assert done.wait(30)
    audio = np.concatenate(blocks)
    assert len(audio) == len(reference)
    assert np.max(np.abs(audio - reference)) < 1e-3
    assert all(len(b) == 1600 for b in blocks[:-1])
    assert [(s.code, s.fatal) for s in statuses] == [(END_OF_STREAM, True)]


def test_a_file_plays_at_the_speed_asked_and_holds_while_paused(tmp_path, reference):
    short = af.write_wav(tmp_path / "short.wav", reference[: 16_000 * 4], 16_000)
    blocks, done = [], threading.Event()
    source = FileSource(short, speed=4.0)
    began = time.monotonic()
    source.start(lambda b: blocks.append((time.monotonic(), b)), lambda s: done.set())
    time.sleep(0.35)
    source.pause()
    time.sleep(0.1)
    held = len(blocks)
    time.sleep(0.5)
    assert len(blocks) == held  # nothing plays while paused
    source.resume()
    assert done.wait(10)
    elapsed = time.monotonic() - began
    assert sum(len(b) for _, b in blocks) == 16_000 * 4
    assert 1.5 <= elapsed < 3.5  # 4 s at 4x is 1 s, plus the 0.5 s pause
    source.stop()


def test_a_missing_file_fails_at_start(tmp_path):
    with pytest.raises(AudioNotFoundError):
        FileSource(tmp_path / "nowhere.wav").start(lambda b: None, lambda s: None)
    with pytest.raises(ValueError):
        FileSource(tmp_path / "x.wav", speed=0)
