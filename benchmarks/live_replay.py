"""Live WER of streaming options, replayed on a simulated clock: the same answer on a busy machine or a quiet one.

    python benchmarks/live_replay.py                                   # the sample, default options
    python benchmarks/live_replay.py --copies 6 --options '{"trim_after_ms": 15000}'
    python benchmarks/live_replay.py --copies 6 --show                 # print the finals too
    python benchmarks/live_replay.py --copies 6 --errors               # and each copy's word errors

benchmarks/live.py plays audio in real time, so which buffers get decoded depends on how fast each
decode happened to be, and the live WER of one configuration moves by a point or more between runs
(the sample: 14.8-16.0 % over five runs). Comparing options that way needs many long quiet runs.
This replay feeds the StreamingRecognizer the way a live session does (100 ms blocks, one interim
decode per round, greedy finals when more than 1 s is waiting, interims skipped past 4 s), but
on a clock where a decode of N seconds of audio takes `--cost-base + --cost-per-second * N` seconds
(defaults fitted to tiny.en on 2 cores), and an encoder pass run while words are generated
(`encode_ahead`) is ready `--cost-ahead` seconds after it began. The decodes are real; only their timing is modelled, so a
replay is deterministic and several can run at once. It prints the live WER against sample.stm
and, on the modelled clock, the update interval p95 and each pause's wait for its final (as
benchmarks/live.py measures it): a check of the pacing, not of real speed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SR = 16_000
BLOCK = SR // 10  # the capture's 100 ms blocks


class ModelledEncoderThread:
    """core.asr.encode_ahead.EncoderThread on the modelled clock: it encodes at once, and the pass is ready `cost` later."""

    def __init__(self, encode, clock: list[float], cost: float):
        self.encode, self.clock, self.cost = encode, clock, cost
        self.on_encoded = None
        self.pending = None
        self.ready_at = float("inf")  # when the pending pass is done
        self.busy = False  # the alignment's choice of model copy makes no difference to its words

    def send(self, snapshot, audio: np.ndarray) -> None:
        snapshot.encoded = self.encode(audio)
        self.pending, self.ready_at = snapshot, self.clock[0] + self.cost

    def ready(self) -> bool:
        return self.pending is not None and self.clock[0] >= self.ready_at

    def take(self, utterance):
        snapshot, self.pending = self.pending, None
        if snapshot is None:
            return None
        self.clock[0] = max(self.clock[0], self.ready_at)
        self.ready_at = float("inf")
        return snapshot if snapshot.utterance is utterance else None

    def drop(self) -> None:
        self.pending, self.ready_at = None, float("inf")

    def close(self) -> None:
        self.drop()


def replay(audio: np.ndarray, options, cost_base: float, cost_per_second: float,
           cost_ahead: float) -> tuple[list, float, object]:
    """Return (events with their modelled arrival times, modelled end time, recognizer stats) of one replay."""
    from core.asr.streaming import StreamingRecognizer
    from core.live import LiveOptions

    max_lag_ms = LiveOptions().max_lag_ms  # the session's own limit for skipping interims
    clock = [0.0]
    events = []
    recognizer = StreamingRecognizer(options, on_event=lambda e: events.append((clock[0], e)))
    hearing = recognizer.hearing
    snapshot, words = hearing.snapshot, hearing.words

    def modelled_snapshot(utterance, audio):  # a decode's own encoder pass, on the recognizer's thread
        clock[0] += cost_base
        return snapshot(utterance, audio)

    def modelled_words(taken, **kw):
        heard = words(taken, **kw)
        clock[0] += cost_per_second * (taken.end - taken.start) / SR
        return heard

    hearing.snapshot, hearing.words = modelled_snapshot, modelled_words
    ahead = recognizer.encoder_thread = ModelledEncoderThread(recognizer.encoder_thread.encode, clock, cost_ahead)
    fed = 0
    while fed < len(audio):
        arrived = min(len(audio), round(clock[0] * SR) // BLOCK * BLOCK)
        if arrived <= fed and not ahead.ready():  # nothing new: wait for the next block, or for the encoder
            clock[0] = min((fed + BLOCK) / SR, ahead.ready_at)
            continue
        for at in range(fed, arrived, BLOCK):
            recognizer.feed(audio[at:at + BLOCK])
        fed = max(fed, arrived)
        waiting_ms = (round(clock[0] * SR) - fed) * 1000 // SR
        recognizer.hurry = waiting_ms > 1000
        if waiting_ms > max_lag_ms:
            recognizer.skip_update()
        elif not recognizer.update():  # nothing to decode yet: wait for the next block or the encoder (its on_encoded)
            later = ahead.ready_at if ahead.ready_at > clock[0] else float("inf")
            clock[0] = max(clock[0], min((fed + BLOCK) / SR, later))
    recognizer.flush()
    return events, clock[0], recognizer.stats


def print_errors(finals, reference: str, copy_ms: int, word_errors) -> None:
    """Print each copy's word errors (a final counts in the copy it starts in), then each error with the copies that made it."""
    copies: dict[int, list[str]] = {}
    for e in finals:
        copies.setdefault(e.utterance.offset_ms // copy_ms, []).append(e.utterance.display)
    words, made = len(reference.split()), Counter()
    for n, texts in sorted(copies.items()):
        errors = word_errors(reference, " ".join(texts))
        count = sum(max(len(ours.split()), len(theirs.split())) for _, ours, theirs in errors)
        print(f"  copy {n + 1}: {count} word errors in {words} words ({count / words:.1%})")
        made.update(errors)
    for (kind, ours, theirs), copies_made in made.most_common():
        print(f"  {copies_made}/{len(copies)} copies: {kind} '{ours}'" + (f" -> '{theirs}'" if theirs else ""))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=1, help="replay the sample repeated this many times")
    parser.add_argument("--options", default="{}", help="StreamingOptions fields as JSON")
    parser.add_argument("--cost-base", type=float, default=0.5, help="modelled seconds per decode")
    parser.add_argument("--cost-per-second", type=float, default=0.035, help="modelled seconds per second of audio decoded")
    parser.add_argument("--cost-ahead", type=float, default=0.65,
                        help="modelled seconds of an encoder pass that runs while words are generated (encode_ahead)")
    parser.add_argument("--show", action="store_true", help="print the finals")
    parser.add_argument("--errors", action="store_true", help="print each copy's word errors, and how many copies made each")
    args = parser.parse_args()

    from helpers.reference import stm_transcript, wer, word_errors
    from live import _sample_dir, pause_latencies

    from core.asr.streaming import StreamingOptions
    from core.audio.decode import load_audio

    audio = np.tile(load_audio(_sample_dir() / "sample.wav"), args.copies)
    reference = " ".join([stm_transcript(_sample_dir() / "sample.stm")] * args.copies)
    began = time.monotonic()
    options = StreamingOptions(**json.loads(args.options))
    events, _, stats = replay(audio, options, args.cost_base, args.cost_per_second, args.cost_ahead)
    finals = [e for _, e in events if e.final and not e.no_match]
    if args.show:
        for e in finals:
            print(f"  [{e.utterance.offset_ms / 1000:7.2f}] {e.utterance.display}")
    if args.errors:
        print_errors(finals, stm_transcript(_sample_dir() / "sample.stm"), len(audio) // args.copies * 1000 // SR, word_errors)
    arrivals: dict[int, list[float]] = {}
    for at, e in events:
        arrivals.setdefault(e.result_index, []).append(at)
    intervals = [b - a for times in arrivals.values() for a, b in zip(times, times[1:])]
    after_pause = pause_latencies([(at * 1000, e.utterance.offset_ms, e.utterance.end_ms) for at, e in events if e.final and not e.no_match],
                                  options.end_of_phrase_silence_ms, len(audio) * 1000 // SR)
    print(json.dumps({
        "options": json.loads(args.options), "audio_s": len(audio) / SR,
        "live_wer": round(wer(reference, " ".join(e.utterance.display for e in finals)), 4),
        "finals": len(finals), "decodes": stats.interim_decodes + stats.final_decodes,
        "modelled_update_interval_p95_s": round(float(np.percentile(intervals, 95)), 3) if intervals else None,
        "modelled_pause_to_final_s": [round(v / 1000, 2) for v in after_pause],
        "wall_s": round(time.monotonic() - began, 1),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
