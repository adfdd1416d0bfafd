"""The model registry: embedded models, the assembled base model, local folders, hub paths, devices."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from core.asr import models
from core.asr.models import BASE_MODEL_SHA256, _sha256, resolve_model, select_device
from core.errors import ModelError


def test_tiny_en_is_the_embedded_default():
    model = resolve_model()
    assert model.name == "tiny.en" and model.source == "embedded"
    assert model.english_only
    assert (model.path / "model.bin").stat().st_size > 10_000_000


def test_base_is_assembled_once_verified_and_reused(parley_home):
    model = resolve_model("base")
    assert model.path.is_relative_to(parley_home)
    assert not model.english_only
    assert _sha256(model.path / "model.bin") == BASE_MODEL_SHA256
    first = (model.path / "model.bin").stat().st_mtime_ns
    again = resolve_model("base")
    assert (again.path / "model.bin").stat().st_mtime_ns == first


def test_a_damaged_assembled_base_is_rebuilt(parley_home):
    model = resolve_model("base")
    with open(model.path / "model.bin", "r+b") as handle:
        handle.truncate(1000)
    rebuilt = resolve_model("base")
    assert _sha256(rebuilt.path / "model.bin") == BASE_MODEL_SHA256


def test_a_local_ctranslate2_folder_is_accepted(tmp_path):
    folder = tmp_path / "my-model"
    shutil.copytree(resolve_model("tiny.en").path, folder)
    model = resolve_model(str(folder))
    assert model.source == "local" and model.path == folder and model.english_only


@pytest.mark.parametrize("make", ["empty-folder", "file", "unknown-name"])
def test_bad_model_names_are_clear_errors(tmp_path, make):
    if make == "empty-folder":
        target = tmp_path / "nothing"
        target.mkdir()
        name = str(target)
    elif make == "file":
        target = tmp_path / "model.bin"
        target.write_bytes(b"x")
        name = str(target)
    else:
        name = "no-such-model"
    with pytest.raises(ModelError) as info:
        resolve_model(name)
    assert name.split("/")[-1] in str(info.value) or "model" in str(info.value)


def test_hub_sizes_are_never_fetched_unless_asked(monkeypatch):
    def no_network(*args, **kwargs):  # pragma: no cover - must not be called
        raise AssertionError("the network was used")

    monkeypatch.setattr(models, "download_model", no_network)
    with pytest.raises(ModelError, match="not on this computer"):
        resolve_model("small")


def test_a_downloaded_hub_model_is_found_in_the_cache(parley_home):
    # a download leaves a CTranslate2 folder in the model cache; it is then used offline
    with pytest.raises(ModelError):
        resolve_model("small.en")
    shutil.copytree(resolve_model("tiny.en").path, parley_home / "models" / "hub-small.en")
    cached = resolve_model("small.en")
    assert cached.source == "hub" and cached.path == parley_home / "models" / "hub-small.en"


def test_download_offline_fails_with_a_clear_error(monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(ModelError, match="Could not download"):
        models.download_model("tiny")
    with pytest.raises(ModelError, match="Unknown model size"):
        models.download_model("gigantic")


def test_device_selection_falls_back_to_cpu_int8():
    import ctranslate2

    if ctranslate2.get_cuda_device_count() > 0:
        assert select_device("auto") == ("cuda", "float16")
    else:
        assert select_device("auto") == ("cpu", "int8")
        with pytest.raises(ModelError, match="No CUDA GPU"):
            select_device("cuda")
    with pytest.raises(ModelError):
        select_device("tpu")


def test_a_gpu_without_cuda_12_cublas_is_not_picked(monkeypatch, caplog):
    """CTranslate2 sees the GPU and loads the model there, but its first decode needs libcublas.so.12."""
    import ctranslate2

    monkeypatch.setattr(ctranslate2, "get_cuda_device_count", lambda: 1)  # the one thing this machine cannot give
    monkeypatch.setattr(models, "CUBLAS", "libparley-no-such-cublas.so.12")  # not on any loader path
    with caplog.at_level("WARNING", logger="core.asr.models"):
        assert select_device("auto") == ("cpu", "int8")
    assert "libparley-no-such-cublas.so.12 (CUDA 12's cuBLAS) cannot be loaded" in caplog.text
    with pytest.raises(ModelError, match="libparley-no-such-cublas.so.12") as error:
        select_device("cuda")
    assert "nvidia-cublas-cu12" in error.value.hint and "--device cpu" in error.value.hint

    monkeypatch.setattr(models, "CUBLAS", "libm.so.6")  # a library that does load stands for an installed cuBLAS
    assert models.missing_cuda_library() is None
    assert select_device("auto") == select_device("cuda") == ("cuda", "float16")


PIP_CUBLAS_PROBE = """
import ctypes, sys
try:
    ctypes.CDLL("libcublas.so.12")
    sys.exit(3)  # on the loader's path already: nothing to show
except OSError:
    pass
from core.asr.models import missing_cuda_library
assert missing_cuda_library() is None
ctypes.CDLL("libcublas.so.12")  # by name, as CTranslate2 opens it: found loaded
"""


@pytest.mark.skipif(sys.platform != "linux" or importlib.util.find_spec("nvidia.cublas") is None,
                    reason="pip's nvidia-cublas-cu12 (which torch brings on Linux) is not installed")
def test_pips_cuda_12_cublas_is_loaded_for_ctranslate2():
    """The live path never imports torch, so nothing else puts pip's cuBLAS where CTranslate2 looks for it."""
    root = Path(__file__).resolve().parents[3]
    done = subprocess.run([sys.executable, "-c", PIP_CUBLAS_PROBE], cwd=root, capture_output=True, text=True, timeout=120)
    if done.returncode == 3:
        pytest.skip("libcublas.so.12 is on this machine's loader path")
    assert done.returncode == 0, done.stderr
