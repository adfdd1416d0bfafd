"""A disk that fills while recording: the session ends with a clear message and nothing recorded is lost.

Both tests use the real kernel: a child process whose files may not grow past a limit, and a real
full filesystem (a small tmpfs in a private mount namespace, which needs no privileges where user
namespaces are allowed).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from core.store import Library

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[3]


# the child process may grow no file past `limit` bytes: the kernel then fails the write (EFBIG; Python ignores
# SIGXFSZ), as it would on a full disk (ENOSPC) with the library's small file already written
LIMITED_CLI = "import resource, runpy, sys; limit = int(sys.argv.pop(1)); " \
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)); runpy.run_module('core.cli', run_name='__main__')"


def test_a_recording_the_disk_refuses_to_grow_ends_the_session_keeping_what_was_recorded(sample_wav, parley_home):
    from core.audio.decode import load_audio

    limit = 44 + 15 * 32_000 + 1000  # the WAV header, 15 s of 16 kHz 16-bit audio and part of the next 100 ms block
    done = subprocess.run([sys.executable, "-c", LIMITED_CLI, str(limit), "live", "--input", str(sample_wav), "--speed", "0",
                           "--jsonl", "--mode", "realtime"], cwd=ROOT, env={**os.environ, "PARLEY_HOME": str(parley_home)},
                          capture_output=True, text=True, timeout=300)
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1, done.stderr
    [failed] = [e for e in events if e["event"] == "canceled"]
    assert failed["errorCode"] == "RecordingFailed" and "File too large" in failed["errorDetails"]
    assert "the audio recorded so far is kept" in failed["errorDetails"]
    assert events[-1]["event"] == "session_stopped" and "Traceback" not in done.stderr
    names = [e["event"] for e in events]  # said after the finals of what was recorded, not as the write failed
    assert names.index("canceled") > max(i for i, name in enumerate(names) if name in ("transcribing", "transcribed"))
    cid = events[-1]["conversationId"]
    assert f"what was recorded is stored as conversation {cid}" in done.stderr
    with Library.open() as library:
        conversation = library.get_conversation(cid)
        recording = library.audio_path(cid)
    assert conversation.duration_ms == 15_000 and len(load_audio(recording)) == 15 * 16_000
    assert recording.stat().st_size == 44 + 15 * 32_000  # the block written in part was taken back
    assert load_audio(recording) == pytest.approx(load_audio(sample_wav)[:15 * 16_000], abs=1e-4)
    text = " ".join(u.display for u in conversation.ordered()).lower()
    assert "didn't know you were there" in text and "chicago" not in text  # the words heard before the disk refused more
    assert not list((parley_home / "audio").glob("*/session.json"))  # stored, so nothing is left for recovery


FULL_DISK = textwrap.dedent(
    """
    set -u
    mount -t tmpfs -o size=700k tmpfs "$PARLEY_HOME" || exit 1
    live() { "$PY" -m core.cli live --speed 0 --mode realtime "$@"; }
    live --input "$SAMPLE" --jsonl > "$OUT/first.jsonl" 2> "$OUT/first.err"; echo $? > "$OUT/first.rc"
    live --input "$EXCERPT" > /dev/null 2> "$OUT/still_full.err"; echo $? > "$OUT/still_full.rc"
    mount -o remount,size=16m "$PARLEY_HOME"
    live --input "$EXCERPT" > /dev/null 2> "$OUT/freed.err"; echo $? > "$OUT/freed.rc"
    "$PY" -c "$INSPECT" > "$OUT/library.json"
    """
)
INSPECT = textwrap.dedent(
    """
    import json
    from core.audio.decode import load_audio
    from core.store import Library
    with Library.open() as library:
        print(json.dumps({s.conversation_id: {
            "duration_ms": library.get_conversation(s.conversation_id).duration_ms,
            "text": " ".join(u.display for u in library.get_conversation(s.conversation_id).ordered()),
            "samples": load_audio(library.audio_path(s.conversation_id))[:16000 * 60].tolist()}
            for s in library.list_conversations()}))
    """
)


def test_a_full_disk_mid_recording_keeps_the_recording_and_journal_for_the_next_start(sample_wav, excerpt, parley_home, tmp_path):
    from core.audio.decode import load_audio

    env = {**os.environ, "PY": sys.executable, "SAMPLE": str(sample_wav), "EXCERPT": str(excerpt), "OUT": str(tmp_path),
           "INSPECT": INSPECT, "PARLEY_HOME": str(parley_home), "PYTHONPATH": str(ROOT)}
    unshare = ["unshare", "--user", "--map-root-user", "--mount"]
    probe = subprocess.run([*unshare, "sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$OUT"'], env=env, capture_output=True,
                           text=True) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip(f"no private mount namespace for a small filesystem here: {probe.stderr.strip() if probe else 'no unshare'}")
    done = subprocess.run([*unshare, "sh", "-c", FULL_DISK], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    read = lambda name: (tmp_path / name).read_text()  # noqa: E731

    # the disk fills while recording: the session ends, the library cannot take the conversation either
    events = [json.loads(line) for line in read("first.jsonl").splitlines()]
    failures = [(e["errorCode"], e["errorDetails"]) for e in events if e["event"] == "canceled"]
    assert [code for code, _ in failures] == ["RecordingFailed", "StoreError"]
    assert "No space left on device" in failures[0][1] and "the audio recorded so far is kept" in failures[0][1]
    assert read("first.rc").strip() == "1" and "it will be recovered at the next start" in read("first.err")
    first = events[-1]["conversationId"]

    # a start on the still-full disk leaves it where it is and says why
    assert read("still_full.rc").strip() == "1"
    assert "could not recover the unfinished recording" in read("still_full.err") and "Free some disk space" in read("still_full.err")

    # once there is room, the next start stores it: the audio as recorded and the results heard
    assert read("freed.rc").strip() == "0", read("freed.err")
    assert "Recovered an unfinished recording" in read("freed.err") and first in read("freed.err")
    stored = json.loads(read("library.json"))
    assert len(stored) == 2 and first in stored
    kept = stored[first]
    assert 10_000 <= kept["duration_ms"] < 30_000  # 700 kB hold about 21 s, less what the library's file took
    assert kept["samples"] == pytest.approx(load_audio(sample_wav)[:len(kept["samples"])].tolist(), abs=1e-4)
    assert len(kept["samples"]) // 16 == kept["duration_ms"]
    assert "didn't know you were there" in kept["text"].lower()


JOURNAL_ON_FULL_DISK = textwrap.dedent(
    """
    import errno, json, os, subprocess, sys
    home = os.environ["PARLEY_HOME"]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", home], check=True)
    from core.live import journal
    from core.results import Utterance, Word, utc_now
    from core.text.forms import forms_from_display
    info = journal.SessionInfo(conversation_id="00000000-0000-4000-8000-000000000001", title="Full", started=utc_now(),
                               pid=os.getpid(), source="live: test", model="tiny.en", locale="en-US")
    folder = os.path.join(home, "audio", info.conversation_id)
    written = journal.SessionJournal(folder, info)
    def final(n):
        text = " ".join(["Well, there isn't that much difference."] * 20)
        return Utterance(result_id=f"{n:032x}", channel=0, offset_ms=n * 1000, duration_ms=900,
                         forms=forms_from_display(text, "en-US"), confidence=0.9,
                         words=[Word(w, n * 1000 + k, 1, 0.9) for k, w in enumerate(text.split())])
    written.append(final(0))
    with open(os.path.join(folder, "recording.wav"), "wb", buffering=0) as audio:  # the audio fills the disk up
        try:
            while True:
                audio.write(bytes(4096))
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    written.hold(final(99), 60, "en-US")  # settled words of a result under way: they may not take the finals' room
    for n in range(1, 6):  # the finals said as the session ends
        written.append(final(n))
    written.close()
    lines = open(os.path.join(folder, journal.RESULTS_FILE), encoding="utf-8").read().splitlines()
    print(json.dumps([[u.result_id for u in journal.read_results(folder)], sum(journal.UNDER_WAY in line for line in lines)]))
    """
)


def test_the_finals_heard_after_the_audio_filled_the_disk_are_journaled_whole(parley_home, tmp_path):
    """The disk fills with audio first; the finals of what was heard until then come after, as the session ends. They
    were written in part or not at all (6 finals shown, 5 stored, the last one's line torn): room is kept for them, and
    the settled words of a result under way, journaled as they come, do not take it."""
    env = {**os.environ, "PARLEY_HOME": str(parley_home), "PYTHONPATH": str(ROOT), "OUT": str(tmp_path)}
    unshare = ["unshare", "--user", "--map-root-user", "--mount"]
    probe = subprocess.run([*unshare, "sh", "-c", 'mount -t tmpfs -o size=64k tmpfs "$OUT"'], env=env, capture_output=True,
                           text=True) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip(f"no private mount namespace for a small filesystem here: {probe.stderr.strip() if probe else 'no unshare'}")
    done = subprocess.run([*unshare, sys.executable, "-c", JOURNAL_ON_FULL_DISK], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[f"{n:032x}" for n in range(6)], 0]
