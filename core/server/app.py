"""The ASGI app: FastAPI routes of every API, the services behind them, and their background threads.

On start-up the app opens the library, loads nothing else eagerly, and (unless told not to)
runs a job worker in a thread, so transcriptions created through the API complete without a
separate `parley worker`. A maintenance thread removes deleted and expired transcriptions, and a
third tells Watson jobs' callback URLs of their events while any job with one is unfinished.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field

from fastapi import FastAPI

from core.errors import ParleyError
from core.jobs.worker import Worker
from core.server.callbacks import Callbacks
from core.server.config import ServerConfig
from core.server.errors import AzureError, WatsonError, install_error_handlers
from core.server.keys import ApiKeys
from core.server.limits import BodyLimit
from core.server.recognition import Recognizer
from core.server.tokens import TokenIssuer
from core.server.transcriptions import TranscriptionService
from core.store import Library

log = logging.getLogger(__name__)

CALLBACK_POLL_S = 0.5  # how often jobs with a callback are looked at while one is unfinished


@dataclass
class Services:
    """What the routes use: configuration, keys, tokens, the library, transcriptions and the recogniser."""

    config: ServerConfig
    keys: ApiKeys = field(default_factory=ApiKeys)
    tokens: TokenIssuer = field(default_factory=TokenIssuer)
    library: Library | None = None
    transcriptions: TranscriptionService | None = None
    recognizer: Recognizer | None = None
    worker: Worker | None = None
    callbacks: Callbacks = field(default_factory=Callbacks)
    callbacks_due: threading.Event = field(default_factory=threading.Event)  # a job with a callback may have news
    stop: threading.Event = field(default_factory=threading.Event)
    threads: list[threading.Thread] = field(default_factory=list)

    def start(self) -> None:
        """Return None after opening the library and starting the worker and maintenance threads."""
        self.library = Library.open(self.config.library())
        self.transcriptions = TranscriptionService(self.library)
        self.recognizer = Recognizer(self.config)
        if self.config.run_worker:
            self._thread(self._work, "parley-worker")
        self._thread(self._maintain, "parley-maintenance")
        self.callbacks_due.set()  # jobs made before a restart may still have events to tell
        self._thread(self._notify, "parley-callbacks")

    def _thread(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self.threads.append(thread)

    def _work(self) -> None:
        # a library error (a busy or briefly unreadable file) must not end the service's transcriptions
        while not self.stop.is_set():
            self.worker = Worker(self.config.library(), poll_interval=0.5)
            try:
                self.worker.run()
            except ParleyError as exc:
                log.warning("job worker stopped (%s); starting it again", exc.user_message())
                self.stop.wait(1.0)

    def _maintain(self) -> None:
        while not self.stop.wait(self.config.maintenance_interval_s):
            try:
                self.transcriptions.purge()
            except ParleyError as exc:
                log.warning("maintenance: %s", exc.user_message())

    def _notify(self) -> None:
        from core.server.routes_watson import notify_jobs

        while not self.stop.is_set():
            if not self.callbacks_due.wait(CALLBACK_POLL_S):
                continue
            self.callbacks_due.clear()  # before the pass: a job created during it sets it again
            try:
                if notify_jobs(self):
                    self.callbacks_due.set()
            except ParleyError as exc:
                log.warning("callbacks: %s", exc.user_message())
                self.callbacks_due.set()
            self.stop.wait(CALLBACK_POLL_S)

    def close(self) -> None:
        """Return None after stopping the threads (running jobs go back to the queue) and closing the library."""
        self.stop.set()
        if self.worker is not None:
            self.worker.stop()
        for thread in self.threads:
            thread.join(timeout=10)
        if self.library is not None:
            self.library.close()


def _limit_for(config: ServerConfig):
    from core.server.routes_speech import SHORT_AUDIO

    def limit(path: str) -> int:
        if path == SHORT_AUDIO:
            return config.max_short_audio_bytes
        if path == "/cognitiveservices/v1":
            return config.max_ssml_bytes
        if path in ("/v1/recognize", "/v1/recognitions") or path.endswith("/transcriptions:upload"):
            return config.max_upload_bytes
        return config.max_json_bytes

    return limit


def create_app(config: ServerConfig | None = None) -> FastAPI:
    """Return the speech service's FastAPI app for a configuration (its services start with the app's lifespan)."""
    from core.server import routes_speech, routes_v2, routes_v3, routes_watson, websocket

    config = config or ServerConfig()
    services = Services(config)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        from starlette.concurrency import run_in_threadpool

        await run_in_threadpool(services.start)
        try:
            yield
        finally:
            await run_in_threadpool(services.close)

    app = FastAPI(
        title="Parley local speech service",
        version="1.0",
        description=(
            "Azure Speech (batch transcription v2.0 and v3.1, short-audio recognition, tokens, text-to-speech, "
            "remote conversation results) and IBM Watson Speech to Text APIs, served offline by Parley."
        ),
        lifespan=lifespan,
    )
    app.state.services = services
    install_error_handlers(app)
    for router in (routes_speech.router, routes_v2.router, routes_v2.links, routes_v3.router, routes_v3.links, routes_watson.router,
                   websocket.router):
        app.include_router(router)
    _add_error_schemas(app)
    app.add_middleware(BodyLimit, limit_for=_limit_for(config))
    return app


def _add_error_schemas(app: FastAPI) -> None:
    original = app.openapi

    def openapi():
        if app.openapi_schema is None:
            schema = original()
            from pydantic.json_schema import models_json_schema

            from core.server.models_batch import TranscriptionReport, V3Result

            components = schema.setdefault("components", {}).setdefault("schemas", {})
            models = [(m, "serialization") for m in (AzureError, WatsonError, V3Result, TranscriptionReport)]
            _, extra = models_json_schema(models, ref_template="#/components/schemas/{model}")
            for name, definition in extra.get("$defs", {}).items():
                components.setdefault(name, definition)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
