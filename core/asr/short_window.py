"""A faster-whisper model whose encoder may see a shorter window than whisper's 30 s (for live decodes)."""

from __future__ import annotations

import numpy as np


class ShortWindowWhisper:
    """A view of a cached WhisperModel whose encoder may see less padding than whisper's 30 s window.

    faster-whisper pads every window to 30 s, and encoding that padding is most of the cost of a
    short decode. CTranslate2's encoder accepts shorter inputs, so this view can cut the padded mel
    features to max(`window_ms`, the audio + 1 s, in 5 s steps). Measured on the sample with tiny.en
    (fed in real-time order, three update paces): a 20 s window needs 35% less CPU per update but
    the live WER rises from 16.0% to 19.3% on average, so the default stays at 30 s (no cut); 20 s
    is an option for slow machines. The shared model itself is never changed (the view is a copy).
    """

    def __init__(self, model, window_ms: int):
        import copy
        import types

        self.model = model
        self.frames = min(3000, max(500, window_ms // 10))
        self._view = copy.copy(model)
        self._view.encode = types.MethodType(self._encode, self._view)
        self._wanted = 3000

    def _encode(self, view, features: np.ndarray):
        features = features[..., : self._wanted]
        return type(self.model).encode(view, features)

    def transcribe(self, audio: np.ndarray, **options):
        """Return faster-whisper's (segments, info) for `audio`, encoded in the short window."""
        audio_frames = len(audio) // 160
        self._wanted = 3000 if self.frames >= 3000 else min(3000, max(self.frames, -(-(audio_frames + 100) // 500) * 500))
        segments, info = self._view.transcribe(audio, **options)
        return list(segments), info
