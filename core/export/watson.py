"""IBM Watson SpeechRecognitionResults JSON."""

from __future__ import annotations

from typing import TextIO

from core.export.base import Exporter, ExportOptions, write_json
from core.results import Conversation
from core.views.watson import speech_recognition_results


def write_watson(conversation: Conversation, stream: TextIO, options: ExportOptions, channel: int | None = None) -> None:
    """Write the conversation as Watson results, result by result.

    Word timings and confidences follow word_timestamps; speaker_labels follow speakers (and bring the word
    timings with them, as the service's do); keywords_result, word_alternatives and max_alternatives follow
    their options.
    """
    document = speech_recognition_results(
        conversation,
        timestamps=options.word_timestamps,
        word_confidence=options.word_timestamps,
        speaker_labels=None if options.speakers else False,
        max_alternatives=options.max_alternatives or 1,
        text=options.text,
        keywords=options.keywords,
        keywords_threshold=options.keywords_threshold,
        word_alternatives_threshold=options.word_alternatives_threshold,
        lazy=True,
    )
    write_json(document, stream)


EXPORTER = Exporter("watson", ".json", "IBM Watson SpeechRecognitionResults JSON", write_watson)
