"""The size of the text people read for long: the transcript and the live captions (View ▸ Larger text).

A percent of the size the style sheet gives them, kept in the settings, in the steps browsers use.
"""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from core.settings import TEXT_SCALE_RANGE

STEPS = tuple(p for p in (50, 67, 80, 90, 100, 110, 125, 150, 175, 200, 250, 300)
              if TEXT_SCALE_RANGE[0] <= p <= TEXT_SCALE_RANGE[1])


def larger(percent: int) -> int:
    """Return the next step up from `percent` (the largest stays)."""
    return next((p for p in STEPS if p > percent), STEPS[-1])


def smaller(percent: int) -> int:
    """Return the next step down from `percent` (the smallest stays)."""
    return next((p for p in reversed(STEPS) if p < percent), STEPS[0])


def scale_text(widget: QWidget, percent: int) -> None:
    """Show the widget's text at `percent` of the size its style gives it; returns nothing."""
    base = widget.property("styleTextPt")
    if base is None:  # the style sheet's size, read once before this changes it
        widget.ensurePolished()
        base = widget.font().pointSizeF()
        widget.setProperty("styleTextPt", base)
    if widget.property("textScale") == percent:  # another setting was saved: re-styling would lay out a long transcript again
        return
    widget.setProperty("textScale", percent)
    widget.setStyleSheet("" if percent == 100 else f"font-size: {base * percent / 100:.1f}pt;")
