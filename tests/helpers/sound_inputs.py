"""Microphones a test plugs in and out: ALSA "null" capture devices, listed by PortAudio once it looks again.

ALSA reads the PCM devices of ~/.asoundrc when PortAudio starts; a null device captures silence.
With HOME pointed at a folder of the test's own, a device written there appears (and goes) the way a
USB microphone plugged in (or out) after the app started does: only to a rescan.
"""

from __future__ import annotations

from pathlib import Path

import sounddevice as sd


def restart_portaudio() -> None:
    """Return None once PortAudio has started again (and read the devices again)."""
    sd._terminate()
    sd._initialize()


class SoundInputs:
    """The capture devices ALSA offers from a test's home folder."""

    def __init__(self, home: Path):
        self.config = Path(home) / ".asoundrc"

    def plug(self, *names: str) -> None:
        """Offer these capture devices (null devices: they record silence) from now on; returns nothing."""
        self.config.write_text("".join(f"pcm.{name} {{\n    type null\n}}\n" for name in names))

    def unplug(self) -> None:
        """Offer none of them any more; returns nothing."""
        self.config.unlink(missing_ok=True)
