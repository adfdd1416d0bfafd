"""One whisper pass over a live audio buffer: encode once on every core, decode once on one, align the words.

faster-whisper's `transcribe` is built for files: it walks 30 s windows and, when a window's last
timestamp falls short of its end, decodes again from there: a second encoder pass over the same
short buffer, which doubled the cost of some live decodes (a 6 s buffer took as long as a 12 s one).
A live buffer is never longer than one window, so this decoder runs exactly one pass: log-mel
features, one encoder call, one generation, and one cross-attention alignment that gives every
word its start and end. Only the alignment's word times are used, so by default whisper generates
no timestamp tokens: a pass needs a third fewer tokens. It costs about a point of live WER
(benchmarks/live_replay.py, 3 minutes: 17.1 % against 16.5 % with them; 10 minutes in real time:
18.3 % against 17.0 %) and buys every latency: interim update p95 1.05 s against 1.20 s, pause to
final p95 0.56 s against 1.46 s. `timestamp_tokens=True` keeps them. Measured again on a faster CPU
(Sapphire Rapids, 2 cores): the replay still favours them (20 copies: 15.8 % against 16.8 %), but
real-time runs of 10 minutes with live speaker labels scored 23.0 % and 22.7 % against 15.9 %:
whole phrases went missing from the finals ("I thought, you know" from 19 of the 20 copies in one run).

The model given is normally `core.asr.models.load_split_whisper`'s: on CPU it encodes on every
core and generates on one, which is faster for both halves. The two halves are separate calls
(`encode`, `decode`) on separate model copies (`overlaps`), so a caller may encode the next buffer
on another thread while this one's words are generated; the alignment then runs on the generating
copy, since the encoder's copy is busy.

The encoder may also see a shorter window than whisper's 30 s (`window_ms`): padding is most of a
short buffer's encoder cost, but whisper was trained on 30 s windows and the live WER rises (from
16.0 % to 19.3 % on the sample with 20 s), so the default keeps 30 s.
"""

from __future__ import annotations

import threading
import time
from typing import NamedTuple

import numpy as np

from core.text.words import SENTENCE_ENDS, Piece, glued

HOP = 160  # samples per log-mel frame
FULL_WINDOW = 3000  # log-mel frames of whisper's 30 s window
NO_SPEECH_THRESHOLD = 0.6  # faster-whisper's: a pass this sure of silence, and unsure of its words, has none
LOG_PROB_THRESHOLD = -1.0
TOKENS_PER_SECOND = 10  # more text tokens than anyone speaks: a pass that goes on past this is looping
PREPEND_PUNCTUATION = "\"'“¿([{-"
APPEND_PUNCTUATION = "\"'.。,，!！?？:：”)]}、"


class Encoded(NamedTuple):
    """The encoder's pass over one buffer: its output, the log-mel frames of audio in it, the buffer's samples, the time it took."""

    output: object  # a ctranslate2 StorageView
    frames: int
    samples: int
    seconds: float


class HeardWord(NamedTuple):
    """A word of one pass: its text, start and end in seconds from the buffer's start, and its probability."""

    text: str
    start: float
    end: float
    probability: float


class WindowDecoder:
    """Decodes one live buffer (≤ 30 s) in one whisper pass (see the module doc)."""

    def __init__(self, model, window_ms: int = 30_000, *, timestamp_tokens: bool = False):
        self.model = model  # a faster-whisper WhisperModel
        self.timestamp_tokens = timestamp_tokens
        self.frames = min(FULL_WINDOW, max(500, window_ms // 10))
        self._tokenizers: dict[str, tuple[object, list[int]]] = {}  # language -> (tokenizer, tokens never generated)
        self._lock = threading.Lock()

    def encoder_frames(self, samples: int) -> int:
        """Return how many log-mel frames the encoder sees for a buffer of `samples`: the window, or the audio + 1 s in 5 s steps."""
        if self.frames >= FULL_WINDOW:
            return FULL_WINDOW
        return min(FULL_WINDOW, max(self.frames, -(-(samples // HOP + 100) // 500) * 500))

    @property
    def overlaps(self) -> bool:
        """Return whether encoding and generation run on separate model copies, so one can run while the other does."""
        return getattr(self.model.encode, "__self__", self.model) is not self.model

    def words(self, audio: np.ndarray, *, language: str | None, beam_size: int = 1, prompt: str | None = None) -> list[HeardWord]:
        """Return the words whisper hears in `audio` (≤ 30 s, 16 kHz mono), greedy or with a beam, temperature 0."""
        return self.decode(self.encode(audio), language=language, beam_size=beam_size, prompt=prompt)

    def encode(self, audio: np.ndarray) -> Encoded | None:
        """Return the encoder's pass over `audio` (≤ 30 s, 16 kHz mono), None for an empty buffer; safe on another thread."""
        from faster_whisper.audio import pad_or_trim

        features = self.model.feature_extractor(np.asarray(audio, dtype=np.float32))
        content = min(features.shape[-1] - 1, FULL_WINDOW)
        if content <= 0:
            return None
        window = pad_or_trim(features[:, :content])[:, : self.encoder_frames(len(audio))]
        began = time.perf_counter()
        output = self.model.encode(window)
        return Encoded(output, content, len(audio), time.perf_counter() - began)

    def decode(self, encoded: Encoded | None, *, language: str | None, beam_size: int = 1, prompt: str | None = None,
               busy_encoder: bool = False) -> list[HeardWord]:
        """Return the words of an encoded buffer: one generation and one alignment (`busy_encoder`: align on this thread's model)."""
        if encoded is None:
            return []
        tokenizer, suppressed = self._tokenizer(language, encoded)
        head = []
        if prompt:
            head = [tokenizer.sot_prev] + tokenizer.encode(" " + prompt.strip())[-(self.model.max_length // 2 - 1):]
        start = head + list(tokenizer.sot_sequence) + ([] if self.timestamp_tokens else [tokenizer.no_timestamps])
        # CTranslate2 4.x stops whisper at about half of max_length new tokens (measured), and timestamp
        # tokens come on top of the words'
        expected = 16 + int(TOKENS_PER_SECOND * encoded.samples / 16_000)
        budget = min(self.model.max_length, len(start) + (4 if self.timestamp_tokens else 2) * expected)
        result = self.model.model.generate(
            encoded.output, [start], beam_size=beam_size, patience=1, length_penalty=1, max_length=budget,
            return_scores=True, return_no_speech_prob=True, suppress_blank=True,
            suppress_tokens=suppressed, max_initial_timestamp_index=50,
        )[0]
        generated = result.sequences_ids[0]
        tokens = [t for t in generated if t < tokenizer.eot]  # the words' tokens, without any timestamps
        if not tokens:
            return []
        average_log_prob = result.scores[0] * len(generated) / (len(generated) + 1)
        if result.no_speech_prob > NO_SPEECH_THRESHOLD and average_log_prob < LOG_PROB_THRESHOLD:
            return []
        return self._aligned(tokenizer, tokens, encoded, busy_encoder)

    def languages(self, encoded: Encoded | None) -> list[tuple[str, float]]:
        """Return the languages whisper hears in an encoded buffer, likeliest first ([] on an English-only model)."""
        if encoded is None or not self.model.model.is_multilingual:
            return []
        return [(token[2:-2], probability) for token, probability in self.model.model.detect_language(encoded.output)[0]]

    def _aligned(self, tokenizer, tokens: list[int], encoded: Encoded, busy_encoder: bool) -> list[HeardWord]:
        """Return the written words of `tokens` with their times from the cross-attention alignment (faster-whisper's rules)."""
        from faster_whisper.transcribe import merge_punctuations

        # the alignment normally runs on the encoder's copy, on every core; while that copy is encoding
        # the next buffer it would wait for it, so it runs on the generating copy instead
        align = type(self.model).find_alignment.__get__(self.model) if busy_encoder else self.model.find_alignment
        alignment = align(tokenizer, [tokens], encoded.output, encoded.frames)[0]
        durations = np.array([w["end"] - w["start"] for w in alignment])
        durations = durations[durations.nonzero()]
        if len(durations):  # a word at a sentence end may not stretch over the pause after it
            longest = 2 * min(0.7, float(np.median(durations)))
            for i in range(1, len(alignment)):
                if alignment[i]["end"] - alignment[i]["start"] > longest:
                    if alignment[i]["word"] in SENTENCE_ENDS:
                        alignment[i]["end"] = alignment[i]["start"] + longest
                    elif alignment[i - 1]["word"] in SENTENCE_ENDS:
                        alignment[i]["start"] = alignment[i]["end"] - longest
        merge_punctuations(alignment, PREPEND_PUNCTUATION, APPEND_PUNCTUATION)
        pieces = (Piece(w["word"], float(w["start"]), float(w["end"]), float(w["probability"])) for w in alignment)
        return [HeardWord(*word) for word in glued(pieces, tokenizer.language_code)]

    def _tokenizer(self, language: str | None, encoded: Encoded) -> tuple[object, list[int]]:
        """Return (tokenizer, suppressed tokens) for `language`, detected from this window when None on a multilingual model."""
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        multilingual = self.model.model.is_multilingual
        if not multilingual:
            language = "en"
        elif language is None:
            language = self.languages(encoded)[0][0]
        with self._lock:
            if language not in self._tokenizers:  # built once: the suppressed list takes ~5 ms to compute
                tokenizer = Tokenizer(self.model.hf_tokenizer, multilingual, task="transcribe", language=language)
                self._tokenizers[language] = (tokenizer, list(get_suppressed_tokens(tokenizer, [-1])))
            return self._tokenizers[language]
