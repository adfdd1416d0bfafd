"""Silero voice activity detection run incrementally on a live stream (faster-whisper's bundled ONNX model).

The model keeps an LSTM state and 64 samples of context between 512-sample frames; carrying both
across calls gives the same probabilities as one batch over the whole recording.

Digital silence (a muted input, a device or file that delivers zeros) is not run through the model:
its frames are non-speech, and the state stays what the last real sound left. Fed zeros, the state
drifts, and stays deaf long after: the sample after 600 s of zeros had 457 speech frames instead of
653 (its mean probability over 20-30 s 0.73 instead of 0.89), and its first "Hello?" was lost. A
quiet room's noise (1e-4) does not do this (650 frames).
"""

from __future__ import annotations

import numpy as np

FRAME = 512  # 32 ms at 16 kHz, what the model takes
_CONTEXT = 64
SILENT_PEAK = 1e-5  # a frame whose peak is under this is digital silence: under any real input's noise floor (16-bit: 3e-5)


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
        probabilities = np.zeros(len(frames), dtype=np.float32)
        if len(frames) == 0:
            return probabilities
        previous = np.vstack([self._context[np.newaxis], frames[:-1, -_CONTEXT:]])
        sounding = np.flatnonzero(np.abs(frames).max(axis=1) >= SILENT_PEAK)
        for run in np.split(sounding, np.flatnonzero(np.diff(sounding) > 1) + 1) if sounding.size else ():
            span = slice(run[0], run[-1] + 1)  # consecutive frames with sound: one model call, the state carried through
            batch = np.hstack([previous[span], frames[span]]).astype(np.float32, copy=False)
            out, self._h, self._c = self._model.session.run(None, {"input": batch, "h": self._h, "c": self._c})
            probabilities[span] = np.asarray(out, dtype=np.float32).reshape(-1)
        self._context = frames[-1, -_CONTEXT:].copy()
        return probabilities
