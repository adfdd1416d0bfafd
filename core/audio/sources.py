"""What a live session needs from a source of audio, and what a source reports (see core.audio.capture)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # light to import: the desktop reads the status codes without loading numpy here
    import numpy as np

BLOCK_MS = 100
# statuses a source reports
INPUT_OVERFLOW, DEVICE_LOST, NO_AUDIO, END_OF_STREAM = "InputOverflow", "DeviceLost", "NoAudio", "EndOfStream"
DEVICE_BACK = "DeviceBack"  # a lost microphone delivers again
FILE_CUT_SHORT = "FileCutShort"  # a played WAV holds less than its header declares (a copy cut short): played as it is
FILE_UNREADABLE = "FileUnreadable"  # a played file cannot be read on (damaged further on): not a lost microphone, never back


@dataclass(frozen=True)
class SourceStatus:
    """Something a source reports: overflow (samples dropped), device lost, silent device, end of file."""

    code: str
    message: str
    fatal: bool = False


BlockCallback = Callable[["np.ndarray"], None]
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
