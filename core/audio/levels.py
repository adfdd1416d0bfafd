"""Level meter values of an audio block."""

from __future__ import annotations

import math

import numpy as np


def block_level(block: np.ndarray) -> tuple[float, float]:
    """Return a block's peak (0..1) and RMS level in dBFS (-inf for silence), for level meters."""
    if not len(block):
        return 0.0, -math.inf
    peak = float(np.max(np.abs(block)))
    rms = float(np.sqrt(np.mean(np.square(block, dtype=np.float64))))
    return min(peak, 1.0), (20 * math.log10(rms) if rms > 0 else -math.inf)
