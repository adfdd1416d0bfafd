"""Every format through export_conversation: files, names per channel, text lines, JSON equal to the views."""

import json

import pytest

from core.export import FORMATS, ExportOptions, export_conversation
from core.views.azure_batch_v2 import batch_v2_result
from core.views.azure_batch_v3 import batch_v3_result
from core.views.azure_remote import remote_conversation_transcription_result
from core.views.watson import speech_recognition_results


def test_the_registry_names_every_format():
    assert set(FORMATS) == {"remote", "azure-v2", "azure-v3", "watson", "txt", "srt", "vtt", "md", "docx", "csv", "rttm"}
    assert [name for name, e in FORMATS.items() if e.binary] == ["docx"]
    assert [name for name, e in FORMATS.items() if e.per_channel] == ["azure-v2"]


def test_txt_lines_with_time_and_speaker(tmp_path, call):
    (path,) = export_conversation(call, "txt", tmp_path / "call.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[00:00:03.2] Alice: Hello world."
    assert lines[1] == "[00:00:05.0] Guest-2: It's 25 past 10."
    assert lines[2].startswith("[00:01:02.3] So the plan is simple:")
    assert len(lines) == 3


def test_txt_options_drop_time_and_speaker(tmp_path, call):
    (path,) = export_conversation(call, "txt", tmp_path / "a.txt", ExportOptions(timestamps=False))
    assert path.read_text(encoding="utf-8").splitlines()[:2] == ["Alice: Hello world.", "Guest-2: It's 25 past 10."]
    (path,) = export_conversation(call, "txt", tmp_path / "b.txt", ExportOptions(speakers=False, text_form="itn"))
    assert path.read_text(encoding="utf-8").splitlines()[:2] == ["[00:00:03.2] hello world", "[00:00:05.0] it's 25 past 10"]


def test_stdout_when_no_output_path(capsys, memo):
    assert export_conversation(memo, "txt", None) == []
    assert capsys.readouterr().out == "[00:00:00.7] Good morning!\n"


def test_json_formats_are_the_views(tmp_path, call):
    options = ExportOptions(word_timestamps=True, sentiment=True)
    (remote,) = export_conversation(call, "remote", tmp_path / "remote.json", options)
    assert json.loads(remote.read_text(encoding="utf-8")) == remote_conversation_transcription_result(call)
    (v3,) = export_conversation(call, "azure-v3", tmp_path / "v3.json", options)
    assert json.loads(v3.read_text(encoding="utf-8")) == batch_v3_result(call, word_timestamps=True)
    (watson,) = export_conversation(call, "watson", tmp_path / "watson.json", options)
    assert json.loads(watson.read_text(encoding="utf-8")) == speech_recognition_results(call)


def test_azure_v2_writes_one_file_per_channel(tmp_path, call):
    paths = export_conversation(call, "azure-v2", tmp_path / "out.json", ExportOptions(sentiment=True))
    assert paths == [tmp_path / "out.channel0.json", tmp_path / "out.channel1.json"]
    for channel, path in enumerate(paths):
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document == batch_v2_result(call, channel, sentiment=True)
        assert document["AudioFileResults"][0]["AudioFileName"] == f"Channel.{channel}.wav"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.channel0.json", "out.channel1.json"]


def test_azure_v2_mono_keeps_the_given_name(tmp_path, memo):
    assert export_conversation(memo, "azure-v2", tmp_path / "memo.json") == [tmp_path / "memo.json"]


def test_watson_export_without_speakers_or_timings(tmp_path, call):
    (path,) = export_conversation(call, "watson", tmp_path / "w.json", ExportOptions(speakers=False))
    document = json.loads(path.read_text(encoding="utf-8"))
    assert "speaker_labels" not in document
    assert list(document["results"][0]["alternatives"][0]) == ["transcript", "confidence"]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_every_format_handles_an_empty_conversation(tmp_path, empty, fmt):
    (path,) = export_conversation(empty, fmt, tmp_path / f"empty{FORMATS[fmt].extension}")
    if FORMATS[fmt].binary:
        from docx import Document

        paragraphs = [p.text for p in Document(str(path)).paragraphs]
        assert paragraphs[0] == "Silence" and paragraphs[1].startswith("Date: 2026-03-01")
        assert len(paragraphs) == 3  # title, date, duration: no participants, no utterances
        return
    text = path.read_bytes().decode("utf-8")  # as written: CSV lines end in CRLF
    expected = {
        ".json": None,
        ".txt": "", ".srt": "", ".rttm": "", ".vtt": "WEBVTT\n\n",
        ".csv": "\ufeffresult_id,start,end,start_seconds,end_seconds,channel,speaker,text,confidence\r\n",
        ".md": "# Silence\n\n- **Date:** 2026-03-01 09:30 UTC\n- **Duration:** 00:00:00\n\n",
    }[FORMATS[fmt].extension]
    if expected is None:
        document = json.loads(text)
        assert "[]" in text and document
    else:
        assert text == expected


def test_non_ascii_text_is_written_as_utf8(tmp_path, call):
    call.speakers[1].name = "Zoë"
    (path,) = export_conversation(call, "remote", tmp_path / "r.json")
    assert '"SpeakerId": "Zoë"' in path.read_text(encoding="utf-8")


def test_a_word_document_is_marked_in_the_conversations_language(tmp_path, call):
    """Word spell-checks a document in the language it is marked with: a Swedish meeting is not English."""
    import zipfile
    from dataclasses import replace

    from docx import Document

    for locale in ("sv-SE", "ru-RU", "en-US"):
        (path,) = export_conversation(replace(call, locale=locale), "docx", tmp_path / f"{locale}.docx")
        with zipfile.ZipFile(path) as docx:
            styles = docx.read("word/styles.xml").decode("utf-8")
        assert f'<w:lang w:val="{locale}"' in styles and Document(str(path)).core_properties.language == locale


def test_rttm_names_a_live_recording_by_its_file_or_its_conversation_not_by_the_source_label(sample_call):
    """A live recording's RTTM file id was its source label: "live:_file:_long8min" (review)."""
    from dataclasses import replace

    from core.export.rttm import recording_name

    assert recording_name(replace(sample_call, source="/calls/sample.wav")) == "sample"
    assert recording_name(replace(sample_call, source="live: file: long 8min.wav")) == "long_8min"
    assert recording_name(replace(sample_call, source="live: microphone: USB Headset")) == sample_call.conversation_id
