"""The model registry: embedded models, the assembled base model, local folders, hub paths, devices."""

from __future__ import annotations

import shutil

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
