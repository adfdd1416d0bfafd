"""Audio playback of a conversation's recording: play/pause, a seek bar, the time and the speed."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QSlider, QWidget

from desktop.speaker_colors import format_time

log = logging.getLogger(__name__)

SPEEDS = (0.5, 0.75, 1.0, 1.25, 1.5, 2.0)


class PlayerBar(QWidget):
    """Plays one recording; reports the playing position in milliseconds."""

    position_changed = Signal(int)  # ms
    playing_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("playerBar")
        self.player = QMediaPlayer(self)
        self.audio = QAudioOutput(self)
        self.player.setAudioOutput(self.audio)
        self.play_button = QPushButton("▶ Play", objectName="playButton")
        self.play_button.setToolTip("Play or pause (Space)")
        self.play_button.clicked.connect(self.toggle)
        self.slider = QSlider(Qt.Orientation.Horizontal, objectName="seekBar")
        self.slider.setAccessibleName("Position")
        self.slider.setRange(0, 0)
        self.slider.sliderMoved.connect(self.seek)
        self.slider.actionTriggered.connect(self._slider_action)
        self.time = QLabel("0:00 / 0:00", objectName="playTime")
        self.speed = QComboBox(objectName="playSpeed")
        self.speed.setAccessibleName("Playback speed")
        for value in SPEEDS:
            self.speed.addItem(f"{value:g}×", value)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.currentIndexChanged.connect(lambda _: self.player.setPlaybackRate(self.speed.currentData()))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.play_button)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.time)
        layout.addWidget(self.speed)
        self.player.durationChanged.connect(self._duration)
        self.player.positionChanged.connect(self._position)
        self.player.playbackStateChanged.connect(self._state)
        self.player.errorOccurred.connect(lambda _, message: log.warning("playback: %s", message))
        self.player.mediaStatusChanged.connect(self._status)
        self._source: Path | None = None
        self._pending: int | None = None  # a seek asked before the recording was loaded
        self.setEnabled(False)

    def load(self, path: Path | None) -> None:
        """Load a recording (None: nothing to play); returns nothing."""
        if path == self._source and path is not None:
            return
        self.player.stop()
        self._source, self._pending = path, None
        self.player.setSource(QUrl.fromLocalFile(str(path)) if path else QUrl())
        self.setEnabled(path is not None)
        self._position(0)

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def position(self) -> int:
        """Return the playing position in milliseconds (where a seek asked before loading will start)."""
        return int(self._pending if self._pending is not None else self.player.position())

    @property
    def playing(self) -> bool:
        return self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def toggle(self) -> None:
        """Play when paused, pause when playing; returns nothing."""
        if self._source is None:
            return
        self.player.pause() if self.playing else self.player.play()

    def pause(self) -> None:
        """Pause playback; returns nothing."""
        self.player.pause()

    def seek(self, ms: int) -> None:
        """Move the playing position to `ms`; returns nothing."""
        if self._source is None:
            return
        ms = max(0, int(ms))
        if self.loaded:
            self.player.setPosition(ms)
        else:
            self._pending = ms
        self._position(ms)

    @property
    def loaded(self) -> bool:
        """Return whether the recording is ready to play and seek."""
        return self.player.mediaStatus() in (
            QMediaPlayer.MediaStatus.LoadedMedia, QMediaPlayer.MediaStatus.BufferingMedia,
            QMediaPlayer.MediaStatus.BufferedMedia, QMediaPlayer.MediaStatus.EndOfMedia,
        )

    def _status(self, status) -> None:
        if self._pending is not None and self.loaded:
            self.player.setPosition(self._pending)
            self._pending = None

    def _slider_action(self, action: int) -> None:
        if action != QSlider.SliderAction.SliderMove:
            self.seek(self.slider.sliderPosition())

    def _duration(self, ms: int) -> None:
        self.slider.setRange(0, max(0, int(ms)))
        self._position(self.player.position())

    def _position(self, ms: int) -> None:
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(int(ms))
            self.slider.blockSignals(False)
        self.time.setText(f"{format_time(ms)} / {format_time(self.player.duration())}")
        self.position_changed.emit(int(ms))

    def _state(self, state) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        self.play_button.setText("❚❚ Pause" if playing else "▶ Play")
        self.playing_changed.emit(playing)
