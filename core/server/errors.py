"""Errors as the services answer them: Azure's {code, message}, Watson's {code, error, code_description}."""

from __future__ import annotations

import logging
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException

from core.errors import AudioError, JobError, ModelError, NotFoundError, ParleyError, SecretStoreError, UnsupportedAudioError

log = logging.getLogger(__name__)

_AZURE_CODES = {
    400: "InvalidRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 405: "MethodNotAllowed",
    409: "Conflict", 413: "PayloadTooLarge", 415: "UnsupportedMediaType", 429: "TooManyRequests",
    500: "InternalServerError", 503: "ServiceUnavailable",
}


class AzureError(BaseModel):
    """An Azure-style error body."""

    code: str
    message: str


class WatsonError(BaseModel):
    """A Watson-style error body."""

    code: int
    error: str
    code_description: str


class ApiError(HTTPException):
    """An HTTP error with a message for the caller."""

    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(status_code=status, detail=message, headers=headers)


ERROR_RESPONSES = {
    code: {"description": HTTPStatus(code).phrase, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AzureError"}}}}
    for code in (400, 401, 403, 404, 409, 413, 415, 503)
}
WATSON_ERROR_RESPONSES = {
    code: {"description": HTTPStatus(code).phrase, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WatsonError"}}}}
    for code in (400, 401, 403, 404, 409, 413, 415, 503)
}


def status_of(exc: ParleyError) -> int:
    """Return the HTTP status that a Parley error means for a caller."""
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, UnsupportedAudioError):
        return 415
    if isinstance(exc, (AudioError, ModelError)):
        return 400
    if isinstance(exc, JobError):
        return 409
    if isinstance(exc, SecretStoreError):
        return 503
    return 400


def error_response(path: str, status: int, message: str, headers: dict | None = None) -> JSONResponse:
    """Return the error body the API under `path` uses (Watson under /v1/, Azure elsewhere)."""
    if path.startswith("/v1/"):
        body = {"code": status, "error": message, "code_description": HTTPStatus(status).phrase}
    else:
        body = {"code": _AZURE_CODES.get(status, HTTPStatus(status).phrase.replace(" ", "")), "message": message}
    return JSONResponse(body, status_code=status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    """Make every error answer in its API's shape; returns nothing."""

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        return error_response(request.url.path, exc.status_code, str(exc.detail), getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg', 'invalid')}" for e in exc.errors()[:5]
        )
        return error_response(request.url.path, 400, f"The request is not valid: {problems}.")

    @app.exception_handler(ParleyError)
    async def _parley(request: Request, exc: ParleyError):
        return error_response(request.url.path, status_of(exc), exc.user_message())
