"""How the desktop app feels: the window's start-up time and the event loop's longest stall while
a live session runs.

    .venv/bin/python benchmarks/gui.py [--runs 3] [--speed 1.0] [--diarize]

Start-up: a fresh process each run (private PARLEY_HOME, the real job worker started as the app
does) times from the first line of the program to the first event-loop pass after the main
window is shown, and the whole process wall time up to that point (interpreter and imports
included). Target: under 2 s.

Stall: once the Record view has loaded its models (it says so; the longest stall while they
load is printed too), the sample (30 s, 2 speakers) is played as the live input through it at
`--speed` (1.0 = real time, as a microphone would deliver it) while a 5 ms precise timer on the
GUI thread records every gap between its ticks; the longest gap beyond 5 ms is the longest
time the window could not react. Also reported: the 99th percentile and how many ticks were
late by 50 ms or more. Target: longest stall under 50 ms. Uses QT_QPA_PLATFORM=offscreen when
no display is set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STARTUP_TARGET_S = 2.0
STALL_TARGET_MS = 50.0
TICK_MS = 5


def _startup_child() -> None:
    t0 = time.perf_counter()
    from PySide6.QtCore import QTimer

    from desktop.app import application, build_window, create_services, shutdown

    app = application([sys.argv[0]])
    services = create_services(start_worker=True)
    window = build_window(services)
    window.show()
    result = {}

    def shown():
        result["in_process_s"] = time.perf_counter() - t0
        result["since_exec_s"] = time.time() - float(os.environ["PARLEY_BENCH_EXEC"])
        app.quit()

    QTimer.singleShot(0, shown)
    app.exec()
    shutdown(services)
    print(json.dumps(result))


def startup(runs: int) -> list[dict]:
    """Return one timing per run of a fresh app process."""
    rows = []
    for _ in range(runs):
        env = dict(os.environ, PARLEY_HOME=tempfile.mkdtemp(prefix="parley-bench-gui-"), PARLEY_BENCH_EXEC=repr(time.time()))
        out = subprocess.run([sys.executable, __file__, "--child-startup"], env=env, capture_output=True, text=True, check=True, timeout=120)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return rows


class _Ticker:
    def __init__(self):
        from PySide6.QtCore import QElapsedTimer, Qt, QTimer

        self.gaps: list[float] = []
        self.when: list[float] = []
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=TICK_MS, timerType=Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)
        self.last = None

    def start(self):
        self.clock.start()
        self.last = self.clock.nsecsElapsed()
        self.timer.start()

    def _tick(self):
        now = self.clock.nsecsElapsed()
        self.gaps.append((now - self.last) / 1e6 - TICK_MS)
        self.when.append(now / 1e9)
        self.last = now

    def stop(self):
        self.timer.stop()


def stall(speed: float, diarize: bool) -> dict:
    """Return the event loop's stalls while the Record view captions the sample."""
    os.environ.setdefault("PARLEY_HOME", tempfile.mkdtemp(prefix="parley-bench-gui-"))
    from dataclasses import replace

    from PySide6.QtCore import QEventLoop, QTimer

    from core.cli.transcribe import sample_recording
    from desktop.app import application, build_window, create_services, shutdown

    app = application([sys.argv[0]])
    services = create_services(start_worker=False)
    services.settings = replace(services.settings, diarize=diarize)
    window = build_window(services)
    window.resize(1100, 720)
    window.show()
    record = window.record_view
    window.show_page("Record")
    record.set_file_input(sample_recording(), speed=speed)

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    loading = _Ticker()  # the models load off the GUI thread while a person looks at the window
    loading.start()
    began = time.perf_counter()
    wait(4000)
    while not record.engine_ready and time.perf_counter() - began < 120:
        wait(100)  # Record says "Loading the speech models…" until they are in
    loading.stop()
    prepared_s = time.perf_counter() - began
    events = {"interim": 0, "final": 0}
    ticker = _Ticker()
    ticker.start()
    started = time.perf_counter()
    record.start_recording()
    record.session.interim.connect(lambda _: events.__setitem__("interim", events["interim"] + 1))
    record.session.final.connect(lambda _: events.__setitem__("final", events["final"] + 1))
    saved = []
    record.conversation_saved.connect(saved.append)
    while not saved and time.perf_counter() - started < 300:
        wait(50)
    ticker.stop()
    session_s = time.perf_counter() - started
    window.close()
    shutdown(services)
    worst = sorted(zip(ticker.gaps, ticker.when), reverse=True)[:5]
    if os.environ.get("PARLEY_BENCH_DEBUG"):
        print("worst gaps (ms, at s):", [(round(g, 1), round(t, 2)) for g, t in worst])
    gaps = sorted(max(0.0, g) for g in ticker.gaps)
    return {
        "session_s": session_s,
        "ticks": len(gaps),
        "max_ms": gaps[-1] if gaps else float("nan"),
        "p99_ms": gaps[int(0.99 * (len(gaps) - 1))] if gaps else float("nan"),
        "late_50": sum(1 for g in gaps if g >= 50),
        "interim": events["interim"],
        "final": events["final"],
        "stored": bool(saved),
        "prepared_s": prepared_s,
        "loading_max_ms": max(loading.gaps, default=float("nan")),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description="GUI start-up time and event-loop stalls during a live session")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--speed", type=float, default=1.0, help="playback speed of the sample as the live input")
    parser.add_argument("--diarize", action="store_true", help="turn the diarize setting on for the live session")
    parser.add_argument("--child-startup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.child_startup:
        _startup_child()
        return 0

    print(f"Parley desktop, {os.cpu_count()} CPU threads, Qt platform {os.environ.get('QT_QPA_PLATFORM', 'default')}\n")
    rows = startup(args.runs)
    inside = statistics.median(r["in_process_s"] for r in rows)
    whole = statistics.median(r["since_exec_s"] for r in rows)
    print(f"start-up (median of {args.runs}): window shown {inside:.2f} s after the program's first line, "
          f"{whole:.2f} s after exec (interpreter included); target {STARTUP_TARGET_S:.1f} s: "
          f"{'OK' if whole < STARTUP_TARGET_S else 'MISSED'} ({whole / STARTUP_TARGET_S:.2f}× of target)")
    result = stall(args.speed, args.diarize)
    print(f"models ready {result['prepared_s']:.1f} s after the Record view opened (longest stall while they "
          f"loaded: {result['loading_max_ms']:.0f} ms)")
    print(f"live session on sample.wav at {args.speed:g}× ({result['session_s']:.1f} s until stored, "
          f"{result['interim']} interim and {result['final']} final results, stored: {result['stored']}):")
    print(f"  event loop: longest stall {result['max_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
          f"{result['late_50']} of {result['ticks']} ticks late by ≥50 ms; target {STALL_TARGET_MS:.0f} ms: "
          f"{'OK' if result['max_ms'] < STALL_TARGET_MS else 'MISSED'} ({result['max_ms'] / STALL_TARGET_MS:.2f}× of target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
