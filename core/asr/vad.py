"""Silero voice activity detection run incrementally on a live stream (faster-whisper's bundled ONNX model).

The model keeps an LSTM state and 64 samples of context between 512-sample frames; carrying both
across calls gives the same probabilities as one batch over the whole recording.
"""

from __future__ import annotations

import numpy as np

FRAME = 512  # 32 ms at 16 kHz, what the model takes
_CONTEXT = 64


class StreamingVad:
    """Silero VAD run incrementally: speech probabilities for each 32 ms frame, state kept between calls."""

    def __init__(self):
        from faster_whisper.vad import get_vad_model

        self._model = get_vad_model()
        self.reset()

    def reset(self) -> None:
        """Return None after forgetting the stream so far."""
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(_CONTEXT, dtype=np.float32)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """Return one speech probability per frame of a (n, 512) float32 array."""
        if len(frames) == 0:
            return np.zeros(0, dtype=np.float32)
        previous = np.vstack([self._context[np.newaxis], frames[:-1, -_CONTEXT:]])
        batch = np.hstack([previous, frames]).astype(np.float32, copy=False)
        out, self._h, self._c = self._model.session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = frames[-1, -_CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)
