"""IBM Watson Speech to Text: POST /v1/recognize (sync), the asynchronous /v1/recognitions jobs and their callbacks
(core.server.callbacks)."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from core.jobs.model import FAILED, NOT_STARTED, RUNNING, SUCCEEDED
from core.server.auth import credentials
from core.server.batch_common import base_url, job_options
from core.server.callbacks import COMPLETED, FAILED as FAILED_EVENT, STARTED, WITH_RESULTS, job_events
from core.server.errors import WATSON_ERROR_RESPONSES, ApiError
from core.server.languages import model_for, watson_locale
from core.server.limits import read_body
from core.server.models_watson import RecognitionJob, RecognitionJobs, RegisterStatus, SpeechRecognitionResults
from core.server.recognition import decode_body, hypotheses_for, transcribe_request_audio
from core.server.rendering import call_view, text_options
from core.server.sources import check_audio_type, save_upload
from core.server.transcriptions import NewSource, Transcription
from core.server.watson_arguments import argument_warnings, refuse_redaction
from core.views.watson import speech_recognition_results

API = "watson"
# the query arguments each route applies (any other is said in warnings: core.server.watson_arguments)
RECOGNIZE_ARGUMENTS = frozenset({
    "model", "timestamps", "word_confidence", "speaker_labels", "keywords", "keywords_threshold", "max_alternatives",
    "profanity_filter", "smart_formatting", "word_alternatives_threshold", "redaction",
})
JOB_ARGUMENTS = RECOGNIZE_ARGUMENTS | {"callback_url", "events", "user_token", "results_ttl"}
DEFAULT_RESULTS_TTL_MIN = 10_080  # the service keeps a job's results a week after it finished unless told otherwise
JOB_STATUS = {NOT_STARTED: "waiting", RUNNING: "processing", SUCCEEDED: "completed", FAILED: "failed"}
AUDIO_BODY = {"requestBody": {"required": True, "content": {
    media: {"schema": {"type": "string", "format": "binary"}}
    for media in ("audio/wav", "audio/ogg;codecs=opus", "audio/flac", "audio/mp3", "audio/webm", "audio/l16;rate=16000",
                  "audio/mulaw;rate=8000", "audio/alaw;rate=8000", "audio/basic", "application/octet-stream")
}}}

router = APIRouter(prefix="/v1", tags=["Watson Speech to Text"], dependencies=[Depends(credentials)], responses=WATSON_ERROR_RESPONSES)


@dataclass(frozen=True)
class WatsonParameters:
    """The recognition parameters a Watson request may carry."""

    model: str
    timestamps: bool
    word_confidence: bool
    speaker_labels: bool
    keywords: tuple[str, ...]
    keywords_threshold: float | None
    max_alternatives: int
    profanity_filter: bool
    smart_formatting: bool
    word_alternatives_threshold: float | None

    def locale(self, request: Request) -> str:
        """Return the locale of the model, once checked to be one the service transcribes."""
        locale = watson_locale(self.model)
        model_for(locale, request.app.state.services.config)
        return locale

    @property
    def hypotheses(self) -> int:
        """Return how many N-best hypotheses each phrase needs."""
        return hypotheses_for(self.max_alternatives, self.word_alternatives_threshold)

    def stored(self) -> dict:
        """Return the parameters as stored with a job."""
        return {**self.__dict__, "keywords": list(self.keywords)}

    def document(self, conversation) -> dict:
        """Return SpeechRecognitionResults of a conversation with these parameters."""
        if self.keywords and self.keywords_threshold is None:
            raise ApiError(400, "keywords need keywords_threshold.")
        return call_view(
            speech_recognition_results, conversation, timestamps=self.timestamps, word_confidence=self.word_confidence,
            speaker_labels=self.speaker_labels, max_alternatives=self.max_alternatives,
            text=text_options("Masked" if self.profanity_filter else "None", "DictatedAndAutomatic" if self.smart_formatting else None),
            keywords=self.keywords or None, keywords_threshold=self.keywords_threshold if self.keywords else None,
            word_alternatives_threshold=self.word_alternatives_threshold, smart_formatting=self.smart_formatting,
        )


def parameters(
    model: str = Query("en-US_BroadbandModel", max_length=100, pattern=r"^[A-Za-z]{2,3}-[A-Za-z0-9]{2,4}(_[A-Za-z0-9]+)?$"),
    timestamps: bool = Query(False),
    word_confidence: bool = Query(False),
    speaker_labels: bool = Query(False),
    keywords: str | None = Query(None, max_length=2000, description="Comma-separated keywords."),
    keywords_threshold: float | None = Query(None, ge=0.0, le=1.0),
    max_alternatives: int = Query(1, ge=1, le=10),
    profanity_filter: bool = Query(True),
    smart_formatting: bool = Query(False),
    word_alternatives_threshold: float | None = Query(None, ge=0.0, le=1.0),
    redaction: bool = Query(False, description="Not available here: true is refused (numbers would come back unmasked)."),
) -> WatsonParameters:
    """Return the recognition parameters of a request's query string."""
    refuse_redaction(redaction)
    words = tuple(k.strip() for k in (keywords or "").split(",") if k.strip())
    if len(words) > 1000:
        raise ApiError(400, "At most 1000 keywords.")
    if words and keywords_threshold is None:  # refused before any audio is read (a job would be stored unreadable)
        raise ApiError(400, "keywords need keywords_threshold.")
    return WatsonParameters(model, timestamps, word_confidence, speaker_labels, words, keywords_threshold, max_alternatives,
                            profanity_filter, smart_formatting, word_alternatives_threshold)


@router.post("/recognize", response_model=SpeechRecognitionResults, response_model_exclude_none=True, summary="Recognize audio (sessionless)", openapi_extra=AUDIO_BODY)
async def recognize(
    request: Request, params: WatsonParameters = Depends(parameters),
    content_type: str = Header("application/octet-stream", max_length=200),
) -> dict:
    """Return the SpeechRecognitionResults of the audio in the body."""
    services = request.app.state.services
    locale = params.locale(request)
    check_audio_type(content_type)
    body = await read_body(request, services.config.max_upload_bytes)
    audio = await run_in_threadpool(decode_body, body, content_type)
    conversation, warnings = await run_in_threadpool(lambda: transcribe_request_audio(
        services.recognizer, audio, locale, diarize=params.speaker_labels, hypotheses=params.hypotheses))
    document = params.document(conversation)
    warnings = argument_warnings(request.query_params, RECOGNIZE_ARGUMENTS, where="url query ") + warnings
    if warnings:
        document["warnings"] = warnings
    return document


def _time(moment) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _results(services, record: Transcription) -> list[dict]:
    """Return a completed job's SpeechRecognitionResults, one per recording, with the parameters it was created with."""
    stored = dict(record.properties.get("parameters", {}))
    stored["keywords"] = tuple(stored.get("keywords", ()))
    params = WatsonParameters(**stored)
    return [params.document(services.transcriptions.conversation(s)) for s in record.sources]


def _job(request: Request, record: Transcription, *, with_results: bool) -> RecognitionJob:
    status = JOB_STATUS.get(record.status, "failed")
    job = RecognitionJob(
        id=record.transcription_id, status=status, created=_time(record.created), updated=_time(record.updated),
        url=f"{base_url(request)}/v1/recognitions/{record.transcription_id}", user_token=record.properties.get("user_token"),
    )
    if with_results and status == "completed":
        job.results = [SpeechRecognitionResults.model_validate(r) for r in _results(request.app.state.services, record)]
    if status == "failed":
        job.warnings = [record.status_message or "The recognition failed."]
    return job


@router.post("/recognitions", status_code=201, response_model=RecognitionJob, response_model_exclude_none=True, summary="Create a job", openapi_extra=AUDIO_BODY)
async def create_job(
    request: Request, response: Response, params: WatsonParameters = Depends(parameters),
    content_type: str = Header("application/octet-stream", max_length=200),
    callback_url: str | None = Query(None, max_length=2000, description="A URL registered with POST /v1/register_callback."),
    events: str | None = Query(None, max_length=200, description="Comma-separated: recognitions.started, recognitions.completed "
                               "(or recognitions.completed_with_results), recognitions.failed."),
    user_token: str | None = Query(None, max_length=1000),
    results_ttl: int = Query(DEFAULT_RESULTS_TTL_MIN, ge=1, le=10_080, description="Minutes to keep the results (a week when not given)."),
) -> RecognitionJob:
    """Queue the recognition of the audio in the body; the job goes waiting → processing → completed | failed."""
    services = request.app.state.services
    notified = job_events(events, callback_url)
    if callback_url:
        await run_in_threadpool(services.callbacks.secret, callback_url)  # registered, or a 400 that says how
    locale = params.locale(request)
    check_audio_type(content_type)
    body = await read_body(request, services.config.max_upload_bytes)
    if not body:
        raise ApiError(400, "The request holds no audio.")
    path = await run_in_threadpool(save_upload, body, content_type, "recognition")
    options = job_options(request, locale, diarize=params.speaker_labels, profanity="Masked" if params.profanity_filter else "None",
                          punctuation="DictatedAndAutomatic", hypotheses=params.hypotheses)
    properties = {"parameters": params.stored(), "user_token": user_token, "timeToLiveSeconds": results_ttl * 60,
                  "callback": {"url": callback_url, "events": list(notified), "sent": []} if callback_url else None}
    record = await run_in_threadpool(
        lambda: services.transcriptions.create(
            API, [NewSource("upload:recognition", path, path.parent)], name=user_token or "Watson recognition", description="",
            locale=locale, properties={k: v for k, v in properties.items() if v is not None}, options=options,
        )
    )
    if callback_url:
        services.callbacks_due.set()
    job = _job(request, record, with_results=False)
    job.warnings = argument_warnings(request.query_params, JOB_ARGUMENTS, where="url query ") or None
    response.headers["Location"] = job.url
    return job


@router.get("/recognitions", response_model=RecognitionJobs, response_model_exclude_none=True, summary="Check jobs")
def list_jobs(request: Request) -> RecognitionJobs:
    """Return the latest 100 jobs (without results)."""
    records, _ = request.app.state.services.transcriptions.list(API, 0, 100)
    return RecognitionJobs(recognitions=[_job(request, r, with_results=False) for r in records])


_ID = Path(max_length=64, description="The job id.")


@router.get("/recognitions/{id}", response_model=RecognitionJob, response_model_exclude_none=True, summary="Check a job")
def check_job(request: Request, id: str = _ID) -> RecognitionJob:
    """Return the job's status and, once completed, its results."""
    return _job(request, request.app.state.services.transcriptions.get(id, API), with_results=True)


@router.delete("/recognitions/{id}", status_code=204, response_class=Response, summary="Delete a job")
def delete_job(request: Request, id: str = _ID) -> Response:
    """Delete a job that is not being processed, and its results (the service refuses one it is processing)."""
    service = request.app.state.services.transcriptions
    if service.get(id, API).status == RUNNING:
        raise ApiError(400, f"The job {id} is being processed and cannot be deleted until it ends.")
    service.delete(id, API)
    return Response(status_code=204)


@router.post("/register_callback", response_model=RegisterStatus, summary="Register a callback",
             responses={201: {"model": RegisterStatus, "description": "Registered"}})
async def register_callback(
    request: Request, response: Response,
    callback_url: str = Query(..., max_length=2000, description="A URL on this machine that answers the challenge."),
    user_secret: str | None = Query(None, max_length=1000, description="Signs the challenge and every notification."),
) -> RegisterStatus:
    """Allowlist a callback URL for jobs once it has echoed a challenge string (GET ?challenge_string=...)."""
    created = await run_in_threadpool(request.app.state.services.callbacks.register, callback_url, user_secret)
    response.status_code = 201 if created else 200
    return RegisterStatus(status="created" if created else "already created", url=callback_url)


@router.post("/unregister_callback", summary="Unregister a callback")
def unregister_callback(request: Request, callback_url: str = Query(..., max_length=2000)) -> Response:
    """Remove a callback URL from the allowlist."""
    request.app.state.services.callbacks.unregister(callback_url)
    return Response(status_code=200)


def notify_jobs(services) -> bool:
    """Send each job's due events to its callback URL (each once, given up after its tries); return whether any job
    with a callback may still have events to come."""
    reached = {"processing": (STARTED,), "completed": (STARTED, COMPLETED, WITH_RESULTS), "failed": (FAILED_EVENT,)}
    pending, skip, more = False, 0, True
    while more:
        records, more = services.transcriptions.list(API, skip, 100)
        skip += len(records)
        for record in records:
            callback = record.properties.get("callback")
            if not callback:
                continue
            status = JOB_STATUS.get(record.status, "failed")
            for event in (e for e in reached.get(status, ()) if e in callback["events"] and e not in callback["sent"]):
                payload = {"id": record.transcription_id, "event": event, "user_token": record.properties.get("user_token")}
                if event == WITH_RESULTS:
                    payload["results"] = _results(services, record)
                services.callbacks.notify(callback["url"], payload)
                callback = {**callback, "sent": [*callback["sent"], event]}
                services.transcriptions.update(record.transcription_id, API, properties={"callback": callback})
            pending = pending or status not in ("completed", "failed")
    return pending
