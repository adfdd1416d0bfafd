"""Watson job notifications: callback URLs registered with a challenge, then told of each job's events.

As the service does (its "asynchronous HTTP interface"):
- POST /v1/register_callback?callback_url=U[&user_secret=S] sends GET U?challenge_string=C (with S, signed:
  X-Callback-Signature, the base64 HMAC-SHA1 of C keyed with S) and registers U only when the answer is 200
  with the body C: 201 {"status": "created"}, or 200 {"status": "already created"}.
- A job created with a registered callback_url is POSTed {"id", "event", "user_token"} at each of its events
  (`events`; by default recognitions.started, recognitions.completed and recognitions.failed), and
  recognitions.completed_with_results adds the job's "results"; each body is signed the same way.
A callback URL is on this machine (loopback), as a recordings URL is. Registrations live in the OS keyring,
with their secrets.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import secrets
import threading
import time
from urllib.parse import urlparse

from core.secrets import get_secret, set_secret
from core.server.errors import ApiError
from core.server.sources import is_loopback

log = logging.getLogger(__name__)

STARTED, COMPLETED, WITH_RESULTS, FAILED = ("recognitions.started", "recognitions.completed",
                                            "recognitions.completed_with_results", "recognitions.failed")
EVENTS = (STARTED, COMPLETED, WITH_RESULTS, FAILED)
DEFAULT_EVENTS = (STARTED, COMPLETED, FAILED)
REGISTRY = "watson-callbacks"
TIMEOUT_S = 5.0  # the service waits this long for a callback URL to answer
ATTEMPTS = 3  # a notification is tried this many times (a second apart) before it is given up


def signature(secret: str, data: bytes) -> str:
    """Return the X-Callback-Signature of `data`: base64 of its HMAC-SHA1 keyed with the user secret."""
    return base64.b64encode(hmac.new(secret.encode("utf-8"), data, hashlib.sha1).digest()).decode("ascii")


def job_events(events: str | None, callback_url: str | None) -> tuple[str, ...]:
    """Return the events a job is to be notified of (none without a callback URL); raise ApiError for a bad list."""
    if not callback_url:
        if events:
            raise ApiError(400, "events need a callback_url.")
        return ()
    if not events:
        return DEFAULT_EVENTS
    chosen = tuple(dict.fromkeys(e.strip() for e in events.split(",") if e.strip()))
    unknown = [e for e in chosen if e not in EVENTS]
    if unknown or not chosen:
        raise ApiError(400, f"Unknown event {', '.join(unknown) or '(none)'}; use {', '.join(EVENTS)}.")
    if COMPLETED in chosen and WITH_RESULTS in chosen:
        raise ApiError(400, f"Choose {COMPLETED} or {WITH_RESULTS}, not both.")
    return chosen


class Callbacks:
    """The registered callback URLs (kept in the OS keyring) and the requests made to them."""

    def __init__(self):
        self._lock = threading.Lock()

    def _load(self) -> dict:
        return json.loads(get_secret(REGISTRY) or "{}")

    def secret(self, url: str) -> str:
        """Return the user secret a registered URL signs with ('' for none); raise ApiError when it is not registered."""
        registered = self._load()
        if url not in registered:
            raise ApiError(400, f"The callback_url {url} is not registered; register it with POST /v1/register_callback.")
        return registered[url] or ""

    def register(self, url: str, secret: str | None) -> bool:
        """Return True when the URL is newly registered (False: it already was), once it has answered the challenge."""
        _check_url(url)
        challenge = secrets.token_urlsafe(24)
        headers = {"X-Callback-Signature": signature(secret, challenge.encode("utf-8"))} if secret else {}
        answer = _request("GET", url, headers=headers, params={"challenge_string": challenge})
        if answer is None or answer[0] != 200 or answer[1].strip() != challenge:
            said = "no answer" if answer is None else f"HTTP {answer[0]} with {answer[1][:80]!r}"
            raise ApiError(400, f"The callback_url {url} did not answer the challenge (GET ?challenge_string=...) with the "
                                f"challenge string: {said}.")
        with self._lock:
            registered = self._load()
            known = url in registered
            registered[url] = secret or ""
            set_secret(REGISTRY, json.dumps(registered))
        return not known

    def unregister(self, url: str) -> None:
        """Return None once the URL is no longer registered; raise ApiError (404) when it was not."""
        with self._lock:
            registered = self._load()
            if registered.pop(url, None) is None:
                raise ApiError(404, f"The callback_url {url} is not registered.")
            set_secret(REGISTRY, json.dumps(registered))

    def notify(self, url: str, payload: dict) -> bool:
        """Return whether the URL took the notification (2xx), tried ATTEMPTS times."""
        try:
            secret = self.secret(url)
        except ApiError:
            log.warning("callback %s is no longer registered: %s not sent", url, payload.get("event"))
            return False
        body = json.dumps(payload).encode("utf-8")
        headers = {"Content-Type": "application/json", **({"X-Callback-Signature": signature(secret, body)} if secret else {})}
        for attempt in range(ATTEMPTS):
            answer = _request("POST", url, headers=headers, content=body)
            if answer is not None and 200 <= answer[0] < 300:
                return True
            if attempt + 1 < ATTEMPTS:
                time.sleep(1.0)
        log.warning("callback %s did not take %s of job %s", url, payload.get("event"), payload.get("id"))
        return False


def _check_url(url: str) -> None:
    parsed = urlparse(url or "")
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ApiError(400, f"callback_url must be an http:// or https:// URL, not '{url}'.")
    if not is_loopback(parsed.hostname):
        raise ApiError(400, f"Callbacks go only to this machine (loopback), not to '{parsed.hostname}'.")


def _request(method: str, url: str, **kwargs) -> tuple[int, str] | None:
    """Return (status, body text) of a request to a callback URL, or None when it could not be made."""
    import httpx

    try:
        response = httpx.request(method, url, timeout=TIMEOUT_S, follow_redirects=False, trust_env=False, **kwargs)
    except httpx.HTTPError as exc:
        log.info("callback %s %s: %s", method, url, exc)
        return None
    return response.status_code, response.text
