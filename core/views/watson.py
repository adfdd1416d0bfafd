"""IBM Watson Speech to Text shapes: SpeechRecognitionResults for a whole conversation and streaming events.

Watson writes seconds (two decimals), lowercase transcripts without punctuation ending with a
space, per-word ``timestamps`` and ``word_confidence`` on the best alternative only, and speaker
labels per word with speakers numbered from 0 (Parley numbers them from 1).
"""

from __future__ import annotations

from core.results import Conversation, Utterance, Word
from core.text.forms import word_token
from core.views.units import seconds_2dp


def _token(word: Word) -> str:
    return word_token(word.text)


def _transcript(text: str) -> str:
    return f"{text} " if text else ""


def _alternatives(utterance: Utterance, final: bool, timestamps: bool, word_confidence: bool, limit: int) -> list[dict]:
    best: dict = {"transcript": _transcript(utterance.lexical)}
    if final:  # Watson gives a confidence to the best final hypothesis only
        best["confidence"] = utterance.confidence
    if timestamps:
        best["timestamps"] = [[_token(w), seconds_2dp(w.offset_ms), seconds_2dp(w.end_ms)] for w in utterance.words]
    if word_confidence and final:
        best["word_confidence"] = [[_token(w), w.confidence] for w in utterance.words]
    others = [{"transcript": _transcript(a.forms.lexical)} for a in utterance.alternatives[: max(limit - 1, 0)]]
    return [best, *others]


def _result(utterance: Utterance, final: bool, timestamps: bool, word_confidence: bool, limit: int) -> dict:
    return {"final": final, "alternatives": _alternatives(utterance, final, timestamps, word_confidence, limit)}


def _speaker_labels(utterances: list[Utterance], final: bool) -> list[dict]:
    labels = []
    # one label per word, as Watson does; an utterance without words is labelled as a whole
    for utterance in utterances:
        spans = utterance.words or [utterance]
        for span in spans:
            number = span.speaker if isinstance(span, Word) and span.speaker is not None else utterance.speaker
            if number is None:
                continue
            labels.append(
                {
                    "from": seconds_2dp(span.offset_ms),
                    "to": seconds_2dp(span.end_ms),
                    "speaker": number - 1,
                    # Parley's diarization gives no per-word speaker confidence
                    "confidence": None,
                    "final": final,
                }
            )
    return labels


def speech_recognition_results(
    conversation: Conversation,
    *,
    timestamps: bool = True,
    word_confidence: bool = True,
    speaker_labels: bool | None = None,
    max_alternatives: int = 1,
) -> dict:
    """Return the SpeechRecognitionResults of a whole conversation (one final result per utterance, result_index 0).

    ``speaker_labels=None`` adds them when the conversation has known speakers.
    """
    utterances = conversation.ordered()
    document: dict = {
        "results": [_result(u, True, timestamps, word_confidence, max_alternatives) for u in utterances],
        "result_index": 0,
    }
    if speaker_labels is None:
        speaker_labels = conversation.has_speakers
    if speaker_labels:
        document["speaker_labels"] = _speaker_labels(utterances, True)
    return document


def watson_result_event(
    utterance: Utterance,
    result_index: int,
    *,
    final: bool,
    conversation: Conversation | None = None,
    timestamps: bool = True,
    word_confidence: bool = True,
) -> dict:
    """Return one streaming message {"results": [...], "result_index": n} (interim when final is False).

    With a conversation whose utterance has a speaker, the message carries speaker_labels too.
    """
    event: dict = {
        "results": [_result(utterance, final, timestamps, word_confidence, 1)],
        "result_index": result_index,
    }
    if conversation is not None and (utterance.speaker is not None or any(w.speaker is not None for w in utterance.words)):
        event["speaker_labels"] = _speaker_labels([utterance], final)
    return event
