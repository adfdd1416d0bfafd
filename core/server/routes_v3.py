"""Azure batch transcription v3.1 under /speechtotext/v3.1/: transcriptions, their files and results."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, File, Form, Path, Query, Request, Response, UploadFile
from pydantic import ValidationError

from core.server.auth import credentials, credentials_or_link, signed_link
from core.server.batch_common import base_url, job_options, sources_from_urls, timestamp
from core.server.errors import ERROR_RESPONSES, ApiError
from core.server.languages import supported_locales
from core.server.models_batch import (
    EntityReference,
    FileLinks,
    FileProperties,
    PaginatedFiles,
    PaginatedTranscriptions,
    ReportDetail,
    TranscriptionDefinitionV3,
    TranscriptionError,
    TranscriptionFile,
    TranscriptionLinks,
    TranscriptionPropertiesOut,
    TranscriptionReport,
    TranscriptionUpdateV3,
    TranscriptionV3,
)
from core.server.rendering import call_view, only_channels, text_options
from core.server.sources import save_upload
from core.server.transcriptions import NewSource, Transcription, parse_duration_s
from core.views.azure_batch_v3 import batch_v3_result, iso8601_duration

PREFIX = "/speechtotext/v3.1"
API = "v3.1"
ID = Path(description="The transcription id.", max_length=64)
_PROPERTY_KEYS = ("wordLevelTimestampsEnabled", "displayFormWordLevelTimestampsEnabled", "diarizationEnabled", "channels", "punctuationMode", "profanityFilterMode", "timeToLive")

router = APIRouter(prefix=PREFIX, tags=["Batch transcription v3.1"], dependencies=[Depends(credentials)], responses=ERROR_RESPONSES)
# a result file's contentUrl opens with credentials or with the signature it is listed with (a storage SAS URL's stand-in)
links = APIRouter(prefix=PREFIX, tags=["Batch transcription v3.1"], dependencies=[Depends(credentials_or_link)], responses=ERROR_RESPONSES)


def _service(request: Request):
    return request.app.state.services.transcriptions


def _self(request: Request, transcription_id: str) -> str:
    return f"{base_url(request)}{PREFIX}/transcriptions/{transcription_id}"


def _view(request: Request, record: Transcription) -> TranscriptionV3:
    props = record.properties
    error = None
    if record.status == "Failed":
        error = TranscriptionError(code="InvalidData", message=record.status_message or "The transcription failed.")
    duration = None
    if record.status == "Succeeded" and record.sources[0].job and record.sources[0].job.started and record.sources[0].job.finished:
        job = record.sources[0].job
        duration = iso8601_duration(int((job.finished - job.started).total_seconds() * 1000))
    return TranscriptionV3(
        self=_self(request, record.transcription_id),
        model=EntityReference(self=props["model"]) if props.get("model") else None,
        links=TranscriptionLinks(files=f"{_self(request, record.transcription_id)}/files"),
        properties=TranscriptionPropertiesOut(**{k: props[k] for k in _PROPERTY_KEYS if k in props}, duration=duration, error=error),
        lastActionDateTime=timestamp(record.updated), status=record.status, createdDateTime=timestamp(record.created),
        locale=record.locale, displayName=record.name, description=record.description,
        customProperties=props.get("customProperties"),
    )


def _create(request: Request, definition: TranscriptionDefinitionV3, sources: list[NewSource], response: Response) -> TranscriptionV3:
    props = definition.properties
    try:
        ttl = parse_duration_s(props.timeToLive) or None  # "PT0S", like none, keeps the transcription until deleted
    except ValueError as exc:
        raise ApiError(400, f"properties.timeToLive: {exc}.") from None
    speakers = props.diarization.speakers if props.diarization else None
    options = job_options(
        request, definition.locale, diarize=props.diarizationEnabled, profanity=props.profanityFilterMode,
        punctuation=props.punctuationMode, min_speakers=speakers.minCount if speakers else None,
        max_speakers=speakers.maxCount if speakers else None,
    )
    stored = props.model_dump(include=set(_PROPERTY_KEYS))
    stored.update(timeToLiveSeconds=ttl, customProperties=definition.customProperties, model=definition.model.self if definition.model else None)
    record = _service(request).create(
        API, sources, name=definition.displayName, description=definition.description or "", locale=definition.locale,
        properties={k: v for k, v in stored.items() if v is not None}, options=options,
        keep_unreadable=True,  # a recording that cannot be read fails in the report; the others are transcribed
    )
    response.headers["Location"] = _self(request, record.transcription_id)
    return _view(request, record)


@router.post("/transcriptions", status_code=201, response_model=TranscriptionV3, response_model_exclude_none=True, summary="Create a transcription")
def create_transcription(definition: TranscriptionDefinitionV3, request: Request, response: Response) -> TranscriptionV3:
    """Queue the transcription of the recordings at contentUrls (files in allowed directories or loopback URLs)."""
    services = request.app.state.services
    if len(definition.contentUrls) > services.config.max_sources:
        raise ApiError(400, f"At most {services.config.max_sources} contentUrls per transcription.")
    job_options(request, definition.locale, diarize=False, profanity="Masked", punctuation="None")  # locale check first
    sources = sources_from_urls(definition.contentUrls, services.config.max_upload_bytes)
    return _create(request, definition, sources, response)


@router.post("/transcriptions:upload", status_code=201, response_model=TranscriptionV3, response_model_exclude_none=True, summary="Create a transcription from uploaded audio")
async def upload_transcription(
    request: Request, response: Response,
    audio: UploadFile = File(description="The recording (WAV, MP3, Ogg/Opus, FLAC, ...)."),
    definition: str = Form(max_length=20_000, description="The transcription definition as JSON, like POST transcriptions without contentUrls."),
) -> TranscriptionV3:
    """Queue the transcription of a recording sent in the request body (multipart: audio + definition)."""
    try:
        data = json.loads(definition)
        if not isinstance(data, dict):
            raise ValueError("the definition must be a JSON object")
        data["contentUrls"] = [f"upload:{audio.filename or 'recording'}"]
        parsed = TranscriptionDefinitionV3.model_validate(data)
    except (ValueError, ValidationError) as exc:
        raise ApiError(400, f"The definition is not valid: {str(exc)[:400]}") from None
    content = await audio.read()
    if not content:
        raise ApiError(400, "The uploaded recording is empty.")
    from starlette.concurrency import run_in_threadpool

    path = await run_in_threadpool(save_upload, content, audio.content_type, "upload")
    source = NewSource(parsed.contentUrls[0], path, path.parent)
    return await run_in_threadpool(_create, request, parsed, [source], response)


@router.get("/transcriptions", response_model=PaginatedTranscriptions, response_model_exclude_none=True, summary="List transcriptions")
def list_transcriptions(request: Request, skip: int = Query(0, ge=0, le=1_000_000), top: int = Query(100, ge=1, le=100)) -> PaginatedTranscriptions:
    """Return one page of transcriptions, newest first, with @nextLink when more follow."""
    records, more = _service(request).list(API, skip, top)
    next_link = f"{base_url(request)}{PREFIX}/transcriptions?skip={skip + top}&top={top}" if more else None
    return PaginatedTranscriptions(values=[_view(request, r) for r in records], nextLink=next_link)


@router.get("/transcriptions/locales", response_model=list[str], summary="Supported locales")
def locales(request: Request) -> list[str]:
    """Return the locales this service transcribes."""
    return supported_locales(request.app.state.services.config)


@router.get("/transcriptions/{id}", response_model=TranscriptionV3, response_model_exclude_none=True, summary="Get a transcription")
def get_transcription(request: Request, id: str = ID) -> TranscriptionV3:
    """Return the transcription and its status."""
    return _view(request, _service(request).get(id, API))


@router.patch("/transcriptions/{id}", response_model=TranscriptionV3, response_model_exclude_none=True, summary="Update a transcription")
def update_transcription(update: TranscriptionUpdateV3, request: Request, id: str = ID) -> TranscriptionV3:
    """Return the transcription with a new display name, description or custom properties."""
    extra = {"customProperties": update.customProperties} if update.customProperties is not None else None
    return _view(request, _service(request).update(id, API, name=update.displayName, description=update.description, properties=extra))


@router.delete("/transcriptions/{id}", status_code=204, response_class=Response, summary="Delete a transcription")
def delete_transcription(request: Request, id: str = ID) -> Response:
    """Cancel and delete the transcription, its files and the conversations it made."""
    _service(request).delete(id, API)
    return Response(status_code=204)


def _file_names(record: Transcription) -> list[str]:
    names = [f"contenturl_{s.position}" for s in record.sources if s.job is None or s.job.state == "Succeeded"]
    return names + (["report"] if record.status in ("Succeeded", "Failed") else [])


def _document(request: Request, record: Transcription, file_id: str) -> dict:
    if file_id == "report":
        details = []
        for source in record.sources:
            state = source.job.state if source.job else "Succeeded"
            state = "Failed" if state == "Canceled" else state
            details.append((source.position, ReportDetail(
                source=source.url, status=state,
                errorKind="InvalidData" if state == "Failed" else None,
                errorMessage=source.job.error if state == "Failed" and source.job else None,
            ).model_dump(exclude_none=True)))
        for failed in record.unreadable:
            details.append((failed["position"], ReportDetail(
                source=failed["url"], status="Failed", errorKind="InvalidData", errorMessage=failed["error"],
            ).model_dump(exclude_none=True)))
        details = [detail for _, detail in sorted(details, key=lambda entry: entry[0])]
        return TranscriptionReport(
            successfulTranscriptionsCount=sum(d["status"] == "Succeeded" for d in details),
            failedTranscriptionsCount=sum(d["status"] == "Failed" for d in details), details=details,
        ).model_dump(exclude_none=True)
    position = int(file_id.split("_")[1])
    source = next(s for s in record.sources if s.position == position)
    props = record.properties
    conversation = only_channels(_service(request).conversation(source), props.get("channels"))
    document = call_view(
        batch_v3_result, conversation, word_timestamps=bool(props.get("wordLevelTimestampsEnabled")),
        display_words=bool(props.get("displayFormWordLevelTimestampsEnabled")),
        text=text_options(props.get("profanityFilterMode"), props.get("punctuationMode")),
    )
    document["source"] = source.url
    return document


def _json_bytes(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _file_entry(request: Request, record: Transcription, file_id: str) -> TranscriptionFile:
    url = f"{_self(request, record.transcription_id)}/files/{file_id}"
    size = len(_json_bytes(_document(request, record, file_id)))
    return TranscriptionFile(
        self=url, name=f"{file_id}.json", kind="TranscriptionReport" if file_id == "report" else "Transcription",
        properties=FileProperties(size=size), createdDateTime=timestamp(record.updated), links=FileLinks(contentUrl=signed_link(request, f"{url}/content")),
    )


@router.get("/transcriptions/{id}/files", response_model=PaginatedFiles, response_model_exclude_none=True, summary="List result files")
def list_files(request: Request, id: str = ID) -> PaginatedFiles:
    """Return the transcription's files: contenturl_N.json per succeeded recording and report.json once it ended."""
    record = _service(request).get(id, API)
    return PaginatedFiles(values=[_file_entry(request, record, name) for name in _file_names(record)])


# any name, so that one the transcription does not have is a 404 (as the service answers), not a 400
_FILE_ID = Path(max_length=64, description="contenturl_N or report")


@router.get("/transcriptions/{id}/files/{file_id}", response_model=TranscriptionFile, summary="Get a result file's entry")
def get_file(request: Request, id: str = ID, file_id: str = _FILE_ID) -> TranscriptionFile:
    """Return one file's entry (name, size, content link)."""
    record = _service(request).get(id, API)
    if file_id not in _file_names(record):
        raise ApiError(404, f"The transcription has no file '{file_id}'.")
    return _file_entry(request, record, file_id)


_CONTENT_SCHEMA = {"oneOf": [{"$ref": "#/components/schemas/V3Result"}, {"$ref": "#/components/schemas/TranscriptionReport"}]}


@links.get(
    "/transcriptions/{id}/files/{file_id}/content", summary="Get a result file's content", response_class=Response,
    responses={200: {"description": "contenturl_N.json or report.json", "content": {"application/json": {"schema": _CONTENT_SCHEMA}}}},
)
def file_content(request: Request, id: str = ID, file_id: str = _FILE_ID) -> Response:
    """Return contenturl_N.json (the v3 result of one recording) or report.json, byte for byte as listed."""
    record = _service(request).get(id, API)
    if file_id not in _file_names(record):
        raise ApiError(404, f"The transcription has no file '{file_id}'.")
    return Response(_json_bytes(_document(request, record, file_id)), media_type="application/json")
