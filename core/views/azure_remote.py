"""Azure conversation-transcription shapes: ConversationTranscriptionResult and its remote envelope.

Mirrors the Speech SDK's result object (PascalCase properties, times in 100-ns ticks) and the
detailed service JSON it carries as a string (``SpeechServiceResponse_JsonResult``).
"""

from __future__ import annotations

import json

from core.results import Conversation, Utterance
from core.text.forms import word_token
from core.views.units import ms_to_ticks

REASON_RECOGNIZED = "RecognizedSpeech"
UNKNOWN_SPEAKER = "Unknown"


def speaker_id(conversation: Conversation, utterance: Utterance) -> str:
    """Return the SpeakerId of an utterance: the user's name, else "Guest-N", else "Unknown"."""
    return conversation.speaker_label(utterance.speaker) or UNKNOWN_SPEAKER


def _word(word) -> dict:
    entry = {"Word": word_token(word.text), "Offset": ms_to_ticks(word.offset_ms), "Duration": ms_to_ticks(word.duration_ms)}
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


def detailed_json(conversation: Conversation, utterance: Utterance) -> dict:
    """Return the detailed service JSON of one utterance as a dict (NBest with Words when known)."""
    best = _forms(utterance.forms, utterance.confidence)
    if utterance.words:
        best["Words"] = [_word(w) for w in utterance.words]
    nbest = [best] + [_forms(a.forms, a.confidence) for a in utterance.alternatives]
    return {
        "Id": utterance.result_id,
        "RecognitionStatus": "Success",
        "Offset": ms_to_ticks(utterance.offset_ms),
        "Duration": ms_to_ticks(utterance.duration_ms),
        "DisplayText": utterance.display,
        "Channel": utterance.channel,
        "SpeakerId": speaker_id(conversation, utterance),
        "NBest": nbest,
    }


def conversation_transcription_result(conversation: Conversation, utterance: Utterance) -> dict:
    """Return one ConversationTranscriptionResult (SDK property names; "Json" is the service JSON as a string)."""
    label = speaker_id(conversation, utterance)
    return {
        "ResultId": utterance.result_id,
        "Reason": REASON_RECOGNIZED,
        "Text": utterance.display,
        "UserId": label,
        "SpeakerId": label,
        "OffsetInTicks": ms_to_ticks(utterance.offset_ms),
        "Duration": ms_to_ticks(utterance.duration_ms),
        "Channel": utterance.channel,
        "Json": json.dumps(detailed_json(conversation, utterance), ensure_ascii=False, separators=(",", ":")),
    }


def remote_conversation_transcription_result(conversation: Conversation) -> dict:
    """Return the RemoteConversationTranscriptionResult: {Id, ConversationTranscriptionResults} in time order."""
    return {
        "Id": conversation.conversation_id,
        "ConversationTranscriptionResults": [
            conversation_transcription_result(conversation, u) for u in conversation.ordered()
        ],
    }
