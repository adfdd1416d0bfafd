"""What the v2.0, v3.1 and Watson job routes share: sources from URLs, job options, times and results."""

from __future__ import annotations

import shutil
from datetime import datetime

from fastapi import Request

from core.jobs.model import JobOptions
from core.results import Conversation, Sentiment
from core.server.errors import ApiError
from core.server.languages import model_for
from core.server.sources import recording_from_url
from core.server.transcriptions import NewSource
from core.views.units import iso8601_timestamp


def base_url(request: Request) -> str:
    """Return the scheme, host and port the caller used, without a trailing slash."""
    return str(request.base_url).rstrip("/")


def timestamp(moment: datetime) -> str:
    """Return a time as the services write it ("2020-06-16T09:30:21Z")."""
    return iso8601_timestamp(moment)


def sources_from_urls(urls: list[str], limit: int) -> list[NewSource]:
    """Return the recordings the URLs name, checked and (for loopback http) downloaded; 400/403 otherwise."""
    found: list[NewSource] = []
    try:
        for url in urls:
            path, cleanup = recording_from_url(url, limit)
            found.append(NewSource(url, path, cleanup))
    except BaseException:
        for source in found:
            if source.cleanup is not None:
                shutil.rmtree(source.cleanup, ignore_errors=True)
        raise
    return found


def job_options(request: Request, locale: str, *, diarize: bool, profanity: str, punctuation: str,
                min_speakers: int | None = None, max_speakers: int | None = None, num_speakers: int | None = None,
                hypotheses: int = 1) -> JobOptions:
    """Return the queued job's options for a locale (model chosen by the service) and the caller's choices."""
    config = request.app.state.services.config
    model, language = model_for(locale, config, batch=True)
    if min_speakers and max_speakers and min_speakers > max_speakers:
        raise ApiError(400, "diarization.speakers.minCount is larger than maxCount.")
    return JobOptions(
        model=model, language=language, diarize=diarize, num_speakers=num_speakers, min_speakers=min_speakers,
        max_speakers=max_speakers, word_timestamps=True, profanity=profanity, punctuation=punctuation, hypotheses=hypotheses,
        merge_same_sound=False,  # the services transcribe each channel of a stereo recording, alike or not
    )


def with_sentiment(conversation: Conversation) -> Conversation:
    """Return the conversation with a sentiment on each utterance that has none (when the analyser is there)."""
    try:
        from core.text.sentiment import sentiment_of
    except ImportError:
        return conversation
    from dataclasses import replace

    scored = []
    for utterance in conversation.utterances:
        if utterance.sentiment is None:
            found = sentiment_of(utterance.lexical, conversation.locale)
            if isinstance(found, Sentiment):
                utterance = replace(utterance, sentiment=found)
        scored.append(utterance)
    return conversation.with_utterances(scored)


def truthy(value) -> bool:
    """Return a v2 property value ("True", "false", True) as a bool."""
    return str(value).strip().lower() == "true"
