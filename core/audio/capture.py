"""Audio sources for live sessions: the microphone (sounddevice) and a recording played back in time.

Every source delivers mono float32 blocks at 16 kHz to an `on_block` callback and reports trouble
(an input overflow, a lost device, the end of a file) to an `on_status` callback as a `SourceStatus`;
trouble is reported, never raised from the audio thread. Only opening a device that is missing or
busy raises, as a DeviceError with a clear message.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import av
import numpy as np

from core.audio.decode import SAMPLE_RATE, iter_audio, probe
from core.errors import DeviceError, ParleyError

log = logging.getLogger(__name__)

BLOCK_MS = 100
PACE_POLL_S = 0.01  # how often a paced FileSource looks whether its reader has caught up
# statuses a source reports
INPUT_OVERFLOW, DEVICE_LOST, NO_AUDIO, END_OF_STREAM = "InputOverflow", "DeviceLost", "NoAudio", "EndOfStream"
# a microphone that delivered nothing for this long while running is reported as silent hardware
STALL_S = 3.0
# PortAudio lists devices once, when it starts; restarting it to look again would end any open stream,
# so a rescan is skipped while one is open, and opening a stream waits for a rescan under way
_PORTAUDIO = threading.Lock()
_open_streams = 0


@dataclass(frozen=True)
class InputDevice:
    """A sound input the system offers: its PortAudio index, name, channels and default rate."""

    index: int
    name: str
    channels: int
    default_sample_rate: float
    is_default: bool
    host_api: str = ""


@dataclass(frozen=True)
class SourceStatus:
    """Something a source reports: overflow (samples dropped), device lost, silent device, end of file."""

    code: str
    message: str
    fatal: bool = False


BlockCallback = Callable[[np.ndarray], None]
StatusCallback = Callable[[SourceStatus], None]


class AudioSource(Protocol):
    """What a live session needs from a source of audio (16 kHz mono float32 blocks)."""

    name: str
    sample_rate: int

    def start(self, on_block: BlockCallback, on_status: StatusCallback) -> None: ...
    def stop(self) -> None: ...
    def pause(self) -> None: ...
    def resume(self) -> None: ...

    @property
    def paused(self) -> bool: ...


def _sounddevice():
    try:
        import sounddevice
    except OSError as exc:  # the PortAudio library itself is missing
        raise DeviceError(
            f"Sound input is unavailable: {exc}.",
            hint="Install PortAudio (Debian/Ubuntu: apt install libportaudio2) and try again.",
        ) from exc
    return sounddevice


def list_input_devices(*, rescan: bool = False) -> list[InputDevice]:
    """Return the input-capable devices PortAudio reports (an empty list when there are none).

    PortAudio learns the devices when it starts, so a microphone plugged in later is only listed
    after `rescan`, which restarts PortAudio (skipped while a microphone is being recorded).
    """
    sd = _sounddevice()
    if rescan:
        with _PORTAUDIO:
            if _open_streams:
                log.info("not looking for new input devices while a microphone is open")
            else:
                sd._terminate()  # sounddevice's own advice for a fresh device list (its issue #125)
                sd._initialize()
    try:
        devices = sd.query_devices()
        apis = sd.query_hostapis()
        default_index = sd.default.device[0]
        defaults = {default_index} if default_index is not None and default_index >= 0 else {
            api.get("default_input_device", -1) for api in apis
        }
    except sd.PortAudioError as exc:
        raise DeviceError(f"The sound system cannot list input devices: {exc}.") from exc
    found = []
    for index, device in enumerate(devices):
        if int(device.get("max_input_channels", 0)) <= 0:
            continue
        api = apis[device["hostapi"]]["name"] if 0 <= device.get("hostapi", -1) < len(apis) else ""
        found.append(
            InputDevice(
                index=index,
                name=device["name"],
                channels=int(device["max_input_channels"]),
                default_sample_rate=float(device["default_samplerate"]),
                is_default=index in defaults,
                host_api=api,
            )
        )
    return found


def _no_device_error() -> DeviceError:
    return DeviceError(
        "There is no microphone: the sound system reports no input devices.",
        hint="Plug a microphone in (or enable it in the system settings), or play a recording as the input instead.",
    )


def default_input_device() -> InputDevice:
    """Return the system's default input (else the first input); raise DeviceError when there is none."""
    devices = list_input_devices()
    if not devices:
        raise _no_device_error()
    return next((d for d in devices if d.is_default), devices[0])


def find_input_device(device: int | str | None) -> InputDevice:
    """Return the input device an index, a name (or part of one) or None (the default) names."""
    if device is None:
        return default_input_device()
    devices = list_input_devices()
    if not devices:
        raise _no_device_error()
    if isinstance(device, int) or (isinstance(device, str) and device.strip().isdigit()):
        match = [d for d in devices if d.index == int(device)]
    else:
        match = [d for d in devices if device.lower() in d.name.lower()]
    if not match:
        names = "; ".join(f"{d.index}: {d.name}" for d in devices)
        raise DeviceError(f"There is no input device '{device}'. Inputs: {names}.", hint="Choose one of the listed inputs.")
    return match[0]


class BlockResampler:
    """Turns device blocks (frames, channels) at any rate into mono float32 at 16 kHz, keeping filter state."""

    def __init__(self, rate: int):
        self.rate = int(rate)
        self._resampler = None if self.rate == SAMPLE_RATE else av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """Return one block as mono 16 kHz float32 (channels averaged)."""
        mono = frames.mean(axis=1, dtype=np.float32) if frames.ndim == 2 else frames.astype(np.float32, copy=False)
        if self._resampler is None:
            return np.array(mono, dtype=np.float32, copy=True)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(mono)[np.newaxis], format="flt", layout="mono")
        frame.sample_rate = self.rate
        out = [f.to_ndarray().reshape(-1) for f in self._resampler.resample(frame)]
        return np.concatenate(out).astype(np.float32, copy=False) if out else np.zeros(0, np.float32)


class MicrophoneSource:
    """Captures a microphone with sounddevice: 16 kHz when the device allows it, else resampled."""

    sample_rate = SAMPLE_RATE

    def __init__(self, device: int | str | None = None, *, block_ms: int = BLOCK_MS):
        self.device = device
        self.block_ms = block_ms
        self.name = "microphone"
        self.input: InputDevice | None = None
        self.overflows = 0
        self._stream = None
        self._convert: BlockResampler | None = None
        self._on_block: BlockCallback = lambda block: None
        self._on_status: StatusCallback = lambda status: None
        self._paused = threading.Event()
        self._stopping = threading.Event()
        self._last_block = time.monotonic()
        self._watchdog: threading.Thread | None = None

    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    def _negotiate(self, sd, device: InputDevice) -> tuple[int, int]:
        """Return (sample rate, channels) to open: 16 kHz mono when accepted, else the device's defaults."""
        for rate, channels in ((SAMPLE_RATE, 1), (int(device.default_sample_rate), 1), (int(device.default_sample_rate), device.channels)):
            try:
                sd.check_input_settings(device=device.index, samplerate=rate, channels=channels, dtype="float32")
                return rate, channels
            except (sd.PortAudioError, ValueError) as exc:
                log.debug("input %s refuses %d Hz x %d: %s", device.name, rate, channels, exc)
        raise DeviceError(f"The input '{device.name}' accepts none of the usual sample rates.", hint="Choose another input device.")

    def start(self, on_block: BlockCallback, on_status: StatusCallback) -> None:
        """Return None once the device is capturing; raise DeviceError when it is missing or busy."""
        global _open_streams
        sd = _sounddevice()
        with _PORTAUDIO:  # a rescan (which restarts PortAudio) waits until the stream is open
            self.input = find_input_device(self.device)
            self.name = f"microphone: {self.input.name}"
            rate, channels = self._negotiate(sd, self.input)
            self.attach(on_block, on_status, rate)
            try:
                self._stream = sd.InputStream(
                    device=self.input.index, samplerate=rate, channels=channels, dtype="float32",
                    blocksize=max(1, rate * self.block_ms // 1000), callback=self._callback,
                    finished_callback=self._finished,
                )
                _open_streams += 1
                self._stream.start()
            except (sd.PortAudioError, ValueError) as exc:
                raise DeviceError(f"Cannot open the input '{self.input.name}': {exc}.", hint="The device may be busy or unplugged; choose another one.") from exc
        log.info("capturing %s at %d Hz x %d", self.input.name, rate, channels)
        self._last_block = time.monotonic()
        self._watchdog = threading.Thread(target=self._watch, name="parley-mic-watchdog", daemon=True)
        self._watchdog.start()

    def attach(self, on_block: BlockCallback, on_status: StatusCallback, rate: int) -> None:
        """Return None after wiring the callbacks and a converter from `rate` (what start() does before opening)."""
        self._on_block, self._on_status = on_block, on_status
        self._convert = BlockResampler(rate)

    def _callback(self, indata, frames, time_info, status) -> None:
        """PortAudio's audio-thread callback: report overflow, convert, hand the block on (never raises)."""
        self._last_block = time.monotonic()
        try:
            if status and getattr(status, "input_overflow", False):
                self.overflows += 1
                self._on_status(SourceStatus(INPUT_OVERFLOW, f"The input dropped samples (overflow #{self.overflows}); the computer is too busy."))
            if self._paused.is_set() or self._stopping.is_set():
                return
            block = self._convert(np.asarray(indata)) if self._convert else np.asarray(indata, np.float32).reshape(-1)
            if block.size:
                self._on_block(block)
        except Exception:  # an exception must not escape into PortAudio's thread
            log.exception("audio input callback failed")

    def _finished(self) -> None:
        if not self._stopping.is_set():
            self._lost("The input device stopped delivering audio (unplugged?).")

    def _lost(self, message: str) -> None:
        if not self._stopping.is_set():
            self._stopping.set()
            self._on_status(SourceStatus(DEVICE_LOST, message, fatal=True))

    def _watch(self) -> None:
        warned = False
        while not self._stopping.wait(0.5):
            stream = self._stream
            if stream is not None and not stream.active and not stream.stopped:
                self._lost("The input device was lost (unplugged?).")
                return
            silent = time.monotonic() - self._last_block > STALL_S and not self._paused.is_set()
            if silent and not warned:
                self._on_status(SourceStatus(NO_AUDIO, f"The input '{self.name}' delivered no audio for {STALL_S:.0f} s."))
            warned = silent

    def pause(self) -> None:
        """Return None; blocks captured while paused are dropped (the device stays open)."""
        self._paused.set()

    def resume(self) -> None:
        """Return None; captured blocks flow again."""
        self._last_block = time.monotonic()
        self._paused.clear()

    def stop(self) -> None:
        """Return None after closing the device (safe to call twice)."""
        global _open_streams
        self._stopping.set()
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except Exception as exc:  # the device may already be gone; closing is best effort
                log.warning("closing the input failed: %s", exc)
            with _PORTAUDIO:
                _open_streams -= 1


class FileSource:
    """Plays a recording as if it were a microphone: at real-time speed, faster, or as fast as possible (speed=None).

    As fast as possible is as fast as the reader keeps up: with speed None, playback holds before
    each block while `paced_by()` says the reader is behind (a live session sets it, so the whole
    file is not queued at once and every part is listened to as it would be live).
    """

    sample_rate = SAMPLE_RATE

    def __init__(self, path: str | Path, *, speed: float | None = 1.0, block_ms: int = BLOCK_MS):
        if speed is not None and not 0 < speed < float("inf"):
            raise ValueError(f"speed must be positive and finite, or None, got {speed}")
        self.path = Path(path)
        self.speed = speed
        self.block_ms = block_ms
        self.name = f"file: {self.path.name}"
        self.delivered_ms = 0
        self.started: float | None = None  # time.monotonic() when playback began (moved on by pauses)
        self.paced_by: Callable[[], bool] | None = None  # speed None: True while the reader is behind (see the class doc)
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._running = threading.Event()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def start(self, on_block: BlockCallback, on_status: StatusCallback) -> None:
        """Return None once playback runs in its own thread; raise an AudioError when the file is unusable."""
        probe(self.path)
        self._thread = threading.Thread(target=self._play, args=(on_block, on_status), name="parley-file-source", daemon=True)
        self._thread.start()

    def _play(self, on_block: BlockCallback, on_status: StatusCallback) -> None:
        clock = self.started = time.monotonic()
        played = 0.0  # seconds of audio delivered since `clock` was last set
        size = SAMPLE_RATE * self.block_ms // 1000
        try:
            for chunk in iter_audio(self.path, chunk_ms=max(self.block_ms, 1000)):
                for at in range(0, len(chunk), size):
                    block = chunk[at:at + size]
                    if not self._running.is_set():
                        held = time.monotonic()
                        self._running.wait()
                        clock, played = time.monotonic(), 0.0
                        self.started += clock - held
                    if self._stopping.is_set():
                        return
                    played += len(block) / SAMPLE_RATE
                    if self.speed is not None:
                        # a block is "captured" once it has been played, like a microphone's
                        delay = clock + played / self.speed - time.monotonic()
                        if delay > 0 and self._stopping.wait(delay):
                            return
                    elif self.paced_by is not None:
                        while self.paced_by():
                            if self._stopping.wait(PACE_POLL_S):
                                return
                    self.delivered_ms += len(block) * 1000 // SAMPLE_RATE
                    on_block(block)
        except Exception as exc:  # reported as the end of this source, never raised in its thread
            if isinstance(exc, ParleyError):  # a file that turned out damaged further on: said in plain words
                log.info("playing %s failed: %s", self.path, exc)
            else:
                log.exception("playing %s failed", self.path)
            on_status(SourceStatus(DEVICE_LOST, f"Reading {self.path.name} failed: {exc}", fatal=True))
            return
        if not self._stopping.is_set():
            on_status(SourceStatus(END_OF_STREAM, f"{self.path.name} has been played to its end.", fatal=True))

    def pause(self) -> None:
        """Return None; playback holds until resume()."""
        self._running.clear()

    def resume(self) -> None:
        """Return None; playback goes on from where it paused."""
        self._running.set()

    def stop(self) -> None:
        """Return None after the playback thread has ended."""
        self._stopping.set()
        self._running.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
