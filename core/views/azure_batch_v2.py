"""Azure batch transcription v2.0 result: one document per audio channel, PascalCase, ticks and seconds.

A speaker the user named also gets ``SpeakerName`` next to ``SpeakerId`` (an addition of Parley's).
"""

from __future__ import annotations

from core.results import Conversation, Utterance, Word
from core.text.sentiment import sentiment_of
from core.views.lazy import LazyList, LazyText, materialize
from core.views.text import TextOptions, alternatives_of, forms_of, shown_words, speaker_name
from core.views.units import ms_to_ticks, seconds_2dp


def _word(token: str, word: Word) -> dict:
    return {
        "Word": token,
        "Offset": ms_to_ticks(word.offset_ms),
        "Duration": ms_to_ticks(word.duration_ms),
        "OffsetInSeconds": seconds_2dp(word.offset_ms),
        "DurationInSeconds": seconds_2dp(word.duration_ms),
        "Confidence": word.confidence,
    }


def _hypothesis(forms, confidence: float) -> dict:
    return {
        "Confidence": confidence,
        "Lexical": forms.lexical,
        "ITN": forms.itn,
        "MaskedITN": forms.masked_itn,
        "Display": forms.display,
    }


def utterance_sentiment(utterance: Utterance, locale: str):
    """Return the utterance's stored sentiment, else one scored now from its display text (None if not English)."""
    return utterance.sentiment or sentiment_of(utterance.display, locale)


def _nbest(conversation: Conversation, utterance: Utterance, word_timestamps: bool, sentiment: bool, text, limit) -> list[dict]:
    locale = conversation.locale
    best = _hypothesis(forms_of(utterance.forms, text, locale), utterance.confidence)
    # sentiment is scored on the recognised segment, so only the best hypothesis carries it
    scores = utterance_sentiment(utterance, conversation.locale) if sentiment else None
    if scores is not None:
        best["Sentiment"] = {"Negative": scores.negative, "Neutral": scores.neutral, "Positive": scores.positive}
    best["Words"] = [_word(token, w) for token, w in shown_words(utterance, text, locale)] if word_timestamps else None
    others = []
    for alternative in alternatives_of(utterance, limit):
        entry = _hypothesis(forms_of(alternative.forms, text, locale), alternative.confidence)
        entry["Words"] = None
        others.append(entry)
    return [best, *others]


def _segment(conversation: Conversation, utterance: Utterance, word_timestamps: bool, sentiment: bool, text, limit) -> dict:
    segment = {
        "RecognitionStatus": "Success",
        "ChannelNumber": None,
        # null without diarization or on a stereo recording, as v2.0 defines it (its diarization is for mono only)
        "SpeakerId": None if utterance.speaker is None or conversation.channels > 1 else str(utterance.speaker),
    }
    name = speaker_name(conversation, utterance.speaker)
    if name:
        segment["SpeakerName"] = name
    segment.update(
        Offset=ms_to_ticks(utterance.offset_ms),
        Duration=ms_to_ticks(utterance.duration_ms),
        OffsetInSeconds=seconds_2dp(utterance.offset_ms),
        DurationInSeconds=seconds_2dp(utterance.duration_ms),
        NBest=_nbest(conversation, utterance, word_timestamps, sentiment, text, limit),
    )
    return segment


def _joined(utterances, form: str, text, locale: str) -> LazyText:
    def pieces():
        for utterance in utterances():
            value = getattr(forms_of(utterance.forms, text, locale), form)
            if value:
                yield value

    return LazyText(pieces)


def combined(utterances, text: TextOptions | None = None, locale: str = "en-US") -> dict:
    """Return the four text forms of a channel joined utterance by utterance (v2 names).

    ``utterances`` is a list (plain strings back), or a function returning an iterable (lazy texts back).
    """
    source = utterances if callable(utterances) else (lambda: utterances)
    result = {
        "ChannelNumber": None,
        "Lexical": _joined(source, "lexical", text, locale),
        "ITN": _joined(source, "itn", text, locale),
        "MaskedITN": _joined(source, "masked_itn", text, locale),
        "Display": _joined(source, "display", text, locale),
    }
    return result if callable(utterances) else materialize(result)


def batch_v2_result(
    conversation: Conversation,
    channel: int,
    *,
    word_timestamps: bool = False,
    sentiment: bool = False,
    text: TextOptions | None = None,
    max_alternatives: int | None = None,
    lazy: bool = False,
) -> dict:
    """Return the v2.0 result document of one channel: {AudioFileResults: [{..., SegmentResults}]}.

    With ``sentiment`` the best hypothesis carries Negative/Neutral/Positive scores (English).
    """

    def utterances():
        return conversation.channel_utterances(channel)

    document = {
        "AudioFileResults": [
            {
                "AudioFileName": f"Channel.{channel}.wav",
                "AudioFileUrl": None,
                "AudioLengthInSeconds": seconds_2dp(conversation.duration_ms),
                "CombinedResults": [combined(utterances, text, conversation.locale)],
                "SegmentResults": LazyList(
                    lambda: (
                        _segment(conversation, u, word_timestamps, sentiment, text, max_alternatives) for u in utterances()
                    )
                ),
            }
        ]
    }
    return document if lazy else materialize(document)
