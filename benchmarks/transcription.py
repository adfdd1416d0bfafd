"""Benchmark: file transcription speed, memory and accuracy on pyannote's two-speaker sample.

    .venv/bin/python benchmarks/transcription.py [--runs 3]

Each configuration runs in its own process (so peak RSS is its own). Parley's pipeline is
compared with raw faster-whisper (beam 5, VAD filter) on the same model: the product must
not lose speed or quality over the engine it wraps. Prints RTF, WER, peak RSS and ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

TARGETS = {"tiny.en": (0.125, 0.06), "base": (0.20, 0.09)}  # (WER, RTF) on 2 cores


def _sample() -> Path:
    from core.cli.transcribe import sample_recording

    return sample_recording().parent


def _child(engine: str, model_name: str, runs: int) -> dict:
    from helpers.reference import stm_transcript, wer

    sample = _sample()
    reference = stm_transcript(sample / "sample.stm")
    if engine == "parley":
        from core.asr.transcriber import TranscriptionOptions
        from core.transcription import transcribe_file

        options = TranscriptionOptions(model=model_name, language="en")

        def once() -> str:
            conversation = transcribe_file(sample / "sample.wav", options)
            return " ".join(u.display for u in conversation.utterances)
    else:
        from faster_whisper import WhisperModel
        from faster_whisper.audio import decode_audio

        from core.asr.models import cpu_threads, resolve_model

        model = WhisperModel(str(resolve_model(model_name).path), device="cpu", compute_type="int8", cpu_threads=cpu_threads())

        def once() -> str:
            audio = decode_audio(str(sample / "sample.wav"))
            segments, _ = model.transcribe(audio, language="en", beam_size=5, vad_filter=True)
            return " ".join(s.text for s in segments)

    once()  # warm-up: model load and first-call caches are not part of the real-time factor
    timings, text = [], ""
    for _ in range(runs):
        start = time.perf_counter()
        text = once()
        timings.append(time.perf_counter() - start)
    return {
        "rtf": min(timings) / 30.0,
        "wer": wer(reference, text),
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("ENGINE", "MODEL"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child, args.runs)))
        return
    env = dict(os.environ, PARLEY_HOME=tempfile.mkdtemp(prefix="parley-bench-"))
    print(f"sample.wav (30 s, 2 speakers), {os.cpu_count()} CPU threads, best of {args.runs} runs, int8 on CPU\n")
    print(f"{'model':8} {'engine':7} {'RTF':>7} {'WER':>7} {'peak RSS':>9}   target")
    failed = False
    for model_name, (wer_target, rtf_target) in TARGETS.items():
        rows = {}
        for engine in ("raw", "parley"):
            out = subprocess.run(
                [sys.executable, __file__, "--child", engine, model_name, "--runs", str(args.runs)],
                env=env, capture_output=True, text=True, check=True,
            )
            rows[engine] = row = json.loads(out.stdout.strip().splitlines()[-1])
            target = f"WER ≤ {wer_target:.1%} at RTF ≤ {rtf_target}" if engine == "parley" else "(faster-whisper alone)"
            print(f"{model_name:8} {engine:7} {row['rtf']:7.3f} {row['wer']:7.1%} {row['rss_mb']:7.0f} MB   {target}")
        ours, raw = rows["parley"], rows["raw"]
        ok = ours["wer"] <= wer_target and ours["rtf"] <= rtf_target
        failed |= not ok
        print(
            f"{'':8} ratio   RTF x{ours['rtf'] / raw['rtf']:.2f}, WER {ours['wer'] - raw['wer']:+.1%} points, "
            f"RSS x{ours['rss_mb'] / raw['rss_mb']:.2f}   {'meets target' if ok else 'MISSES target'}\n"
        )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
