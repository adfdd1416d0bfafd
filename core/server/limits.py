"""Request body limits: a declared size over the limit is refused at once, a streamed one as soon as it passes it."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from core.server.errors import ApiError, error_response


class BodyLimit:
    """ASGI wrapper: answers 413 for bodies larger than the limit of their path (Content-Length or chunked)."""

    def __init__(self, app, limit_for: Callable[[str], int]):
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.limit_for(scope["path"])
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                size = int(declared)
            except ValueError:
                size = -1
            if size < 0:
                return await error_response(scope["path"], 400, "The Content-Length header is not a number.")(scope, receive, send)
            if size > limit:
                response = error_response(scope["path"], 413, f"The request body is larger than {limit} bytes.", {"Connection": "close"})
                return await response(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise ApiError(413, f"The request body is larger than {limit} bytes.")
            return message

        await self.app(scope, limited_receive, send)


async def read_body(request: Request, limit: int) -> bytes:
    """Return the whole request body (chunked transfer accepted); raise 413 past `limit` bytes."""
    parts, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise ApiError(413, f"The request body is larger than {limit} bytes.")
        parts.append(chunk)
    return b"".join(parts)
