"""`parley worker --follow PID` ends with the app that started it, even one killed with SIGKILL (core.jobs.lifeline)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers.processes import alive

ROOT = Path(__file__).resolve().parents[3]


def _app_with_child(child: list[str], env: dict | None = None) -> tuple[subprocess.Popen, int]:
    """Start a stand-in app that starts child (with {app} replaced by its own pid); return it and the child's pid."""
    script = ("import os, subprocess, sys, time\n"
              f"child = [a.replace('{{app}}', str(os.getpid())) for a in {child!r}]\n"
              "print(subprocess.Popen(child).pid, flush=True)\n"
              "time.sleep(120)\n")
    app = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    return app, int(app.stdout.readline())


def _end(app: subprocess.Popen, worker: int) -> None:
    """Leave nothing running when a test failed half-way."""
    app.kill()
    app.wait(10)
    if alive(worker):
        os.kill(worker, signal.SIGKILL)


def _appears(path: Path, limit_s: float = 30) -> bool:
    deadline = time.monotonic() + limit_s
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.exists()


def _seconds_until_gone(pid: int, limit_s: float = 15) -> float:
    gone = time.monotonic()
    while alive(pid) and time.monotonic() - gone < limit_s:
        time.sleep(0.05)
    return time.monotonic() - gone


def test_a_worker_that_follows_its_app_ends_at_once_when_the_app_is_killed(parley_home):
    env = dict(os.environ, PARLEY_HOME=str(parley_home))
    app, worker = _app_with_child([sys.executable, "-m", "core.cli", "worker", "--follow", "{app}"], env)
    try:
        assert _appears(parley_home / "library.sqlite3") and alive(worker)  # it opened the library: past its start
        time.sleep(1)
        assert alive(worker)  # it does not end on its own
        app.kill()
        app.wait(10)
        assert _seconds_until_gone(worker) < 3  # the kernel's SIGTERM, well before the 4 s grace
    finally:
        _end(app, worker)


def test_a_worker_too_busy_for_its_sigterm_still_ends_its_grace_after_the_app(tmp_path):
    """The SIGTERM the kernel sends waits for the main thread (SQLite may hold it up to 10 s): a thread ends it anyway."""
    ready = tmp_path / "following"
    stubborn = ("import signal, sys, time\n"
                "from core.jobs.lifeline import follow\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "assert follow(int(sys.argv[1]), 1.5)\n"
                f"open({str(ready)!r}, 'w').close()\n"
                "time.sleep(120)\n")
    app, worker = _app_with_child([sys.executable, "-c", stubborn, "{app}"])
    try:
        assert _appears(ready) and alive(worker)
        app.kill()
        app.wait(10)
        assert 1.0 <= _seconds_until_gone(worker) < 6
    finally:
        _end(app, worker)


# Windows, as far as core.jobs.lifeline can tell: no kernel signal, the parent id not watched (psutil first: it picks
# its platform by os.name)
AS_ON_WINDOWS = "import os, psutil\nfrom core.jobs import lifeline\nlifeline.die_with_parent = lambda **how: None\nos.name = 'nt'\n"


def test_a_worker_where_no_kernel_signal_comes_is_stopped_by_its_handler_then_ended_with_its_app(tmp_path):
    """Windows and macOS: the thread sees the app end, runs the worker's SIGTERM handler (its jobs are put back), and
    ends it a grace period later."""
    ready, stopped = tmp_path / "following", tmp_path / "stopped"
    worker_like = (AS_ON_WINDOWS
                   + "import signal, sys, time\n"
                   + f"signal.signal(signal.SIGTERM, lambda *_: open({str(stopped)!r}, 'w').close())\n"
                   + "assert lifeline.follow(int(sys.argv[1]), 1.0)\n"
                   + f"open({str(ready)!r}, 'w').close()\n"
                   + "while True:\n    time.sleep(0.25)\n")  # as the worker's loop, back in Python every 0.25-1 s
    app, worker = _app_with_child([sys.executable, "-c", worker_like, "{app}"])
    try:
        assert _appears(ready) and alive(worker)
        time.sleep(1.5)
        assert alive(worker) and not stopped.exists()  # a running app is followed, not mistaken for an ended one
        killed = time.monotonic()
        app.kill()
        app.wait(10)
        while not stopped.exists() and time.monotonic() - killed < 5:
            time.sleep(0.02)
        assert stopped.exists() and time.monotonic() - killed < 3  # the handler ran within a watch interval or two
        _seconds_until_gone(worker)
        assert 1.0 <= time.monotonic() - killed < 5  # the grace period (1 s) runs from when the thread saw the app end
    finally:
        _end(app, worker)


def test_a_job_process_where_no_kernel_signal_comes_still_ends_with_its_worker(tmp_path):
    """A job process follows its worker `hard`: no handler, no grace (on Linux the kernel's SIGKILL does it)."""
    ready = tmp_path / "following"
    job_like = (AS_ON_WINDOWS
                + "import sys, time\n"
                + "assert lifeline.follow(int(sys.argv[1]), 0.0, hard=True)\n"
                + f"open({str(ready)!r}, 'w').close()\n"
                + "time.sleep(120)\n")
    worker, job = _app_with_child([sys.executable, "-c", job_like, "{app}"])
    try:
        assert _appears(ready) and alive(job)
        worker.kill()
        worker.wait(10)
        assert _seconds_until_gone(job) < 3  # within a watch interval or two
    finally:
        _end(worker, job)


def test_on_windows_the_app_may_be_the_grandparent_but_never_a_process_started_after_the_worker(tmp_path):
    """A venv's python.exe is a launcher that starts the interpreter as its child: the app is then the grandparent.
    Windows keeps a dead parent's id, and its pid may go to a newer process, which must not be taken for the app."""
    check = (AS_ON_WINDOWS
             + "import sys, time\n"
             + "app = int(sys.argv[1])\n"
             + "print(lifeline.started_by(app) is not None, lifeline.started_by(os.getppid()) is not None,\n"
             + "      lifeline.started_by(psutil.Process(app).ppid()) is not None)\n"  # the great-grandparent: no
             + "time.sleep(lifeline.CLOCK_SLACK_S + 0.5)\n"
             + "younger = psutil.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
             + "psutil.Process.ppid = lambda self: younger.pid\n"  # as if the app had died and its pid gone to that one
             + "print(lifeline.started_by(younger.pid) is not None)\n"
             + "younger.kill()\n")
    done = subprocess.run(["sh", "-c", f'"{sys.executable}" -c "$0" {os.getpid()}; true', check], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True", "False", "False"], done.stdout + done.stderr


def test_a_worker_whose_app_has_ended_before_it_could_follow_it_does_not_start(parley_home):
    env = dict(os.environ, PARLEY_HOME=str(parley_home))
    not_its_parent = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        done = subprocess.run([sys.executable, "-m", "core.cli", "worker", "--follow", str(not_its_parent.pid)],
                              cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    finally:
        not_its_parent.kill()
    assert done.returncode == 0, done.stderr
    assert f"process {not_its_parent.pid} is not (or no longer) this worker's parent: not starting" in done.stderr
    assert not (parley_home / "library.sqlite3").exists()  # it touched nothing


def test_a_packaged_apps_module_command_says_plainly_what_is_wrong(tmp_path, monkeypatch, capsys):
    """`parley __module__ MODULE` is `python -m MODULE` for a packaged app: its mistakes are one line, not a traceback."""
    from core.cli import main

    (tmp_path / "says_why.py").write_text("import sys\nsys.exit('nothing to do: no jobs')\n")
    (tmp_path / "ends_well.py").write_text("import sys\nprint(sys.argv[1:])\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["parley"])
    assert main(["__module__"]) == 2
    assert "usage: parley __module__ MODULE" in capsys.readouterr().err
    assert main(["__module__", "core.no_such_module"]) == 1
    assert capsys.readouterr().err == "parley: error: no module named core.no_such_module\n"
    assert main(["__module__", "says_why"]) == 1
    assert capsys.readouterr().err == "nothing to do: no jobs\n"
    assert main(["__module__", "ends_well", "a", "b"]) == 0
    assert capsys.readouterr().out == "['a', 'b']\n"
