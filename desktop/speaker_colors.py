"""Stable speaker colours: speaker N has the same colour in every view, live or stored."""

from __future__ import annotations

from PySide6.QtGui import QColor

# distinct on light and dark backgrounds, colour-blind friendly first (Okabe–Ito), then more
_PALETTE = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
    "#8C564B", "#7F3C8D", "#11A579", "#3969AC", "#F2B701", "#E73F74",
)
UNKNOWN = "#6b7280"


def speaker_color(number: int | None) -> QColor:
    """Return the colour of speaker `number` (grey when the speaker is unknown)."""
    if number is None or number < 1:
        return QColor(UNKNOWN)
    return QColor(_PALETTE[(number - 1) % len(_PALETTE)])


def format_time(ms: int, *, hours: bool | None = None) -> str:
    """Return a time as m:ss, or h:mm:ss for an hour or more (or when hours=True)."""
    seconds = max(0, int(ms)) // 1000
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    if hours or (hours is None and h):
        return f"{h}:{m:02d}:{s:02d}"
    return f"{m}:{s:02d}"
