"""Azure batch transcription v3.x result: one camelCase document for the audio file, all channels.

Times appear twice, as ISO-8601 durations ("PT1.59S") and as 100-ns ticks; ``speaker`` is an
integer on each recognised phrase and is left out when no speaker is known.
"""

from __future__ import annotations

from core.results import Conversation, Utterance, Word
from core.text.forms import word_token
from core.views import channel_numbers
from core.views.units import iso8601_duration, iso8601_timestamp, ms_to_ticks

__all__ = ["batch_v3_result", "iso8601_duration"]


def _word(word: Word) -> dict:
    return {
        "word": word_token(word.text),
        "offset": iso8601_duration(word.offset_ms),
        "duration": iso8601_duration(word.duration_ms),
        "offsetInTicks": ms_to_ticks(word.offset_ms),
        "durationInTicks": ms_to_ticks(word.duration_ms),
        "confidence": word.confidence,
    }


def _hypothesis(forms, confidence: float) -> dict:
    return {
        "confidence": confidence,
        "lexical": forms.lexical,
        "itn": forms.itn,
        "maskedITN": forms.masked_itn,
        "display": forms.display,
    }


def _phrase(utterance: Utterance, word_timestamps: bool) -> dict:
    phrase: dict = {"recognitionStatus": "Success", "channel": utterance.channel}
    if utterance.speaker is not None:
        phrase["speaker"] = utterance.speaker
    phrase.update(
        offset=iso8601_duration(utterance.offset_ms),
        duration=iso8601_duration(utterance.duration_ms),
        offsetInTicks=ms_to_ticks(utterance.offset_ms),
        durationInTicks=ms_to_ticks(utterance.duration_ms),
    )
    best = _hypothesis(utterance.forms, utterance.confidence)
    if word_timestamps:
        best["words"] = [_word(w) for w in utterance.words]
    phrase["nBest"] = [best] + [_hypothesis(a.forms, a.confidence) for a in utterance.alternatives]
    return phrase


def _combined(channel: int, utterances: list[Utterance]) -> dict:
    return {
        "channel": channel,
        "lexical": " ".join(u.lexical for u in utterances if u.lexical),
        "itn": " ".join(u.itn for u in utterances if u.itn),
        "maskedITN": " ".join(u.masked_itn for u in utterances if u.masked_itn),
        "display": " ".join(u.display for u in utterances if u.display),
    }


def batch_v3_result(conversation: Conversation, *, word_timestamps: bool = False) -> dict:
    """Return the v3 result document: source, timestamp, durations, combinedRecognizedPhrases, recognizedPhrases."""
    return {
        "source": conversation.source,
        "timestamp": iso8601_timestamp(conversation.created),
        "durationInTicks": ms_to_ticks(conversation.duration_ms),
        "duration": iso8601_duration(conversation.duration_ms),
        "combinedRecognizedPhrases": [
            _combined(channel, conversation.channel_utterances(channel)) for channel in channel_numbers(conversation)
        ],
        "recognizedPhrases": [_phrase(u, word_timestamps) for u in conversation.ordered()],
    }
