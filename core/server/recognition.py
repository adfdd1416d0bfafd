"""Recognition of audio sent in a request: decode, check for speech, transcribe with a model loaded once.

Requests wait for one of `recognitions_at_once` slots, so fifty callers at once on a laptop share
the CPU in turn instead of thrashing it; the model itself is built once per process.
"""

from __future__ import annotations

import logging
import shutil
import threading
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.asr.transcriber import Transcriber, TranscriptionOptions
from core.audio.decode import SAMPLE_RATE, load_audio
from core.errors import ParleyError
from core.results import Conversation, Utterance, new_conversation_id, utc_now
from core.server.config import ServerConfig
from core.server.errors import ApiError
from core.server.languages import model_for
from core.server.sources import incoming_dir, write_audio

log = logging.getLogger(__name__)

BABBLE_RMS = 0.02  # louder than this without speech is noise ("babble"), quieter is silence
WORD_ALTERNATIVE_HYPOTHESES = 5  # N-best hypotheses decoded for Watson's word alternatives (a beam of 5, as the transcriber uses)


def hypotheses_for(max_alternatives: int, word_alternatives_threshold: float | None) -> int:
    """Return how many N-best hypotheses a Watson request needs per phrase: its max_alternatives, and enough for word
    alternatives when it asks for them."""
    return max(max_alternatives, WORD_ALTERNATIVE_HYPOTHESES if word_alternatives_threshold is not None else 1)


@dataclass(frozen=True)
class Recognition:
    """What a request's audio held: its length, whether any speech was heard, and the utterances found."""

    duration_ms: int
    speech_heard: bool
    noisy: bool
    utterances: list[Utterance]


def decode_body(data: bytes, content_type: str | None) -> np.ndarray:
    """Return request audio (WAV, Ogg/Opus, FLAC, MP3, WebM, raw audio/l16) as 16 kHz mono float32."""
    if not data:
        raise ApiError(400, "The request holds no audio.")
    folder = incoming_dir()
    try:
        return load_audio(write_audio(data, content_type, folder, "audio"), mono=True)
    except ParleyError as exc:
        raise ApiError(400, f"The audio cannot be decoded: {exc.user_message()}") from None
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def has_speech(audio: np.ndarray) -> bool:
    """Return whether the voice activity detector hears any speech in 16 kHz mono audio."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    return bool(get_speech_timestamps(audio, VadOptions()))


class Recognizer:
    """Transcribes request audio with the service's models, a few requests at a time."""

    def __init__(self, config: ServerConfig):
        self.config = config
        self._slots = threading.BoundedSemaphore(max(1, config.recognitions_at_once))

    def recognize(self, audio: np.ndarray, locale: str, *, check_speech: bool = True, hypotheses: int = 1) -> Recognition:
        """Return the recognition of 16 kHz mono audio in a locale (whisper decodes, VAD first tells silence from noise);
        `hypotheses` above 1: each phrase with up to that many N-best hypotheses in all (its alternatives)."""
        model, language = model_for(locale, self.config)
        duration_ms = len(audio) * 1000 // SAMPLE_RATE
        rms = float(np.sqrt(np.mean(np.square(audio)))) if audio.size else 0.0
        with self._slots:
            if check_speech and not has_speech(audio):
                return Recognition(duration_ms, False, rms > BABBLE_RMS, [])
            transcriber = Transcriber(TranscriptionOptions(model=model, language=language, word_timestamps=True,
                                                           max_alternatives=hypotheses))
            utterances = list(transcriber.transcribe_stream([audio], total_ms=duration_ms))
        return Recognition(duration_ms, True, rms > BABBLE_RMS, utterances)

    def conversation(self, audio: np.ndarray, locale: str, title: str = "request", *, hypotheses: int = 1) -> Conversation:
        """Return the request audio transcribed as a (not stored) conversation (`hypotheses`: as for recognize)."""
        result = self.recognize(audio, locale, check_speech=False, hypotheses=hypotheses)
        model, _ = model_for(locale, self.config)
        return Conversation(
            conversation_id=new_conversation_id(), title=title, created=utc_now(), duration_ms=result.duration_ms,
            source="request", locale=locale, model=model, channels=1, utterances=result.utterances,
        )

    def with_alternatives(self, utterances: list, audio: np.ndarray, locale: str, hypotheses: int) -> list:
        """Return utterances with up to `hypotheses` N-best hypotheses in all (the best one included), decoded again from
        their span of `audio` (16 kHz mono, the time their offsets count from)."""
        from dataclasses import replace

        from core.asr.alternatives import alternatives_for

        model, language = model_for(locale, self.config)
        with self._slots:
            whisper = Transcriber(TranscriptionOptions(model=model, language=language)).whisper
            return [replace(u, alternatives=alternatives_for(whisper, audio, u.offset_ms, u.duration_ms, u.display, hypotheses,
                                                             language=language, locale=locale))
                    for u in utterances]

    def speakers_of(self, utterances: list, audio: np.ndarray) -> tuple[list | None, str | None]:
        """Return the utterances with the speakers found in their audio (16 kHz mono) and no warning, or None and
        the warning that says why no speakers could be found."""
        from core.diarization.assign import assign_speakers
        from core.transcription import shared_diarizer

        with self._slots:
            try:
                return assign_speakers(utterances, shared_diarizer().diarize(audio)), None
            except (ImportError, ParleyError) as exc:  # no diarization here: the words were sent all the same
                log.warning("speaker labels unavailable: %s", exc)
                return None, f"speaker_labels: speakers could not be found ({exc})."

    def warm_up(self, locale: str = "en-US") -> None:
        """Return None after loading the model of a locale (so the first request does not wait for it)."""
        self.recognize(np.zeros(SAMPLE_RATE // 2, np.float32), locale, check_speech=False)


def transcribe_request_audio(recognizer: Recognizer, audio: np.ndarray, locale: str, *, diarize: bool,
                             hypotheses: int = 1) -> tuple[Conversation, list[str]]:
    """Return request audio transcribed as a conversation (speakers found when asked and possible) and warnings
    (`hypotheses`: the N-best hypotheses each phrase keeps, the best one included)."""
    from core.transcription import SpeakerOptions, transcribe_file

    if not diarize:
        return recognizer.conversation(audio, locale, hypotheses=hypotheses), []
    model, language = model_for(locale, recognizer.config)
    folder = incoming_dir()
    try:
        path = folder / "audio.wav"
        with wave.open(str(path), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE)
            out.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())
        with recognizer._slots:
            try:
                options = TranscriptionOptions(model=model, language=language, max_alternatives=hypotheses)
                conversation = transcribe_file(path, options, SpeakerOptions(diarize=True))
                return conversation, []
            except (ImportError, ParleyError) as exc:  # no diarization here: the words still come
                log.warning("speaker labels unavailable: %s", exc)
                warning = f"speaker_labels: speakers could not be found ({exc})."
        return recognizer.conversation(audio, locale, hypotheses=hypotheses), [warning]
    finally:
        shutil.rmtree(folder, ignore_errors=True)
