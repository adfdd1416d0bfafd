"""Bulk export: many conversations into a folder or one zip, each under a safe, unique name."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import replace

import pytest
import srt

from core.errors import ExportError
from core.export import ExportOptions, export_many
from core.export.bulk import safe_name
from export_samples import samples


def _three():
    call, memo, empty = samples.two_channel_call(), samples.mono_without_speakers(), samples.empty_conversation()
    return [call, memo, empty]


def test_one_file_per_conversation_in_a_new_folder(tmp_path):
    folder = tmp_path / "exports" / "march"
    paths = export_many(iter(_three()), "srt", folder)
    assert [p.name for p in paths] == ["Weekly-call-5f1c7e0a.srt", "Memo-0b6f5d1e.srt", "Silence-9e2d8c7b.srt"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths)
    cues = list(srt.parse(paths[0].read_text(encoding="utf-8")))
    assert cues[0].content == "Alice: Hello world."
    assert paths[2].read_text(encoding="utf-8") == ""


def test_per_channel_format_writes_each_channel(tmp_path):
    paths = export_many(_three()[:2], "azure-v2", tmp_path)
    assert [p.name for p in paths] == [
        "Weekly-call-5f1c7e0a.channel0.json", "Weekly-call-5f1c7e0a.channel1.json", "Memo-0b6f5d1e.json",
    ]
    assert json.loads(paths[1].read_text(encoding="utf-8"))["AudioFileResults"][0]["AudioFileName"] == "Channel.1.wav"
    again = export_many(_three()[:1], "azure-v2", tmp_path)
    assert [p.name for p in again] == ["Weekly-call-5f1c7e0a-2.channel0.json", "Weekly-call-5f1c7e0a-2.channel1.json"]


def test_zip_archive_holds_every_export(tmp_path):
    (archive,) = export_many(_three(), "docx", tmp_path / "all.zip", ExportOptions(timestamps=False))
    assert archive == tmp_path / "all.zip" and [p.name for p in tmp_path.iterdir()] == ["all.zip"]
    from docx import Document

    with zipfile.ZipFile(archive) as bundle:
        assert bundle.testzip() is None
        assert bundle.namelist() == ["Weekly-call-5f1c7e0a.docx", "Memo-0b6f5d1e.docx", "Silence-9e2d8c7b.docx"]
        document = Document(io.BytesIO(bundle.read("Weekly-call-5f1c7e0a.docx")))
    assert [p.text for p in document.paragraphs][-3] == "Alice: Hello world."


def test_zip_text_members_are_utf8(tmp_path):
    call = _three()[0]
    call.speakers[1].name = "Zoë"
    (archive,) = export_many([call], "vtt", tmp_path / "out.zip")
    with zipfile.ZipFile(archive) as bundle:
        assert "<v Zoë>Hello world." in bundle.read("Weekly-call-5f1c7e0a.vtt").decode("utf-8")


def test_a_csv_file_starts_with_a_byte_order_mark_for_excel_and_stdout_has_none(tmp_path, capsys):
    """Excel reads a CSV file without a BOM in the system's code page, so "Zoë" and Cyrillic came out as mojibake."""
    from core.export import export_conversation

    call = _three()[0]
    call.speakers[1].name = "Зоя Åström"
    (path,) = export_conversation(call, "csv", tmp_path / "call.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfresult_id,") and raw.count(b"\xef\xbb\xbf") == 1
    assert ",\u0417\u043e\u044f \u00c5str\u00f6m," in raw.decode("utf-8-sig")
    (archive,) = export_many([call], "csv", tmp_path / "all.zip")
    with zipfile.ZipFile(archive) as bundle:
        (member,) = bundle.namelist()
        assert bundle.read(member) == raw
    (folder_file,) = export_many([call], "csv", tmp_path / "folder")
    assert folder_file.read_bytes() == raw
    assert export_conversation(call, "csv", None) == []  # stdout feeds other programs: no mark there
    out = capsys.readouterr().out
    assert out.startswith("result_id,") and "\ufeff" not in out


def test_safe_names_for_odd_titles():
    call = samples.two_channel_call()
    assert safe_name(replace(call, title="Réunion: budget / Q3?")) == "Réunion-budget-Q3-5f1c7e0a"
    assert safe_name(replace(call, title="../../etc/passwd")) == "etc-passwd-5f1c7e0a"
    assert safe_name(replace(call, title="")) == "conversation-5f1c7e0a"
    assert safe_name(replace(call, title="会议记录")) == "会议记录-5f1c7e0a"
    assert len(safe_name(replace(call, title="x" * 500))) == 60 + 9


def test_same_title_and_id_prefix_never_overwrites(tmp_path):
    a = samples.two_channel_call()
    b = replace(samples.two_channel_call(), conversation_id="5f1c7e0a-0000-4000-8000-000000000000", utterances=[])
    paths = export_many([a, b], "txt", tmp_path)
    assert [p.name for p in paths] == ["Weekly-call-5f1c7e0a.txt", "Weekly-call-5f1c7e0a-2.txt"]
    assert paths[0].read_text(encoding="utf-8") != paths[1].read_text(encoding="utf-8")
    again = export_many([a], "txt", tmp_path)  # an earlier export in the folder is kept too
    assert again[0].name == "Weekly-call-5f1c7e0a-3.txt"


def test_bulk_errors(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="is a file"):
        export_many(_three(), "txt", blocker)
    with pytest.raises(ExportError, match="Unknown export format"):
        export_many(_three(), "pdf", tmp_path / "out")
    assert not (tmp_path / "out").exists()
    with pytest.raises(ExportError, match="archive"):
        export_many(_three(), "txt", tmp_path / "missing" / "all.zip")
    assert export_many([], "txt", tmp_path / "none") == []
