"""Property-based fuzz of the whole OpenAPI document (schemathesis): no 5xx, and every answer conforms to the schema."""

from __future__ import annotations

import tempfile

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance, status_code_conformance
from helpers.memory_keyring import MemoryKeyring, keyring_backend
from server_support import LiveServer

from core.server import ServerConfig

# the audio and SSML bodies go out as they are generated (binary strings, text)
schemathesis.serializer.alias(
    ["audio/wav; codecs=audio/pcm; samplerate=16000", "audio/ogg; codecs=opus", "audio/wav", "audio/ogg;codecs=opus", "audio/flac",
     "audio/mp3", "audio/webm", "audio/l16;rate=16000"],
    "application/octet-stream",
)
schemathesis.serializer.alias("application/ssml+xml", "text/plain")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def module_keyring():
    return MemoryKeyring()


@pytest.fixture(autouse=True)
def memory_keyring(module_keyring):
    """Every test of the module sees the keyring the server's key was made in."""
    with keyring_backend(module_keyring):
        yield module_keyring


@pytest.fixture(scope="module")
def fuzzed_server(module_keyring):
    """One live server for the module, with its own data folder and a real (in-memory) keyring."""
    from core.server.keys import ApiKeys

    home = tempfile.mkdtemp(prefix="parley-fuzz-")
    mp = pytest.MonkeyPatch()
    mp.setenv("PARLEY_HOME", home)
    with keyring_backend(module_keyring):
        key = ApiKeys().create("fuzz")[1]
        config = ServerConfig(english_model="tiny.en", multilingual_model="", run_worker=False, recognitions_at_once=1)
        with LiveServer(config) as live:
            live.key = key
            live.token = live.services.tokens.issue(live.services.keys.verify(key))
            yield live
    mp.undo()


def _schema():
    from core.server import create_app

    document = create_app(ServerConfig(english_model="tiny.en", multilingual_model="")).openapi()
    return schemathesis.openapi.from_dict(document)


SCHEMA = _schema()
OPERATIONS = {op.label: op for op in (result.ok() for result in SCHEMA.get_all_operations())}


def test_the_document_covers_every_api():
    paths = {label.split(" ", 1)[1] for label in OPERATIONS}
    for expected in (
        "/sts/v1.0/issueToken", "/speech/recognition/conversation/cognitiveservices/v1", "/cognitiveservices/v1",
        "/api/speechtotext/v2.0/transcriptions", "/speechtotext/v3.1/transcriptions/{id}/files/{file_id}/content",
        "/api/v1/offlinetask", "/v1/recognize", "/v1/recognitions/{id}",
    ):
        assert expected in paths
    assert len(OPERATIONS) >= 25


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_server_error_and_schema_conformance(label, fuzzed_server):
    operation = OPERATIONS[label]
    statuses = []

    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    @given(case=operation.as_strategy())
    def fuzz(case):
        response = case.call(base_url=fuzzed_server.url, headers={"Ocp-Apim-Subscription-Key": fuzzed_server.key}, timeout=60)
        statuses.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    fuzz()
    assert set(statuses) - {401}, f"every request was refused as unauthenticated: {statuses}"
