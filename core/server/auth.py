"""Who may call: a current API key (Ocp-Apim-Subscription-Key, or Watson's Basic apikey:KEY) or a valid token (Bearer)."""

from __future__ import annotations

import base64
import binascii

from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBasic, HTTPBasicCredentials, HTTPBearer

from core.server.errors import ApiError
from core.server.keys import ApiKeys
from core.server.tokens import TokenIssuer

subscription_key = APIKeyHeader(name="Ocp-Apim-Subscription-Key", auto_error=False, description="An API key from `parley keys create`.")
bearer = HTTPBearer(auto_error=False, description="A token from POST /sts/v1.0/issueToken (valid 10 minutes).")
basic = HTTPBasic(auto_error=False, description="Watson style: user name `apikey`, password an API key.")

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="parley", charset="UTF-8"'}


def _unauthorized(message: str) -> ApiError:
    return ApiError(401, message, _CHALLENGE)


def key_of_headers(keys: ApiKeys, tokens: TokenIssuer, key: str | None, authorization: str | None) -> str | None:
    """Return the key id that the credentials stand for, or None when there are none or they are not valid."""
    if key:
        return keys.verify(key.strip())
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer":
        key_id = tokens.key_of(value)
        return key_id if key_id and keys.is_active(key_id) else None
    if scheme.lower() == "basic":
        try:
            user, _, password = base64.b64decode(value, validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return keys.verify(password) if user == "apikey" else None
    return None


def credentials(
    request: Request,
    key: str | None = Security(subscription_key),
    token: HTTPAuthorizationCredentials | None = Security(bearer),
    user: HTTPBasicCredentials | None = Security(basic),
) -> str:
    """Return the id of the key behind the request's credentials; raise 401 when they are missing or not valid."""
    services = request.app.state.services
    authorization = request.headers.get("authorization")
    if not key and not authorization:
        raise _unauthorized("Credentials are missing: send Ocp-Apim-Subscription-Key or Authorization: Bearer TOKEN.")
    key_id = key_of_headers(services.keys, services.tokens, key, authorization)
    if key_id is None:
        raise _unauthorized("Access denied: the key is not valid, or the token is expired, tampered with or revoked.")
    request.state.key_id = key_id  # for result links signed in its name
    return key_id


def credentials_or_link(
    request: Request,
    key: str | None = Security(subscription_key),
    token: HTTPAuthorizationCredentials | None = Security(bearer),
    user: HTTPBasicCredentials | None = Security(basic),
) -> str:
    """Return the key id behind a result link's signature (`sig` in the query: fetched without credentials, as a
    storage SAS URL is), else behind the request's credentials; raise 401 when neither is valid."""
    signature = request.query_params.get("sig")
    if signature is not None and not key and not request.headers.get("authorization"):
        services = request.app.state.services
        key_id = services.tokens.link_key(signature, request.url.path)
        if key_id is None or not services.keys.is_active(key_id):
            raise _unauthorized("Access denied: the link is expired, tampered with, or its key was revoked.")
        return key_id
    return credentials(request, key, token, user)


def signed_link(request: Request, url: str) -> str:
    """Return a result URL of this service with the signature that opens it without credentials for the key of the
    request that lists it (core.server.tokens.sign_link)."""
    from urllib.parse import urlsplit

    return f"{url}?sig={request.app.state.services.tokens.sign_link(request.state.key_id, urlsplit(url).path)}"


def subscription_key_only(request: Request, key: str | None = Security(subscription_key), user: HTTPBasicCredentials | None = Security(basic)) -> str:
    """Return the id of the API key sent (tokens cannot issue tokens); raise 401 otherwise."""
    services = request.app.state.services
    authorization = request.headers.get("authorization") or ""
    if not key and not authorization.lower().startswith("basic "):
        raise _unauthorized("An API key is missing: send Ocp-Apim-Subscription-Key.")
    key_id = key_of_headers(services.keys, services.tokens, key, None if key else authorization)
    if key_id is None:
        raise _unauthorized("Access denied: the key is not valid.")
    return key_id
