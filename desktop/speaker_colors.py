"""Stable speaker colours: speaker N has the same colour in every view, live or stored."""

from __future__ import annotations

from PySide6.QtGui import QColor

# colour-blind friendly hues first (Okabe–Ito), each dark enough to read on white (WCAG AA, 4.5:1; Okabe-Ito's own
# orange, sky blue and yellow are 2.3:1 and under), and no two alike (CIELAB distance 22 or more: Guest-3 and Guest-9
# were both #009E73-like greens, 2.6 apart)
_PALETTE = (
    "#0072B2", "#C35600", "#008762", "#BC4F8B", "#8A6500", "#00798C",
    "#8C564B", "#7F3C8D", "#5A7D00", "#3B4CC0", "#A23B1E", "#D4145A",
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


def format_left(seconds: float) -> str:
    """Return an estimate of time left in words: "less than a minute left", "about 3 min left", "about 1 h 20 min left"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return "less than a minute left"
    if minutes < 60:
        return f"about {minutes} min left"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes} min left" if minutes else f"about {hours} h left"
