"""Check that a packaged Parley (packaging/parley.spec) works on its own, as a user would run it.

    python packaging/check_build.py dist/parley/parley

Each check runs the built executable from an empty folder, with its own library (PARLEY_HOME), so
nothing from a checkout or a virtual environment can stand in for what the build left out:
1. the README's first job: `parley transcribe --sample --diarize` (the embedded models, both speakers);
2. a queued re-transcription with speakers run by `parley worker --once` (each job is `parley __module__ core.jobs.runner`);
3. the conversation exported in every format (text forms, profanity masking and sentiment have data files of their own);
4. `parley live --input FILE --diarize --jsonl` (the live recognizer and the live speaker models);
5. `parley serve` answers on its port (its API description; credentials asked for);
6. `parley worker --follow PID` ends when its app is killed;
7. `parley gui` opens the window (offscreen; Linux) with its job worker beside it.
It prints one line per check and exits 1 if any failed. It uses psutil (one of Parley's dependencies).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from core.export import FORMATS  # noqa: E402 (the names only: every format the CLI offers)

TIMEOUT_S = 300


def run(app: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(app), *args], env=env, cwd=env["PARLEY_HOME"], capture_output=True, text=True,
                          timeout=TIMEOUT_S)


def said(done: subprocess.CompletedProcess) -> str:
    return f"exit {done.returncode}; stderr ends:\n{done.stderr[-2000:]}"


def check_transcribe(app: Path, env: dict, found: dict) -> None:
    done = run(app, env, "transcribe", "--sample", "--diarize")
    assert done.returncode == 0, said(done)
    assert "Guest-1" in done.stdout and "Guest-2" in done.stdout, done.stdout
    assert "New Jersey" in done.stdout, done.stdout
    assert "conversationId:" in done.stderr, said(done)  # stdout is the transcript alone
    found["conversation"] = done.stderr.split("conversationId:")[1].split()[0]


def check_job(app: Path, env: dict, found: dict) -> None:
    conversation = stored(found)
    done = run(app, env, "queue", "add", conversation, "--diarize")
    assert done.returncode == 0 and "speakers" in done.stdout, said(done)
    done = run(app, env, "worker", "--once")
    assert done.returncode == 0, said(done)
    listed = run(app, env, "queue", "list")
    assert listed.returncode == 0 and "Succeeded" in listed.stdout, f"{listed.stdout}\n{said(done)}"


def check_exports(app: Path, env: dict, found: dict) -> None:
    """Every export format; Azure v2 and CSV with a text form, profanity masking and sentiment (data files of their own)."""
    conversation = stored(found)
    for form in sorted(FORMATS):
        out = Path(env["PARLEY_HOME"], f"export.{form}")
        extra = ("--text-form", "itn", "--profanity", "Masked", "--sentiment") if form in ("azure-v2", "csv") else ()
        done = run(app, env, "export", conversation, "--format", form, "--output", str(out), *extra)
        assert done.returncode == 0 and out.stat().st_size > 0, f"{form}: {said(done)}"
        if form in ("srt", "txt", "vtt", "md"):
            assert "New Jersey" in out.read_text(), f"{form}: {out.read_text()[:500]}"
    assert "Sentiment" in Path(env["PARLEY_HOME"], "export.azure-v2").read_text()


def check_live(app: Path, env: dict, found: dict) -> None:
    samples = list(app.parent.rglob("pyannote/audio/sample/sample.wav"))
    assert samples, "the build holds no sample.wav"
    sample = samples[0]
    done = run(app, env, "live", "--input", str(sample), "--speed", "0", "--diarize", "--jsonl", "--mode", "realtime")
    assert done.returncode == 0, said(done)
    events = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    finals = [e for e in events if e["event"] == "transcribed" and e["final"]]
    assert len(finals) >= 5 and any(e["event"] == "transcribing" for e in events), done.stdout[-2000:]
    assert {"Guest-1", "Guest-2"} <= {e["speaker"] for e in finals}, [e["speaker"] for e in finals]
    assert events[-1]["event"] == "session_stopped", events[-1]


def check_serve(app: Path, env: dict, found: dict) -> None:
    """`parley serve` starts, describes its APIs, and asks for credentials (no keyring here to create a key)."""
    server = subprocess.Popen([str(app), "serve", "--port", "0", "--no-worker"], env=env, cwd=env["PARLEY_HOME"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        line, lines = wait_for_line(server, "running on http://", 120)
        assert line, "".join(lines[-40:])
        address = line.split("running on ")[1].split()[0]
        with urllib.request.urlopen(f"{address}/openapi.json", timeout=30) as answer:
            assert "/v1/recognize" in json.load(answer)["paths"]
        try:
            urllib.request.urlopen(f"{address}/v1/recognitions", timeout=30)
            raise AssertionError("/v1/recognitions answered without credentials")
        except urllib.error.HTTPError as refused:
            assert refused.code == 401, refused.code
    finally:
        end(server)


def check_follow(app: Path, env: dict, found: dict) -> None:
    """A stand-in app starts `parley worker --follow` and is killed; the worker must end within 10 s."""
    home = Path(env["PARLEY_HOME"], "follow")
    home.mkdir()
    stand_in = subprocess.Popen(
        [sys.executable, "-c", "import os, subprocess, sys, time\n"
         "print(subprocess.Popen([sys.argv[1], 'worker', '--follow', str(os.getpid())], stdout=subprocess.DEVNULL,"
         " stderr=subprocess.DEVNULL).pid, flush=True)\ntime.sleep(120)\n", str(app)],
        env=dict(env, PARLEY_HOME=str(home)), cwd=home, stdout=subprocess.PIPE, text=True)
    worker = None
    try:
        worker = int(stand_in.stdout.readline())
        deadline = time.monotonic() + 60  # the library is opened once the worker follows its app
        while not (home / "library.sqlite3").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (home / "library.sqlite3").exists(), "the worker did not start"
        time.sleep(1)
        assert alive(worker), "the worker ended while its app was running"
        stand_in.kill()
        stand_in.wait(10)
        assert wait_gone([worker], 10), "the worker outlived its app by 10 s"
    finally:
        end(stand_in)
        if worker is not None and alive(worker):
            psutil.Process(worker).kill()


def check_gui(app: Path, env: dict, found: dict) -> None:
    gui = subprocess.Popen([str(app), "-v", "gui"], env=dict(env, QT_QPA_PLATFORM="offscreen"), cwd=env["PARLEY_HOME"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    workers = []
    try:
        line, lines = wait_for_line(gui, "window shown in", 120)
        assert line, "".join(lines[-40:])
        deadline = time.monotonic() + 30
        while not workers and time.monotonic() < deadline:
            workers = [c.pid for c in psutil.Process(gui.pid).children() if "worker" in cmdline(c)]
            time.sleep(0.2)
        assert workers, "the job worker was not started"
    finally:
        end(gui)
        gone = wait_gone(workers, 10)  # it follows the app; it must not outlive the library folder either
        for worker in workers if not gone else []:
            with contextlib.suppress(psutil.Error):
                psutil.Process(worker).kill()
    assert gone, "the job worker outlived the app by 10 s"


def wait_for_line(process: subprocess.Popen, marker: str, timeout_s: float) -> tuple[str | None, list[str]]:
    """Return the first line of process's stderr holding marker (None if it did not come in time), and the lines read."""
    lines: queue.SimpleQueue = queue.SimpleQueue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stderr], daemon=True).start()
    read, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None and lines.empty():
                break
            continue
        read.append(line)
        if marker in line:
            return line, read
    return None, read


def end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.kill()
    process.wait(30)


def wait_gone(pids: list[int], timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(alive(pid) for pid in pids)


def cmdline(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def stored(found: dict) -> str:
    assert found.get("conversation"), "no conversation: the first check failed"
    return found["conversation"]


CHECKS = [
    ("transcribe --sample --diarize", check_transcribe),
    ("a queued job with speakers run by the worker", check_job),
    ("export in every format", check_exports),
    ("live --input sample.wav --diarize", check_live),
    ("serve answers on its port", check_serve),
    ("worker --follow ends with its app", check_follow),
    ("gui opens with its worker", check_gui),
]


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_file():
        print("usage: python packaging/check_build.py dist/parley/parley", file=sys.stderr)
        return 2
    app = Path(argv[0]).resolve()
    failed = 0
    with tempfile.TemporaryDirectory(prefix="parley-build-check-") as home:
        env = dict(os.environ, PARLEY_HOME=home)
        env.pop("PYTHONPATH", None)
        found: dict = {}  # what one check leaves for the next: the stored conversation's id
        for name, check in CHECKS:
            began = time.monotonic()
            try:
                check(app, env, found)
                print(f"ok     {name} ({time.monotonic() - began:.1f} s)", flush=True)
            except Exception as problem:  # noqa: BLE001 (each check says what went wrong, and the next one runs)
                failed += 1
                print(f"FAILED {name} ({time.monotonic() - began:.1f} s): {problem}", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
