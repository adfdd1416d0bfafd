"""Out-of-range numbers and unusable addresses stop a command with a clear message, before anything runs."""

from __future__ import annotations

import socket

import pytest

from core.asr.streaming import StreamingOptions
from core.cli import main
from core.errors import ParleyError
from core.jobs.model import JobOptions
from core.live import LiveOptions
from core.paths import library_path
from core.server import check_address


@pytest.mark.parametrize("argv, message", [
    (["live", "--input", "x.wav", "--speed", "-2"],
     "argument --speed: -2 is out of range: give 0 (as fast as recognition keeps up) or 0.1 to 20"),
    (["live", "--input", "x.wav", "--speed", "nan"], "argument --speed: nan is out of range"),
    (["live", "--input", "x.wav", "--speed", "inf"], "argument --speed: inf is out of range"),  # would flood recognition
    (["live", "--input", "x.wav", "--speed", "25"], "argument --speed: 25 is out of range"),
    (["live", "--input", "x.wav", "--speed", "1e-300"], "argument --speed: 1e-300 is out of range"),  # overflowed the clock
    (["live", "--input", "x.wav", "--silence", "50"], "argument --silence: 50 is out of range: give a number from 100 to 10000"),
    (["live", "--input", "x.wav", "--silence", "0.5"], "argument --silence: '0.5' is not a whole number"),
    (["transcribe", "x.wav", "--speakers", "0"], "argument --speakers: 0 is out of range: give a whole number of 1 or more"),
    (["transcribe", "x.wav", "--max-alternatives", "-3"], "argument --max-alternatives: -3 is out of range"),
    (["queue", "list", "--limit", "0"], "argument --limit: 0 is out of range"),
    (["worker", "--parallel", "0"], "argument --parallel: 0 is out of range"),
    (["remote", "get", "x", "--timeout", "-1"], "argument --timeout: -1 is out of range"),
    (["export", "x", "--keywords-threshold", "1.5"], "argument --keywords-threshold: 1.5 is out of range: give a number from 0 to 1"),
    (["serve", "--port", "99999"], "argument --port: 99999 is out of range: a port is a whole number from 1 to 65535 (0: any free port)"),
    (["serve", "--port", "-1"], "argument --port: -1 is out of range"),
])
def test_out_of_range_numbers_stop_the_command_with_a_usage_error(argv, message, parley_home, capsys):
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not library_path().exists()  # nothing ran


def test_speaker_counts_that_contradict_each_other_are_refused_before_any_work(sample_wav, parley_home, capsys):
    assert main(["transcribe", str(sample_wav), "--min-speakers", "3", "--max-speakers", "2"]) == 1
    err = capsys.readouterr().err
    assert "The min speakers (3) is larger than the max speakers (2)" in err and "Give a minimum" in err
    with pytest.raises(ParleyError, match="larger than the max speakers"):
        JobOptions(min_speakers=3, max_speakers=2)
    assert JobOptions(min_speakers=2, max_speakers=2).speakers().min_speakers == 2


def test_live_options_refuse_a_pause_out_of_range():
    for ms in (0, 99, 10_001):
        with pytest.raises(ParleyError, match=f"pause of {ms} ms is out of range"):
            LiveOptions(end_of_phrase_silence_ms=ms)
        with pytest.raises(ParleyError):
            StreamingOptions(end_of_phrase_silence_ms=ms)
    assert LiveOptions(end_of_phrase_silence_ms=100).streaming().end_of_phrase_silence_ms == 100


def test_serving_on_a_busy_port_or_a_foreign_address_is_a_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        with pytest.raises(ParleyError, match=f"Port {taken} on 127.0.0.1 is already in use") as caught:
            check_address("127.0.0.1", taken)
        assert "--port" in caught.value.hint
    with pytest.raises(ParleyError, match="Cannot serve on 'no-such-host.invalid'"):
        check_address("no-such-host.invalid", 8765)
    with pytest.raises(ParleyError, match="Cannot serve on 192.0.2.1"):  # TEST-NET-1: never this machine's
        check_address("192.0.2.1", 8765)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    check_address("127.0.0.1", port)  # free again: no error


def test_serve_on_an_address_of_another_machine_says_only_why_it_cannot(capsys):
    assert main(["serve", "--host", "192.0.2.1", "--port", "8765"]) != 0
    err = capsys.readouterr().err
    assert "Cannot serve on 192.0.2.1" in err
    assert "other machines can reach" not in err  # no warning about a service that never starts
