"""Azure speech REST: access tokens, short-audio recognition, text-to-speech, and remote conversation results."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Literal

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict
from starlette.concurrency import run_in_threadpool

from core.errors import ParleyError
from core.jobs.remote import RemoteConversationTranscriptionClient
from core.results import ms_to_ticks
from core.server.auth import credentials, subscription_key_only
from core.server.errors import ERROR_RESPONSES, ApiError
from core.server.languages import LocaleError
from core.server.limits import read_body
from core.server.recognition import decode_body
from core.server.rendering import PROFANITY_BY_PARAM, filter_profanity
from core.server.transcriptions import PURGE_GRACE_S

log = logging.getLogger(__name__)
router = APIRouter(responses=ERROR_RESPONSES)
SHORT_AUDIO = "/speech/recognition/conversation/cognitiveservices/v1"
_SHORT_AUDIO_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/ogg")


class NBestEntry(BaseModel):
    Confidence: float
    Lexical: str
    ITN: str
    MaskedITN: str
    Display: str


class SpeechRecognitionResponse(BaseModel):
    """The short-audio answer: simple (DisplayText) or detailed (NBest)."""

    RecognitionStatus: Literal["Success", "NoMatch", "InitialSilenceTimeout", "BabbleTimeout", "Error"]
    DisplayText: str | None = None
    Offset: int | None = None
    Duration: int | None = None
    NBest: list[NBestEntry] | None = None


@router.post(
    "/sts/v1.0/issueToken", response_class=PlainTextResponse, tags=["Tokens"], summary="Issue an access token",
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}, "description": "A JWT valid 10 minutes."}},
)
def issue_token(request: Request, key_id: str = Depends(subscription_key_only)) -> PlainTextResponse:
    """Return a signed access token (JWT) for the key, valid ten minutes."""
    return PlainTextResponse(request.app.state.services.tokens.issue(key_id))


def _join(parts: list[str]) -> str:
    return " ".join(p for p in parts if p)


@router.post(
    SHORT_AUDIO, response_model=SpeechRecognitionResponse, response_model_exclude_none=True, tags=["Short audio"],
    summary="Recognize a short utterance", dependencies=[Depends(credentials)],
    openapi_extra={"requestBody": {"required": True, "content": {
        "audio/wav; codecs=audio/pcm; samplerate=16000": {"schema": {"type": "string", "format": "binary"}},
        "audio/ogg; codecs=opus": {"schema": {"type": "string", "format": "binary"}},
    }}},
)
async def recognize_short_audio(
    request: Request,
    language: str = Query(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$", max_length=35, description="e.g. en-US"),
    format: Literal["simple", "detailed"] = Query("simple"),
    profanity: Literal["masked", "removed", "raw"] = Query("masked"),
    content_type: str = Header(max_length=200),
) -> SpeechRecognitionResponse:
    """Return the final recognition of up to 60 s of audio (WAV/PCM 16 kHz or Ogg/Opus; chunked transfer accepted)."""
    services = request.app.state.services
    if content_type.split(";")[0].strip().lower() not in _SHORT_AUDIO_TYPES:
        raise ApiError(415, "Send audio/wav; codecs=audio/pcm; samplerate=16000 or audio/ogg; codecs=opus.")
    body = await read_body(request, services.config.max_short_audio_bytes)
    audio = await run_in_threadpool(decode_body, body, content_type)
    if len(audio) * 1000 // 16000 > services.config.max_short_audio_ms:
        raise ApiError(400, f"The audio is longer than {services.config.max_short_audio_ms // 1000} s; use batch transcription.")
    try:
        result = await run_in_threadpool(services.recognizer.recognize, audio, language)
    except LocaleError:
        raise
    except ParleyError as exc:  # the recogniser could not run (a model missing or broken): Error, as the service says
        log.error("short-audio recognition failed: %s", exc.user_message())
        return SpeechRecognitionResponse(RecognitionStatus="Error")
    if not result.speech_heard:
        return SpeechRecognitionResponse(RecognitionStatus="BabbleTimeout" if result.noisy else "InitialSilenceTimeout", Offset=0, Duration=0)
    utterances = result.utterances
    if not utterances:
        return SpeechRecognitionResponse(RecognitionStatus="NoMatch", Offset=0, Duration=ms_to_ticks(result.duration_ms))
    mode = PROFANITY_BY_PARAM[profanity]
    offset = utterances[0].offset_ms
    duration = max(u.end_ms for u in utterances) - offset
    display = filter_profanity(_join([u.display for u in utterances]), mode, language)
    if format == "simple":
        return SpeechRecognitionResponse(RecognitionStatus="Success", DisplayText=display, Offset=ms_to_ticks(offset), Duration=ms_to_ticks(duration))
    best = NBestEntry(
        Confidence=round(sum(u.confidence for u in utterances) / len(utterances), 4),
        Lexical=filter_profanity(_join([u.lexical for u in utterances]), mode, language),
        ITN=filter_profanity(_join([u.itn for u in utterances]), mode, language),
        MaskedITN=_join([u.masked_itn for u in utterances]),
        Display=display,
    )
    return SpeechRecognitionResponse(RecognitionStatus="Success", DisplayText=display, Offset=ms_to_ticks(offset), Duration=ms_to_ticks(duration), NBest=[best])


class VoiceEntry(BaseModel):
    Name: str
    ShortName: str
    DisplayName: str
    Gender: Literal["Female", "Male"]
    Locale: str
    SampleRateHertz: str
    VoiceType: str


@router.get("/cognitiveservices/voices/list", response_model=list[VoiceEntry], tags=["Text to speech"], summary="List voices", dependencies=[Depends(credentials)])
def list_voices() -> list[VoiceEntry]:
    """Return the offline voices text-to-speech can use."""
    from core.tts import voices

    return [VoiceEntry(Name=v.name, ShortName=v.short_name, DisplayName=v.display_name, Gender=v.gender, Locale=v.locale, SampleRateHertz="24000", VoiceType="Standard") for v in voices()]


@router.post(
    "/cognitiveservices/v1", response_class=Response, tags=["Text to speech"], summary="Synthesize speech from SSML",
    dependencies=[Depends(credentials)],
    openapi_extra={"requestBody": {"required": True, "content": {"application/ssml+xml": {"schema": {"type": "string"}}}}},
    responses={200: {"description": "The audio", "content": {"audio/wav": {}, "audio/L16": {}, "audio/mpeg": {}, "audio/ogg": {}, "audio/webm": {}}}},
)
async def synthesize(request: Request, x_microsoft_outputformat: str | None = Header(None, max_length=100)) -> Response:
    """Return the SSML document spoken by the offline engine, in X-Microsoft-OutputFormat (default riff-24khz-16bit-mono-pcm)."""
    from core.tts import parse_output_format, speak_ssml

    services = request.app.state.services
    fmt = parse_output_format(x_microsoft_outputformat)  # unknown format: 400 before reading the body
    body = await read_body(request, services.config.max_ssml_bytes)
    try:
        document = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ApiError(400, "The SSML document is not UTF-8 text.") from None
    data, fmt = await run_in_threadpool(speak_ssml, document, fmt.name)
    return Response(content=data, media_type=fmt.media_type)


class RemoteTranscription(BaseModel):
    model_config = ConfigDict(extra="allow")

    userId: str
    resultId: str
    reason: str
    text: str
    offsetInTicks: int
    durationInTicks: int
    channel: int | None = None


class RemoteConversationTranscription(BaseModel):
    """The wire model of a remote conversation's result (GET/DELETE offlinetask?id=)."""

    id: str
    processingStatus: Literal["Uploading", "Processing", "Completed", "Failed", "Deleted"]
    transcriptions: list[RemoteTranscription]


def _wire(client: RemoteConversationTranscriptionClient, conversation_id: str) -> RemoteConversationTranscription:
    operation = client.get_transcription_operation(conversation_id)
    status = operation.status
    if status == "Deleted":  # no background job: the conversation's own transcript is the result
        status = "Completed"
    transcriptions = _results(client, conversation_id) if status == "Completed" else []
    return RemoteConversationTranscription(id=conversation_id, processingStatus=status, transcriptions=transcriptions)


def _results(client: RemoteConversationTranscriptionClient, conversation_id: str) -> list[RemoteTranscription]:
    from core.views.azure_remote import remote_conversation_transcription_result

    document = remote_conversation_transcription_result(client.conversation(conversation_id))
    return [
        RemoteTranscription(
            userId=r["UserId"], resultId=r["ResultId"], reason=r["Reason"], text=r["Text"],
            offsetInTicks=r["OffsetInTicks"], durationInTicks=r["Duration"], channel=r.get("Channel"),
        )
        for r in document["ConversationTranscriptionResults"]
    ]


_CONVERSATION_ID = Query(min_length=1, max_length=64, description="The conversationId.")


@router.get("/api/v1/offlinetask", response_model=RemoteConversationTranscription, tags=["Remote conversation"], summary="Get a remote conversation's result", dependencies=[Depends(credentials)])
def get_offline_task(request: Request, id: str = _CONVERSATION_ID) -> RemoteConversationTranscription:
    """Return the conversation's background transcription: processingStatus and, once Completed, its transcriptions."""
    return _wire(RemoteConversationTranscriptionClient(request.app.state.services.library), id)


@router.delete("/api/v1/offlinetask", response_model=RemoteConversationTranscription, tags=["Remote conversation"], summary="Delete a remote conversation's result", dependencies=[Depends(credentials)])
def delete_offline_task(request: Request, id: str = _CONVERSATION_ID) -> RemoteConversationTranscription:
    """Delete the conversation's background transcription (its audio and live transcript stay); answer processingStatus Deleted."""
    client = RemoteConversationTranscriptionClient(request.app.state.services.library)
    job = client.latest_job(id)
    if job is not None and job.finished is not None:  # let the worker reap the job's process before its row goes
        wait = PURGE_GRACE_S - (datetime.now(timezone.utc) - job.finished).total_seconds()
        if wait > 0:
            time.sleep(min(wait, PURGE_GRACE_S))
    client.delete_remote_transcription(id)
    return RemoteConversationTranscription(id=id, processingStatus="Deleted", transcriptions=[])

