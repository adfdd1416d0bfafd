"""Hearing a live buffer: the words whisper hears at the start of an utterance's buffer, with absolute times.

The StreamingRecognizer decides when a buffer is heard; this decides how. A buffer is taken as a
Snapshot (its span and onset), encoded on the recognizer's thread or on the encoder thread
(core.asr.encode_ahead, when the model is split in two copies that can run at once), and its words
generated on the recognizer's thread with the text finalized before the buffer as whisper's prompt.
Whisper's alignment stretches a first word back over a quiet lead-in, so a buffer's first word
begins no earlier than its first frame that sounds at all like speech (ONSET_PROBABILITY).
"""

from __future__ import annotations

import time

import numpy as np

from core.asr.encode_ahead import EncoderThread, Snapshot
from core.asr.models import SpeechModel, load_split_whisper
from core.asr.session_language import SessionLanguage
from core.asr.streaming_options import RecognizerStats, StreamingOptions
from core.asr.utterance_buffer import SAMPLE_RATE, UtteranceBuffer, samples_to_ms
from core.asr.vad import FRAME as VAD_FRAME
from core.asr.window_decoder import WindowDecoder
from core.results import MIN_WORD_MS, Word, seconds_to_ms

ONSET_PROBABILITY = 0.1  # a frame this speech-like is a word beginning, even under the VAD threshold (silence: ~0.01)
CONTEXT_WORDS = 64  # finalized words kept for the prompt


class BufferHearing:
    """Hears snapshots of utterance buffers with one whisper model; its decode times go to `stats`."""

    def __init__(self, options: StreamingOptions, model: SpeechModel, language: SessionLanguage, stats: RecognizerStats):
        self.options, self.model, self.language, self.stats = options, model, language, stats
        self._whisper = None
        self.context: list[Word] = []  # the last finalized words
        self.encoder_thread = EncoderThread(lambda audio: self.whisper.encode(audio))

    @property
    def whisper(self) -> WindowDecoder:
        """Return the one-pass whisper decoder (models loaded on first use, cached per process)."""
        if self._whisper is None:
            self._whisper = WindowDecoder(load_split_whisper(self.model, self.options.device), self.options.encoder_window_ms,
                                          timestamp_tokens=self.options.timestamp_tokens)
        return self._whisper

    @property
    def overlaps(self) -> bool:
        """Return whether a buffer is encoded on the encoder thread while another one's words are generated."""
        return self.options.encode_ahead and self.whisper.overlaps

    def remember(self, words: list[Word]) -> None:
        """Return None after keeping finalized words as the context of the buffers heard next."""
        self.context = (self.context + list(words))[-CONTEXT_WORDS:]

    def prompt(self, snapshot: Snapshot) -> str | None:
        """Return earlier text whose audio lies before the snapshot's audio, as whisper's context."""
        if not self.options.prompt_chars:
            return None
        start_ms = samples_to_ms(snapshot.start)  # the buffer may have been cut since
        before = [w.text for w in self.context + snapshot.utterance.committed if w.end_ms <= start_ms]
        prompt = " ".join(before)[-self.options.prompt_chars:].strip()
        return prompt or None

    @staticmethod
    def span(utterance: UtteranceBuffer, audio: np.ndarray) -> Snapshot:
        """Return a snapshot of the start of the buffer (`audio`), not yet encoded."""
        return Snapshot(utterance, utterance.start, utterance.start + len(audio), utterance.onset(ONSET_PROBABILITY))

    def snapshot(self, utterance: UtteranceBuffer, audio: np.ndarray) -> Snapshot:
        """Return the start of the buffer (`audio`) as a snapshot, encoded now on this thread."""
        snapshot = self.span(utterance, audio)
        snapshot.encoded = self.whisper.encode(audio)
        return snapshot

    def send_ahead(self, utterance: UtteranceBuffer) -> None:
        """Return None at once; the whole buffer is being encoded on the encoder thread."""
        audio = utterance.audio()
        self.encoder_thread.send(self.span(utterance, audio), audio)

    def decode(self, utterance: UtteranceBuffer, audio: np.ndarray, *, beam: int) -> list[Word]:
        """Return the words whisper hears in `audio`, the start of the utterance's buffer (absolute times), temperature 0."""
        if len(audio) < VAD_FRAME:
            return []
        return self.words(self.snapshot(utterance, audio), beam=beam)

    def words(self, snapshot: Snapshot, *, beam: int) -> list[Word]:
        """Return the words of an encoded snapshot (absolute times), generated while the next one may be encoding."""
        began = time.perf_counter()
        encoded = snapshot.encoded
        if self.language.voting:
            self.language.vote(self.whisper.languages(encoded), (snapshot.end - snapshot.start) / SAMPLE_RATE)
        heard = self.whisper.decode(encoded, language=self.language.current, beam_size=beam, prompt=self.prompt(snapshot),
                                    busy_encoder=self.encoder_thread.busy)
        offset_ms, limit_ms = samples_to_ms(snapshot.start), samples_to_ms(snapshot.end)
        onset_ms = samples_to_ms(snapshot.onset)
        words = []
        for w in heard:
            begin = min(offset_ms + seconds_to_ms(w.start), limit_ms)
            end = min(max(begin, offset_ms + seconds_to_ms(w.end)), limit_ms)
            if not words:  # keeping MIN_WORD_MS of it: a word whisper heard before the onset was said softly
                begin = max(begin, min(onset_ms, end - MIN_WORD_MS))
            words.append(Word(text=w.text, offset_ms=begin, duration_ms=end - begin, confidence=round(w.probability, 4)))
        encode_seconds = encoded.seconds if encoded is not None else 0.0
        self.stats.decode_seconds += time.perf_counter() - began + encode_seconds
        self.stats.encode_seconds += encode_seconds
        return words
