"""IBM Watson Speech to Text shapes: SpeechRecognitionResults for a whole conversation and streaming events.

Watson writes seconds (two decimals), lowercase transcripts without punctuation ending with a
space (hesitations as %HESITATION), per-word ``timestamps`` and ``word_confidence`` on the best
alternative only, ``keywords_result`` and ``word_alternatives`` when asked, and speaker labels
per word with speakers numbered from 0 (Parley numbers them from 1), each with a confidence. Names the user gave
speakers go in ``speaker_names`` ({"0": "Alice"}), an addition of Parley's.
"""

from __future__ import annotations

from core.results import Conversation, Utterance, Word
from core.text.alternatives import word_alternatives
from core.text.keywords import spot_keywords
from core.text.forms import spoken_timeline
from core.views.lazy import LazyList, materialize
from core.views.text import TextOptions, alternatives_of, forms_of, shown_words, speaker_name
from core.views.units import seconds_2dp

# Watson requires a speaker label's confidence (0..1); Parley's diarization gives no per-word score, so a label is
# as sure as its utterance is one voice: even odds where two voices overlap
SPEAKER_CONFIDENCE, SPEAKER_CONFIDENCE_OVERLAPPED = 1.0, 0.5


def _transcript(text: str) -> str:
    return f"{text} " if text else ""


def _spoken_or_written(forms, text, locale: str, written: bool) -> str:
    rendered = forms_of(forms, text, locale)
    return _transcript(rendered.itn if written else rendered.lexical)


def _alternatives(utterance: Utterance, final: bool, timestamps: bool, word_confidence: bool, limit: int, text,
                  locale: str, written: bool = False) -> list[dict]:
    # the transcript is spoken ("twenty five dollars"), or written with smart_formatting ("$25"); the words listed
    # with their times and confidences are the transcript's own
    best: dict = {"transcript": _spoken_or_written(utterance.forms, text, locale, written)}
    if final:  # Watson gives a confidence to the best final hypothesis only
        best["confidence"] = utterance.confidence
    words = shown_words(utterance, text, locale, written=written) if timestamps or word_confidence else []
    if timestamps:
        best["timestamps"] = [[token, seconds_2dp(w.offset_ms), seconds_2dp(w.end_ms)] for token, w in words]
    if word_confidence and final:
        best["word_confidence"] = [[token, w.confidence] for token, w in words]
    others = [{"transcript": _spoken_or_written(a.forms, text, locale, written)} for a in alternatives_of(utterance, limit)]
    return [best, *others]


def _keywords_result(utterance: Utterance, keywords: tuple[str, ...], threshold: float, locale: str = "en-US") -> dict:
    return {
        keyword: [
            {
                "normalized_text": m.normalized_text,
                "start_time": seconds_2dp(m.start_ms),
                "end_time": seconds_2dp(m.end_ms),
                "confidence": m.confidence,
            }
            for m in matches
        ]
        for keyword, matches in spot_keywords(utterance, keywords, threshold, locale).items()
    }


def _word_alternatives(utterance: Utterance, threshold: float, limit: int | None, locale: str, written: bool) -> list[dict]:
    return [
        {
            "start_time": seconds_2dp(span.start_ms),
            "end_time": seconds_2dp(span.end_ms),
            "alternatives": [{"word": word, "confidence": confidence} for word, confidence in span.candidates],
        }
        for span in word_alternatives(utterance, threshold, limit, spoken=not written, locale=locale)
    ]


def _result(utterance: Utterance, final: bool, timestamps: bool, word_confidence: bool, limit: int, text=None,
            keywords: tuple[str, ...] = (), keywords_threshold: float | None = None,
            word_alternatives_threshold: float | None = None, locale: str = "en-US", written: bool = False) -> dict:
    alternatives = _alternatives(utterance, final, timestamps, word_confidence, limit, text, locale, written)
    result = {"final": final, "alternatives": alternatives}
    if keywords and keywords_threshold is not None:
        spotted = _keywords_result(utterance, keywords, keywords_threshold, locale)
        if spotted:
            result["keywords_result"] = spotted
    if word_alternatives_threshold is not None:
        spans = _word_alternatives(utterance, word_alternatives_threshold, None, locale, written)
        if spans:
            result["word_alternatives"] = spans
    return result


def _speaker_labels(utterances, final: bool, locale: str = "en-US", written: bool = False) -> list[dict]:
    return list(_iter_speaker_labels(utterances, final, locale, written))


def speaker_labels_event(utterances, *, final: bool = True, locale: str = "en-US", smart_formatting: bool = False) -> dict:
    """Return the streaming message that labels the words of final results: {"speaker_labels": [...]}
    (`final`: false while the speakers may still change), a label per word of their timestamps."""
    return {"speaker_labels": _speaker_labels(utterances, final, locale, smart_formatting)}


def _iter_speaker_labels(utterances, final: bool, locale: str = "en-US", written: bool = False):
    # one label per word of the timestamps (a label's "from" is its word's start), as Watson does; an utterance
    # without words is labelled as a whole
    for utterance in utterances:
        spans = utterance.words if written else [part for _, part in spoken_timeline(utterance.words, utterance.lexical, locale)]
        spans = spans or [utterance]
        for span in spans:
            number = span.speaker if isinstance(span, Word) and span.speaker is not None else utterance.speaker
            if number is None:
                continue
            yield {
                "from": seconds_2dp(span.offset_ms),
                "to": seconds_2dp(span.end_ms),
                "speaker": number - 1,
                "confidence": SPEAKER_CONFIDENCE_OVERLAPPED if utterance.overlapped else SPEAKER_CONFIDENCE,
                "final": final,
            }


def speech_recognition_results(
    conversation: Conversation,
    *,
    timestamps: bool = True,
    word_confidence: bool = True,
    speaker_labels: bool | None = None,
    max_alternatives: int = 1,
    text: TextOptions | None = None,
    keywords: tuple[str, ...] = (),
    keywords_threshold: float | None = None,
    word_alternatives_threshold: float | None = None,
    smart_formatting: bool = False,
    lazy: bool = False,
) -> dict:
    """Return the SpeechRecognitionResults of a whole conversation (one final result per utterance, result_index 0).

    ``speaker_labels=None`` adds them when the conversation has known speakers; keywords need
    ``keywords_threshold``; ``word_alternatives_threshold`` adds word alternatives from the N-best list.
    Transcripts and their words are spoken ("twenty five dollars"), or written with ``smart_formatting`` ("$25").
    Speaker labels bring word timestamps with them, as the service's do: a client joins a label to
    its word by the word's start time.
    """
    if speaker_labels is None:
        speaker_labels = conversation.has_speakers
    timestamps = timestamps or bool(speaker_labels)
    document: dict = {
        "results": LazyList(
            lambda: (
                _result(u, True, timestamps, word_confidence, max_alternatives, text, tuple(keywords),
                        keywords_threshold, word_alternatives_threshold, conversation.locale, smart_formatting)
                for u in conversation.ordered()
            )
        ),
        "result_index": 0,
    }
    if speaker_labels:
        document["speaker_labels"] = LazyList(
            lambda: _iter_speaker_labels(conversation.ordered(), True, conversation.locale, smart_formatting))
        names = {str(n - 1): speaker_name(conversation, n) for n in sorted(conversation.speakers)}
        names = {k: v for k, v in names.items() if v}
        if names:
            document["speaker_names"] = names
    return document if lazy else materialize(document)


def watson_result_event(
    utterance: Utterance,
    result_index: int,
    *,
    final: bool,
    conversation: Conversation | None = None,
    timestamps: bool = True,
    word_confidence: bool = True,
    text: TextOptions | None = None,
    end_of_utterance: str | None = None,
    locale: str | None = None,
    keywords: tuple[str, ...] = (),
    keywords_threshold: float | None = None,
    max_alternatives: int = 1,
    word_alternatives_threshold: float | None = None,
    smart_formatting: bool = False,
) -> dict:
    """Return one streaming message {"results": [...], "result_index": n} (interim when final is False).

    With a conversation whose utterance has a speaker, the message carries speaker_labels too; a final
    result says why it ended (`end_of_utterance`: silence, full_stop, reset, end_of_data) when that is known,
    and the keywords heard in it (`keywords_result`, final results only, as the service spots them), its N-best
    hypotheses (up to `max_alternatives`) and word alternatives (`word_alternatives_threshold`), final results only.
    The text follows the rules of ``locale``'s language (the conversation's when None, else English).
    """
    locale = locale or (conversation.locale if conversation is not None else "en-US")
    spot = keywords if final else ()
    event: dict = {
        "results": [_result(utterance, final, timestamps, word_confidence, max_alternatives if final else 1, text, spot,
                            keywords_threshold, word_alternatives_threshold if final else None, locale=locale,
                            written=smart_formatting)],
        "result_index": result_index,
    }
    if final and end_of_utterance:
        event["results"][0]["end_of_utterance"] = end_of_utterance
    if conversation is not None and (utterance.speaker is not None or any(w.speaker is not None for w in utterance.words)):
        event["speaker_labels"] = _speaker_labels([utterance], final, locale, smart_formatting)
    return event
