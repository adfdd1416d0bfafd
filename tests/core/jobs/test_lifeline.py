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


def _seconds_until_gone(pid: int, limit_s: float = 15) -> float:
    gone = time.monotonic()
    while alive(pid) and time.monotonic() - gone < limit_s:
        time.sleep(0.05)
    return time.monotonic() - gone


def test_a_worker_that_follows_its_app_ends_at_once_when_the_app_is_killed(parley_home):
    env = dict(os.environ, PARLEY_HOME=str(parley_home))
    app, worker = _app_with_child([sys.executable, "-m", "core.cli", "worker", "--follow", "{app}"], env)
    try:
        deadline = time.monotonic() + 30  # the worker has opened the library: it is past its start
        while not (parley_home / "library.sqlite3").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (parley_home / "library.sqlite3").exists() and alive(worker)
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
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists() and alive(worker)
        app.kill()
        app.wait(10)
        assert 1.0 <= _seconds_until_gone(worker) < 6
    finally:
        _end(app, worker)


def test_a_worker_on_a_system_where_the_parent_id_never_changes_still_ends_with_its_app(tmp_path):
    """On Windows no kernel signal comes and os.getppid() keeps naming the dead parent: the thread watches the parent itself."""
    ready = tmp_path / "following"
    windows_like = ("import os, sys, time\n"
                    "from core.jobs import lifeline\n"
                    "app = os.getppid()\n"
                    "os.getppid = lambda: app\n"
                    "lifeline.die_with_parent = lambda sig: None\n"
                    "assert lifeline.follow(int(sys.argv[1]), 1.0)\n"
                    f"open({str(ready)!r}, 'w').close()\n"
                    "time.sleep(120)\n")
    app, worker = _app_with_child([sys.executable, "-c", windows_like, "{app}"])
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists() and alive(worker)
        time.sleep(1.5)
        assert alive(worker)  # a running app is followed, not mistaken for an ended one
        app.kill()
        app.wait(10)
        assert 0.8 <= _seconds_until_gone(worker) < 5
    finally:
        _end(app, worker)


def test_a_pid_reused_by_a_process_started_after_the_worker_is_not_taken_for_its_app(monkeypatch):
    from core.jobs import lifeline

    parent = os.getppid()
    assert lifeline._parent(parent) is not None  # this process's own parent, started before it
    younger = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        monkeypatch.setattr(os, "getppid", lambda: younger.pid)  # as if the parent died and its pid went to a newer process
        assert lifeline._parent(younger.pid) is None
        assert lifeline._parent(parent) is None  # not this process's parent any more either
    finally:
        younger.kill()
        younger.wait(10)


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
