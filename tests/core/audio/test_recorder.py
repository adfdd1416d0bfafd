"""The crash-safe recorder: what it writes decodes back exactly, its header is right every second, and kill -9 loses nothing written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.audio.decode import load_audio, probe
from core.audio.recorder import MAX_DATA_BYTES, Recorder, repair_wav, to_pcm16
from core.errors import StoreError
from helpers import audiofiles as af

ROOT = Path(__file__).resolve().parents[3]


def _quantized(samples: np.ndarray) -> np.ndarray:
    return np.frombuffer(to_pcm16(samples), dtype="<i2").astype(np.float32) / 32768.0


def test_blocks_written_decode_back_sample_for_sample(tmp_path, reference):
    path = tmp_path / "rec.wav"
    with Recorder(path) as recorder:
        for at in range(0, len(reference), 1600):
            recorder.write(reference[at:at + 1600])
        assert recorder.duration_ms == 30_000
    assert recorder.closed
    decoded = load_audio(path)
    assert len(decoded) == len(reference)
    assert np.max(np.abs(decoded - _quantized(reference))) < 1e-4
    assert probe(path).duration_ms == 30_000


def test_the_header_is_fixed_up_every_second_while_recording(tmp_path, reference):
    path = tmp_path / "rec.wav"
    recorder = Recorder(path, sync_interval_s=0.2)
    recorder.write(reference[:16_000])
    time.sleep(0.25)
    recorder.write(reference[16_000:32_000])  # passes the interval: header now says 2 s
    header_ms = af.read_wav(path)[0].shape[1] * 1000 // 16_000  # the wave module trusts the header
    assert header_ms == 2000
    recorder.close()
    recorder.close()  # twice is fine


def test_a_file_left_by_a_dead_writer_is_repaired_to_its_real_length(tmp_path, reference):
    path = tmp_path / "rec.wav"
    recorder = Recorder(path, sync_interval_s=3600)  # the header still says 0 bytes
    for at in range(0, 16_000 * 5, 1600):
        recorder.write(reference[at:at + 1600])
    os.close(recorder._fd)  # the process "dies": no final fix-up
    with path.open("ab") as handle:
        handle.write(b"\x01")  # half a sample, torn by the crash
    assert repair_wav(path) == 5000
    decoded = load_audio(path)
    assert len(decoded) == 16_000 * 5
    assert np.max(np.abs(decoded - _quantized(reference[: 16_000 * 5]))) < 1e-4


def test_a_recording_whose_header_format_was_damaged_is_read_as_the_16_khz_mono_it_was_written_in(tmp_path, reference):
    path = tmp_path / "rec.wav"
    recorder = Recorder(path, sync_interval_s=3600)
    for at in range(0, 16_000 * 2, 1600):
        recorder.write(reference[at:at + 1600])
    os.close(recorder._fd)
    with path.open("r+b") as handle:  # channels and sample rate zeroed (they divided by zero before)
        handle.seek(22)
        handle.write(b"\x00" * 6)
    assert repair_wav(path) == 2000
    assert len(load_audio(path)) == 16_000 * 2


def test_a_recording_whose_header_was_overwritten_keeps_the_audio_after_it(tmp_path, reference):
    """Only a recording's own folder is repaired, and its format is fixed: a damaged header is rebuilt. Refused, it
    held back the whole recovery, captions included ("… is not a recording Parley made") at every start."""
    path = tmp_path / "rec.wav"
    recorder = Recorder(path, sync_interval_s=3600)
    for at in range(0, 16_000 * 2, 1600):
        recorder.write(reference[at:at + 1600])
    os.close(recorder._fd)
    with path.open("r+b") as handle:
        handle.write(b"\x00" * 44)
    assert repair_wav(path) == 2000
    assert np.max(np.abs(load_audio(path) - _quantized(reference[: 16_000 * 2]))) < 1e-4


@pytest.mark.parametrize("size", [0, 20])
def test_a_recording_cut_before_its_header_was_whole_is_an_empty_recording(tmp_path, size):
    path = tmp_path / "rec.wav"
    path.write_bytes(b"RIFF" * 5 if size else b"")
    assert repair_wav(path) == 0
    info = sf.info(str(path))
    assert (info.samplerate, info.channels, info.frames) == (16_000, 1, 0)


def test_samples_are_clipped_not_wrapped(tmp_path):
    path = tmp_path / "loud.wav"
    with Recorder(path) as recorder:
        recorder.write(np.array([2.0, -2.0, 0.5], dtype=np.float32))
    raw = np.frombuffer(path.read_bytes()[44:], dtype="<i2")
    assert raw.tolist() == [32767, -32767, 16384]



def test_a_recording_as_long_as_a_wav_can_be_refuses_more_and_keeps_what_it_has(tmp_path):
    # the RIFF header holds 32-bit sizes: the largest data chunk still leaves a header that can be written
    assert 36 + MAX_DATA_BYTES == 0xFFFFFFFF and MAX_DATA_BYTES // 32_000 // 3600 == 37
    path = tmp_path / "full.wav"
    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(16_000) / 16_000)).astype(np.float32)
    with Recorder(path, max_data_bytes=32_000 * 2 + 1000) as recorder:  # room for 2 s and a little more
        recorder.write(tone)
        recorder.write(tone)
        with pytest.raises(StoreError) as raised:
            recorder.write(tone)
        assert "as long as a WAV file can be (2.0 s)" in str(raised.value) and "recorded so far is kept" in raised.value.hint
        assert recorder.duration_ms == 2000 and not recorder.closed
    assert probe(path).duration_ms == 2000 and len(load_audio(path)) == 32_000

CHILD = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from core.audio.recorder import Recorder
    rate = 16000
    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(rate * 60) / rate)).astype(np.float32)
    recorder = Recorder(sys.argv[1])
    start = time.monotonic()
    for k in range(600):  # 100 ms blocks in real time, as a microphone delivers them
        recorder.write(tone[k * 1600:(k + 1) * 1600])
        print(recorder.duration_ms, flush=True)
        time.sleep(max(0.0, start + (k + 1) * 0.1 - time.monotonic()))
    """
)


def test_a_recorder_killed_with_sigkill_loses_nothing_it_had_written(tmp_path):
    path = tmp_path / "killed.wav"
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    written = 0
    try:
        for line in child.stdout:
            written = int(line)
            if written >= 2500:
                break
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL
    recovered = repair_wav(path)
    assert written <= recovered <= written + 1000  # nothing reported is lost; at most what was in flight is added
    audio = load_audio(path)
    tone = (0.3 * np.sin(2 * np.pi * 220 * np.arange(len(audio)) / 16000)).astype(np.float32)
    assert np.max(np.abs(audio - _quantized(tone))) < 1e-4


def test_a_recording_deleted_while_written_is_written_again_whole(tmp_path, reference):
    """Its folder removed mid-recording, the audio lived on only in the open file, and the session's end found nothing."""
    import shutil

    path = tmp_path / "conv" / "rec.wav"
    with Recorder(path, sync_interval_s=0.0) as recorder:
        recorder.write(reference[:16_000])
        shutil.rmtree(path.parent)
        recorder.write(reference[16_000:32_000])  # seen at this write's sync: written again, then this block's end
        assert path.exists() and recorder.restored == 1
        recorder.write(reference[32_000:48_000])
    assert load_audio(path) == pytest.approx(_quantized(reference[:48_000]), abs=1e-4)
    assert sf.info(str(path)).frames == 48_000


def test_a_folder_where_the_recording_should_be_is_said_so_not_blamed_on_the_library(tmp_path):
    """"Is a directory. — Check that the library file is not damaged and that the disk has free space." (review)"""
    (tmp_path / "rec.wav").mkdir()
    with pytest.raises(StoreError) as caught:
        repair_wav(tmp_path / "rec.wav")
    assert "Is a directory" in caught.value.user_message() and "move it aside" in caught.value.user_message()
    assert "library" not in caught.value.user_message()
