"""Azure batch transcription v3.x result: one camelCase document for the audio file, all channels.

Times appear twice, as ISO-8601 durations ("PT1.59S") and as 100-ns ticks; ``speaker`` is an
integer on each recognised phrase and is left out when no speaker is known. A speaker the user
named also gets ``speakerName`` (an addition the service does not write; readers ignore it).
"""

from __future__ import annotations

from core.results import Conversation, Utterance, Word
from core.views import channel_numbers
from core.views.lazy import LazyList, LazyText, materialize
from core.views.text import TextOptions, alternatives_of, display_words, forms_of, shown_words, speaker_name
from core.views.units import iso8601_duration, iso8601_timestamp, ms_to_ticks

__all__ = ["batch_v3_result", "iso8601_duration"]


def _times(word: Word) -> dict:
    return {
        "offset": iso8601_duration(word.offset_ms),
        "duration": iso8601_duration(word.duration_ms),
        "offsetInTicks": ms_to_ticks(word.offset_ms),
        "durationInTicks": ms_to_ticks(word.duration_ms),
    }


def _word(token: str, word: Word, fallback: float) -> dict:
    # the schema requires a number: a word without its own score gets the phrase's
    return {"word": token, **_times(word), "confidence": word.confidence if word.confidence is not None else fallback}


def _hypothesis(forms, confidence: float) -> dict:
    return {
        "confidence": confidence,
        "lexical": forms.lexical,
        "itn": forms.itn,
        "maskedITN": forms.masked_itn,
        "display": forms.display,
    }


def _display_word(token: str, word: Word) -> dict:
    return {"displayText": token, **_times(word)}


def _phrase(conversation: Conversation, utterance: Utterance, word_timestamps: bool, text, max_alternatives,
            with_display_words: bool = False) -> dict:
    phrase: dict = {"recognitionStatus": "Success", "channel": utterance.channel}
    if utterance.speaker is not None:
        phrase["speaker"] = utterance.speaker
        name = speaker_name(conversation, utterance.speaker)
        if name:
            phrase["speakerName"] = name
    phrase.update(
        offset=iso8601_duration(utterance.offset_ms),
        duration=iso8601_duration(utterance.duration_ms),
        offsetInTicks=ms_to_ticks(utterance.offset_ms),
        durationInTicks=ms_to_ticks(utterance.duration_ms),
    )
    locale = conversation.locale
    best = _hypothesis(forms_of(utterance.forms, text, locale), utterance.confidence)
    if word_timestamps:
        best["words"] = [_word(token, w, utterance.confidence) for token, w in shown_words(utterance, text, locale)]
    if with_display_words:
        best["displayWords"] = [_display_word(token, w) for token, w in display_words(utterance.words, text, locale)]
    others = [_hypothesis(forms_of(a.forms, text, locale), a.confidence) for a in alternatives_of(utterance, max_alternatives)]
    phrase["nBest"] = [best, *others]
    return phrase


def _joined(conversation: Conversation, channel: int, form: str, text) -> LazyText:
    def pieces():
        for utterance in conversation.channel_utterances(channel):
            value = getattr(forms_of(utterance.forms, text, conversation.locale), form)
            if value:
                yield value

    return LazyText(pieces)


def _combined(conversation: Conversation, channel: int, text) -> dict:
    return {
        "channel": channel,
        "lexical": _joined(conversation, channel, "lexical", text),
        "itn": _joined(conversation, channel, "itn", text),
        "maskedITN": _joined(conversation, channel, "masked_itn", text),
        "display": _joined(conversation, channel, "display", text),
    }


def batch_v3_result(
    conversation: Conversation,
    *,
    word_timestamps: bool = False,
    text: TextOptions | None = None,
    max_alternatives: int | None = None,
    lazy: bool = False,
    display_words: bool = False,
) -> dict:
    """Return the v3 result document: source, timestamp, durations, combinedRecognizedPhrases, recognizedPhrases.

    ``word_timestamps`` adds each best hypothesis's lexical ``words``, ``display_words`` its ``displayWords``
    (v3.1's displayFormWordLevelTimestampsEnabled); ``text`` sets profanity/punctuation/hesitation rendering
    (service defaults when None);
    ``max_alternatives`` caps nBest; ``lazy=True`` leaves the long parts lazy for streaming.
    """
    document = {
        "source": conversation.source,
        "timestamp": iso8601_timestamp(conversation.created),
        "durationInTicks": ms_to_ticks(conversation.duration_ms),
        "duration": iso8601_duration(conversation.duration_ms),
        "combinedRecognizedPhrases": [_combined(conversation, c, text) for c in channel_numbers(conversation)],
        "recognizedPhrases": LazyList(
            lambda: (_phrase(conversation, u, word_timestamps, text, max_alternatives, display_words) for u in conversation.ordered())
        ),
    }
    return document if lazy else materialize(document)
