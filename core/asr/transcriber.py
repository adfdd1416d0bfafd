"""The batch transcriber: a recording in, utterances with words and text forms out.

Audio is read as a stream and cut into windows of at most ten minutes at the quietest
moment near each window's end, so hours of audio never sit in memory at once. Each window
goes through faster-whisper with its VAD filter (which also guards against hallucinations
on silence); segments become utterances in one clock (milliseconds from the start).
"""

from __future__ import annotations

import logging
import math
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from core.asr.alternatives import alternatives_for
from core.asr.models import DEFAULT_MODEL, SpeechModel, load_split_whisper, model_language, resolve_model
from core.audio.levels import DcRemover
from core.results import Utterance, Word, seconds_to_ms, with_lengths
from core.text.forms import forms_from_display
from core.text.language import language_of, locale_for
from core.text.words import Piece, capitalized, glued, joined

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
WINDOW_MS = 10 * 60_000
CUT_SEARCH_MS = 30_000
# Where temperature 0 repeats itself or is unsure, faster-whisper samples again, by default up to 1.0. Above 0.4
# whisper base lost the speech it was unsure of: forced to sample an eSpeak Russian recording (21 s spoken) at
# 0.6-1.0, 3 runs in 15 kept under 10 s of it and 2 wrote words of no Russian ("prop", "Hmmm..."); at 0.2-0.4,
# 20 runs in 20 kept 19-27 s, all in Russian.
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4)
_FRAME = SAMPLE_RATE // 10  # 100 ms energy frames to find a quiet cut

Hook = Callable[..., None]


@dataclass(frozen=True)
class TranscriptionOptions:
    """How to transcribe: the model, the language and the decoder's settings."""

    model: str = DEFAULT_MODEL
    language: str | None = None
    device: str = "auto"
    beam_size: int = 5
    word_timestamps: bool = True
    vad_filter: bool = True
    initial_prompt: str | None = None
    max_alternatives: int = 1  # N-best: above 1, each utterance is decoded again for its alternatives


def _quiet_cut(audio: np.ndarray, search_from: int) -> int:
    """Return the sample index at the centre of the quietest 100 ms frame after search_from."""
    region = audio[search_from:]
    frames = len(region) // _FRAME
    if frames < 1:
        return len(audio)
    energy = np.square(region[: frames * _FRAME].reshape(frames, _FRAME)).mean(axis=1)
    return search_from + int(np.argmin(energy)) * _FRAME + _FRAME // 2


def windows(chunks: Iterable[np.ndarray], window_ms: int = WINDOW_MS) -> Iterator[tuple[int, np.ndarray]]:
    """Yield (offset in samples, audio) windows of at most window_ms, cut at quiet moments."""
    window = window_ms * SAMPLE_RATE // 1000
    search_from = max(0, window - CUT_SEARCH_MS * SAMPLE_RATE // 1000)
    pending: list[np.ndarray] = []
    pending_len = 0
    offset = 0
    for chunk in chunks:
        pending.append(chunk)
        pending_len += len(chunk)
        while pending_len >= window:
            audio = np.concatenate(pending)
            cut = _quiet_cut(audio[:window], search_from)
            yield offset, audio[:cut]
            offset += cut
            pending, pending_len = [audio[cut:]], len(audio) - cut
    if pending_len:
        yield offset, np.concatenate(pending)


def _confidence(avg_logprob: float) -> float:
    return float(min(1.0, max(0.0, math.exp(avg_logprob))))


# abbreviations with a full stop, by language: no sentence ends there ("M. Dupont", "т. е.", "kl. 10")
_ABBREVIATIONS = {
    "en": frozenset("mr. mrs. ms. dr. st. vs. etc. e.g. i.e. jr. sr. prof. no.".split()),
    "fr": frozenset("m. mme. mmes. mlle. dr. pr. me. st. ste. etc. cf. p. ex. env. av. bd. vol. n°.".split()),
    "sv": frozenset("kl. t.ex. bl.a. dvs. d.v.s. ca. osv. o.s.v. s.k. m.m. nr. t.o.m. fr.o.m. ev. resp. jfr. f.d.".split()),
    "ru": frozenset("г. гг. т. е. д. п. др. пр. ул. им. тыс. млн. млрд. руб. коп. см. стр. т.е. т.д. т.п. проф. акад. доц.".split()),
}


def _sentences(words: list[Word], locale: str = "en-US") -> list[list[Word]]:
    """Return the words cut after each sentence end (. ? ! but not an abbreviation of the language), for one utterance each."""
    abbreviations = _ABBREVIATIONS.get(language_of(locale), frozenset())
    groups: list[list[Word]] = [[]]
    for at, word in enumerate(words):
        groups[-1].append(word)
        ends = word.text[-1:] in ".?!" and word.text.lower() not in abbreviations
        if ends and at + 1 < len(words):
            groups.append([])
    return groups


def _utterances(segment, channel: int, offset_ms: int, locale: str) -> list[Utterance]:
    """Return a whisper segment as utterances, one per sentence when it has word times.

    Whisper's timestamp tokens cut segments where the decode happened to place them: on some CPUs
    (int8 on AVX-512 VNNI) the sample's 30 s came out as 3 segments of ~10 s, on others as 13.
    Cutting at sentence ends gives the same phrases either way, as Azure and Watson results have.
    """
    words = _words(segment, offset_ms, locale)
    if not words:
        utterance = _utterance(segment, channel, offset_ms, locale, [])
        return [utterance] if utterance else []
    return [u for group in _sentences(words, locale) if (u := _utterance(segment, channel, offset_ms, locale, group))]


def _words(segment, offset_ms: int, locale: str) -> list[Word]:
    """Return a segment's written words with absolute times (none without word timestamps); every word has a length."""
    pieces = (Piece(w.word, w.start, w.end, float(w.probability)) for w in (segment.words or []))
    words = [
        Word(
            text=w.text,
            offset_ms=offset_ms + seconds_to_ms(w.start),
            duration_ms=max(0, seconds_to_ms(w.end) - seconds_to_ms(w.start)),
            confidence=round(w.probability, 4),
        )
        for w in glued(pieces, locale)
    ]
    return with_lengths(words, offset_ms + seconds_to_ms(segment.end))


def _utterance(segment, channel: int, offset_ms: int, locale: str, words: list[Word]) -> Utterance | None:
    """Return the utterance of a segment's `words` (all of them, or one sentence); with none, the segment's text."""
    text = capitalized(joined((w.text for w in words), locale) if words else segment.text)
    forms = forms_from_display(text, locale)
    if not forms.display:
        return None
    start = words[0].offset_ms if words else offset_ms + seconds_to_ms(segment.start)
    end = words[-1].end_ms if words else offset_ms + seconds_to_ms(segment.end)
    return Utterance(
        result_id=uuid.uuid4().hex,
        channel=channel,
        offset_ms=start,
        duration_ms=max(0, end - start),
        forms=forms,
        # a beam decodes a whole 30 s window at once, so avg_logprob is shared by its segments:
        # the words' own probabilities tell the segments apart
        confidence=round(float(np.mean([w.confidence for w in words])) if words else _confidence(segment.avg_logprob), 4),
        words=words,
    )


class Transcriber:
    """Turns mono 16 kHz audio streams into utterances with one whisper model, built once."""

    def __init__(self, options: TranscriptionOptions | None = None):
        self.options = options or TranscriptionOptions()
        self.model: SpeechModel = resolve_model(self.options.model)
        self.detected_language: str | None = model_language(self.model, self.options.language)
        self._whisper = None

    @property
    def whisper(self):
        """Return the loaded faster-whisper model (loaded on first use; on CPU it decodes on one core, see load_split_whisper)."""
        if self._whisper is None:
            self._whisper = load_split_whisper(self.model, self.options.device)
        return self._whisper

    @property
    def locale(self) -> str:
        return locale_for(self.detected_language, self.options.language)

    def transcribe_stream(
        self,
        chunks: Iterable[np.ndarray],
        *,
        channel: int = 0,
        total_ms: int | None = None,
        hook: Hook | None = None,
        window_ms: int = WINDOW_MS,
    ) -> Iterator[Utterance]:
        """Yield the utterances of one channel's audio stream (16 kHz float32 chunks) in time order."""
        prompt = self.options.initial_prompt
        for offset, audio in windows(map(DcRemover(), chunks), window_ms):
            offset_ms = offset * 1000 // SAMPLE_RATE
            last_text = None
            for utterance in self._window_utterances(self._segments(audio, prompt), audio, channel, offset_ms):
                last_text = utterance.display
                if hook is not None:
                    hook("transcribe", completed=utterance.end_ms, total=total_ms)
                yield utterance
            if last_text:
                prompt = last_text
            if hook is not None:
                hook("transcribe", completed=offset_ms + len(audio) * 1000 // SAMPLE_RATE, total=total_ms)

    def _segments(self, audio: np.ndarray, prompt: str | None):
        """Return faster-whisper's lazy segments for one window.

        Under the VAD, whisper's own no-speech check is off: the VAD has already kept only speech, and
        the check dropped speech whisper was unsure of, 30 s at a time. Where temperature 0 repeats
        itself, faster-whisper samples at higher temperatures (up to FALLBACK_TEMPERATURES' last), and
        when every attempt came out unsure the check skipped the stretch: 7 of 12 runs of an eSpeak
        Russian recording gave no text at all, and exit 0, and a retry of a window that gave no text
        still let a stretch inside one that gave some go. On clear speech the check never fires (the sample's transcript is the same with it
        off), and on speech-like noise the VAD keeps (the sample reversed) whisper writes words with it
        on as well as off.
        """
        segments, info = self.whisper.transcribe(
            audio, language=self.detected_language, beam_size=self.options.beam_size, vad_filter=self.options.vad_filter,
            word_timestamps=self.options.word_timestamps, initial_prompt=prompt, temperature=FALLBACK_TEMPERATURES,
            **({"no_speech_threshold": None} if self.options.vad_filter else {}),
        )
        if self.detected_language is None:
            self.detected_language = info.language
        return segments

    def _window_utterances(self, segments, audio: np.ndarray, channel: int, offset_ms: int) -> Iterator[Utterance]:
        """Yield the utterances of one window's segments (with their N-best alternatives when asked)."""
        opts = self.options
        for utterance in (u for segment in segments for u in _utterances(segment, channel, offset_ms, self.locale)):
            if opts.max_alternatives > 1:
                utterance.alternatives = alternatives_for(
                    self.whisper, audio, utterance.offset_ms - offset_ms, utterance.duration_ms,
                    utterance.display, opts.max_alternatives,
                    language=self.detected_language, locale=self.locale, beam_size=opts.beam_size,
                )
            yield utterance
