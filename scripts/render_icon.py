"""Render resources/parley.svg to the PNG sizes a desktop entry and installers use."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parent.parent / "resources"


def render(size: int) -> Path:
    """Return the path of the icon rendered at size×size pixels."""
    renderer = QSvgRenderer(str(RESOURCES / "parley.svg"))
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    path = RESOURCES / f"parley-{size}.png"
    image.save(str(path))
    return path


if __name__ == "__main__":
    app = QGuiApplication(sys.argv[:1] + ["-platform", "offscreen"])
    for size in (256,):
        print(render(size))
