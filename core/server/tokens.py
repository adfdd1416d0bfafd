"""Access tokens: JWTs signed with a secret kept in the OS keyring, valid ten minutes.

A token names the key that asked for it; it stops working when it expires, when its signature
does not match (tampered), or when its key has been revoked.

Result links are signed the same way: the local counterpart of the storage SAS URLs the Azure batch
service gives for its result files, which a client fetches without credentials. A link's signature
names the key that was shown it and the one path it opens, and lasts LINK_TTL_S.
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
LINK_AUDIENCE = "parley-result-link"
LINK_TTL_S = 12 * 3600
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
        claims = self._claims(token, AUDIENCE)
        return claims["sub"] if claims is not None else None

    def sign_link(self, key_id: str, path: str, *, now: float | None = None) -> str:
        """Return the signature that lets a result link (a URL path) be fetched without credentials for LINK_TTL_S."""
        issued = int(time.time() if now is None else now)
        claims = {"iss": ISSUER, "aud": LINK_AUDIENCE, "sub": key_id, "path": path, "iat": issued, "exp": issued + LINK_TTL_S}
        return jwt.encode(claims, self._signing_secret(), algorithm=ALGORITHM)

    def link_key(self, signature: str | None, path: str) -> str | None:
        """Return the key id a valid, unexpired link signature for exactly this path names, else None."""
        claims = self._claims(signature, LINK_AUDIENCE)
        return claims["sub"] if claims is not None and claims.get("path") == path else None

    def _claims(self, token: str | None, audience: str) -> dict | None:
        if not token:
            return None
        try:
            claims = jwt.decode(
                token, self._signing_secret(), algorithms=[ALGORITHM], audience=audience, issuer=ISSUER,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.PyJWTError:
            return None
        return claims if isinstance(claims.get("sub"), str) else None
