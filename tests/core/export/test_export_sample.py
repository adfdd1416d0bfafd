"""Every format made from the real sample transcript and read back by an independent parser, content checked."""

from __future__ import annotations

import csv
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import srt
import webvtt

from core.export import FORMATS, ExportOptions, export_conversation
from core.text.forms import word_token
from core.views.units import iso8601_duration

SCHEMA = Path(__file__).resolve().parents[2] / "data" / "azure" / "transcriptionresult_v3.schema.json"
ZOE = "Zoë Ødegård"
# how whisper writes the sample's first words depends on the CPU's arithmetic: "Hello." where these tests were written,
# "Hello?" on an AMD EPYC (where CTranslate2 multiplies with oneDNN, not MKL); the second "Hello" is heard on some
HELLO = r"Hello[.?] (Hello[.?] )?Oh, hello\."
OPTIONS = ExportOptions(word_timestamps=True, sentiment=True)


def _export(conversation, fmt, tmp_path, options=OPTIONS) -> Path:
    (path,) = export_conversation(conversation, fmt, tmp_path / f"sample{FORMATS[fmt].extension}", options)
    return path


def test_the_sample_has_both_reference_speakers(sample_call):
    assert {u.speaker for u in sample_call.utterances} == {1, 2}
    assert len(sample_call.utterances) >= 8
    assert all(w.speaker in (1, 2) for u in sample_call.utterances for w in u.words)


def test_azure_v3_is_valid_against_microsofts_schema(sample_call, tmp_path):
    import jsonschema

    document = json.loads(_export(sample_call, "azure-v3", tmp_path).read_text(encoding="utf-8"))
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    jsonschema.Draft7Validator(schema).validate(document)

    phrases = document["recognizedPhrases"]
    ordered = sample_call.ordered()
    assert len(phrases) == len(ordered)
    for phrase, utterance in zip(phrases, ordered):
        assert phrase["offsetInTicks"] == utterance.offset_ms * 10_000
        assert phrase["durationInTicks"] == utterance.duration_ms * 10_000
        assert phrase["offset"] == iso8601_duration(utterance.offset_ms)
        assert phrase["speaker"] == utterance.speaker
        assert phrase.get("speakerName") == (ZOE if utterance.speaker == 1 else None)
        best = phrase["nBest"][0]
        assert best["display"] == utterance.display
        assert [w["word"] for w in best["words"]] == [word_token(w.text) for w in utterance.words]
        assert [w["offsetInTicks"] for w in best["words"]] == [w.offset_ms * 10_000 for w in utterance.words]
    (combined,) = document["combinedRecognizedPhrases"]
    assert combined["display"] == " ".join(u.display for u in ordered)
    assert "chicago" in combined["lexical"] and "Chicago" in combined["display"]


def test_schema_rejects_what_the_service_would_not_write(sample_call):
    """The schema is a real check: a phrase without nBest or a word confidence above 1 fails."""
    import jsonschema

    from core.views.azure_batch_v3 import batch_v3_result

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    document = batch_v3_result(sample_call, word_timestamps=True)
    del document["recognizedPhrases"][0]["nBest"]
    with pytest.raises(jsonschema.ValidationError, match="nBest"):
        jsonschema.validate(document, schema)
    document = batch_v3_result(sample_call, word_timestamps=True)
    document["recognizedPhrases"][1]["nBest"][0]["words"][0]["confidence"] = 1.5
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, schema)


def test_azure_v2_segments_sentiment_and_names(sample_call, tmp_path):
    document = json.loads(_export(sample_call, "azure-v2", tmp_path).read_text(encoding="utf-8"))
    (audio,) = document["AudioFileResults"]
    segments = audio["SegmentResults"]
    assert len(segments) == len(sample_call.utterances)
    assert audio["AudioLengthInSeconds"] == round(sample_call.duration_ms / 1000, 2)
    for segment, utterance in zip(segments, sample_call.ordered()):
        assert segment["SpeakerId"] == str(utterance.speaker)
        assert segment.get("SpeakerName") == (ZOE if utterance.speaker == 1 else None)
        assert segment["OffsetInSeconds"] == pytest.approx(utterance.offset_ms / 1000, abs=0.006)
        scores = segment["NBest"][0]["Sentiment"]
        assert sum(scores.values()) == pytest.approx(1, abs=0.01)
        assert all(0 <= v <= 1 for v in scores.values())
    assert re.match(HELLO, audio["CombinedResults"][0]["Display"])


def test_remote_result_uses_the_speaker_names(sample_call, tmp_path):
    document = json.loads(_export(sample_call, "remote", tmp_path).read_text(encoding="utf-8"))
    assert document["Id"] == sample_call.conversation_id
    results = document["ConversationTranscriptionResults"]
    assert [r["SpeakerId"] for r in results] == [ZOE if u.speaker == 1 else "Guest-2" for u in sample_call.ordered()]
    inner = json.loads(results[-1]["Json"])
    assert inner["DisplayText"] == results[-1]["Text"] == sample_call.ordered()[-1].display
    assert inner["NBest"][0]["Words"][0]["Offset"] == sample_call.ordered()[-1].words[0].offset_ms * 10_000


def test_watson_labels_timestamps_confidence_and_keywords(sample_call, tmp_path):
    options = ExportOptions(word_timestamps=True, keywords=("Chicago", "new jersey"), keywords_threshold=0.5)
    document = json.loads(_export(sample_call, "watson", tmp_path, options).read_text(encoding="utf-8"))
    words = [w for u in sample_call.ordered() for w in u.words]
    labels = document["speaker_labels"]
    assert [l["speaker"] for l in labels] == [w.speaker - 1 for w in words]
    assert [l["from"] for l in labels] == [round(w.offset_ms / 1000, 2) for w in words]
    assert document["speaker_names"] == {"0": ZOE}
    from ibm_watson.speech_to_text_v1 import SpeechRecognitionResults

    parsed = SpeechRecognitionResults.from_dict(document)  # the file reads with IBM's own SDK
    assert len(parsed.speaker_labels) == len(words) and all(0.5 <= l.confidence <= 1 for l in parsed.speaker_labels)
    stamps = [t for r in document["results"] for t in r["alternatives"][0]["timestamps"]]
    assert [t[0] for t in stamps] == [word_token(w.text) for w in words]
    confidences = [c for r in document["results"] for _, c in r["alternatives"][0]["word_confidence"]]
    assert confidences == [w.confidence for w in words]
    spotted = {k: m for r in document["results"] for k, m in r.get("keywords_result", {}).items() for m in m}
    chicago = [m for r in document["results"] for m in r.get("keywords_result", {}).get("Chicago", [])]
    jersey = [m for r in document["results"] for m in r.get("keywords_result", {}).get("new jersey", [])]
    assert spotted and len(chicago) == 2 and len(jersey) == 3  # the transcript says each that often
    assert all(m["normalized_text"] == "New Jersey" and m["confidence"] >= 0.5 for m in jersey)
    assert all(m["start_time"] < m["end_time"] for m in chicago + jersey)


def test_txt_lines_carry_times_speakers_and_text(sample_call, tmp_path):
    lines = _export(sample_call, "txt", tmp_path).read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(sample_call.utterances)
    first = sample_call.ordered()[0]
    assert lines[0] in (f"[00:00:0{first.offset_ms // 1000}.{first.offset_ms // 100 % 10}] {ZOE}: Hello{mark}" for mark in ".?")
    assert all(re.match(r"^\[\d\d:\d\d:\d\d\.\d\] (Zoë Ødegård|Guest-2): \S", line) for line in lines)


def test_srt_parsed_by_srt_library(sample_call, tmp_path):
    cues = list(srt.parse(_export(sample_call, "srt", tmp_path).read_text(encoding="utf-8")))
    assert len(cues) >= len(sample_call.utterances)
    spans = [(u.offset_ms, u.end_ms) for u in sample_call.ordered()]
    for cue in cues:
        start, end = cue.start / timedelta(milliseconds=1), cue.end / timedelta(milliseconds=1)
        assert any(s <= start < end <= e for s, e in spans)
        assert cue.content.split(": ")[0] in (ZOE, "Guest-2")
    assert re.match(HELLO, " ".join(c.content.split(": ", 1)[1] for c in cues))


def test_vtt_parsed_by_webvtt_with_voices(sample_call, tmp_path):
    captions = webvtt.read(str(_export(sample_call, "vtt", tmp_path))).captions
    assert {c.voice for c in captions} == {ZOE, "Guest-2"}
    assert captions[0].text in ("Hello.", "Hello?") and captions[0].voice == ZOE
    chicago = [c for c in captions if "Chicago" in c.text]
    assert len(chicago) == 2
    assert all(c.end_in_seconds - c.start_in_seconds <= 7 for c in captions)


def test_docx_opened_by_python_docx(sample_call, tmp_path):
    from docx import Document

    document = Document(str(_export(sample_call, "docx", tmp_path)))
    assert document.core_properties.title == "Sample: two callers"
    paragraphs = document.paragraphs
    assert paragraphs[0].text == "Sample: two callers" and paragraphs[0].style.name == "Title"
    assert paragraphs[1].text.startswith("Date: ")
    assert paragraphs[2].text == "Duration: 00:00:30"
    assert paragraphs[3].text == f"Participants: {ZOE}, Guest-2"
    body = paragraphs[4:]
    assert len(body) == len(sample_call.utterances)
    for paragraph, utterance in zip(body, sample_call.ordered()):
        speaker = ZOE if utterance.speaker == 1 else "Guest-2"
        assert paragraph.runs[0].text == speaker and paragraph.runs[0].bold
        assert paragraph.text == f"{speaker} [00:00:{utterance.offset_ms // 1000:02d}]: {utterance.display}"


def test_csv_read_by_the_csv_module(sample_call, tmp_path):
    with _export(sample_call, "csv", tmp_path).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(sample_call.utterances)
    for row, utterance in zip(rows, sample_call.ordered()):
        assert float(row["start_seconds"]) == utterance.offset_ms / 1000
        assert float(row["end_seconds"]) == utterance.end_ms / 1000
        assert row["speaker"] == (ZOE if utterance.speaker == 1 else "Guest-2")
        assert row["text"] == utterance.display
        assert row["channel"] == "0"
        assert sum(float(row[c]) for c in ("negative", "neutral", "positive")) == pytest.approx(1, abs=0.01)


def test_rttm_loaded_by_pyannote_matches_the_reference(sample_call, sample_dir, tmp_path):
    from pyannote.database.util import load_rttm
    from pyannote.metrics.diarization import DiarizationErrorRate

    exported = load_rttm(str(_export(sample_call, "rttm", tmp_path)))
    (uri,) = exported
    assert uri == "sample"  # the recording's file name, as in the reference
    hypothesis = exported[uri]
    assert set(hypothesis.labels()) == {"Zoë_Ødegård", "Guest-2"}
    reference = load_rttm(str(sample_dir / "sample.rttm"))["sample"]
    # speakers came from the reference, so only word timing differs from it
    der = DiarizationErrorRate()(reference, hypothesis)
    assert der < 0.3
    speech = sum(s.duration for s in hypothesis.get_timeline().support())
    assert 15 < speech < 26


def test_markdown_parsed_by_markdown_it(sample_call, tmp_path):
    from markdown_it import MarkdownIt

    text = _export(sample_call, "md", tmp_path).read_text(encoding="utf-8")
    tokens = MarkdownIt().parse(text)
    heading = next(t for i, t in enumerate(tokens) if t.type == "inline" and tokens[i - 1].type == "heading_open")
    assert heading.content == "Sample: two callers"
    items = [t.content for i, t in enumerate(tokens) if t.type == "inline" and tokens[i - 2].type == "list_item_open"]
    assert items[2] == f"**Participants:** {ZOE}, Guest-2"
    paragraphs = [t for i, t in enumerate(tokens) if t.type == "inline" and tokens[i - 1].type == "paragraph_open" and tokens[i - 2].type != "list_item_open"]
    assert len(paragraphs) == len(sample_call.utterances)
    first = [c for c in paragraphs[0].children if c.type != "text" or c.content]
    assert [c.type for c in first[:3]] == ["strong_open", "text", "strong_close"] and first[1].content == ZOE
    rendered = MarkdownIt().render(text)
    assert re.search(r"<strong>Zoë Ødegård</strong> \[00:00:06\]: Hello[.?]</p>", rendered)
