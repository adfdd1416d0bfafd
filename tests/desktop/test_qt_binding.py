"""The Qt binding the app runs on keeps Python's books: a window used for hours must not abort.

PySide6 6.12.0 dropped a reference to None on every Qt call that returns nothing. Before Python
3.12 (where None cannot be freed) the count runs out, and the app aborted with "none_dealloc"
after minutes of playback or live captions (the transcript's highlight alone makes several such
calls a tick). pyproject.toml keeps that release out; this is the check that it stays out.
"""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QSlider, QTextEdit


def test_qt_calls_that_return_nothing_leave_none_alone(qapp):
    text, slider = QTextEdit(), QSlider()
    before = sys.getrefcount(None)
    for n in range(20_000):
        slider.setValue(n % 100)
        text.setExtraSelections([])
    assert sys.getrefcount(None) - before > -1_000  # 40,000 calls; 6.12.0 on Python 3.11: -40,000
