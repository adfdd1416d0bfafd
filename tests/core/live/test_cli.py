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


def test_a_file_damaged_further_on_ends_the_session_as_unreadable_not_as_a_lost_microphone(excerpt, tmp_path, capsys):
    """It ended with DeviceLost, the unplugged microphone's code, which promises a DeviceBack: a client switching on
    the code took a bad file for a microphone to wait for."""
    import helpers.audiofiles as af

    encoded = af.make_encoded(excerpt, tmp_path / "call.mp3", "mp3")
    damaged = af.overwrite_with_noise(encoded, tmp_path / "damaged.mp3", start=encoded.stat().st_size // 2)
    assert main(["live", "--input", str(damaged), "--speed", "0", "--jsonl", "--mode", "realtime"]) == 1  # an error
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [canceled] = [line for line in lines if line["event"] == "canceled"]
    assert canceled["reason"] == "Error" and canceled["errorCode"] == "FileUnreadable", canceled
    assert "damaged.mp3" in canceled["errorDetails"]
    with Library.open() as library:  # what was heard before the damage is kept
        assert library.get_conversation(lines[0]["conversationId"]).duration_ms > 1000


def test_a_file_with_a_damaged_stretch_inside_is_played_with_a_warning(sample_wav, tmp_path, capsys):
    """FFmpeg skips what it cannot read in the middle of a FLAC: the session ended as if the file had been whole."""
    import helpers.audiofiles as af

    encoded = af.make_encoded(sample_wav, tmp_path / "call.flac", "flac")
    size = encoded.stat().st_size
    damaged = af.overwrite_with_noise(encoded, tmp_path / "damaged.flac", start=size * 2 // 5, length=size // 4)
    assert main(["live", "--input", str(damaged), "--speed", "0", "--jsonl", "--mode", "realtime"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    [warning] = [line for line in lines if line["event"] == "warning"]
    assert warning["code"] == "FileCutShort" and "damaged.flac ends after" in warning["message"], warning
    assert "of the 30.0 s it declares" in warning["message"]
    assert [line["reason"] for line in lines if line["event"] == "canceled"] == ["EndOfStream"]


@pytest.mark.slow
def test_jsonl_prints_every_event_with_watson_results_and_the_conversation_id(excerpt, capsys):
    assert main(["live", "--input", str(excerpt), "--speed", "0", "--jsonl", "--mode", "realtime"]) == 0
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    events = [line["event"] for line in lines]
    assert events[0] == "session_started" and events[-1] == "session_stopped"
    assert "canceled" in events and "transcribed" in events
    cid = lines[0]["conversationId"]
    sessions = {line["sessionId"] for line in lines if line["event"] in ("session_started", "canceled", "warning", "session_stopped")}
    assert sessions == {lines[0]["sessionId"]}  # every session event says which session, as Azure's event args do
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
def test_without_split_at_phrase_end_only_a_pause_ends_an_utterance(sample_wav, tmp_path, capsys):
    """The sample's sentences follow each other without a pause of 0.8 s: by default each sentence end is a final
    (full_stop); with --no-split-at-phrase-end (Watson's default) the finals wait for --silence."""
    from core.audio.decode import load_audio
    from helpers.audiofiles import write_wav

    clip = write_wav(tmp_path / "talk.wav", load_audio(sample_wav)[int(6.4 * 16000):int(17.8 * 16000)], 16000)
    endings = {}
    for split in ("--split-at-phrase-end", "--no-split-at-phrase-end"):
        assert main(["live", "--input", str(clip), "--speed", "0", "--jsonl", "--mode", "realtime", split]) == 0
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
        endings[split] = [line["watson"]["results"][0]["end_of_utterance"] for line in lines if line["event"] == "transcribed"]
    assert endings["--split-at-phrase-end"].count("full_stop") >= 2
    assert "full_stop" not in endings["--no-split-at-phrase-end"] and endings["--no-split-at-phrase-end"][-1] == "end_of_data"


@pytest.mark.slow
def test_a_wav_cut_short_is_played_with_a_warning_event_first(excerpt, tmp_path, capsys):
    """FFmpeg takes a WAV's length from its size: only the header tells, and --jsonl says so as an event, not a log line."""
    from helpers.audiofiles import truncate

    cut = truncate(excerpt, tmp_path / "cut.wav", 0.6)
    assert main(["live", "--input", str(cut), "--speed", "0", "--jsonl", "--mode", "realtime"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    events = [line["event"] for line in lines]
    warnings = [line for line in lines if line["event"] == "warning"]
    assert [w["code"] for w in warnings] == ["FileCutShort"]
    assert "cut.wav holds 2.8 s of the 4.6 s its header declares" in warnings[0]["message"]
    assert events[0] == "session_started" and events[1] == "warning"  # said at once, not when the file has been played
    assert "transcribed" in events and events[-1] == "session_stopped"


@pytest.mark.slow
def test_the_terminal_view_prints_finals_with_times_and_no_speaker_without_diarize(excerpt, capsys):
    assert main(["live", "--input", str(excerpt), "--speed", "0"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[-1].startswith("conversationId: ")
    assert lines[0].startswith("[00:0") and "Unknown" not in out and "hello" in lines[0].lower()
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
    assert "There is no microphone" in err and "play a recording" in err


def test_a_missing_input_file_is_a_clear_error(tmp_path, capsys):
    assert main(["live", "--input", str(tmp_path / "gone.wav")]) == 1
    assert "gone.wav" in capsys.readouterr().err


def _interrupted_live(sample_wav, parley_home, *signals: float) -> tuple[dict, str, str, int]:
    """Return (session_started event, stdout, stderr, exit status) of `live --jsonl` sent a Ctrl+C after each of `signals`
    seconds from its start (one after the other)."""
    env = {**os.environ, "PARLEY_HOME": str(parley_home)}
    child = subprocess.Popen([sys.executable, "-m", "core.cli", "live", "--input", str(sample_wav), "--jsonl"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(child.stdout.readline())
        assert first["event"] == "session_started"
        for wait in signals:
            time.sleep(wait)
            child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=120)
    finally:
        child.kill()
    return first, out, err, child.returncode


@pytest.mark.slow
def test_ctrl_c_stops_cleanly_and_prints_the_conversation_id(sample_wav, parley_home):
    # four seconds of real-time audio; an impatient second Ctrl+C while it stops must not lose the conversation
    first, out, err, returncode = _interrupted_live(sample_wav, parley_home, 4, 0.1)
    # storing these few seconds can take under 0.1 s: the second signal may land as the interpreter exits, after the
    # conversation is stored, when Python has put back the default handler; it must not kill the process then either
    assert returncode == 0, err
    assert f"conversationId: {first['conversationId']}" in err
    assert json.loads(out.splitlines()[-1])["event"] == "session_stopped"
    with Library.open() as library:
        duration = library.get_conversation(first["conversationId"]).duration_ms
    assert 3000 <= duration <= 8000


def test_ctrl_c_as_the_recording_begins_stores_no_empty_conversation(sample_wav, parley_home):
    """A Ctrl+C as it began stored a conversation of 0.2 s, with a re-transcription queued (review)."""
    first, out, err, returncode = _interrupted_live(sample_wav, parley_home, 0)
    assert returncode == 0, err
    assert "Nothing was recorded (stopped after 0." in err and "no conversation stored" in err and "conversationId:" not in err
    assert json.loads(out.splitlines()[-1]) == {"event": "session_stopped", "sessionId": first["sessionId"], "conversationId": None}
    with Library.open() as library:
        assert library.list_conversations() == []
    assert not any((parley_home / "audio").iterdir())  # and nothing is left to recover


@pytest.mark.slow
def test_a_ctrl_c_once_the_conversation_is_stored_does_not_make_the_session_look_interrupted(excerpt, parley_home):
    env = {**os.environ, "PARLEY_HOME": str(parley_home)}
    child = subprocess.Popen([sys.executable, "-m", "core.cli", "live", "--input", str(excerpt), "--speed", "0", "--mode",
                              "realtime"], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for line in child.stdout:
            if line.startswith("conversationId: "):
                child.send_signal(signal.SIGINT)  # as the process exits, when Python has put back the default handler
                break
        out, err = child.communicate(timeout=60)
    finally:
        child.kill()
    assert child.returncode == 0, err  # stored whole: a script must not read it as interrupted
    with Library.open() as library:
        assert library.get_conversation(line.split(": ", 1)[1].strip()).duration_ms == 4600


def test_the_terminal_views_interim_line_dims_the_words_that_may_still_change(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    out = Terminal()
    view = TerminalView(out)
    view.interim(SimpleNamespace(result=_interim("Oh, hello. I didn't know", 2)))
    assert out.getvalue() == f"\r\033[K… Oh, hello. {DIM}I didn't know{PLAIN}"
    out.seek(0), out.truncate()
    long = " ".join(f"word{i}" for i in range(60))  # longer than a line: the newest words are kept
    view.interim(SimpleNamespace(result=_interim(long, 55)))
    shown = out.getvalue()
    assert shown.endswith(f"word54 {DIM}word55 word56 word57 word58 word59{PLAIN}") and "word0 " not in shown
    assert len(shown) - len(f"\r\033[K… {DIM}{PLAIN}") - 1 <= INTERIM_CHARS
    out.seek(0), out.truncate()
    view.interim(SimpleNamespace(result=_interim("this shit is damn fine and hello", 3)))
    assert out.getvalue() == f"\r\033[K… this **** is {DIM}**** fine and hello{PLAIN}"  # masked by default
    out.seek(0), out.truncate()
    removed = _interim("this shit is damn fine and hello", 3, profanity="Removed")  # "this shit is" committed
    view.interim(SimpleNamespace(result=removed))
    assert out.getvalue() == f"\r\033[K… this is {DIM}fine and hello{PLAIN}"  # not "this is fine" as committed
    assert removed.to_json()["stable_words"] == 2 and [w.text for w in removed.shown_words] == ["this", "is", "fine", "and", "hello"]
    out.seek(0), out.truncate()
    monkeypatch.setenv("COLUMNS", "80")  # a line longer than the terminal wraps, and \r\033[K clears its last row only
    view.interim(SimpleNamespace(result=_interim(long, 55)))
    shown = out.getvalue()
    assert shown.endswith(f"{DIM}word55 word56 word57 word58 word59{PLAIN}")
    assert len(shown) - len(f"\r\033[K{DIM}{PLAIN}") < 80  # "… " and the words on one row of 80


def _interim(text: str, stable_words: int, profanity: str = "Masked"):
    """Return an interim LiveResult of `text` with its first `stable_words` committed, as a session makes it."""
    from core.live.options import LiveOptions
    from core.live.result import LiveResult
    from core.results import Utterance, Word
    from core.text.forms import forms_from_display

    words = [Word(token, 100 * n, 100) for n, token in enumerate(text.split())]
    utterance = Utterance("r", 0, 0, 100 * len(words), forms_from_display(text), 0.9, words=words)
    return LiveResult("r", 0, False, utterance, stable_words=stable_words, text_options=LiveOptions(profanity=profanity).text_options)


def test_a_second_ctrl_c_while_the_conversation_is_stored_is_ignored_with_a_word(capsys):
    from core.cli.live import StopRequest

    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    stop = StopRequest()
    try:
        stop.install()
        os.kill(os.getpid(), signal.SIGINT)
        assert stop.asked.wait(5)
        stop.stopping = True
        os.kill(os.getpid(), signal.SIGINT)  # no KeyboardInterrupt: the store goes on
        time.sleep(0.05)
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    assert "Still storing the conversation" in capsys.readouterr().err


def test_ctrl_c_during_the_set_up_stops_before_anything_is_recorded(parley_home, sample_wav, monkeypatch, capsys):
    """The signal handlers are in place before the slow part of the start (recovery, models): a Ctrl+C
    then is not lost, and the session does not start."""
    import core.cli.live as live

    handlers = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(live, "recover_unfinished", lambda: os.kill(os.getpid(), signal.SIGINT))
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as a process started in the background by a script inherits it
        assert main(["live", "--input", str(sample_wav), "--jsonl"]) == 130
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])
    out, err = capsys.readouterr()
    assert out == "" and "nothing was recorded" in err
    assert not (parley_home / "audio").exists() or not any((parley_home / "audio").iterdir())


@pytest.mark.slow
def test_a_damaged_leftover_recording_is_reported_and_the_others_recovered(parley_home, excerpt, capsys):
    from core.live.journal import utterance_to_dict
    from core.results import TextForms, Utterance
    from helpers.library import unfinished_folder as _unfinished_folder

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    bad = _unfinished_folder(parley_home, int(dead.stdout), "00000000-0000-4000-8000-000000000001")
    _unfinished_folder(parley_home, int(dead.stdout), "00000000-0000-4000-8000-000000000002")
    gone = _unfinished_folder(parley_home, int(dead.stdout), "00000000-0000-4000-8000-000000000003")
    with open(bad / "recording.wav", "r+b") as f:
        f.write(b"JUNK")
    (gone / "recording.wav").unlink()  # its captions are left: they are kept, as a conversation without a recording
    (gone / "results.jsonl").write_text(json.dumps(utterance_to_dict(Utterance(
        "r1", 0, 0, 900, TextForms("hello", "hello", "hello", "Hello."), 0.9))) + "\n")
    assert main(["live", "--input", str(excerpt), "--speed", "0", "--mode", "realtime"]) == 0
    err = capsys.readouterr().err
    assert "(its audio file was gone: 1 captions kept): conversationId 00000000-0000-4000-8000-000000000003" in err
    assert "conversationId 00000000-0000-4000-8000-000000000002" in err  # the intact one was recovered
    assert "conversationId 00000000-0000-4000-8000-000000000001" in err  # and the damaged header rebuilt
    assert str(bad) not in err and "could not recover" not in err
    with Library.open() as library:
        assert len(library.list_conversations()) == 4  # the recovered ones and this session's


@pytest.mark.slow
def test_a_reader_that_goes_away_stops_the_session_quietly(sample_wav, parley_home):
    """`parley live --jsonl | head -1`: the session stops and is stored, without a traceback per event."""
    env = {**os.environ, "PARLEY_HOME": str(parley_home)}
    child = subprocess.Popen([sys.executable, "-m", "core.cli", "live", "--input", str(sample_wav), "--speed", "2",
                              "--jsonl", "--mode", "realtime"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(child.stdout.readline())
        child.stdout.close()  # the reader is gone
        _, err = child.communicate(timeout=120)
    finally:
        child.kill()
    assert child.returncode == 0, err
    assert "Traceback" not in err and f"conversationId: {first['conversationId']}" in err
    with Library.open() as library:
        assert library.get_conversation(first["conversationId"]).duration_ms < 20_000  # stopped, not played to the end


def test_a_data_folder_that_cannot_be_made_is_one_clear_error(tmp_path, monkeypatch, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("PARLEY_HOME", str(blocker / "parley"))
    assert main(["conversations", "list"]) == 1
    err = capsys.readouterr().err
    assert "Cannot use" in err and "data folder" in err and "Traceback" not in err


def test_a_recording_that_cannot_start_on_a_full_disk_leaves_nothing_behind(parley_home, sample_wav, monkeypatch):
    import errno

    from core.audio.capture import FileSource
    from core.errors import StoreError
    from core.live import ConversationTranscriber, LiveOptions
    from core.live import journal as journal_module

    def full(path, text):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module, "_write_atomically", full)
    transcriber = ConversationTranscriber(FileSource(sample_wav), LiveOptions(mode="RealTime"))
    with pytest.raises(StoreError) as raised:
        transcriber.start()
    assert "No space left" in str(raised.value) and "Free some disk space" in raised.value.hint
    assert list((parley_home / "audio").iterdir()) == []  # no half-made recording for recovery to trip on


def test_a_data_folder_where_recordings_cannot_be_kept_is_one_clear_error(parley_home, excerpt, capsys):
    (parley_home / "audio").write_text("a file where the recordings' folder should be")
    assert main(["live", "--input", str(excerpt), "--no-recover"]) == 1
    err = capsys.readouterr().err
    assert "Cannot use" in err and "for Parley's recordings" in err and "A file stands where a folder should be" in err
    assert "Traceback" not in err
    assert main(["live", "--input", str(excerpt)]) == 1  # looking for recordings to recover fails the same clear way
    assert "for Parley's recordings" in capsys.readouterr().err


@pytest.mark.slow
def test_a_session_whose_recognition_fails_is_stored_and_exits_non_zero(parley_home, excerpt, tmp_path, capsys):
    """A speech model that cannot load: the recording goes on and is stored, but the exit status says it failed,
    and the failure is reported after session_started."""
    broken = tmp_path / "broken-model"
    broken.mkdir()
    for name in ("config.json", "model.bin", "tokenizer.json", "vocabulary.txt"):
        (broken / name).write_text("not a model")
    assert main(["live", "--input", str(excerpt), "--speed", "0", "--jsonl", "--mode", "realtime", "--model", str(broken)]) == 1
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    events = [line["event"] for line in lines]
    assert events[0] == "session_started" and events[-1] == "session_stopped" and "transcribed" not in events
    assert [line["errorCode"] for line in lines if line["event"] == "canceled"][0] == "RecognizerError"
    cid = lines[0]["conversationId"]
    assert f"what was recorded is stored as conversation {cid}" in err and "RecognizerError" in err
    with Library.open() as library:
        assert library.get_conversation(cid).duration_ms == 4600  # the excerpt, whole


def test_ctrl_c_while_the_commands_load_is_a_short_word_not_a_traceback(monkeypatch, capsys):
    import core.cli

    def interrupted():
        raise KeyboardInterrupt

    monkeypatch.setattr(core.cli, "build_parser", interrupted)
    assert main(["live", "--input", "x.wav"]) == 130
    assert capsys.readouterr().err == "parley: interrupted\n"


def test_building_the_command_line_does_not_load_the_web_stack():
    """`parley live --help` and a live session's start do not wait for FastAPI and the job worker to import."""
    probe = ("import sys; from core.cli import build_parser; build_parser(); "
             "print(sorted(m for m in ('fastapi', 'core.server.app', 'core.jobs.worker') if m in sys.modules))")
    shown = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "[]"


@pytest.mark.slow
def test_results_show_profanity_masked_unless_asked_and_the_library_keeps_the_words(parley_home, tmp_path, capsys):
    """Live Text was the words as heard while the Speech SDK (and Parley's own exports) mask them by default."""
    import numpy as np
    import soundfile as sf

    from core.tts import synthesize_text

    speech = synthesize_text("This budget is complete shit. We need a better plan.", "Parley Offline Speech Voice (en-US, Guy)")
    sf.write(tmp_path / "swear.wav", np.concatenate([speech, np.zeros(16_000, np.float32)]), 16_000)

    def finals(*flags):
        assert main(["live", "--input", str(tmp_path / "swear.wav"), "--speed", "0", "--mode", "realtime", *flags]) == 0
        out = capsys.readouterr().out
        return out, [json.loads(line) for line in out.splitlines() if '"transcribed"' in line] if "--jsonl" in flags else []

    _, lines = finals("--jsonl")
    text = " ".join(line["azure"]["Text"] for line in lines)
    assert "complete ****" in text and "shit" not in json.dumps(lines)  # Text, Watson's transcript, NBest: all masked
    assert " ".join(line["watson"]["results"][0]["alternatives"][0]["transcript"] for line in lines).count("****") == 1
    with Library.open() as library:
        (stored,) = library.list_conversations()
        assert "complete shit" in " ".join(u.display for u in library.get_conversation(stored.conversation_id).utterances)
    terminal, _ = finals()
    assert "complete ****" in terminal and "shit" not in terminal
    _, lines = finals("--jsonl", "--profanity", "None")
    assert "complete shit" in " ".join(line["azure"]["Text"] for line in lines)


@pytest.mark.slow
def test_a_closed_terminal_stores_the_session(sample_wav, parley_home):
    """SIGHUP (the terminal window closed, the SSH link dropped) ended the process at once: the conversation waited
    for the next `parley live` to be recovered. The terminal is gone, so nothing can be printed any more."""
    env = {**os.environ, "PARLEY_HOME": str(parley_home)}
    child = subprocess.Popen([sys.executable, "-m", "core.cli", "live", "--input", str(sample_wav), "--jsonl"],
                             cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = json.loads(child.stdout.readline())
        time.sleep(4)
        child.stdout.close()
        child.stderr.close()
        child.send_signal(signal.SIGHUP)
        child.wait(120)
    finally:
        child.kill()
    assert child.returncode in (0, 1)  # not killed by the signal (-1)
    with Library.open() as library:
        assert 3000 <= library.get_conversation(first["conversationId"]).duration_ms <= 8000
    assert not list((parley_home / "audio").glob("*/session.json"))  # stored, nothing left for recovery
