"""Export failures: clear ExportErrors and never a half-written file."""

import io
import json
import os
import stat
from pathlib import Path

import pytest

from core.errors import ExportError
from core.export import FORMATS, ExportOptions, Exporter, export_conversation, write_conversation
from core.results import TextForms


def test_unknown_format_lists_the_known_ones(tmp_path, call):
    with pytest.raises(ExportError) as info:
        export_conversation(call, "pdf", tmp_path / "x.pdf")
    message = str(info.value)
    assert "'pdf'" in message
    for name in ("remote", "azure-v2", "azure-v3", "watson", "txt", "srt", "vtt", "md", "docx", "csv", "rttm"):
        assert name in message
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ExportError):
        write_conversation(call, "pdf", io.StringIO())


def test_unknown_text_form(tmp_path, call):
    with pytest.raises(ExportError, match="masked_itn"):
        export_conversation(call, "txt", tmp_path / "x.txt", ExportOptions(text_form="shouting"))


def test_missing_folder_names_the_path(tmp_path, call):
    target = tmp_path / "no-such-folder" / "call.txt"
    with pytest.raises(ExportError) as info:
        export_conversation(call, "txt", target)
    assert str(target) in str(info.value)
    assert info.value.hint
    assert list(tmp_path.iterdir()) == []


def test_folder_as_target_names_the_path(tmp_path, call):
    folder = tmp_path / "out.json"
    folder.mkdir()
    with pytest.raises(ExportError, match="it is a folder"):
        export_conversation(call, "remote", folder)
    assert list(folder.iterdir()) == []


def test_file_in_place_of_a_folder(tmp_path, call):
    blocker = tmp_path / "notes.txt"
    blocker.write_text("keep me")
    with pytest.raises(ExportError) as info:
        export_conversation(call, "azure-v2", blocker / "out.json")
    assert str(blocker / "out.channel0.json") in str(info.value)
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_failure_while_writing_leaves_no_part_file_and_keeps_the_old_export(tmp_path, call, monkeypatch):
    target = tmp_path / "call.txt"
    target.write_text("previous export\n")

    def write_then_fail(conversation, stream, options, channel=None):
        stream.write("half a transcript")
        raise OSError(28, "No space left on device")

    monkeypatch.setitem(FORMATS, "broken", Exporter("broken", ".txt", "fails midway", write_then_fail))
    with pytest.raises(ExportError) as info:
        export_conversation(call, "broken", target)
    assert "No space left on device" in str(info.value)
    assert str(target) in str(info.value)
    assert target.read_text() == "previous export\n"
    assert [p.name for p in tmp_path.iterdir()] == ["call.txt"]


def test_second_channel_failing_moves_no_file_into_place(tmp_path, call, monkeypatch):
    real = FORMATS["azure-v2"]

    def fail_on_channel_one(conversation, stream, options, channel=None):
        if channel == 1:
            raise OSError(5, "Input/output error")
        real.write(conversation, stream, options, channel)

    monkeypatch.setitem(FORMATS, "azure-v2", Exporter("azure-v2", ".json", "", fail_on_channel_one, per_channel=True))
    with pytest.raises(ExportError, match="out.channel1.json"):
        export_conversation(call, "azure-v2", tmp_path / "out.json")
    assert list(tmp_path.iterdir()) == []


def test_an_exporter_bug_is_not_hidden_but_cleans_up(tmp_path, call, monkeypatch):
    def buggy(conversation, stream, options, channel=None):
        stream.write("x")
        raise ValueError("bug")

    monkeypatch.setitem(FORMATS, "buggy", Exporter("buggy", ".txt", "", buggy))
    with pytest.raises(ValueError):
        export_conversation(call, "buggy", tmp_path / "b.txt")
    assert list(tmp_path.iterdir()) == []


def test_export_file_mode_follows_the_umask(tmp_path, call):
    old = os.umask(0o022)
    try:
        (path,) = export_conversation(call, "txt", tmp_path / "call.txt")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


@pytest.mark.parametrize("fmt", ["txt", "docx", "azure-v3"])
def test_unwritable_place_is_an_export_error(tmp_path, call, fmt):
    # /proc refuses new files even to root
    with pytest.raises(ExportError) as info:
        export_conversation(call, fmt, Path("/proc/parley-export" + FORMATS[fmt].extension))
    assert "/proc/parley-export" in str(info.value) and info.value.hint


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_an_export_error(tmp_path, call):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(ExportError, match="Permission denied"):
            export_conversation(call, "txt", folder / "call.txt")
    finally:
        folder.chmod(0o700)


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_non_ascii_names_and_text_in_every_format(tmp_path, call, fmt):
    call.speakers[1].name = "Zoë Ødegård-Łukasz 王"
    call.title = "Réunion — Ω"
    for u in call.utterances:
        if u.result_id == "r-hello":
            u.forms = TextForms("ça va", "ça va", "ça va", "Ça va? 日本語 😀")
    paths = export_conversation(call, fmt, tmp_path / f"x{FORMATS[fmt].extension}")
    if FORMATS[fmt].binary:
        from docx import Document

        text = "\n".join(p.text for p in Document(str(paths[0])).paragraphs)
    else:
        text = "".join(p.read_bytes().decode("utf-8") for p in paths)  # strict UTF-8
    if fmt == "rttm":
        assert "Zoë_Ødegård-Łukasz_王" in text
        return
    assert "Zoë Ødegård-Łukasz 王" in text  # Alice's channel 0 file comes first for azure-v2
    # Watson's transcripts are the lexical form; every other format shows the display text
    assert ("ça va " if fmt == "watson" else "Ça va? 日本語 😀") in text
    if FORMATS[fmt].extension == ".json":
        json.loads(paths[0].read_text(encoding="utf-8"))
