"""Live speaker labels benchmark: agreement with the reference, DER, speakers found, CPU per second of audio, memory.

    python benchmarks/live_speakers.py                   # pyannote's sample.wav (30 s, 2 speakers)
    python benchmarks/live_speakers.py --repeat 20       # the sample 20 times in a row (10 min): cost and memory over time
    python benchmarks/live_speakers.py --corpus 16       # + 16 generated conversations (benchmarks/diarization.py)
    python benchmarks/live_speakers.py --threshold 0.6 --step-ms 500 --min-embed-ms 1000
    python benchmarks/live_speakers.py --schedules 40    # + the sample with finals asked at 40 random moments

The tracker (core.live.online_speakers) is fed like a live session feeds it: 100 ms blocks in
order, and asked for the labels of each reference utterance once 0.8 s of audio past its end has
been heard (as a final after a pause would ask). Measured:
- speakers found; agreement = share of reference speech time labelled with its speaker's
  counterpart (best one-to-one mapping); DER (pyannote.metrics, collar 0, overlap included);
- flicker: labels asked again at the end that differ from what was answered (must be 0);
- cost: CPU and wall seconds spent in feed() and label() per second of audio, windows run,
  embeddings computed, the step the tracker settled on, and what one label() call takes;
- memory: the tracker's footprint (audio samples, windows, tracks, turns) at the end and the
  largest seen, which must not grow with the length of the session.
A live session asks for labels when whisper ends a final, which depends on how fast each decode
was: `--schedules N` plays the sample N more times with finals ending at random moments (every
0.3-1.5 s, each asked up to 1.5 s after its end) and counts the speakers found in each.
The machine's load average is printed: wall times on a shared 2-core machine mean little without it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from helpers.speaker_metrics import agreement, der  # noqa: E402 - after the path is set

SR = 16_000
BLOCK = 1600
PAUSE_MS = 800


def sample_item(repeat: int = 1) -> tuple[str, np.ndarray, list[tuple[int, int, str]], list[tuple[int, int]]]:
    """Return (name, audio, reference turns ms, utterance spans ms) of the sample, repeated `repeat` times."""
    from core.audio.decode import load_audio
    from core.diarization.weights import package_dir

    base = package_dir("pyannote.audio") / "sample"
    audio = load_audio(base / "sample.wav")
    turns, spans = [], []
    for line in (base / "sample.rttm").read_text().splitlines():
        f = line.split()
        start = round(float(f[3]) * 1000)
        turns.append((start, start + round(float(f[4]) * 1000), f[7]))
    for line in (base / "sample.stm").read_text().splitlines():
        f = line.split()
        spans.append((round(float(f[3]) * 1000), round(float(f[4]) * 1000)))
    length = len(audio) * 1000 // SR
    shift = lambda k, items: [(a + k * length, b + k * length, *rest) for a, b, *rest in items]  # noqa: E731
    return (f"sample x{repeat}", np.tile(audio, repeat),
            [t for k in range(repeat) for t in shift(k, turns)], [s for k in range(repeat) for s in shift(k, spans)])


def corpus_items(count: int, seed: int):
    """Return generated conversations as (name, audio, reference turns ms, utterance spans ms)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from diarization import build_corpus

    items = []
    for conversation in build_corpus(count, seed=seed):
        turns = [(round(s * 1000), round(e * 1000), who) for s, e, who in conversation.turns]
        items.append((conversation.name, conversation.audio, turns, [(s, e) for s, e, _ in turns]))
    return items


def random_schedule(total_ms: int, seed: int) -> list[tuple[int, int, int]]:
    """Return finals (start ms, end ms, asked at ms) one after another, ending and asked at random moments."""
    import random

    rng, spans, last = random.Random(seed), [], 0
    for heard in range(BLOCK * 1000 // SR, total_ms + 1, BLOCK * 1000 // SR):
        if rng.random() < 0.12 and heard - last > 300:
            end = rng.randint(max(last + 200, heard - 1500), heard)
            spans.append((last, end, heard))
            last = end
    return spans + [(last, total_ms, total_ms)]


def run(item, options) -> dict:
    """Feed one recording to a fresh tracker like a session would; return its measures."""
    from core.live.online_speakers import OnlineSpeakerTracker

    name, audio, reference, spans = item
    tracker = OnlineSpeakerTracker(options)
    asked_at = lambda span: span[2] if len(span) > 2 else span[1] + PAUSE_MS  # noqa: E731
    pending = sorted(spans, key=asked_at)
    given, largest, label_s = [], {}, []
    began = time.perf_counter()
    for at in range(0, len(audio), BLOCK):
        tracker.feed(audio[at:at + BLOCK], at * 1000 // SR)
        heard = (at + BLOCK) * 1000 // SR
        while pending and asked_at(pending[0]) <= heard:
            span = pending.pop(0)[:2]
            asked = time.perf_counter()
            given.append((span, tracker.label(*span)))
            label_s.append(time.perf_counter() - asked)
        if heard % 10_000 == 0:
            for key, value in tracker.footprint().items():
                largest[key] = max(largest.get(key, 0), value)
    given += [(span[:2], tracker.label(*span[:2])) for span in pending]
    total_ms = len(audio) * 1000 // SR
    final = tracker.label(0, total_ms)
    wall = time.perf_counter() - began
    flicker = sum(1 for span, turns in given if tracker.label(*span) != turns)
    details = der(final, reference)
    return {
        "name": name, "seconds": total_ms / 1000, "speakers": tracker.num_speakers,
        "reference_speakers": len({who for *_, who in reference}), "agreement": agreement(final, reference, total_ms),
        "der": details, "flicker": flicker, "labels": len(given), "cpu_s": tracker.cpu_s, "analysis_s": tracker.compute_s,
        "feed_wall_s": wall, "windows": tracker.windows_run, "embeddings": tracker.embeddings_run,
        "step_ms": tracker.step_ms, "label_ms": (1000 * float(np.mean(label_s)), 1000 * max(label_s)) if label_s else (0, 0), "footprint": tracker.footprint(), "largest": largest,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=1, help="play the sample this many times in a row")
    parser.add_argument("--corpus", type=int, default=0, help="also run this many generated conversations")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--schedules", type=int, default=0, help="also play the sample with this many random final schedules")
    parser.add_argument("--threshold", type=float)
    parser.add_argument("--step-ms", type=int)
    parser.add_argument("--window-ms", type=int)
    parser.add_argument("--min-embed-ms", type=int)
    parser.add_argument("--max-speakers", type=int)
    parser.add_argument("--max-cpu-share", type=float, help="default: the tracker's; a large value fixes the step")
    args = parser.parse_args(argv)

    from dataclasses import fields

    from core.live.online_speakers import OnlineSpeakerOptions, shared_models

    chosen = {f.name: getattr(args, f.name) for f in fields(OnlineSpeakerOptions) if getattr(args, f.name, None) is not None}
    options = OnlineSpeakerOptions(**chosen)
    began = time.perf_counter()
    shared_models()
    print(f"options: {options}")
    print(f"models loaded in {time.perf_counter() - began:.1f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    items = [sample_item(args.repeat)] + (corpus_items(args.corpus, args.seed) if args.corpus else [])
    totals = {"total": 0.0, "confusion": 0.0, "missed detection": 0.0, "false alarm": 0.0}
    for item in items:
        r = run(item, options)
        d = r["der"]
        for key in totals:
            totals[key] += d[key]
        print(f"{r['name']:<22} {r['seconds']:6.0f} s  speakers {r['speakers']}/{r['reference_speakers']}  "
              f"agreement {r['agreement']:.3f}  DER {d['diarization error rate']:.3f} "
              f"(confusion {d['confusion'] / d['total']:.3f})  flicker {r['flicker']}/{r['labels']}  "
              f"CPU {r['cpu_s'] * 1000 / r['seconds']:.0f} ms/s, wall {r['analysis_s'] * 1000 / r['seconds']:.0f} ms/s "
              f"(step {r['step_ms']} ms, {r['windows']} windows, {r['embeddings']} embeddings; "
              f"label() {r['label_ms'][0]:.0f} ms mean, {r['label_ms'][1]:.0f} max)  "
              f"held {r['footprint']} largest {r['largest']}")
    if len(items) > 1:
        errors = totals["confusion"] + totals["missed detection"] + totals["false alarm"]
        print(f"all: DER {errors / totals['total']:.3f} (confusion {totals['confusion'] / totals['total']:.3f}, "
              f"missed {totals['missed detection'] / totals['total']:.3f}, "
              f"false alarm {totals['false alarm'] / totals['total']:.3f}); load average {os.getloadavg()[0]:.1f}")
    if args.schedules:
        name, audio, reference, _ = sample_item()
        found, ders = {}, []
        for seed in range(args.schedules):
            r = run((name, audio, reference, random_schedule(len(audio) * 1000 // SR, seed)), options)
            found[r["speakers"]] = found.get(r["speakers"], 0) + 1
            ders.append(r["der"]["diarization error rate"])
        print(f"sample, {args.schedules} random final schedules: speakers found {dict(sorted(found.items()))} "
              f"(2 is right); DER mean {np.mean(ders):.3f}, worst {max(ders):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
