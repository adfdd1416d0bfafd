"""Microphone capture (sounddevice): the input devices, and a source that records one of them.

Every source (this one, and core.audio.file_source's recording played back in time; their interface
is core.audio.sources, all named here too) delivers mono float32 blocks at 16 kHz to an `on_block`
callback and reports trouble (an input overflow, a lost device, the end of a file) to an `on_status`
callback as a `SourceStatus`; trouble is reported, never raised from the audio thread. Only opening
a device that is missing or busy raises, as a DeviceError with a clear message. A microphone lost
mid-recording is looked for again until it is back (see MicrophoneSource), so bumping a USB cable
does not end a meeting's recording.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np

from core.audio.decode import SAMPLE_RATE
from core.audio.file_source import FileSource
from core.audio.sources import (
    BLOCK_MS, DEVICE_BACK, DEVICE_LOST, END_OF_STREAM, FILE_CUT_SHORT, FILE_UNREADABLE, INPUT_OVERFLOW, NO_AUDIO, AudioSource,
    BlockCallback, SourceStatus, StatusCallback,
)
from core.errors import DeviceError

__all__ = [
    "AudioSource", "BLOCK_MS", "BlockResampler", "DEVICE_BACK", "DEVICE_LOST", "END_OF_STREAM", "FILE_CUT_SHORT", "FILE_UNREADABLE",
    "FileSource", "INPUT_OVERFLOW", "InputDevice", "MicrophoneSource", "NO_AUDIO", "SourceStatus", "default_input_device",
    "find_input_device", "list_input_devices",
]

log = logging.getLogger(__name__)

# a microphone that delivered nothing for this long while running is reported as silent hardware
STALL_S = 3.0
WATCH_S = 0.5  # how often the microphone's watchdog looks at its stream
RECONNECT_S = 60.0  # how long a lost microphone is looked for before the recording ends (0: it ends at once)
RETRY_S = 1.0  # how often a lost microphone is looked for
# PortAudio lists devices once, when it starts; restarting it to look again would end any open stream,
# so a rescan is skipped while one is open. Every listing, rescan, open and close holds this lock: a
# query running while another thread restarts PortAudio reads freed memory (re-entrant: opening lists)
_PORTAUDIO = threading.RLock()
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
    with _PORTAUDIO:
        if rescan:
            _restart_portaudio(sd)
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


def _restart_portaudio(sd) -> None:
    """Restart PortAudio so that it lists the devices again, unless a stream is open (the caller holds _PORTAUDIO).

    sounddevice's own advice for a fresh device list (its issue #125). Its `_initialize` sends the
    process's stderr to /dev/null while PortAudio starts (ALSA's noise), a few milliseconds; Python's
    own stderr is a copy kept apart from it (core.stderr), so no other thread's log line is lost.
    """
    if _open_streams:
        log.info("not looking for new input devices while a microphone is open")
        return
    try:
        sd._terminate()
    except sd.PortAudioError as exc:  # not running: a restart that failed before
        log.debug("PortAudio was not running: %s", exc)
    try:
        sd._initialize()
    except sd.PortAudioError as exc:
        raise DeviceError(f"The sound system did not start again: {exc}.", hint="Try again, or restart Parley.") from exc


def _no_device_error() -> DeviceError:
    return DeviceError(
        "There is no microphone: the sound system reports no input devices.",
        hint="Plug a microphone in (or enable it in the system settings), or play a recording as the input instead.",
    )


def default_input_device(devices: list[InputDevice] | None = None) -> InputDevice:
    """Return the system's default input (else the first input) of `devices` (listed now by default);
    raise DeviceError when there is none."""
    devices = list_input_devices() if devices is None else devices
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
    else:  # the whole name first: "USB Mic" is not "USB Mic 2"
        match = [d for d in devices if d.name == device] or [d for d in devices if device.lower() in d.name.lower()]
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
    """Captures a microphone with sounddevice: 16 kHz when the device allows it, else resampled.

    A microphone lost mid-recording (unplugged, or its driver gave up) does not end the recording at
    once: it is reported (DeviceLost, not fatal), and looked for again every RETRY_S, by name, until
    it is back (DeviceBack; what was said meanwhile is not in the recording) or `reconnect_s` passed
    (DeviceLost, fatal: the session ends and keeps what it recorded).
    """

    sample_rate = SAMPLE_RATE

    def __init__(self, device: int | str | None = None, *, block_ms: int = BLOCK_MS, reconnect_s: float = RECONNECT_S):
        self.device = device
        self.block_ms = block_ms
        self.reconnect_s = reconnect_s
        self.name = "microphone"
        self.input: InputDevice | None = None
        self.overflows = 0
        self._stream = None
        self._streams = threading.Lock()  # opening and closing: the watchdog reconnects while stop() may close
        self._loss = threading.Lock()
        self._convert: BlockResampler | None = None
        self._on_block: BlockCallback = lambda block: None
        self._on_status: StatusCallback = lambda status: None
        self._paused = threading.Event()
        self._stopping = threading.Event()
        self._closed = threading.Event()  # stop() has closed the stream: a block after it is not the recording's
        self._last_block = time.monotonic()
        self._lost_at: float | None = None  # when the device was lost, while it is waited for
        self._tried_at = 0.0
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
        self._on_block, self._on_status = on_block, on_status
        with self._streams:
            self._open(lambda: find_input_device(self.device))
        self._last_block = time.monotonic()
        self._watchdog = threading.Thread(target=self._watch, name="parley-mic-watchdog", daemon=True)
        self._watchdog.start()

    def _open(self, find: Callable[[], InputDevice]) -> None:
        """Open and start a stream on the device `find` returns (the caller holds self._streams)."""
        global _open_streams
        sd = _sounddevice()
        with _PORTAUDIO:  # a rescan (which restarts PortAudio) waits until the stream is open
            self.input = find()
            self.name = f"microphone: {self.input.name}"
            rate, channels = self._negotiate(sd, self.input)
            self.attach(self._on_block, self._on_status, rate)
            try:
                self._stream = sd.InputStream(
                    device=self.input.index, samplerate=rate, channels=channels, dtype="float32",
                    blocksize=max(1, rate * self.block_ms // 1000), callback=self._callback,
                    finished_callback=self._finished,
                )
                _open_streams += 1
                self._stream.start()
            except (sd.PortAudioError, ValueError) as exc:
                self._close()  # opened but not started: closed again, so later rescans are not held up
                raise DeviceError(f"Cannot open the input '{self.input.name}': {exc}.", hint="The device may be busy or unplugged; choose another one.") from exc
        log.info("capturing %s at %d Hz x %d", self.input.name, rate, channels)

    def _close(self, *, graceful: bool = False) -> None:
        """Close the stream, if one is open (the caller holds self._streams); a device already gone is no error."""
        global _open_streams
        stream, self._stream = self._stream, None
        if stream is None:
            return
        with _PORTAUDIO:
            try:  # a stream whose device is gone is aborted; one the user stops delivers its last block first
                stream.stop() if graceful else stream.abort()
            except Exception as exc:  # the device may already be gone; closing is best effort
                log.warning("stopping the input failed: %s", exc)
            finally:
                try:
                    stream.close()
                except Exception as exc:
                    log.warning("closing the input failed: %s", exc)
                _open_streams -= 1

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
            if self._paused.is_set() or self._closed.is_set():  # the last block, delivered while stop() closes, is kept
                return
            block = self._convert(np.asarray(indata)) if self._convert else np.asarray(indata, np.float32).reshape(-1)
            if block.size:
                self._on_block(block)
        except Exception:  # an exception must not escape into PortAudio's thread
            log.exception("audio input callback failed")

    def _finished(self) -> None:
        if not self._stopping.is_set() and self._lost_at is None:
            self._lost("The input device stopped delivering audio (unplugged?).")

    def _lost(self, message: str) -> None:
        with self._loss:  # PortAudio's thread (_finished) and the watchdog may both find it gone
            if self._stopping.is_set() or self._lost_at is not None:
                return
            fatal = self.reconnect_s <= 0
            if fatal:
                self._stopping.set()
            else:
                self._lost_at = self._tried_at = time.monotonic()
                message += f" Recording goes on when it is back (waiting up to {self.reconnect_s:.0f} s)."
        self._on_status(SourceStatus(DEVICE_LOST, message, fatal=fatal))

    def _reconnect(self) -> None:
        """Look for the lost device again (by name, after a rescan); say when it is back, or when it is given up.

        A source asked for the system's default input (device None) takes whatever the default is
        now: a headset pulled out leaves the laptop's own microphone, as the system itself switches.
        """
        now = time.monotonic()
        if now - self._tried_at < RETRY_S:
            return
        self._tried_at = now
        name = self.input.name if self.input is not None else str(self.device)

        def same_device(devices: list[InputDevice]) -> InputDevice:
            if self.device is None:
                return default_input_device(devices)
            found = [d for d in devices if d.name == name]
            if not found:
                raise DeviceError(f"The input '{name}' is not there.")
            return found[0]

        with self._streams:  # stop() waits for this look to end, and decides nothing after it
            if self._stopping.is_set():
                return
            self._close()
            try:
                with _PORTAUDIO:  # no other rescan between this one and the open: the numbers listed stay true
                    devices = list_input_devices(rescan=True)
                    self._open(lambda: same_device(devices))
            except DeviceError as exc:
                log.debug("input %s not back yet: %s", name, exc)
            back = self._stream is not None
            given_up = not back and time.monotonic() - self._lost_at >= self.reconnect_s
            if back:
                self._lost_at, self._last_block = None, time.monotonic()
            elif given_up:
                self._stopping.set()
        if back and self.input.name != name:
            self._on_status(SourceStatus(DEVICE_BACK, f"The input '{name}' is gone; recording again from the default input, '{self.input.name}'."))
        elif back:
            self._on_status(SourceStatus(DEVICE_BACK, f"The input '{name}' is back; recording again."))
        elif given_up:
            self._on_status(SourceStatus(DEVICE_LOST, f"The input '{name}' did not come back within {self.reconnect_s:.0f} s.", fatal=True))

    def _watch(self) -> None:
        warned = False
        while not self._stopping.wait(WATCH_S):
            try:
                warned = self._look(warned)
            except Exception:  # the watchdog must outlive any one look, or a lost device would be waited for forever
                log.exception("the microphone watchdog failed; it goes on")

    def _look(self, warned: bool) -> bool:
        """One look at the stream: reconnect a lost device, notice a lost or silent one; return whether silence was said."""
        if self._lost_at is not None:
            self._reconnect()
            return warned
        if not self._streams.acquire(blocking=False):  # stop() or a reconnect is closing it: look next time
            return warned
        try:
            stream = self._stream
            gone = stream is not None and not self._stopping.is_set() and not stream.active and not stream.stopped
        finally:
            self._streams.release()
        if gone:
            self._lost("The input device was lost (unplugged?).")
            return warned
        silent = time.monotonic() - self._last_block > STALL_S and not self._paused.is_set()
        if silent and not warned:
            self._on_status(SourceStatus(NO_AUDIO, f"The input '{self.name}' delivered no audio for {STALL_S:.0f} s."))
        return silent

    def pause(self) -> None:
        """Return None; blocks captured while paused are dropped (the device stays open)."""
        self._paused.set()

    def resume(self) -> None:
        """Return None; captured blocks flow again."""
        self._last_block = time.monotonic()
        self._paused.clear()

    def stop(self) -> None:
        """Return None after closing the device (safe to call twice); the blocks it delivers until then are handed on."""
        self._stopping.set()
        with self._streams:
            self._close(graceful=True)
        self._closed.set()
