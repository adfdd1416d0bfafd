"""Audio sources: device listing and errors on a machine without a sound card, the microphone callback, file playback."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest
import sounddevice as sd

from core.audio.capture import (
    DEVICE_BACK,
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


def _wait_for(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return condition()


@no_sound_card
def test_a_microphone_lost_mid_recording_is_looked_for_until_it_is_back_then_records_again(sound_inputs):
    sound_inputs.plug("parley_usb_mic")
    list_input_devices(rescan=True)
    received, statuses = [], []
    source = MicrophoneSource("parley_usb_mic")
    source.start(lambda block: received.append(len(block)), statuses.append)
    try:
        assert _wait_for(lambda: received)
        sound_inputs.unplug()  # pulled out: PortAudio's stream ends on its own (abort is what a vanished device does to it)
        with source._streams:  # as the device's end would, but not while the watchdog looks at the stream
            source._stream.abort()
        assert _wait_for(lambda: statuses)
        assert [(s.code, s.fatal) for s in statuses] == [(DEVICE_LOST, False)]
        assert "Recording goes on when it is back" in statuses[0].message
        time.sleep(2.5)  # looked for twice or more, not found, not given up
        assert len(statuses) == 1 and source._stream is None
        received.clear()
        sound_inputs.plug("parley_usb_mic")  # plugged back in
        assert _wait_for(lambda: len(statuses) == 2)
        assert (statuses[1].code, statuses[1].fatal) == (DEVICE_BACK, False)
        assert statuses[1].message == "The input 'parley_usb_mic' is back; recording again."
        assert _wait_for(lambda: received) and source._stream.active  # delivering again, through a new stream
    finally:
        source.stop()
    sound_inputs.unplug()
    assert source._stream is None and list_input_devices(rescan=True) == []  # stop closed the new stream too: a rescan ran


@no_sound_card
def test_recording_from_the_default_input_goes_on_from_the_new_default_when_it_is_lost(sound_inputs):
    sound_inputs.plug("parley_headset", "parley_laptop_mic")
    assert [(d.name, d.is_default) for d in list_input_devices(rescan=True)][0] == ("parley_headset", True)
    received, statuses = [], []
    source = MicrophoneSource()  # the system's default input, whichever it is
    source.start(lambda block: received.append(len(block)), statuses.append)
    try:
        assert source.input.name == "parley_headset"
        sound_inputs.plug("parley_laptop_mic")  # the headset is pulled out: the laptop's microphone is the default now
        with source._streams:
            source._stream.abort()
        assert _wait_for(lambda: len(statuses) == 2)
        assert [(s.code, s.fatal) for s in statuses] == [(DEVICE_LOST, False), (DEVICE_BACK, False)]
        assert statuses[1].message == ("The input 'parley_headset' is gone; "
                                       "recording again from the default input, 'parley_laptop_mic'.")
        received.clear()
        assert _wait_for(lambda: received) and source.input.name == "parley_laptop_mic"
    finally:
        source.stop()


@no_sound_card
def test_a_microphone_that_does_not_come_back_ends_the_recording_after_the_wait(sound_inputs):
    sound_inputs.plug("parley_usb_mic")
    list_input_devices(rescan=True)
    statuses = []
    source = MicrophoneSource("parley_usb_mic", reconnect_s=1.5)
    source.start(lambda block: None, statuses.append)
    try:
        sound_inputs.unplug()
        with source._streams:  # as the device's end would, but not while the watchdog looks at the stream
            source._stream.abort()
        assert _wait_for(lambda: len(statuses) == 2)
        assert [(s.code, s.fatal) for s in statuses] == [(DEVICE_LOST, False), (DEVICE_LOST, True)]
        assert statuses[1].message == "The input 'parley_usb_mic' did not come back within 2 s."
        time.sleep(1.5)
        assert len(statuses) == 2  # given up once, and no more looking
    finally:
        source.stop()


@no_sound_card
def test_listing_while_another_thread_rescans_always_gives_the_whole_list(sound_inputs):
    """A rescan restarts PortAudio; a listing at the same moment waits for it (it used to fail, or read freed memory)."""
    sound_inputs.plug("parley_mic_a", "parley_mic_b")
    list_input_devices(rescan=True)
    results, errors = [], []

    def look(rescan: bool):
        for _ in range(40):
            try:
                results.append(sorted(d.name for d in list_input_devices(rescan=rescan)))
            except Exception as exc:
                errors.append(exc)

    threads = [threading.Thread(target=look, args=(rescan,)) for rescan in (True, True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and results == [["parley_mic_a", "parley_mic_b"]] * 120


@no_sound_card
def test_a_microphone_that_fails_to_start_leaves_nothing_open(sound_inputs, monkeypatch):
    sound_inputs.plug("parley_usb_mic")
    list_input_devices(rescan=True)

    def refuse(stream):
        raise sd.PortAudioError("Device unavailable")

    with monkeypatch.context() as patch:
        patch.setattr(sd.InputStream, "start", refuse)
        with pytest.raises(DeviceError, match="Cannot open the input 'parley_usb_mic'"):
            MicrophoneSource("parley_usb_mic").start(lambda block: None, lambda status: None)
    sound_inputs.plug("parley_usb_mic", "parley_other_mic")  # a later look still finds what is plugged in
    assert [d.name for d in list_input_devices(rescan=True)] == ["parley_usb_mic", "parley_other_mic"]


@no_sound_card
def test_the_search_for_a_lost_microphone_outlives_a_sound_system_that_fails_to_restart(sound_inputs, monkeypatch):
    sound_inputs.plug("parley_usb_mic")
    list_input_devices(rescan=True)
    statuses = []
    source = MicrophoneSource("parley_usb_mic")
    source.start(lambda block: None, statuses.append)
    restart, failures = sd._initialize, []

    def fails_once():
        if not failures:
            failures.append(1)
            raise sd.PortAudioError("Error initializing PortAudio")
        restart()

    monkeypatch.setattr(sd, "_initialize", fails_once)
    try:
        with source._streams:
            source._stream.abort()
        assert _wait_for(lambda: len(statuses) == 2)
        assert failures and [(s.code, s.fatal) for s in statuses] == [(DEVICE_LOST, False), (DEVICE_BACK, False)]
    finally:
        source.stop()


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


def test_the_last_block_delivered_while_stop_closes_the_stream_is_kept_and_none_after(sound_inputs):
    """PortAudio's stop() hands over the block it holds before it returns: the last words said before Stop."""
    sound_inputs.plug("parley_desk_mic")
    list_input_devices(rescan=True)
    blocks = []
    source = MicrophoneSource("parley_desk_mic")
    source.start(blocks.append, lambda status: None)
    block = _sine(16_000, 0.1)
    real_close = source._close

    def closing(*, graceful=False):  # the stream's last callback comes inside stop(), after it was asked to stop
        source._callback(block, 1600, None, NO_FLAGS)
        real_close(graceful=graceful)

    source._close = closing
    source.stop()
    assert any(np.array_equal(b, block[:, 0]) for b in blocks)  # among the null device's own blocks
    count = len(blocks)
    source._callback(block, 1600, None, NO_FLAGS)  # a late callback once stop() returned is not the recording's
    assert len(blocks) == count


def test_a_stream_that_ends_by_itself_is_reported_as_a_lost_device_once():
    statuses = []
    source = MicrophoneSource(reconnect_s=0)  # not looked for again: the loss ends the recording
    source.attach(lambda block: None, statuses.append, 16_000)
    source._finished()
    source._finished()
    assert [(s.code, s.fatal) for s in statuses] == [(DEVICE_LOST, True)]
    waiting = MicrophoneSource()  # by default it is looked for again: not fatal, said once
    waiting.attach(lambda block: None, statuses.append, 16_000)
    waiting._finished()
    waiting._finished()
    assert [(s.code, s.fatal) for s in statuses[1:]] == [(DEVICE_LOST, False)] and "waiting up to 60 s" in statuses[1].message
    statuses[1:] = []
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
