"""Watson job callbacks through the real ibm-watson SDK: a URL registered with a signed challenge, then told of a job's
events, each notification signed with the user secret."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
from ibm_cloud_sdk_core.api_exception import ApiException
from ibm_cloud_sdk_core.authenticators import BasicAuthenticator
from ibm_watson import SpeechToTextV1
from server_support import wait_for

SECRET = "s3cret"


def _signed(data: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), data, hashlib.sha1).digest()).decode()


class Receiver:
    """A client's callback endpoint on a loopback port: it echoes challenges and keeps the notifications it is sent."""

    def __init__(self):
        self.challenges, self.notifications = [], []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's name
                query = parse_qs(urlparse(self.path).query)
                challenge = query.get("challenge_string", [""])[0]
                receiver.challenges.append((challenge, self.headers.get("X-Callback-Signature")))
                answer = challenge.encode() if urlparse(self.path).path == "/results" else b"not the challenge"
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(answer)

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.notifications.append((json.loads(body), self.headers.get("X-Callback-Signature"), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/results"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()


@pytest.fixture
def receiver():
    receiver = Receiver()
    yield receiver
    receiver.http.shutdown()


@pytest.fixture
def stt(server, api_key) -> SpeechToTextV1:
    service = SpeechToTextV1(authenticator=BasicAuthenticator("apikey", api_key))
    service.set_service_url(server.url)
    return service


def test_a_registered_callback_is_told_a_jobs_events_with_its_results_signed(stt, receiver, ten_seconds):
    registered = stt.register_callback(receiver.url, user_secret=SECRET)
    assert registered.get_status_code() == 201 and registered.get_result() == {"status": "created", "url": receiver.url}
    challenge, signed = receiver.challenges[0]
    assert challenge and signed == _signed(challenge.encode())  # the challenge is signed with the user secret
    again = stt.register_callback(receiver.url, user_secret=SECRET)
    assert again.get_status_code() == 200 and again.get_result()["status"] == "already created"

    with open(ten_seconds, "rb") as audio:
        job = stt.create_job(audio=audio, content_type="audio/wav", callback_url=receiver.url, user_token="meeting-7",
                             events="recognitions.started,recognitions.completed_with_results", timestamps=True).get_result()
    wait_for(lambda: len(receiver.notifications) >= 2, timeout=180)
    (started, started_sig, started_body), (done, done_sig, done_body) = receiver.notifications[:2]
    assert started == {"id": job["id"], "event": "recognitions.started", "user_token": "meeting-7"}
    assert done["event"] == "recognitions.completed_with_results" and done["id"] == job["id"]
    transcript = " ".join(r["alternatives"][0]["transcript"] for r in done["results"][0]["results"])
    assert "hello" in transcript and done["results"][0]["results"][0]["alternatives"][0]["timestamps"]
    assert started_sig == _signed(started_body) and done_sig == _signed(done_body)  # each body signed
    assert stt.check_job(job["id"]).get_result()["status"] == "completed"
    threading.Event().wait(1.5)
    assert len(receiver.notifications) == 2  # each event told once

    assert stt.unregister_callback(receiver.url).get_status_code() == 200
    with pytest.raises(ApiException) as gone:
        stt.unregister_callback(receiver.url)
    assert gone.value.status_code == 404


def test_callbacks_are_refused_where_the_service_refuses_them(stt, receiver, ten_seconds):
    wrong = receiver.url.replace("/results", "/elsewhere")  # answers, but not with the challenge
    for url, said in ((wrong, "did not answer the challenge"), ("http://example.com/hook", "loopback"),
                      ("ftp://127.0.0.1/hook", "http:// or https://")):
        with pytest.raises(ApiException) as refused:
            stt.register_callback(url)
        assert refused.value.status_code == 400 and said in refused.value.message
    with open(ten_seconds, "rb") as audio:
        data = audio.read()
    with pytest.raises(ApiException) as unregistered:
        stt.create_job(audio=data, content_type="audio/wav", callback_url=receiver.url)
    assert unregistered.value.status_code == 400 and "register_callback" in unregistered.value.message
    stt.register_callback(receiver.url)
    with pytest.raises(ApiException) as both:
        stt.create_job(audio=data, content_type="audio/wav", callback_url=receiver.url,
                       events="recognitions.completed,recognitions.completed_with_results")
    assert both.value.status_code == 400
    with pytest.raises(ApiException):
        stt.create_job(audio=data, content_type="audio/wav", events="recognitions.started")  # events without a callback
