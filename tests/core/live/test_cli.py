"""`parley live`: JSON lines per event, the terminal view, device listing and errors, Ctrl+C."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import sounddevice as sd

from core.cli import main
from core.cli.live import DIM, INTERIM_CHARS, PLAIN, TerminalView
from core.jobs.queue import TranscriptionQueue
from core.store import Library

ROOT = Path(__file__).resolve().parents[3]
no_sound_card = pytest.mark.skipif(bool(sd.query_devices()), reason="this machine has a sound card")


@pytest.mark.slow
def test_jsonl_prints_every_event_with_watson_results_and_the_conversation_id(excerpt, capsys):
    assert main(["live", "--input", str(excerpt), "--speed", "0", "--jsonl", "--mode", "realtime"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    events = [line["event"] for line in lines]
    assert events[0] == "session_started" and events[-1] == "session_stopped"
    assert "canceled" in events and "transcribed" in events
    cid = lines[0]["conversationId"]
    assert f"conversationId: {cid}" in err
    finals = [line for line in lines if line["event"] == "transcribed"]
    for line in finals:
        assert line["final"] is True and line["speaker"] == "Unknown"
        assert line["watson"]["result_index"] == line["result_index"]
        assert line["watson"]["results"][0]["final"] is True
        assert line["azure"]["SpeakerId"] == "Unknown"
        assert line["stable_words"] == len(line["azure"]["Text"].split())  # a final's words are all committed
    text = " ".join(line["watson"]["results"][0]["alternatives"][0]["transcript"] for line in finals)
    assert "hello" in text and "there" in text
    with Library.open() as library:
        assert [p.kind for p in library.passes(cid)] == ["realtime"]
        assert TranscriptionQueue(library).jobs(conversation_id=cid) == []


@pytest.mark.slow
def test_the_terminal_view_prints_finals_with_times_and_speakers(excerpt, capsys):
    assert main(["live", "--input", str(excerpt), "--speed", "0"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[-1].startswith("conversationId: ")
    assert lines[0].startswith("[00:0") and "Unknown: " in lines[0]
    assert "EndOfStream" in err
    with Library.open() as library:  # the default mode queues the re-transcription
        cid = lines[-1].split(": ", 1)[1]
        assert [j.mode for j in TranscriptionQueue(library).jobs(conversation_id=cid)] == ["RealTimeAndAsync"]


@no_sound_card
def test_listing_devices_and_asking_for_a_microphone_without_one(capsys):
    assert main(["live", "--list-devices"]) == 0
    assert "No input devices" in capsys.readouterr().err
    assert main(["live", "--device", "1"]) == 1
    err = capsys.readouterr().err
    assert "There is no microphone" in err and "--input" in err


def test_a_missing_input_file_is_a_clear_error(tmp_path, capsys):
    assert main(["live", "--input", str(tmp_path / "gone.wav")]) == 1
    assert "gone.wav" in capsys.readouterr().err


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_prints_the_conversation_id(sample_wav, parley_home):
    env = {**os.environ, "PARLEY_HOME": str(parley_home)}
    child = subprocess.Popen([sys.executable, "-m", "core.cli", "live", "--input", str(sample_wav), "--jsonl"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(child.stdout.readline())
        assert first["event"] == "session_started"
        time.sleep(4)  # four seconds of real-time audio
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert f"conversationId: {first['conversationId']}" in err
    assert json.loads(out.splitlines()[-1])["event"] == "session_stopped"
    with Library.open() as library:
        duration = library.get_conversation(first["conversationId"]).duration_ms
    assert 3000 <= duration <= 8000


def test_the_terminal_views_interim_line_dims_the_words_that_may_still_change():
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    view = TerminalView(out)
    view.interim(SimpleNamespace(result=SimpleNamespace(text="Oh, hello. I didn't know", stable_words=2)))
    assert out.getvalue() == f"\r\033[K… Oh, hello. {DIM}I didn't know{PLAIN}"
    out.seek(0), out.truncate()
    long = " ".join(f"word{i}" for i in range(60))  # longer than a line: the newest words are kept
    view.interim(SimpleNamespace(result=SimpleNamespace(text=long, stable_words=55)))
    shown = out.getvalue()
    assert shown.endswith(f"word54 {DIM}word55 word56 word57 word58 word59{PLAIN}") and "word0 " not in shown
    assert len(shown) - len(f"\r\033[K… {DIM}{PLAIN}") - 1 <= INTERIM_CHARS
