"""`parley transcribe` end to end: real files, the real model, the real library file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.cli import main
from core.store import Library
from helpers.audiofiles import make_encoded, make_video, truncate, write_wav


def _stored_ids() -> list[str]:
    with Library.open() as library:
        return [c.conversation_id for c in library.list_conversations()]


def test_transcribe_stores_the_conversation_and_exports_watson(sample_wav, tmp_path, capsys):
    out = tmp_path / "result.json"
    assert main(["transcribe", str(sample_wav), "--format", "watson", "--output", str(out)]) == 0
    printed = capsys.readouterr().out
    conversation_id = printed.split("conversationId: ")[1].split()[0]
    assert _stored_ids() == [conversation_id]
    document = json.loads(out.read_text())
    assert document["result_index"] == 0
    transcript = "".join(r["alternatives"][0]["transcript"] for r in document["results"])
    assert "new jersey" in transcript and "chicago" in transcript
    with Library.open() as library:
        stored = library.get_conversation(conversation_id)
        assert library.audio_sources(conversation_id)[0].sha256
    assert [f"{u.lexical} " for u in stored.utterances] == [r["alternatives"][0]["transcript"] for r in document["results"]]


def test_text_to_stdout_with_times(sample_wav, capsys):
    assert main(["transcribe", str(sample_wav), "--no-store"]) == 0
    captured = capsys.readouterr()
    lines = captured.out.strip().splitlines()
    assert len(lines) >= 8 and lines[0].startswith("[00:00:0")
    assert "conversationId" not in captured.out
    assert _stored_ids() == []


def test_several_files_in_several_formats(sample_wav, tmp_path):
    flac = make_encoded(sample_wav, tmp_path / "meeting.flac", "flac")
    assert main(["transcribe", str(sample_wav), str(flac), "--format", "srt", "--output", str(tmp_path / "subs.srt"), "--no-store"]) == 0
    assert (tmp_path / "subs-sample.srt").read_text().startswith("1\n00:00:0")
    assert (tmp_path / "subs-meeting.srt").read_text().startswith("1\n00:00:0")


def _bad_inputs(tmp_path: Path, sample_wav: Path) -> dict[str, Path]:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    text = tmp_path / "notes.wav"
    text.write_text("these are meeting notes, not audio\n" * 50)
    folder = tmp_path / "folder.wav"
    folder.mkdir()
    corrupt = tmp_path / "corrupt.mp3"
    corrupt.write_bytes(b"\xff\xfb\x90\x00" + os.urandom(20_000))
    silent_video = make_video(tmp_path / "no-sound.mp4", audio_src=None, seconds=2.0)
    return {
        "missing": tmp_path / "nope.wav",
        "empty": empty,
        "text renamed .wav": text,
        "directory": folder,
        "corrupt": corrupt,
        "video without audio": silent_video,
    }


def test_bad_inputs_fail_with_one_line_and_touch_nothing(sample_wav, tmp_path, capsys):
    assert main(["transcribe", str(sample_wav)]) == 0
    before = _stored_ids()
    capsys.readouterr()
    for what, path in _bad_inputs(tmp_path, sample_wav).items():
        assert main(["transcribe", str(path)]) == 1, what
        err = capsys.readouterr().err.strip()
        assert err.startswith("parley: error:") and len(err.splitlines()) == 1, (what, err)
        assert "Traceback" not in err and path.name in err, (what, err)
    assert _stored_ids() == before


def test_a_truncated_file_gives_what_it_holds(sample_wav, tmp_path, capsys):
    half = truncate(sample_wav, tmp_path / "half.wav", 0.5)
    assert main(["transcribe", str(half), "--no-store"]) == 0
    text = capsys.readouterr().out.lower()
    assert "hello" in text and "chicago" not in text.split("\n")[-1]


def test_silence_only_is_an_empty_result(tmp_path, capsys):
    silence = write_wav(tmp_path / "quiet.wav", np.zeros(16_000 * 3, dtype=np.float32), 16_000)
    assert main(["transcribe", str(silence), "--format", "remote"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["ConversationTranscriptionResults"] == []
    assert len(_stored_ids()) == 1


def test_usage_errors():
    assert main(["transcribe"]) == 1
    with pytest.raises(SystemExit):
        main(["transcribe", "x.wav", "--format", "pdf"])


def test_the_console_script_is_quiet_when_piped(sample_wav, parley_home):
    script = Path(sys.executable).with_name("parley")
    done = subprocess.run(
        [str(script), "transcribe", str(sample_wav), "--format", "vtt"],
        capture_output=True, text=True, env=dict(os.environ, PARLEY_HOME=str(parley_home)), timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("WEBVTT")
    # no progress bar when stderr is not a terminal: only the id line (and no warnings traceback)
    assert [line for line in done.stderr.splitlines() if line.strip()][-1].startswith("conversationId: ")
    assert "%|" not in done.stderr
