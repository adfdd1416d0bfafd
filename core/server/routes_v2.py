"""Azure batch transcription v2.0 under /api/speechtotext/v2.0/ (results served per channel by this service)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from core.server.auth import credentials, credentials_or_link, signed_link
from core.server.batch_common import base_url, job_options, sources_from_urls, timestamp, truthy, with_sentiment
from core.server.errors import ERROR_RESPONSES, ApiError
from core.server.languages import supported_locales
from core.server.models_batch import TranscriptionDefinitionV2, TranscriptionUpdateV2, TranscriptionV2, V2ChannelResult
from core.server.rendering import call_view, text_options
from core.server.transcriptions import Transcription
from core.views import channel_numbers
from core.views.azure_batch_v2 import batch_v2_result

PREFIX = "/api/speechtotext/v2.0"
API = "v2.0"
DEFAULTS = {"ProfanityFilterMode": "Masked", "PunctuationMode": "DictatedAndAutomatic", "AddWordLevelTimestamps": "False", "AddSentiment": "False", "AddDiarization": "False"}
ID = Path(description="The transcription id.", max_length=64)

router = APIRouter(prefix=PREFIX, tags=["Batch transcription v2.0"], dependencies=[Depends(credentials)], responses=ERROR_RESPONSES)
# resultsUrls open with credentials or with the signature they are listed with (as the service's storage links do)
links = APIRouter(prefix=PREFIX, tags=["Batch transcription v2.0"], dependencies=[Depends(credentials_or_link)], responses=ERROR_RESPONSES)


def _service(request: Request):
    return request.app.state.services.transcriptions


def _view(request: Request, record: Transcription) -> TranscriptionV2:
    properties = {k: v for k, v in record.properties.items() if k in DEFAULTS}
    results = {}
    if record.status == "Succeeded":
        conversation = _service(request).conversation(record.sources[0])
        for channel in channel_numbers(conversation):
            url = f"{base_url(request)}{PREFIX}/transcriptions/{record.transcription_id}/results/channel_{channel}"
            results[f"channel_{channel}"] = signed_link(request, url)
    return TranscriptionV2(
        id=record.transcription_id, recordingsUrl=record.sources[0].url, resultsUrls=results,
        models=record.properties.get("models", []), locale=record.locale, name=record.name,
        description=record.description, properties=properties, createdDateTime=timestamp(record.created),
        lastActionDateTime=timestamp(record.updated), status=record.status, statusMessage=record.status_message,
    )


@router.post("/transcriptions", status_code=202, response_model=TranscriptionV2, summary="Create a transcription")
def create_transcription(definition: TranscriptionDefinitionV2, request: Request, response: Response) -> TranscriptionV2:
    """Queue the transcription of the recording at recordingsUrl; answer 202 with Operation-Location."""
    services = request.app.state.services
    properties = dict(DEFAULTS)
    properties.update({k: ("True" if v is True else "False" if v is False else str(v)) for k, v in definition.properties.items() if k in DEFAULTS})
    if truthy(properties["AddDiarization"]) and not truthy(properties["AddWordLevelTimestamps"]):
        raise ApiError(400, "AddDiarization requires AddWordLevelTimestamps to be set to True.")
    options = job_options(
        request, definition.locale, diarize=truthy(properties["AddDiarization"]),
        profanity=properties["ProfanityFilterMode"], punctuation=properties["PunctuationMode"],
        max_speakers=2 if truthy(properties["AddDiarization"]) else None,
    )
    sources = sources_from_urls([definition.recordingsUrl], services.config.max_upload_bytes)
    record = _service(request).create(
        API, sources, name=definition.name, description=definition.description or "", locale=definition.locale,
        properties=properties | {"models": [m.model_dump() for m in definition.models]}, options=options,
    )
    location = f"{base_url(request)}{PREFIX}/transcriptions/{record.transcription_id}"
    response.headers["Operation-Location"] = location
    response.headers["Location"] = location
    return _view(request, record)


@router.get("/transcriptions", response_model=list[TranscriptionV2], summary="List transcriptions")
def list_transcriptions(request: Request, skip: int = Query(0, ge=0, le=1_000_000), take: int = Query(100, ge=1, le=1000)) -> list[TranscriptionV2]:
    """Return one page of transcriptions, newest first."""
    records, _ = _service(request).list(API, skip, take)
    return [_view(request, r) for r in records]


@router.get("/transcriptions/locales", response_model=list[str], summary="Supported locales")
def locales(request: Request) -> list[str]:
    """Return the locales this service transcribes."""
    return supported_locales(request.app.state.services.config)


@router.get("/transcriptions/{id}", response_model=TranscriptionV2, summary="Get a transcription")
def get_transcription(request: Request, id: str = ID) -> TranscriptionV2:
    """Return the transcription with its status and, once it succeeded, its resultsUrls."""
    return _view(request, _service(request).get(id, API))


@router.patch("/transcriptions/{id}", response_model=TranscriptionV2, summary="Update a transcription")
def update_transcription(update: TranscriptionUpdateV2, request: Request, id: str = ID) -> TranscriptionV2:
    """Return the transcription with a new name or description."""
    return _view(request, _service(request).update(id, API, name=update.name, description=update.description))


@router.delete("/transcriptions/{id}", status_code=204, response_class=Response, summary="Delete a transcription")
def delete_transcription(request: Request, id: str = ID) -> Response:
    """Cancel and delete the transcription and its results."""
    _service(request).delete(id, API)
    return Response(status_code=204)


@links.get("/transcriptions/{id}/results/{channel}", response_model=V2ChannelResult, summary="Result of one channel")
def channel_result(request: Request, id: str = ID, channel: str = Path(pattern=r"^channel_[0-9]{1,2}$")) -> dict:
    """Return the v2.0 result document of one audio channel."""
    service = _service(request)
    record = service.get(id, API)
    if record.status != "Succeeded":
        raise ApiError(404, f"The transcription is {record.status}; its results are not ready.")
    conversation = service.conversation(record.sources[0])
    number = int(channel.split("_")[1])
    if number not in channel_numbers(conversation):
        raise ApiError(404, f"The recording has no {channel}.")
    props = record.properties
    sentiment = truthy(props.get("AddSentiment"))
    if sentiment:
        conversation = with_sentiment(conversation)
    return call_view(
        batch_v2_result, conversation, number, word_timestamps=truthy(props.get("AddWordLevelTimestamps")), sentiment=sentiment,
        text=text_options(props.get("ProfanityFilterMode"), props.get("PunctuationMode")),
    )
