"""Azure conversation-transcription shapes: ConversationTranscriptionResult and its remote envelope.

Mirrors the Speech SDK's result object (PascalCase properties, times in 100-ns ticks) and the
detailed service JSON it carries as a string (``SpeechServiceResponse_JsonResult``). SpeakerId
and UserId carry the user's name for a named speaker, else "Guest-N", else "Unknown".
"""

from __future__ import annotations

import json

from core.results import Conversation, Utterance
from core.views.lazy import LazyList, materialize
from core.views.text import TextOptions, alternatives_of, forms_of, shown_words
from core.views.units import ms_to_ticks

REASON_RECOGNIZED, NO_MATCH = "RecognizedSpeech", "NoMatch"
UNKNOWN_SPEAKER = "Unknown"


def speaker_id(conversation: Conversation, utterance: Utterance) -> str:
    """Return the SpeakerId of an utterance: the user's name, else "Guest-N", else "Unknown"."""
    return conversation.speaker_label(utterance.speaker) or UNKNOWN_SPEAKER


def _word(token: str, word) -> dict:
    entry = {"Word": token, "Offset": ms_to_ticks(word.offset_ms), "Duration": ms_to_ticks(word.duration_ms)}
    if word.confidence is not None:
        entry["Confidence"] = word.confidence
    return entry


def _forms(forms, confidence: float) -> dict:
    return {
        "Confidence": confidence,
        "Lexical": forms.lexical,
        "ITN": forms.itn,
        "MaskedITN": forms.masked_itn,
        "Display": forms.display,
    }


def detailed_json(
    conversation: Conversation, utterance: Utterance, *, text: TextOptions | None = None, max_alternatives: int | None = None
) -> dict:
    """Return the detailed service JSON of one utterance as a dict (NBest with Words when known; NoMatch without text)."""
    if not utterance.words and not utterance.forms.display:  # nothing was recognised: the service says NoMatch, no text
        return {"Id": utterance.result_id, "RecognitionStatus": NO_MATCH, "Offset": ms_to_ticks(utterance.offset_ms),
                "Duration": ms_to_ticks(utterance.duration_ms), "Channel": utterance.channel,
                "SpeakerId": speaker_id(conversation, utterance)}
    locale = conversation.locale
    forms = forms_of(utterance.forms, text, locale)
    best = _forms(forms, utterance.confidence)
    if utterance.words:
        best["Words"] = [_word(token, w) for token, w in shown_words(utterance, text, locale)]
    others = [_forms(forms_of(a.forms, text, locale), a.confidence) for a in alternatives_of(utterance, max_alternatives)]
    return {
        "Id": utterance.result_id,
        "RecognitionStatus": "Success",
        "Offset": ms_to_ticks(utterance.offset_ms),
        "Duration": ms_to_ticks(utterance.duration_ms),
        "DisplayText": forms.display,
        "Channel": utterance.channel,
        "SpeakerId": speaker_id(conversation, utterance),
        "NBest": [best, *others],
    }


def conversation_transcription_result(
    conversation: Conversation, utterance: Utterance, *, text: TextOptions | None = None, max_alternatives: int | None = None
) -> dict:
    """Return one ConversationTranscriptionResult (SDK property names; "Json" is the service JSON as a string)."""
    label = speaker_id(conversation, utterance)
    detailed = detailed_json(conversation, utterance, text=text, max_alternatives=max_alternatives)
    return {
        "ResultId": utterance.result_id,
        "Reason": NO_MATCH if detailed["RecognitionStatus"] == NO_MATCH else REASON_RECOGNIZED,
        "Text": detailed.get("DisplayText", ""),
        "UserId": label,
        "SpeakerId": label,
        "OffsetInTicks": ms_to_ticks(utterance.offset_ms),
        "Duration": ms_to_ticks(utterance.duration_ms),
        "Channel": utterance.channel,
        "Json": json.dumps(detailed, ensure_ascii=False, separators=(",", ":")),
    }


def remote_conversation_transcription_result(
    conversation: Conversation,
    *,
    text: TextOptions | None = None,
    max_alternatives: int | None = None,
    lazy: bool = False,
) -> dict:
    """Return the RemoteConversationTranscriptionResult: {Id, ConversationTranscriptionResults} in time order."""
    document = {
        "Id": conversation.conversation_id,
        "ConversationTranscriptionResults": LazyList(
            lambda: (
                conversation_transcription_result(conversation, u, text=text, max_alternatives=max_alternatives)
                for u in conversation.ordered()
            )
        ),
    }
    return document if lazy else materialize(document)
