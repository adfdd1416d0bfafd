"""Bad input never escapes as a traceback: each becomes one AudioError that names the file."""

from __future__ import annotations

import logging
import os
import wave

import numpy as np
import pytest

from core.audio.decode import SAMPLE_RATE, load_audio, probe
from core.errors import (
    AudioNotFoundError,
    CorruptAudioError,
    EmptyAudioError,
    ParleyError,
    UnsupportedAudioError,
)
from helpers import audiofiles as af


def _directory(tmp_path, encoded):
    path = tmp_path / "folder.wav"
    path.mkdir()
    return path


def _empty(tmp_path, encoded):
    path = tmp_path / "empty.mp3"
    path.write_bytes(b"")
    return path


def _zero_samples(tmp_path, encoded):
    path = tmp_path / "silent-header.wav"
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(16000)
    return path


def _pipe(tmp_path, encoded):
    path = tmp_path / "pipe.wav"
    os.mkfifo(path)  # as `--input /dev/stdin` with audio piped in: nothing to open twice, no size (it said "empty")
    return path


def _text(tmp_path, encoded):
    path = tmp_path / "notes.wav"
    path.write_text("Minutes of the meeting\n- budget approved\n")
    return path


def _text_file(tmp_path, encoded):
    path = tmp_path / "notes.txt"  # FFmpeg's tty demuxer reads it as a video: it "held only video streams"
    path.write_text("Minutes of the meeting\n" + "- budget approved, hiring plan moved to May\n" * 40)
    return path


def _random_bytes(tmp_path, encoded):
    path = tmp_path / "random.wav"
    path.write_bytes(np.random.default_rng(3).integers(0, 256, 100_000, dtype=np.uint8).tobytes())
    return path


def _silent_video(tmp_path, encoded):
    return af.make_video(tmp_path / "screen.mp4", audio_src=None, container_format="mp4", seconds=3)


# id -> (builder(tmp_path, encoded) -> path, error, words in the message, detected by probe alone)
CASES = {
    "missing": (lambda t, e: t / "nope.wav", AudioNotFoundError, "does not exist", True),
    "directory": (_directory, AudioNotFoundError, "is a directory", True),
    "empty": (_empty, EmptyAudioError, "empty (0 bytes)", True),
    "pipe": (_pipe, UnsupportedAudioError, "not a file but a pipe", True),
    "zero samples": (_zero_samples, EmptyAudioError, "no audio", True),
    "text renamed .wav": (_text, UnsupportedAudioError, "notes.wav is a text file, not a recording", True),  # short: no "tty"
    "text file": (_text_file, UnsupportedAudioError, "notes.txt is a text file, not a recording", True),
    "random bytes": (_random_bytes, UnsupportedAudioError, "not an audio or video file", True),
    "video without sound": (_silent_video, UnsupportedAudioError, "has no sound", True),
    "unknown codec": (lambda t, e: af.wav_with_unknown_codec(t / "odd.wav"), UnsupportedAudioError, "codec", True),
    "m4a cut short (no index)": (lambda t, e: af.truncate(e("aac"), t / "cut.m4a", 0.6), CorruptAudioError,
                                 "cannot be opened", True),
    "flac body is noise": (lambda t, e: af.overwrite_with_noise(e("flac"), t / "noise.flac", start=4096),
                           CorruptAudioError, "none of it can be read", True),
    "mp3 body is noise": (lambda t, e: af.overwrite_with_noise(e("mp3"), t / "noise.mp3", start=2048),
                          CorruptAudioError, "damaged", False),
    "mkv body is noise": (lambda t, e: af.overwrite_with_noise(e("mkv"), t / "noise.mkv", start=2048),
                          CorruptAudioError, "damaged or cut short", False),
    "mp3 cut to 30%": (lambda t, e: af.truncate(e("mp3"), t / "cut.mp3", 0.3), CorruptAudioError,
                       "only 9.0 s of its 30.0 s", False),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_raises_one_clear_audio_error(tmp_path, encoded, case):
    build, error, words, at_probe = CASES[case]
    path = build(tmp_path, encoded)

    with pytest.raises(ParleyError) as raised:
        load_audio(path)

    assert type(raised.value) is error
    message = str(raised.value)
    assert path.name in message and words in message
    assert "\n" not in message and raised.value.hint
    if error is EmptyAudioError:  # what to do, not the problem said again ("holds no audio samples" twice)
        assert "no audio" not in raised.value.hint
    if at_probe:
        with pytest.raises(error):
            probe(path)
    else:  # the damage only shows once decoding reaches it
        assert probe(path).duration_ms > 0


def test_a_cut_short_wav_gives_its_prefix_and_a_warning(tmp_path, reference, caplog):
    """FFmpeg takes a WAV's duration from its size, so only the header tells that the copy was cut short."""
    whole = af.write_wav(tmp_path / "whole.wav", reference, SAMPLE_RATE)
    path = af.truncate(whole, tmp_path / "cut.wav", 0.4)

    with caplog.at_level(logging.WARNING, logger="core.audio.decode"):
        samples = load_audio(path)
        load_audio(whole)

    declared = reference.size * 1000 // SAMPLE_RATE
    assert abs(samples.size - 0.4 * reference.size) < SAMPLE_RATE // 10
    [warning] = [r.getMessage() for r in caplog.records if r.name == "core.audio.decode"]
    assert "cut.wav" in warning and f"of the {declared} ms its header declares" in warning
    assert np.array_equal(samples, load_audio(whole)[: samples.size])


@pytest.mark.parametrize("size", [0, 0x7FFFF000, 0x7FFFFFFF, 0xFFFFFFFF])
def test_a_streamed_wav_whose_header_could_not_know_its_length_is_not_called_cut_short(tmp_path, reference, caplog, size):
    """Writers that stream a WAV (to a pipe, say) put a placeholder where the data's size goes."""
    import struct

    path = af.write_wav(tmp_path / "streamed.wav", reference, SAMPLE_RATE)
    data = bytearray(path.read_bytes())
    at = data.index(b"data")
    data[at + 4:at + 8] = struct.pack("<I", size)
    path.write_bytes(bytes(data))
    with caplog.at_level(logging.WARNING, logger="core.audio.decode"):
        info = probe(path)
        samples = load_audio(path)
    assert info.header_ms is None and info.duration_ms == reference.size * 1000 // SAMPLE_RATE
    assert samples.size == reference.size
    assert not [r for r in caplog.records if r.name == "core.audio.decode"]


def test_a_cut_short_mp3_gives_its_prefix_and_a_warning(tmp_path, encoded, reference, caplog):
    path = af.truncate(encoded("mp3"), tmp_path / "cut.mp3", 0.75)

    with caplog.at_level(logging.WARNING, logger="core.audio.decode"):
        samples = load_audio(path)

    assert abs(samples.size / SAMPLE_RATE - 22.5) < 0.5
    assert any("truncated" in r.getMessage() and "cut.mp3" in r.getMessage() for r in caplog.records)
    corr, lag = af.best_correlation(samples, reference[: samples.size], max_lag=SAMPLE_RATE // 20)
    assert corr > 0.99 and lag == 0


@pytest.mark.parametrize("name", ["opus", "aac", "mkv"])
def test_lost_packets_become_silence_so_later_audio_keeps_its_time(tmp_path, encoded, reference, caplog, name):
    source = encoded(name)
    path = af.overwrite_with_noise(source, tmp_path / f"glitch{source.suffix}", start=source.stat().st_size // 2,
                                   length=2000)

    with caplog.at_level(logging.INFO, logger="core.audio.decode"):
        samples = load_audio(path)

    assert abs(samples.size - reference.size) <= SAMPLE_RATE // 20
    assert any("filled with silence" in r.getMessage() for r in caplog.records)
    tail = slice(22 * SAMPLE_RATE, 29 * SAMPLE_RATE)  # after the damage, still on the original clock
    corr, lag = af.best_correlation(samples[tail], reference[tail], max_lag=SAMPLE_RATE // 20)
    assert corr > 0.99 and abs(lag) <= SAMPLE_RATE // 200


def test_a_wav_whose_header_was_never_finished_still_decodes_fully(tmp_path, sample_wav, reference):
    path = af.wav_with_unfinished_header(sample_wav, tmp_path / "crashed-recording.wav")

    samples = load_audio(path)

    assert samples.size == reference.size
    np.testing.assert_allclose(samples, reference, atol=1 / 16384)


def test_a_wav_whose_header_declares_less_than_it_holds_is_read_to_its_end(tmp_path, sample_wav, reference, caplog):
    """A recorder that died after last updating its header at 5 s: FFmpeg stopped there, and 25 s were left out in silence."""
    path = af.wav_with_stale_header(sample_wav, tmp_path / "died.wav", 5.0)
    with caplog.at_level(logging.WARNING, logger="core.audio.decode"):
        info = probe(path)
    assert (info.duration_ms, info.header_ms, info.past_header) == (30_000, 5_000, True)
    assert "its header declares 5.0 s but the file holds 30.0 s" in caplog.text
    samples = load_audio(path)  # probed again: said once
    assert samples.size == reference.size and caplog.text.count("its header declares") == 1
    np.testing.assert_allclose(samples, reference, atol=1 / 16384)


@pytest.mark.parametrize("after", ["LIST chunk", "LIST chunk, no pad byte", "LIST chunk that overstates its size", "ID3 tag"])
def test_what_follows_the_audio_is_not_read_as_audio(tmp_path, reference, after):
    """LIST, id3 or bext chunks may follow the data chunk (after a pad byte an odd size needs, which some writers leave
    out), or a bare ID3 tag: they are not audio a dead recorder left unsaid (40 kB, more than a second of 16-bit audio)."""
    import struct

    import soundfile as sf

    path = tmp_path / "tagged.wav"
    sf.write(path, reference[: SAMPLE_RATE * 2], SAMPLE_RATE, subtype="PCM_U8")  # one byte a sample: an even size
    data = bytearray(path.read_bytes())
    if "no pad" in after:  # an odd size: 3999 bytes of audio with no pad byte after them
        chunk = data.index(b"data", 12)
        data = data[:-1]
        data[chunk + 4: chunk + 8] = struct.pack("<I", SAMPLE_RATE * 2 - 1)
    size = 99_999_999 if "overstates" in after else 40_000
    tail = b"ID3\x03\x00" + bytes(40_000) if after == "ID3 tag" else b"LIST" + struct.pack("<I", size) + b"INFO" + bytes(39_996)
    path.write_bytes(bytes(data) + tail)
    info = probe(path)
    assert (info.duration_ms, info.past_header) in ((2_000, False), (1_999, False))
    assert load_audio(path).size in (SAMPLE_RATE * 2, SAMPLE_RATE * 2 - 1)


def test_a_wav_cut_short_to_almost_nothing_is_damaged_not_a_short_recording(tmp_path, reference, parley_home, capsys):
    """The header declares 30 s and under a second is left: an error at once, nothing stored (the first 1000 bytes:
    28 ms); a WAV that keeps more of itself is still read (the test above)."""
    from core.cli import main

    whole = af.write_wav(tmp_path / "whole.wav", reference, SAMPLE_RATE)
    path = tmp_path / "stub.wav"
    path.write_bytes(whole.read_bytes()[:1000])
    with pytest.raises(CorruptAudioError, match=r"stub.wav is cut short: only 0.03 s of the 30.0 s its header declares"):
        probe(path)
    assert main(["transcribe", str(path)]) == 1
    assert main(["live", "--input", str(path), "--no-recover"]) == 1
    err = capsys.readouterr().err
    assert err.count("stub.wav is cut short") == 2 and "Traceback" not in err
    assert not (parley_home / "audio").exists() or not any((parley_home / "audio").iterdir())


def test_a_wav_over_4_gib_is_not_taken_for_one_whose_header_says_less(tmp_path, reference):
    """Its 32-bit sizes cannot say how long it is (they wrap): FFmpeg reads it to its end, and its header is not rewritten."""
    import struct

    from core.audio.wav_header import complete_header, unsaid_ms, wav_data

    path = af.write_wav(tmp_path / "long-meeting.wav", reference[:SAMPLE_RATE], SAMPLE_RATE)
    data = bytearray(path.read_bytes())
    chunk = data.index(b"data", 12)
    total = 2**32 + 2**20  # sparse: the disk holds only the first second
    data[chunk + 4: chunk + 8] = struct.pack("<I", (total - chunk - 8) & 0xFFFFFFFF)
    with path.open("wb") as handle:
        handle.write(data)
        handle.truncate(total)
    assert unsaid_ms(path, wav_data(path)) is None and not complete_header(path)
    with path.open("rb") as handle:
        assert handle.read(len(data)) == bytes(data)
