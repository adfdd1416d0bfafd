"""A horizontal input level meter (peak, on a decibel scale, with a slowly falling hold mark)."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QSizePolicy, QWidget

FLOOR_DB = -60.0


def level_fraction(peak: float) -> float:
    """Return where a linear peak (0..1) sits on the meter, 0..1 on a -60..0 dBFS scale."""
    if peak <= 0:
        return 0.0
    db = 20 * math.log10(min(1.0, peak))
    return max(0.0, min(1.0, (db - FLOOR_DB) / -FLOOR_DB))


class LevelMeter(QWidget):
    """Shows how loud the input is, so the user sees at a glance that the microphone hears them."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("levelMeter")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setAccessibleName("Input level")
        self._level = 0.0
        self._hold = 0.0

    def sizeHint(self) -> QSize:
        return QSize(160, 10)

    @property
    def level(self) -> float:
        """Return the shown level, 0..1 of the meter's length."""
        return self._level

    @property
    def hold(self) -> float:
        """Return where the hold mark (the recent peak, falling slowly) is, 0..1 of the meter's length."""
        return self._hold

    def set_peak(self, peak: float) -> None:
        """Show a new linear peak (0..1); returns nothing."""
        self._level = level_fraction(peak)
        self._hold = max(self._level, self._hold - 0.02)
        self.update()

    def reset(self) -> None:
        """Show an empty meter, its hold mark too (nothing is recorded); returns nothing."""
        self._level = self._hold = 0.0
        self.update()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = QRectF(self.rect()).adjusted(0.5, 0.5, -0.5, -0.5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(self.palette().color(self.backgroundRole()).darker(115))
        painter.drawRoundedRect(rect, 4, 4)
        if self._level > 0:
            color = QColor("#16a34a") if self._level < 0.8 else QColor("#eab308") if self._level < 0.95 else QColor("#dc2626")
            painter.setBrush(color)
            painter.drawRoundedRect(QRectF(rect.x(), rect.y(), rect.width() * self._level, rect.height()), 4, 4)
        if self._hold > 0:
            painter.setBrush(QColor("#374151"))
            x = rect.x() + rect.width() * self._hold
            painter.drawRect(QRectF(max(rect.x(), x - 2), rect.y(), 2, rect.height()))
