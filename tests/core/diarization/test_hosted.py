"""Loading pyannote's hosted pipelines: a local folder, Parley's model folder, the keyring token.

The pipeline folders are built here from randomly initialised models saved with their
config (the layout of pyannote/speaker-diarization-community-1), so no test touches the network.
"""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from core.diarization import hosted
from core.diarization.hosted import load_hosted_pipeline
from core.diarization.pipeline import Diarizer
from core.errors import ModelError, SecretStoreError


def _save_model(model, specifications, path):
    import pyannote.audio
    import pytorch_lightning as pl
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "state_dict": model.state_dict(),
            "hyper_parameters": dict(model.hparams),
            "pytorch-lightning_version": pl.__version__,
            "pyannote.audio": {
                "versions": {"pyannote.audio": pyannote.audio.__version__},
                "architecture": {"module": type(model).__module__, "class": type(model).__name__},
                "specifications": specifications,
            },
        },
        path,
    )


def build_pipeline_folder(root):
    """Write a community-1-like pipeline (powerset segmentation, x-vector, PLDA + VBx) to root."""
    import pyannote.audio
    import torch
    from pyannote.audio.core.task import Problem, Resolution, Specifications
    from pyannote.audio.models.embedding import XVectorMFCC
    from pyannote.audio.models.segmentation import PyanNet

    torch.manual_seed(0)
    segmentation = PyanNet(
        sincnet={"stride": 10},
        lstm={"hidden_size": 16, "num_layers": 1, "bidirectional": True, "monolithic": True},
        linear={"hidden_size": 16, "num_layers": 1},
    )
    seg_specs = Specifications(
        problem=Problem.MONO_LABEL_CLASSIFICATION,
        resolution=Resolution.FRAME,
        duration=5.0,
        classes=["speaker#1", "speaker#2", "speaker#3"],
        powerset_max_classes=2,
        permutation_invariant=True,
    )
    segmentation.specifications = seg_specs
    segmentation.build()
    _save_model(segmentation, seg_specs, root / "segmentation" / "pytorch_model.bin")

    embedding = XVectorMFCC(dimension=64)
    emb_specs = Specifications(problem=Problem.REPRESENTATION, resolution=Resolution.CHUNK, duration=3.0)
    embedding.specifications = emb_specs
    _save_model(embedding, emb_specs, root / "embedding" / "pytorch_model.bin")

    rng = np.random.default_rng(0)
    dim, lda = 64, 16
    (root / "plda").mkdir()
    np.savez(root / "plda" / "xvec_transform.npz", mean1=rng.normal(size=dim), mean2=rng.normal(size=lda), lda=rng.normal(size=(dim, lda)))
    np.savez(root / "plda" / "plda.npz", mu=rng.normal(size=lda), tr=rng.normal(size=(lda, lda)), psi=rng.uniform(0.5, 2, size=lda))

    config = {
        "dependencies": {"pyannote.audio": pyannote.audio.__version__},
        "pipeline": {
            "name": "pyannote.audio.pipelines.SpeakerDiarization",
            "params": {
                "segmentation": "$model/segmentation",
                "embedding": "$model/embedding",
                "plda": "$model/plda",
                "clustering": "VBxClustering",
                "embedding_batch_size": 8,
                "embedding_exclude_overlap": True,
            },
        },
        "params": {"clustering": {"threshold": 0.6, "Fa": 0.07, "Fb": 0.8}, "segmentation": {"min_duration_off": 0.0}},
    }
    (root / "config.yaml").write_text(yaml.safe_dump(config))
    return root


@pytest.fixture(scope="module")
def pipeline_folder(tmp_path_factory):
    return build_pipeline_folder(tmp_path_factory.mktemp("community-like"))


@pytest.fixture
def keyring_backend():
    from helpers.memory_keyring import MemoryKeyring, keyring_backend as installed

    with installed(MemoryKeyring()) as backend:
        yield backend


@pytest.fixture
def no_keyring():
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_local_folder_loads_and_diarizes(pipeline_folder, sample_wav, no_keyring):
    import soundfile as sf
    from pyannote.audio.pipelines import SpeakerDiarization

    pipeline = load_hosted_pipeline(pipeline_folder)  # a local folder needs no keyring
    assert isinstance(pipeline, SpeakerDiarization)
    assert pipeline.klustering == "VBxClustering"

    audio, _ = sf.read(sample_wav, dtype="float32")
    steps = []
    result = Diarizer(device="cpu", pipeline=str(pipeline_folder)).diarize(
        audio[: 16000 * 8], hook=lambda step, completed=None, total=None: steps.append(step)
    )
    assert {"segmentation", "embeddings"} <= set(steps)
    assert all(0 <= t.start_ms < t.end_ms <= 8000 for t in result.turns)
    assert result.num_speakers == len({t.speaker for t in result.turns})


def test_hub_name_is_found_in_parley_model_folder_with_the_keyring_token(pipeline_folder, keyring_backend, monkeypatch):
    import shutil

    keyring_backend.set_password("parley", "huggingface", "hf_secret")
    seen = {}
    target = hosted.hub_folder("pyannote/speaker-diarization-community-1")
    shutil.copytree(pipeline_folder, target)

    from pyannote.audio import Pipeline

    original = Pipeline.from_pretrained.__func__

    def spy(cls, checkpoint, **kwargs):
        seen["checkpoint"], seen["token"] = checkpoint, kwargs.get("token")
        return original(cls, checkpoint, **kwargs)

    monkeypatch.setattr(Pipeline, "from_pretrained", classmethod(spy))
    pipeline = load_hosted_pipeline("pyannote/speaker-diarization-community-1")

    assert pipeline is not None
    assert seen == {"checkpoint": target, "token": "hf_secret"}


def test_missing_keyring_backend_is_a_secret_store_error(no_keyring):
    with pytest.raises(SecretStoreError) as error:
        load_hosted_pipeline("pyannote/speaker-diarization-community-1")
    assert "keyring" in error.value.user_message().lower()


def test_pipeline_not_downloaded_is_a_model_error(keyring_backend, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hosted, "_cached_snapshot", lambda repo_id: None)
    with pytest.raises(ModelError, match="not downloaded"):
        load_hosted_pipeline("someone/not-a-downloaded-pipeline")
