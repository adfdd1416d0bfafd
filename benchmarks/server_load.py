"""Load check of the local speech service: N concurrent short-audio requests on the sample's 10-second excerpts.

    .venv/bin/python benchmarks/server_load.py [--requests 50] [--concurrency 50] [--url URL --key KEY]

Without --url it starts the service itself on 127.0.0.1 (an ephemeral port, its own data folder and an
in-memory keyring holding one key), sends the requests all at once from a thread pool, and prints the
latency distribution, the throughput and the errors. Exit status 1 when any request failed.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SHORT_AUDIO = "/speech/recognition/conversation/cognitiveservices/v1"


@dataclass
class LoadResult:
    """What a load run measured: per-request latencies (s), failures, wall time and statuses seen."""

    latencies: list[float]
    errors: list[str]
    wall_s: float
    statuses: dict[str, int]

    def percentile(self, p: float) -> float:
        """Return the p-th percentile latency (nearest rank), in seconds."""
        ordered = sorted(self.latencies)
        rank = max(1, min(len(ordered), int(round(p / 100 * len(ordered) + 0.5))))
        return ordered[rank - 1]

    def report(self) -> str:
        """Return the numbers as lines of text."""
        n = len(self.latencies)
        if not n:
            return f"no request succeeded; errors: {self.errors[:5]}"
        lines = [
            f"requests: {n + len(self.errors)}  ok: {n}  errors: {len(self.errors)}  statuses: {self.statuses}",
            f"wall time: {self.wall_s:.2f} s  throughput: {n / self.wall_s:.2f} req/s  audio: {n * 10 / self.wall_s:.1f} s of speech per s",
            "latency (s): min {:.2f}  p50 {:.2f}  p90 {:.2f}  p95 {:.2f}  p99 {:.2f}  max {:.2f}  mean {:.2f}".format(
                min(self.latencies), self.percentile(50), self.percentile(90), self.percentile(95), self.percentile(99),
                max(self.latencies), statistics.fmean(self.latencies),
            ),
        ]
        edges = [0, 1, 2, 5, 10, 20, 30, 60, float("inf")]
        for low, high in zip(edges, edges[1:]):
            count = sum(low <= x < high for x in self.latencies)
            if count:
                label = f"{low:>3}-{high:<3}s" if high != float("inf") else f"{low:>3}+    s"
                lines.append(f"  {label} {'#' * count} {count}")
        return "\n".join(lines)


def excerpts(seconds: int = 10) -> list[bytes]:
    """Return the sample recording cut into consecutive WAV excerpts of `seconds` each."""
    import importlib.util

    spec = importlib.util.find_spec("pyannote.audio")
    sample = Path(spec.origin).parent / "sample" / "sample.wav"
    pieces = []
    with wave.open(str(sample), "rb") as reader:
        rate, params = reader.getframerate(), reader.getparams()
        while True:
            frames = reader.readframes(seconds * rate)
            if len(frames) < seconds * rate * params.sampwidth:
                break
            out = io.BytesIO()
            with wave.open(out, "wb") as writer:
                writer.setparams(params)
                writer.writeframes(frames)
            pieces.append(out.getvalue())
    return pieces


def run_load(url: str, key: str, requests_count: int = 50, concurrency: int = 50, timeout: float = 600) -> LoadResult:
    """Return the measurements of `requests_count` short-audio requests sent `concurrency` at a time."""
    import requests

    bodies = excerpts()
    barrier = threading.Barrier(min(concurrency, requests_count))
    headers = {"Ocp-Apim-Subscription-Key": key, "Content-Type": "audio/wav; codecs=audio/pcm; samplerate=16000", "Accept": "application/json"}
    latencies, errors, statuses = [], [], {}
    lock = threading.Lock()

    def one(i: int) -> None:
        session = requests.Session()
        if i < concurrency:
            barrier.wait(timeout=60)  # the first wave leaves together
        started = time.perf_counter()
        try:
            response = session.post(f"{url}{SHORT_AUDIO}", params={"language": "en-US", "format": "detailed"}, data=bodies[i % len(bodies)], headers=headers, timeout=timeout)
            elapsed = time.perf_counter() - started
            body = response.json() if response.headers.get("content-type", "").startswith("application/json") else {}
            status = body.get("RecognitionStatus", str(response.status_code))
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if response.status_code == 200 and status == "Success":
                    latencies.append(elapsed)
                else:
                    errors.append(f"request {i}: HTTP {response.status_code} {status}")
        except requests.RequestException as exc:
            with lock:
                errors.append(f"request {i}: {type(exc).__name__}: {exc}")
        finally:
            session.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(requests_count)))
    return LoadResult(latencies, errors, time.perf_counter() - started, statuses)


def _local_service():
    """Start the service in this process (own data folder, in-memory keyring); return (url, key, stop)."""
    import keyring
    import keyring.backend
    import uvicorn

    class MemoryKeyring(keyring.backend.KeyringBackend):
        priority = 1

        def __init__(self):
            super().__init__()
            self.secrets = {}

        def set_password(self, service, username, password):
            self.secrets[(service, username)] = password

        def get_password(self, service, username):
            return self.secrets.get((service, username))

        def delete_password(self, service, username):
            self.secrets.pop((service, username), None)

    os.environ["PARLEY_HOME"] = tempfile.mkdtemp(prefix="parley-load-")
    keyring.set_keyring(MemoryKeyring())
    from core.server import ServerConfig, create_app
    from core.server.keys import ApiKeys

    key = ApiKeys().create("load check")[1]
    app = create_app(ServerConfig(run_worker=False, multilingual_model=""))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio", backlog=256))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    app.state.services.recognizer.warm_up()

    def stop():
        server.should_exit = True
        thread.join(timeout=30)

    return f"http://127.0.0.1:{port}", key, stop, app.state.services.config


def main(argv: list[str] | None = None) -> int:
    """Run the load check and print its numbers; return 1 when any request failed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--url", help="a running service (default: start one here)")
    parser.add_argument("--key", help="its API key (with --url)")
    args = parser.parse_args(argv)
    stop = None
    if args.url:
        url, key = args.url.rstrip("/"), args.key
        print(f"service: {url}")
    else:
        url, key, stop, config = _local_service()
        print(f"service: {url} (started here; model {config.english_model}, {config.recognitions_at_once} recognition(s) at once, {os.cpu_count()} CPUs)")
    try:
        result = run_load(url, key, args.requests, args.concurrency)
    finally:
        if stop is not None:
            stop()
    print(f"{args.requests} short-audio requests of 10 s excerpts, {args.concurrency} at once")
    print(result.report())
    for error in result.errors[:10]:
        print(f"  {error}")
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
