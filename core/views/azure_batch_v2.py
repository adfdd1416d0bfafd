"""Azure batch transcription v2.0 result: one document per audio channel, PascalCase, ticks and seconds."""

from __future__ import annotations

from core.results import Conversation, Utterance, Word
from core.text.forms import word_token
from core.views.units import ms_to_ticks, seconds_2dp


def _word(word: Word) -> dict:
    return {
        "Word": word_token(word.text),
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


def _nbest(utterance: Utterance, word_timestamps: bool, sentiment: bool) -> list[dict]:
    best = _hypothesis(utterance.forms, utterance.confidence)
    # sentiment is scored on the recognised segment, so only the best hypothesis carries it
    if sentiment and utterance.sentiment is not None:
        s = utterance.sentiment
        best["Sentiment"] = {"Negative": s.negative, "Neutral": s.neutral, "Positive": s.positive}
    best["Words"] = [_word(w) for w in utterance.words] if word_timestamps else None
    others = []
    for alternative in utterance.alternatives:
        entry = _hypothesis(alternative.forms, alternative.confidence)
        entry["Words"] = None
        others.append(entry)
    return [best, *others]


def _segment(utterance: Utterance, word_timestamps: bool, sentiment: bool) -> dict:
    return {
        "RecognitionStatus": "Success",
        "ChannelNumber": None,
        "SpeakerId": None if utterance.speaker is None else str(utterance.speaker),
        "Offset": ms_to_ticks(utterance.offset_ms),
        "Duration": ms_to_ticks(utterance.duration_ms),
        "OffsetInSeconds": seconds_2dp(utterance.offset_ms),
        "DurationInSeconds": seconds_2dp(utterance.duration_ms),
        "NBest": _nbest(utterance, word_timestamps, sentiment),
    }


def combined(utterances: list[Utterance]) -> dict:
    """Return the four text forms of a channel joined utterance by utterance (v2 names)."""
    return {
        "ChannelNumber": None,
        "Lexical": " ".join(u.lexical for u in utterances if u.lexical),
        "ITN": " ".join(u.itn for u in utterances if u.itn),
        "MaskedITN": " ".join(u.masked_itn for u in utterances if u.masked_itn),
        "Display": " ".join(u.display for u in utterances if u.display),
    }


def batch_v2_result(
    conversation: Conversation, channel: int, *, word_timestamps: bool = False, sentiment: bool = False
) -> dict:
    """Return the v2.0 result document of one channel: {AudioFileResults: [{..., SegmentResults}]}."""
    utterances = conversation.channel_utterances(channel)
    return {
        "AudioFileResults": [
            {
                "AudioFileName": f"Channel.{channel}.wav",
                "AudioFileUrl": None,
                "AudioLengthInSeconds": seconds_2dp(conversation.duration_ms),
                "CombinedResults": [combined(utterances)],
                "SegmentResults": [_segment(u, word_timestamps, sentiment) for u in utterances],
            }
        ]
    }
