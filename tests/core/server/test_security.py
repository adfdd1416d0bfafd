"""Security: credentials on every endpoint, tokens that expire or are tampered with, revoked keys, allowed folders, body limits, loopback."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from core.server.keys import ApiKeys

SHORT_AUDIO = "/speech/recognition/conversation/cognitiveservices/v1"


def _operations(server) -> list[tuple[str, str]]:
    document = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    return [(method.upper(), path) for path, item in document["paths"].items() for method in item if method in ("get", "post", "patch", "delete", "put")]


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_every_endpoint_refuses_requests_without_credentials(server):
    operations = _operations(server)
    assert len(operations) >= 25
    for method, path in operations:
        response = requests.request(method, server.url + _concrete(path), timeout=10)
        assert response.status_code == 401, (method, path, response.status_code)
        assert "WWW-Authenticate" in response.headers


def test_every_endpoint_refuses_a_wrong_key_and_a_forged_token(server, api_key):
    forged = server.services.tokens.issue("deadbeef")  # signed, but for a key that does not exist
    for method, path in _operations(server):
        for headers in ({"Ocp-Apim-Subscription-Key": "0" * 32}, {"Authorization": f"Bearer {forged}"}, {"Authorization": "Bearer not-a-token"}):
            response = requests.request(method, server.url + _concrete(path), headers=headers, timeout=10)
            assert response.status_code == 401, (method, path, headers, response.status_code)


def test_a_token_works_ten_minutes_then_expires(server, api_key):
    response = requests.post(f"{server.url}/sts/v1.0/issueToken", headers={"Ocp-Apim-Subscription-Key": api_key}, timeout=10)
    assert response.status_code == 200
    token = response.text
    import jwt

    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 600
    locales = f"{server.url}/speechtotext/v3.1/transcriptions/locales"
    assert requests.get(locales, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
    key_id = server.services.keys.verify(api_key)
    expired = server.services.tokens.issue(key_id, now=time.time() - 601)
    assert requests.get(locales, headers={"Authorization": f"Bearer {expired}"}, timeout=10).status_code == 401


def test_tampered_tokens_are_refused(server, api_key):
    token = requests.post(f"{server.url}/sts/v1.0/issueToken", headers={"Ocp-Apim-Subscription-Key": api_key}, timeout=10).text
    header, payload, signature = token.split(".")
    claims = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    longer = claims.replace('"exp":', '"exp":1').encode()  # a later expiry, same signature
    forged_payload = base64.urlsafe_b64encode(longer).decode().rstrip("=")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    none_alg = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').decode().rstrip("=")
    url = f"{server.url}/speechtotext/v3.1/transcriptions"
    for bad in (f"{header}.{forged_payload}.{signature}", f"{header}.{payload}.{flipped}", f"{none_alg}.{payload}."):
        assert requests.get(url, headers={"Authorization": f"Bearer {bad}"}, timeout=10).status_code == 401


def test_tokens_cannot_issue_tokens(server, api_key):
    token = requests.post(f"{server.url}/sts/v1.0/issueToken", headers={"Ocp-Apim-Subscription-Key": api_key}, timeout=10).text
    response = requests.post(f"{server.url}/sts/v1.0/issueToken", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 401


def test_a_revoked_key_and_its_tokens_and_result_links_stop_working(server, api_key):
    url = f"{server.url}/speechtotext/v3.1/transcriptions"
    token = requests.post(f"{server.url}/sts/v1.0/issueToken", headers={"Ocp-Apim-Subscription-Key": api_key}, timeout=10).text
    assert requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 200
    key_id = server.services.keys.verify(api_key)
    path = "/speechtotext/v3.1/transcriptions/x/files/report/content"
    link = f"{server.url}{path}?sig={server.services.tokens.sign_link(key_id, path)}"
    assert requests.get(link, timeout=10).status_code == 404  # let in: that transcription does not exist
    expired = server.services.tokens.sign_link(key_id, path, now=time.time() - 12 * 3600 - 1)
    assert requests.get(f"{server.url}{path}?sig={expired}", timeout=10).status_code == 401
    ApiKeys().revoke(key_id)  # as `parley keys revoke` does, from outside the server's own key cache
    time.sleep(1.1)
    assert requests.get(url, headers={"Ocp-Apim-Subscription-Key": api_key}, timeout=10).status_code == 401
    assert requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code == 401
    assert requests.get(link, timeout=10).status_code == 401


def test_watson_basic_credentials_are_accepted_only_with_a_current_key(server, api_key):
    url = f"{server.url}/v1/recognitions"
    assert requests.get(url, auth=("apikey", api_key), timeout=10).status_code == 200
    assert requests.get(url, auth=("apikey", "f" * 32), timeout=10).status_code == 401
    assert requests.get(url, auth=("someone", api_key), timeout=10).status_code == 401


def _create_v3(server, headers, url: str) -> requests.Response:
    body = {"contentUrls": [url], "locale": "en-US", "displayName": "probe"}
    return requests.post(f"{server.url}/speechtotext/v3.1/transcriptions", json=body, headers=headers, timeout=30)


def test_recordings_outside_the_allowed_folders_are_refused(server, headers, allowed_dir, tmp_path, ten_seconds):
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "secret.wav"
    secret.write_bytes(ten_seconds.read_bytes())
    inside = allowed_dir / "ok.wav"
    inside.write_bytes(ten_seconds.read_bytes())
    (allowed_dir / "escape.wav").symlink_to(secret)
    (allowed_dir / "linked-folder").symlink_to(outside, target_is_directory=True)
    cases = {
        secret.as_uri(): 403,
        str(secret): 403,
        f"{allowed_dir}/../outside/secret.wav": 400,
        f"file://{allowed_dir}/%2E%2E/outside/secret.wav": 400,
        (allowed_dir / "escape.wav").as_uri(): 403,
        str(allowed_dir / "linked-folder" / "secret.wav"): 403,
        "relative/path.wav": 400,
        "/etc/passwd": 403,
        "file://otherhost/share/a.wav": 403,
        "http://example.com/a.wav": 403,
        "http://10.0.0.1/a.wav": 403,
        "ftp://127.0.0.1/a.wav": 400,
        str(allowed_dir / "missing.wav"): 400,
    }
    for url, status in cases.items():
        response = _create_v3(server, headers, url)
        assert response.status_code == status, (url, response.status_code, response.text)
        assert response.json()["code"] and response.json()["message"]
    assert _create_v3(server, headers, inside.as_uri()).status_code == 201


def test_no_folder_is_allowed_until_the_user_allows_one(server, headers, ten_seconds):
    response = _create_v3(server, headers, str(ten_seconds))
    assert response.status_code == 403
    assert "api_allowed_dirs" in response.json()["message"]


def test_oversize_bodies_get_413_declared_or_chunked(server, headers):
    limit = server.services.config.max_short_audio_bytes
    wav_headers = {**headers, "Content-Type": "audio/wav; codecs=audio/pcm; samplerate=16000"}
    url = f"{server.url}{SHORT_AUDIO}?language=en-US"
    assert requests.post(url, data=b"\0" * (limit + 1), headers=wav_headers, timeout=30).status_code == 413

    def chunks():
        for _ in range(limit // 65536 + 2):
            yield b"\0" * 65536

    assert requests.post(url, data=chunks(), headers=wav_headers, timeout=30).status_code == 413
    big_json = b'{"contentUrls": ["' + b"a" * server.services.config.max_json_bytes + b'"]}'
    response = requests.post(f"{server.url}/speechtotext/v3.1/transcriptions", data=big_json, headers={**headers, "Content-Type": "application/json"}, timeout=30)
    assert response.status_code == 413
    ssml = b"<speak>" + b"a " * server.services.config.max_ssml_bytes + b"</speak>"
    assert requests.post(f"{server.url}/cognitiveservices/v1", data=ssml, headers=headers, timeout=30).status_code == 413


def test_the_websocket_refuses_missing_credentials(server, api_key):
    import websocket

    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        websocket.create_connection(f"ws://127.0.0.1:{server.port}/v1/recognize", timeout=10)
    assert refused.value.status_code in (401, 403)
    ok = websocket.create_connection(f"ws://127.0.0.1:{server.port}/v1/recognize", header=[f"Ocp-Apim-Subscription-Key: {api_key}"], timeout=10)
    ok.close()


def test_keys_live_only_in_the_keyring(memory_keyring, parley_home, capsys):
    from core.cli import main

    assert main(["keys", "create", "--name", "laptop script"]) == 0
    key = capsys.readouterr().out.strip()
    assert re.fullmatch(r"[0-9a-f]{32}", key)
    assert main(["keys", "list"]) == 0
    listing = capsys.readouterr().out
    assert "laptop script" in listing and key not in listing
    key_id = listing.split()[0]
    stored = "\n".join(memory_keyring.secrets.values())
    assert key not in stored  # only its hash
    for path in Path(parley_home).rglob("*"):
        if path.is_file():
            assert key.encode() not in path.read_bytes(), path
    assert ApiKeys().verify(key) == key_id
    assert main(["keys", "revoke", key_id]) == 0
    assert ApiKeys().verify(key) is None
    assert main(["keys", "revoke", key_id]) == 1


def test_serve_binds_to_loopback_by_default(tmp_path, parley_home):
    from core.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert args.host == "127.0.0.1"
    env = dict(os.environ, PYTHONPATH=f"{Path(__file__).parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
               PYTHON_KEYRING_BACKEND="server_support.FileKeyring", PARLEY_TEST_KEYRING=str(tmp_path / "keyring.json"))
    process = subprocess.Popen([sys.executable, "-m", "core.cli", "serve", "--port", "0", "--no-worker"], env=env,
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline and "running on" not in line.lower():
            line = process.stderr.readline()
            if not line and process.poll() is not None:
                break
        match = re.search(r"running on https?://([^:]+):(\d+)", line, re.IGNORECASE)
        assert match, line
        assert match.group(1) == "127.0.0.1"
        port = int(match.group(2))
        assert requests.get(f"http://127.0.0.1:{port}/speechtotext/v3.1/transcriptions", timeout=10).status_code == 401
        import psutil

        listening = [c for c in psutil.Process(process.pid).net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
        assert listening and all(c.laddr.ip == "127.0.0.1" for c in listening)
    finally:
        process.terminate()
        process.wait(timeout=30)
