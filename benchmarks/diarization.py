"""Speaker diarization benchmark: DER, speakers found, real-time factor and peak RSS.

    python benchmarks/diarization.py                 # pyannote's sample.wav (30 s, 2 speakers)
    python benchmarks/diarization.py --corpus 12     # + 12 generated conversations
    python benchmarks/diarization.py --threads 2 --num-speakers 2 --repeat 1

DER uses pyannote.metrics with overlap included, at collar 0 and 0.25 s, with the speaker
count found automatically unless --num-speakers is given. RTF = diarization wall time /
audio duration (models are loaded and warmed up first, loading is reported apart).

The generated conversations (--corpus) are built from recordings installed on the machine:
real voices from Debian's pocketsphinx-testdata (a LibriVox reader, the "cards" speaker,
the "dhd" speaker) and alsa-utils (the channel-test voice), the two real voices of
sample.wav, and synthetic voices from flite (slt, rms, awb, kal16) and espeak-ng (when
installed). Turns (1-3 clips of one voice) alternate between 1-5 speakers with gaps and short
overlaps; the reference RTTM comes from the construction (voiced spans of each clip,
pauses under 0.3 s bridged). Voices found missing are skipped.
"""

from __future__ import annotations

import argparse
import glob
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SR = 16000
SENTENCES = [
    "Hello, can you hear me all right?",
    "I think we should start with the budget for next year.",
    "That's a good point, but the numbers don't add up yet.",
    "Could you send me the report before Friday?",
    "We tried that last spring and it did not work out.",
    "Honestly, I'm not sure the customers will notice.",
    "Let's take five minutes and come back to it.",
    "The train was late again this morning.",
    "My sister moved to the coast in October.",
    "Nobody told me the meeting had been moved.",
    "If we ship on Tuesday, the team needs the weekend off.",
    "Right, and who is going to tell the board?",
    "I'll write it up and share it with everyone tonight.",
    "The kitchen is being painted, so we'll eat outside.",
    "Wait, which version of the document are you reading?",
    "Sure, that works for me.",
    "No, no, the other one, the blue folder.",
    "We have about twenty minutes left.",
    "Thank you all for coming in today.",
    "Does anyone have questions about the schedule?",
]


@dataclass
class Voice:
    """A speaker of the generated corpus: a name and its clips (float32, 16 kHz)."""

    name: str
    real: bool
    clips: list[np.ndarray] = field(default_factory=list)


def _resample(wav: np.ndarray, sr: int) -> np.ndarray:
    from scipy.signal import resample_poly

    if sr == SR:
        return wav.astype(np.float32)
    g = np.gcd(sr, SR)
    return resample_poly(wav, SR // g, sr // g).astype(np.float32)


def _read(path: str) -> np.ndarray:
    import soundfile as sf

    if path.endswith(".raw"):
        return np.fromfile(path, dtype="<i2").astype(np.float32) / 32768.0
    wav, sr = sf.read(path, dtype="float32", always_2d=True)
    return _resample(wav.mean(axis=1), sr)


def _trim(wav: np.ndarray, floor_db: float = -35.0) -> np.ndarray:
    """Cut leading and trailing silence (20 ms frames quieter than max - 35 dB)."""
    hop = SR // 50
    frames = wav[: len(wav) // hop * hop].reshape(-1, hop)
    if len(frames) == 0:
        return wav
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    loud = np.where(db > db.max() + floor_db)[0]
    return wav[loud[0] * hop : (loud[-1] + 1) * hop]


def speech_spans(clip: np.ndarray, floor_db: float = -30.0, min_pause: float = 0.3) -> list[tuple[float, float]]:
    """Return the (start, end) seconds where a clean clip is voiced (pauses < min_pause bridged)."""
    hop = SR // 100
    frames = clip[: len(clip) // hop * hop].reshape(-1, hop)
    if len(frames) == 0:
        return []
    db = 10 * np.log10(np.mean(frames**2, axis=1) + 1e-12)
    voiced = np.where(db > db.max() + floor_db)[0]
    spans: list[list[float]] = []
    for f in voiced:
        t = f * hop / SR
        if spans and t - spans[-1][1] < min_pause:
            spans[-1][1] = t + hop / SR
        else:
            spans.append([t, t + hop / SR])
    return [(s, e) for s, e in spans if e - s >= 0.1]


def sample_paths() -> tuple[Path, Path, Path]:
    """Return pyannote's sample.wav, sample.rttm and sample.stm paths."""
    from core.diarization.weights import package_dir

    base = package_dir("pyannote.audio") / "sample"
    return base / "sample.wav", base / "sample.rttm", base / "sample.stm"


def real_voices() -> list[Voice]:
    """Return the real voices installed on this machine (see the module docstring)."""
    voices = []
    ps = "/usr/share/pocketsphinx/test/data/"
    groups = {
        "librivox": sorted(glob.glob(ps + "librivox/*.wav")),
        "cards": sorted(glob.glob(ps + "cards/*.wav")),
        "dhd": [ps + f for f in ("goforward.raw", "numbers.raw", "something.raw", "tidigits/dhd.2934z.raw")],
        "alsa": sorted(p for p in glob.glob("/usr/share/sounds/alsa/*.wav") if "Noise" not in p),
    }
    for name, paths in groups.items():
        paths = [p for p in paths if Path(p).is_file()]
        if paths:
            voices.append(Voice(name, True, [_trim(_read(p)) for p in paths]))
    wav_path, rttm_path, _ = sample_paths()
    if wav_path.is_file():
        wav = _read(str(wav_path))
        turns = [line.split() for line in rttm_path.read_text().splitlines() if line.strip()]
        spans = [(float(t[3]), float(t[3]) + float(t[4]), t[7]) for t in turns]
        for speaker in sorted({s for _, _, s in spans}):
            clips = []
            for start, end, who in spans:
                if who != speaker:
                    continue
                # keep the part of the turn where nobody else talks
                others = [(s, e) for s, e, o in spans if o != speaker and s < end and e > start]
                for s, e in others:
                    if s <= start:
                        start = max(start, e)
                    else:
                        end = min(end, s)
                if end - start >= 0.8:
                    clips.append(wav[int(start * SR) : int(end * SR)])
            voices.append(Voice(f"sample-{speaker}", True, clips))
    return voices


def synthetic_voices() -> list[Voice]:
    """Return flite and espeak-ng voices (when the programs are installed)."""
    voices = []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "tts.wav"
        if shutil.which("flite"):
            for v in ("slt", "rms", "awb", "kal16"):
                clips = []
                for text in SENTENCES:
                    subprocess.run(["flite", "-voice", v, "-t", text, "-o", str(out)], check=True, capture_output=True)
                    clips.append(_trim(_read(str(out))))
                voices.append(Voice(f"flite-{v}", False, clips))
        if shutil.which("espeak-ng"):
            for v in ("en-us+m3", "en-gb+f3", "en-us+m7", "en+f5"):
                clips = []
                for text in SENTENCES:
                    subprocess.run(["espeak-ng", "-v", v, "-w", str(out), text], check=True, capture_output=True)
                    clips.append(_trim(_read(str(out))))
                voices.append(Voice(f"espeak-{v}", False, clips))
    return voices


@dataclass
class Conversation:
    """A generated recording with its reference turns (start s, end s, speaker name)."""

    name: str
    audio: np.ndarray
    turns: list[tuple[float, float, str]]

    def rttm(self) -> str:
        return "".join(
            f"SPEAKER {self.name} 1 {s:.3f} {e - s:.3f} <NA> <NA> {who} <NA> <NA>\n" for s, e, who in self.turns
        )


def make_conversation(
    name: str, voices: list[Voice], rng: np.random.Generator, seconds: float = 60.0
) -> Conversation:
    """Return a conversation alternating turns of ``voices`` with gaps and short overlaps.

    A turn is 1-3 clips of one voice (1-6 s each, pauses of 0.2-0.6 s between them); a
    quarter of the turns start up to 0.5 s before the previous one ends (overlap).
    """
    pieces: list[tuple[float, np.ndarray, str]] = []
    t, last = 0.5, None
    gains = {v.name: 10 ** (rng.uniform(-6, 6) / 20) for v in voices}
    while t < seconds:
        choices = [v for v in voices if v.name != last] or voices
        voice = choices[rng.integers(len(choices))]
        for part in range(int(rng.integers(1, 4))):
            clip = voice.clips[rng.integers(len(voice.clips))]
            want = rng.uniform(1.0, 6.0)
            if len(clip) > want * SR:  # a random stretch of a long clip
                start = rng.integers(0, len(clip) - int(want * SR))
                clip = _trim(clip[start : start + int(want * SR)])
            clip = clip / (np.sqrt(np.mean(clip**2)) + 1e-9) * 0.05 * gains[voice.name]
            pieces.append((t, clip, voice.name))
            t += len(clip) / SR + rng.uniform(0.2, 0.6)
        t += rng.uniform(-0.9, -0.2) if rng.random() < 0.25 else rng.uniform(0.0, 0.6)
        last = voice.name
    audio = np.zeros(int((t + 1.0) * SR), dtype=np.float32)
    turns = []
    for start, clip, who in pieces:
        i = int(start * SR)
        audio[i : i + len(clip)] += clip
        turns += [(round(start + s, 3), round(start + e, 3), who) for s, e in speech_spans(clip)]
    audio += rng.normal(0, 0.002, len(audio)).astype(np.float32)  # ~ 28 dB SNR room noise
    return Conversation(name, np.clip(audio, -1, 1), turns)


def build_corpus(count: int, seed: int = 0, kind: str = "mixed") -> list[Conversation]:
    """Return ``count`` conversations with 1-5 speakers drawn from the installed voices.

    kind: "real" (real voices only), "synthetic" or "mixed".
    """
    rng = np.random.default_rng(seed)
    real = real_voices() if kind in ("real", "mixed") else []
    synth = synthetic_voices() if kind in ("synthetic", "mixed") else []
    pool = real + synth
    if not pool:
        return []
    conversations = []
    for n in range(count):
        k = int(rng.integers(1, min(5, len(pool)) + 1))
        chosen = [pool[i] for i in rng.choice(len(pool), size=k, replace=False)]
        conversations.append(make_conversation(f"{kind}{seed:02d}-{n:02d}-{k}spk", chosen, rng))
    return conversations


def _reference(turns: list[tuple[float, float, str]], uri: str):
    from pyannote.core import Annotation, Segment

    reference = Annotation(uri=uri)
    for i, (start, end, who) in enumerate(turns):
        reference[Segment(start, end), i] = who
    return reference


def _sample_item() -> tuple[str, np.ndarray, list[tuple[float, float, str]]]:
    wav_path, rttm_path, _ = sample_paths()
    turns = []
    for line in rttm_path.read_text().splitlines():
        fields = line.split()
        turns.append((float(fields[3]), float(fields[3]) + float(fields[4]), fields[7]))
    return "sample", _read(str(wav_path)), turns


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(items, diarizer, num_speakers: int | None = None) -> dict:
    """Diarize every (name, audio, turns) item; print one line each and return the totals."""
    import os

    from pyannote.metrics.diarization import DiarizationErrorRate

    totals = {"c0": DiarizationErrorRate(collar=0.0, skip_overlap=False), "c25": DiarizationErrorRate(collar=0.25, skip_overlap=False)}
    seconds = audio_seconds = 0.0
    exact = 0
    for name, audio, turns in items:
        reference = _reference(turns, name)
        wall, cpu = time.perf_counter(), time.process_time()
        result = diarizer.diarize(audio, num_speakers=num_speakers)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        hypothesis = result.to_annotation(name)
        d0 = totals["c0"](reference, hypothesis)
        d25 = totals["c25"](reference, hypothesis)
        duration = len(audio) / SR
        seconds += wall
        audio_seconds += duration
        true_count = len(reference.labels())
        exact += result.num_speakers == true_count
        print(
            f"{name:24s} {duration:6.1f}s  DER c0 {d0:6.1%}  c0.25 {d25:6.1%}  speakers {result.num_speakers}/{true_count}"
            f"  RTF {wall / duration:.3f} (cpu {cpu / duration:.3f})  load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
    return {
        "der_c0": abs(totals["c0"]),
        "der_c25": abs(totals["c25"]),
        "rtf": seconds / audio_seconds,
        "count_exact": exact / max(1, len(items)),
        "files": len(items),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2, help="torch CPU threads (default 2)")
    parser.add_argument("--corpus", type=int, default=0, help="also diarize N generated conversations")
    parser.add_argument("--kind", choices=["mixed", "real", "synthetic"], default="mixed")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--num-speakers", type=int, default=None, help="tell the pipeline the speaker count")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--repeat", type=int, default=3, help="runs on the sample (the machine may be shared: best is shown too)")
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from core.diarization.pipeline import Diarizer

    start = time.perf_counter()
    diarizer = Diarizer(device=args.device)
    name, audio, turns = _sample_item()
    diarizer.diarize(audio[: 5 * SR])  # build and warm up
    print(f"model load + warm-up {time.perf_counter() - start:.1f}s, threads {args.threads}, peak RSS {_peak_rss_mb():.0f} MB")

    runs = [run([(name, audio, turns)], diarizer, args.num_speakers) for _ in range(max(1, args.repeat))]
    sample = runs[0]
    print(
        f"SAMPLE  DER c0 {sample['der_c0']:.1%}  c0.25 {sample['der_c25']:.1%}  RTF first {sample['rtf']:.3f}"
        f" best of {len(runs)} {min(r['rtf'] for r in runs):.3f}  peak RSS {_peak_rss_mb():.0f} MB"
        "  (targets: DER c0 <= 10%, RTF <= 0.1, RSS <= 1500 MB)"
    )
    if args.corpus:
        conversations = build_corpus(args.corpus, args.seed, args.kind)
        if not conversations:
            print("no voices installed for the generated corpus (apt: pocketsphinx-testdata alsa-utils flite espeak-ng)")
        else:
            totals = run([(c.name, c.audio, c.turns) for c in conversations], diarizer, args.num_speakers)
            print(
                f"CORPUS {args.kind} x{totals['files']}  DER c0 {totals['der_c0']:.1%}  c0.25 {totals['der_c25']:.1%}"
                f"  speaker count exact {totals['count_exact']:.0%}  RTF {totals['rtf']:.3f}  peak RSS {_peak_rss_mb():.0f} MB"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
