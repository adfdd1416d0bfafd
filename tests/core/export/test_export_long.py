"""Long conversations are streamed: exporting never builds the document (or a copy of the transcript) in memory."""

from __future__ import annotations

import json
import tracemalloc

import pytest

from core.export import FORMATS, ExportOptions, export_conversation
from core.results import Conversation, Speaker, Utterance, Word
from core.text.forms import forms_from_display
from export_samples import samples

UTTERANCES = 800


def long_call(n: int = UTTERANCES) -> Conversation:
    """Return an n-utterance, two-channel, two-speaker conversation with word timings.

    Twenty sentences come back in turn, so the small bounded caches of the text renderer fill at
    once and the measure sees only what the export itself keeps.
    """
    utterances = []
    for i in range(n):
        display = f"We shipped version {i % 20} to Zoë and the team on Friday, as planned."
        words = [Word(t, i * 3000 + k * 200, 180, 0.9) for k, t in enumerate(display.split())]
        utterances.append(
            Utterance(f"r{i}", i % 2, i * 3000, 2800, forms_from_display(display), 0.9, speaker=1 + i % 2, words=words)
        )
    return Conversation(
        "0d0e0f10-1111-4222-8333-444455556666", "Long call", samples.CREATED, n * 3000, "long.wav", "en-US", "tiny.en",
        channels=2, utterances=utterances, speakers={1: Speaker(1, "Zoë"), 2: Speaker(2)},
    )


@pytest.fixture(scope="module")
def call():
    conversation = long_call()
    # load the lexicons, word lists and caches once, so the measure sees the export itself
    for fmt in FORMATS:
        export_conversation(long_call(3), fmt, _devnull(fmt), ExportOptions(word_timestamps=True, sentiment=True))
    return conversation


def _devnull(fmt):
    import tempfile
    from pathlib import Path

    return Path(tempfile.mkdtemp()) / f"warm{FORMATS[fmt].extension}"


def _peak(conversation, fmt, path, options) -> tuple[int, int]:
    tracemalloc.start()
    try:
        paths = export_conversation(conversation, fmt, path, options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, sum(p.stat().st_size for p in paths)


@pytest.mark.parametrize("fmt", ["azure-v3", "azure-v2", "remote", "watson"])
def test_json_exports_stream_phrase_by_phrase(call, tmp_path, fmt):
    options = ExportOptions(word_timestamps=True, sentiment=True, keywords=("friday",), keywords_threshold=0.5)
    short_peak, short_size = _peak(long_call(UTTERANCES // 4), fmt, tmp_path / f"short{FORMATS[fmt].extension}", options)
    peak, size = _peak(call, fmt, tmp_path / f"long{FORMATS[fmt].extension}", options)
    assert size > 1_000_000 and size > 3.5 * short_size
    # building the document first would take several times the file's size, and grow with it;
    # streaming takes a small fixed amount whatever the length
    assert peak < size / 4, f"peak {peak} bytes for a {size}-byte export"
    assert peak < 1.5 * short_peak + 50_000, f"peak {short_peak} -> {peak} bytes for 4 times the utterances"
    document = json.loads((tmp_path / f"long{FORMATS[fmt].extension}").read_text(encoding="utf-8")) if fmt != "azure-v2" else None
    assert document is None or document


def test_streamed_json_is_byte_for_byte_the_plain_document(tmp_path):
    from core.views.azure_batch_v3 import batch_v3_result

    conversation = long_call(40)
    (path,) = export_conversation(conversation, "azure-v3", tmp_path / "v3.json", ExportOptions(word_timestamps=True))
    expected = json.dumps(batch_v3_result(conversation, word_timestamps=True), ensure_ascii=False, indent=2) + "\n"
    assert path.read_text(encoding="utf-8") == expected


def test_long_text_export_has_every_line(call, tmp_path):
    (path,) = export_conversation(call, "txt", tmp_path / "long.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == UTTERANCES
    assert lines[-1] == f"[00:39:57.0] Guest-2: We shipped version {(UTTERANCES - 1) % 20} to Zoë and the team on Friday, as planned."
