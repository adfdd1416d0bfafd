"""What Parley's speech models would run on, on a machine with an NVIDIA GPU: a check, not a timing.

    python benchmarks/cuda_check.py

It prints what CTranslate2 sees (CUDA devices, compute types), whether CUDA 12's cuBLAS (which
CTranslate2 4.x opens on its first product on a GPU) can be loaded, and what `select_device`
then picks for "auto" and "cuda". It exits 1 when the choice is wrong: CUDA picked although the
first decode would fail, or the CPU picked although the GPU is usable.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.asr.models import missing_cuda_library, select_device  # noqa: E402
from core.errors import ModelError  # noqa: E402


def main() -> int:
    logging.basicConfig(level=logging.WARNING, format="log: %(levelname)s %(message)s")
    import ctranslate2

    try:
        gpus = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        gpus = "(no nvidia-smi)"
    count = ctranslate2.get_cuda_device_count()
    print(f"GPUs: {gpus or '(none)'}")
    print(f"ctranslate2 {ctranslate2.__version__}: {count} CUDA device(s)")
    if count:
        print(f"compute types on cuda:0: {sorted(ctranslate2.get_supported_compute_types('cuda'))}")
    missing = missing_cuda_library()
    print(f"CUDA 12 cuBLAS: {'missing (' + missing + ')' if missing else 'loads'}")
    auto = select_device("auto")
    print(f"select_device('auto') -> {auto}")
    try:
        print(f"select_device('cuda') -> {select_device('cuda')}")
        cuda_error = None
    except ModelError as exc:
        cuda_error = exc
        print(f"select_device('cuda') -> ModelError: {exc} ({getattr(exc, 'hint', '')})")
    usable = bool(count) and missing is None
    right = auto == (("cuda", "float16") if usable else ("cpu", "int8")) and (cuda_error is None) == usable
    print("OK: the device chosen is one whisper can run on" if right else "WRONG: see above")
    return 0 if right else 1


if __name__ == "__main__":
    raise SystemExit(main())
