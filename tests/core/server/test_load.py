"""The load check: 50 concurrent short-audio requests on the sample's 10-second excerpts all succeed."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))


@pytest.mark.slow
def test_fifty_concurrent_short_audio_requests_complete_without_errors(server, api_key):
    from server_load import run_load

    server.services.recognizer.warm_up()
    result = run_load(server.url, api_key, requests_count=50, concurrency=50)
    print(result.report())
    assert not result.errors, result.errors[:5]
    assert len(result.latencies) == 50 and result.statuses == {"Success": 50}
    assert result.percentile(50) <= result.percentile(95) <= max(result.latencies)
