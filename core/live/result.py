"""The result of a live session's event: an interim hypothesis or the final text of one utterance.

Carries Parley's own fields (integer milliseconds, speaker numbers) and the Speech SDK's names
(ResultId, Text, SpeakerId, OffsetInTicks, Duration in 100-ns ticks), and renders itself as a
Watson streaming message or an Azure ConversationTranscriptionResult.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace

from core.results import Conversation, Utterance, Word, ms_to_ticks
from core.text.options import TextOptions, render_forms
from core.views.azure_remote import UNKNOWN_SPEAKER, conversation_transcription_result
from core.views.text import display_words
from core.views.watson import watson_result_event

RECOGNIZING, RECOGNIZED, NO_MATCH = "RecognizingSpeech", "RecognizedSpeech", "NoMatch"


@dataclass(frozen=True)
class LiveResult:
    """One interim (final=False) or final result of an utterance; interims and the final share result_index and result_id."""

    result_id: str
    result_index: int
    final: bool
    utterance: Utterance
    stable_words: int = 0
    speaker_label: str | None = None  # "Guest-1" or a name; None when unknown
    no_match: bool = False  # a final that found no words after interim text was shown
    end_of_utterance: str | None = None  # why a final ended (Watson's); None for interims and pieces cut at a speaker change
    locale: str = "en-US"  # the language heard: it picks the text rules (profanity, hesitations, dictated marks)
    text_options: TextOptions = TextOptions(punctuation="Automatic")  # how Text shows it (see LiveOptions.text_options)

    @property
    def text(self) -> str:
        """Return the display text as the session's text options show it (what Text, the terminal and captions show)."""
        return render_forms(self.utterance.forms, self.text_options, self.locale).display

    @property
    def shown_stable_words(self) -> int:
        """Return how many of the shown words are committed (`stable_words` counts the words heard, removed ones too)."""
        return len(display_words(self.utterance.words[:self.stable_words], self.text_options, self.locale))

    @property
    def shown_words(self) -> list[Word]:
        """Return the timed words as the text options show them (a removed word is left out)."""
        return [replace(word, text=token) for token, word in display_words(self.utterance.words, self.text_options, self.locale)]

    @property
    def speaker(self) -> int | None:
        return self.utterance.speaker

    @property
    def offset_ms(self) -> int:
        return self.utterance.offset_ms

    @property
    def duration_ms(self) -> int:
        return self.utterance.duration_ms

    @property
    def end_ms(self) -> int:
        return self.utterance.end_ms

    @property
    def words(self) -> list[Word]:
        return self.utterance.words

    # the Speech SDK's names

    @property
    def ResultId(self) -> str:  # noqa: N802 - mirrors the SDK
        return self.result_id

    @property
    def Text(self) -> str:  # noqa: N802
        return self.text

    @property
    def SpeakerId(self) -> str:  # noqa: N802
        return self.speaker_label or UNKNOWN_SPEAKER

    @property
    def OffsetInTicks(self) -> int:  # noqa: N802
        return ms_to_ticks(self.offset_ms)

    @property
    def Duration(self) -> int:  # noqa: N802
        return ms_to_ticks(self.duration_ms)

    @property
    def Reason(self) -> str:  # noqa: N802
        return NO_MATCH if self.no_match else RECOGNIZED if self.final else RECOGNIZING

    def _conversation(self) -> Conversation:
        from core.results import Speaker, utc_now

        speakers = {}
        if self.speaker is not None:
            name = self.speaker_label if self.speaker_label and self.speaker_label != f"Guest-{self.speaker}" else None
            speakers[self.speaker] = Speaker(self.speaker, name)
        return Conversation("", "", utc_now(), 0, "", self.locale, "", speakers=speakers)

    def to_watson(self) -> dict:
        """Return the Watson streaming message {"results": [...], "result_index": n[, "speaker_labels": [...]]}."""
        return watson_result_event(self.utterance, self.result_index, final=self.final, conversation=self._conversation(),
                                   end_of_utterance=self.end_of_utterance, text=self.text_options)

    def to_azure(self) -> dict:
        """Return the Speech SDK's ConversationTranscriptionResult as a dict (times in ticks, "Json" a string). An interim's
        "Json" is the service's hypothesis (Id, Text, Offset, Duration, Channel, SpeakerId), as the SDK's Transcribing
        results carry: no RecognitionStatus, no NBest and no confidence, which only a final has."""
        result = conversation_transcription_result(self._conversation(), self.utterance, text=self.text_options)
        result["Reason"] = self.Reason
        if not self.final:
            hypothesis = {"Id": result["ResultId"], "Text": result["Text"], "Offset": result["OffsetInTicks"],
                          "Duration": result["Duration"], "Channel": result["Channel"], "SpeakerId": result["SpeakerId"]}
            result["Json"] = json.dumps(hypothesis, ensure_ascii=False, separators=(",", ":"))
        return result

    def to_json(self) -> dict:
        """Return the CLI's JSON line for this result: event name, index, final flag, committed word count, speaker and both shapes."""
        return {
            "event": "transcribed" if self.final else "transcribing",
            "result_index": self.result_index,
            "final": self.final,
            "stable_words": self.shown_stable_words,
            "speaker": self.SpeakerId,
            "watson": self.to_watson(),
            "azure": self.to_azure(),
        }
