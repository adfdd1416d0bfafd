"""What hearing a long Watson WebSocket stream costs per interim result, by audio type.

    .venv/bin/python benchmarks/websocket_audio.py [--minutes 30]

The sample, repeated for --minutes, is encoded as each type a client may stream (raw audio/l16, WAV,
Ogg/Opus, WebM/Opus, MP3) and handed to a WebSocket session (core.server.websocket_session) in pieces
of 1.5 s, the pace of its interim results. It prints, per type, the time a look at the audio so far
takes in the first and in the last minute; for a container, against decoding the whole stream
received so far (how the session heard one before core.server.container_stream), with the ratio. The
interim results come every 1.5 s: a look that takes longer than that cannot keep up.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

SR = 16_000
INTERIM_EVERY_S = 1.5
TYPES = {  # content type: (codec, file suffix) for helpers.audiofiles.encode; None: raw 16-bit samples
    "audio/l16;rate=16000": None,
    "audio/wav": ("pcm_s16le", "wav"),
    "audio/ogg;codecs=opus": ("opus", "opus"),
    "audio/webm;codecs=opus": ("libopus", "webm"),
    "audio/mp3": ("libmp3lame", "mp3"),
}


def _whole_decode(data: bytes, content_type: str) -> float:
    """Return the seconds one decode of all of `data` takes, as a file (the way before)."""
    from core.server.recognition import decode_body

    began = time.perf_counter()
    decode_body(data, content_type)
    return time.perf_counter() - began


def run(content_type: str, data: bytes, seconds: float) -> dict:
    from core.server.websocket_session import Session

    session = Session({"content-type": content_type}, "en-US")
    step = max(1, int(len(data) / seconds * INTERIM_EVERY_S))
    looks = []
    try:
        for start in range(0, len(data), step):
            session.data.extend(data[start : start + step])
            began = time.perf_counter()
            session.audio()
            looks.append(time.perf_counter() - began)
        heard = len(session.audio(ended=True)) / SR
    finally:
        session.close()
    per_minute = int(60 / INTERIM_EVERY_S)
    first, last = float(np.mean(looks[:per_minute])), float(np.mean(looks[-per_minute:]))
    result = {"type": content_type, "heard_s": round(heard, 1), "look_first_minute_ms": round(first * 1000, 2),
              "look_last_minute_ms": round(last * 1000, 2), "keeps_up": last < INTERIM_EVERY_S}
    if not content_type.startswith("audio/l16"):  # raw samples were already converted as they came
        whole = _whole_decode(data, content_type)
        result.update(whole_decode_at_end_ms=round(whole * 1000, 1), speedup_at_end=round(whole / last, 1))
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="length of the stream")
    args = parser.parse_args()

    from helpers.audiofiles import encode
    from live import _sample_dir

    from core.audio.decode import load_audio

    sample = load_audio(_sample_dir() / "sample.wav")
    audio = np.tile(sample, int(np.ceil(args.minutes * 60 * SR / len(sample))))[: int(args.minutes * 60 * SR)]
    results = []
    with tempfile.TemporaryDirectory() as folder:
        for content_type, how in TYPES.items():
            if how is None:
                data = (np.clip(audio, -1, 32767 / 32768) * 32768).astype("<i2").tobytes()
            else:
                codec, suffix = how
                data = encode(audio[np.newaxis], SR, Path(folder) / f"stream.{suffix}", codec=codec).read_bytes()
            results.append(run(content_type, data, len(audio) / SR))
            print(json.dumps(results[-1]), flush=True)
    slowest = max(r["look_last_minute_ms"] for r in results)
    print(f"slowest look in the last minute: {slowest:.1f} ms, against {INTERIM_EVERY_S * 1000:.0f} ms between interim results")
    return 0 if all(r["keeps_up"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
