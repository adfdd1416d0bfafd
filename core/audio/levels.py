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


class DcRemover:
    """Takes a constant offset (DC) out of a stream of blocks, for the VAD and whisper; recordings keep theirs.

    Some microphones and converters add one: at 0.2 of full scale, silero's VAD heard 197 speech
    frames of the sample's 653 and live and file transcriptions lost 72 % of the words. The offset is
    followed as a moving average of the means of 100 ms steps (each step moves it by `weight` of the
    difference: a time constant of about 1 s, whatever the size of the blocks given; the 30 s chunks
    of a file moved it once each, and a step or drift of the offset went uncorrected for minutes),
    far below the lowest frequencies of speech, and taken out once it reaches `threshold` (then for
    good). Under it a recording is passed on as it is: the sample's offset is under 0.0001, and
    taking even that out changed whisper's words (the live replay's WER went from 15.43 to 15.84 %,
    and a file transcription lost its first "Hello?").
    """

    STEP = 1600  # samples of a step: 100 ms at 16 kHz

    def __init__(self, weight: float = 0.1, threshold: float = 0.005):
        self.weight, self.threshold = weight, threshold
        self.offset: float | None = None
        self.engaged = False

    def __call__(self, block: np.ndarray) -> np.ndarray:
        """Return the block (float32), less the offset heard so far (step by step) once it is one to take out."""
        block = np.asarray(block, dtype=np.float32)
        if not block.size:
            return block
        if block.size <= self.STEP:
            return self._step(block)
        return np.concatenate([self._step(block[at:at + self.STEP]) for at in range(0, block.size, self.STEP)])

    def _step(self, block: np.ndarray) -> np.ndarray:
        mean = float(np.mean(block, dtype=np.float64))
        self.offset = mean if self.offset is None else self.offset + self.weight * (mean - self.offset)
        self.engaged = self.engaged or abs(self.offset) >= self.threshold
        return block - np.float32(self.offset) if self.engaged else block
