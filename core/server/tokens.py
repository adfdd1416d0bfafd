"""Access tokens: JWTs signed with a secret kept in the OS keyring, valid ten minutes.

A token names the key that asked for it; it stops working when it expires, when its signature
does not match (tampered), or when its key has been revoked.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid

import jwt

from core.secrets import get_secret, set_secret

SIGNING_SECRET = "api-token-secret"
TOKEN_TTL_S = 600
ISSUER = "parley"
AUDIENCE = "parley-speech"
ALGORITHM = "HS256"


class TokenIssuer:
    """Issues and checks access tokens with one signing secret (made on first use, kept in the keyring)."""

    def __init__(self, ttl_s: int = TOKEN_TTL_S):
        self.ttl_s = ttl_s
        self._secret: str | None = None
        self._lock = threading.Lock()

    def _signing_secret(self) -> str:
        with self._lock:
            if self._secret is None:
                stored = get_secret(SIGNING_SECRET)
                if not stored:
                    stored = secrets.token_hex(32)
                    set_secret(SIGNING_SECRET, stored)
                self._secret = stored
            return self._secret

    def issue(self, key_id: str, *, now: float | None = None) -> str:
        """Return a signed token for the key, valid ttl_s seconds from now."""
        issued = int(time.time() if now is None else now)
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": key_id, "iat": issued, "nbf": issued - 5, "exp": issued + self.ttl_s, "jti": uuid.uuid4().hex}
        return jwt.encode(claims, self._signing_secret(), algorithm=ALGORITHM)

    def key_of(self, token: str | None) -> str | None:
        """Return the key id a valid, unexpired, untampered token names, else None."""
        if not token:
            return None
        try:
            claims = jwt.decode(
                token, self._signing_secret(), algorithms=[ALGORITHM], audience=AUDIENCE, issuer=ISSUER,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        subject = claims.get("sub")
        return subject if isinstance(subject, str) else None
