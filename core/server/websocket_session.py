"""One Watson WebSocket recognition, start..stop: the start message's parameters, checked as the service checks
them, and the audio received so far (core.server.websocket sends its results)."""

from __future__ import annotations

import numpy as np

from core.asr.streaming_options import StreamingOptions
from core.asr.vad import FRAME as VAD_FRAME
from core.asr.vad import StreamingVad
from core.audio.decode import SAMPLE_RATE
from core.server.errors import ApiError
from core.server.container_stream import UNDECODABLE_BYTES, UNDECODABLE_MP3_BYTES, ContainerStream
from core.server.pcm_stream import PcmStream
from core.server.raw_audio import raw_format
from core.server.recognition import hypotheses_for
from core.server.rendering import call_view, text_options
from core.server.sources import check_audio_type
from core.server.streamed_speakers import StreamedSpeakers
from core.server.watson_arguments import argument_warnings, refuse_redaction
from core.views.watson import watson_result_event

INTERIM_EVERY_S = 1.5  # new audio between two interim hypotheses
MAX_KEYWORDS, MAX_KEYWORD_CHARS = 1000, 2000  # as over HTTP
MAX_ALTERNATIVES = 10  # as over HTTP
DEFAULT_INACTIVITY_S = 30  # audio without speech for this long ends a session (inactivity_timeout; -1: never)
START_ARGUMENTS = frozenset({  # the start message's fields a session applies (others are said in warnings)
    "action", "content-type", "content_type", "interim_results", "timestamps", "word_confidence", "profanity_filter",
    "smart_formatting", "speaker_labels", "keywords", "keywords_threshold", "max_alternatives",
    "word_alternatives_threshold", "inactivity_timeout", "redaction", "end_of_phrase_silence_time",
    "split_transcript_at_phrase_end",
})
DEFAULT_PAUSE_S, MAX_PAUSE_S = 0.8, 120.0  # end_of_phrase_silence_time: a pause this long ends a final (0.0: the default)
VAD_THRESHOLD = StreamingOptions.vad_threshold  # the live recognizer's
ASSUMED_CONTAINER_BYTES_PER_S = 4_000  # until measured: 32 kbit/s Opus, so the first interim of compressed audio is early


class Session:
    """One start..stop stream: its parameters, the audio so far, and which results were sent final."""

    def __init__(self, start: dict, locale: str):
        self.start = start
        # the documented start says "content-type"; the ibm-watson SDKs send "content_type"
        self.content_type = str(start.get("content-type") or start.get("content_type") or "audio/wav")
        self.interim = _flag(start, "interim_results", False)
        self.speaker_labels = _flag(start, "speaker_labels", False)
        self.timestamps = _flag(start, "timestamps", False) or self.speaker_labels  # speaker labels force timestamps
        self.word_confidence = _flag(start, "word_confidence", False)
        self.smart_formatting = _flag(start, "smart_formatting", False)  # written transcripts ("$25"), not spoken
        self.text = text_options("Masked" if _flag(start, "profanity_filter", True) else "None",
                                 "DictatedAndAutomatic" if self.smart_formatting else None)
        self.locale = locale
        keywords = start.get("keywords") or []
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            raise ApiError(400, "keywords must be a list of strings.")
        self.keywords = tuple(k.strip() for k in keywords if k.strip())
        if len(self.keywords) > MAX_KEYWORDS or sum(map(len, self.keywords)) > MAX_KEYWORD_CHARS:
            raise ApiError(400, f"At most {MAX_KEYWORDS} keywords of {MAX_KEYWORD_CHARS} characters in all.")
        self.keywords_threshold = _fraction(start, "keywords_threshold")
        if self.keywords and self.keywords_threshold is None:
            raise ApiError(400, "keywords need keywords_threshold.")
        self.finals: list = []  # the final results sent, for their speaker labels at the end
        refuse_redaction(start.get("redaction"))
        # said with the first results, as the service reports the arguments it did not apply
        self.warnings = argument_warnings(start, START_ARGUMENTS)
        inactivity = start.get("inactivity_timeout")
        self.inactivity_s = DEFAULT_INACTIVITY_S if inactivity is None else float(inactivity)  # 0.5 is not 0 (never)
        pause = start.get("end_of_phrase_silence_time")
        if pause is not None and (isinstance(pause, bool) or not isinstance(pause, (int, float))
                                  or not 0.0 <= pause <= MAX_PAUSE_S):
            raise ApiError(400, f"end_of_phrase_silence_time must be a number of seconds from 0.0 to {MAX_PAUSE_S:g}.")
        self.pause_ms = int(1000 * (pause or DEFAULT_PAUSE_S))
        self.split_at_phrase_end = _flag(start, "split_transcript_at_phrase_end", False)  # finals at sentence ends, with why
        self.last_interim: str | None = None  # the interim hypothesis last sent: the same one is not sent again
        self.ending = False  # stop came: no interim hypotheses any more, only the finals
        self.heard_ms = self.speech_until_ms = 0  # audio heard, and where its last speech ended
        self.voice_until_ms = 0  # where the voice activity detector last heard speech (a pause is quiet, not just wordless)
        self._vad, self._vad_fed = None, 0  # the detector (loaded at the first look), and the samples it has heard
        self.max_alternatives = int(start.get("max_alternatives") or 1)
        if not 1 <= self.max_alternatives <= MAX_ALTERNATIVES:
            raise ApiError(400, f"max_alternatives must be 1 to {MAX_ALTERNATIVES}.")
        self.word_alternatives_threshold = _fraction(start, "word_alternatives_threshold")
        self.data = bytearray()
        self.committed_ms = 0  # audio before this time has been sent as final results
        self.heard_from_ms = 0  # where the audio not yet final is heard from (before committed_ms after a cut between sentences)
        self.sent_words: list = []  # the last words sent final: what the audio heard again holds first
        self.result_index = 0
        self.last_interim_bytes = 0
        check_audio_type(self.content_type)
        raw = raw_format(self.content_type)  # raw samples without their rate are refused at the start, as the service does
        # decoded once, as the audio comes: raw samples converted, a container demuxed and decoded on a thread of its own
        mp3 = any(name in self.content_type.lower() for name in ("mp3", "mpeg"))
        self.decoder = PcmStream(raw) if raw else ContainerStream(
            undecodable_bytes=UNDECODABLE_MP3_BYTES if mp3 else UNDECODABLE_BYTES)
        # bytes a second: raw audio's is known; a container's is measured once some of it is decoded
        self.bytes_per_second = raw.rate * raw.frame_bytes if raw else None
        # last, once the start is known to be valid: a tracker starts loading its models
        self.speakers = StreamedSpeakers() if self.speaker_labels else None  # labels while the audio streams

    def next(self) -> "Session":
        """Return the session that follows a stop, with the same parameters (what they cannot do was said already)."""
        self.close()
        following = Session(self.start, self.locale)
        following.warnings = []  # said once, with the first session's results
        return following

    def close(self) -> None:
        """Release what decoding the audio and following the speakers hold; returns nothing."""
        self.decoder.close()
        if self.speakers is not None:
            self.speakers.close()

    def audio(self, *, ended: bool = False) -> np.ndarray:
        """Return the audio received so far as 16 kHz mono (a container as far as it is decoded; `ended`: all of it has
        come, and all of it is returned). Raises ApiError (400) at the end when the audio cannot be decoded."""
        audio = self.decoder.audio(self.data, ended=ended)
        if isinstance(self.decoder, ContainerStream) and len(audio) >= SAMPLE_RATE:  # measured as it is decoded
            self.bytes_per_second = len(self.data) * SAMPLE_RATE / len(audio)
        return audio

    def listen(self, audio: np.ndarray) -> None:
        """Return None after running the voice activity detector over the audio it has not heard yet (voice_until_ms)."""
        if self._vad is None:
            self._vad = StreamingVad()
        frames = (len(audio) - self._vad_fed) // VAD_FRAME
        if frames <= 0:
            return
        block = audio[self._vad_fed:self._vad_fed + frames * VAD_FRAME].reshape(frames, VAD_FRAME)
        speech = np.flatnonzero(self._vad(np.ascontiguousarray(block, dtype=np.float32)) >= VAD_THRESHOLD)
        if speech.size:
            self.voice_until_ms = (self._vad_fed + (speech[-1] + 1) * VAD_FRAME) * 1000 // SAMPLE_RATE
        self._vad_fed += frames * VAD_FRAME

    def silent_too_long(self) -> bool:
        """Return True once the audio has gone on without speech for the inactivity timeout (never when it is 0 or less)."""
        return self.inactivity_s > 0 and self.heard_ms - self.speech_until_ms > self.inactivity_s * 1000

    def due_for_interim(self) -> bool:
        step = (self.bytes_per_second or ASSUMED_CONTAINER_BYTES_PER_S) * INTERIM_EVERY_S  # raw audio's is known
        return len(self.data) - self.last_interim_bytes >= step

    @property
    def hypotheses(self) -> int:
        """Return how many N-best hypotheses a final needs."""
        return hypotheses_for(self.max_alternatives, self.word_alternatives_threshold)

    def sent_final(self, utterance, ending: str) -> dict:
        """Return the final result's message, moving the result index on; it says why it ended (`ending`: Watson's
        end_of_utterance) when split_transcript_at_phrase_end was asked for, as the service does."""
        event = self.event(utterance, True, ending if self.split_at_phrase_end else None)
        self.finals.append(utterance)
        self.result_index += 1
        return event

    def event(self, utterance, final: bool, ending: str | None = None) -> dict:
        event = call_view(watson_result_event, utterance, self.result_index, final=final, end_of_utterance=ending,
                          timestamps=self.timestamps,
                          word_confidence=self.word_confidence, text=self.text, locale=self.locale,
                          keywords=self.keywords, keywords_threshold=self.keywords_threshold,
                          max_alternatives=self.max_alternatives, word_alternatives_threshold=self.word_alternatives_threshold,
                          smart_formatting=self.smart_formatting)
        if self.warnings:
            event["warnings"], self.warnings = self.warnings, []
        return event


def _fraction(start: dict, name: str) -> float | None:
    """Return a start message's number between 0 and 1, or None when absent (or null); raise ApiError else."""
    value = start.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value <= 1.0:
        raise ApiError(400, f"{name} must be a number between 0 and 1.")
    return float(value)


def _flag(start: dict, name: str, default: bool) -> bool:
    """Return a start message's true/false field (JSON true/false, or the strings "true"/"false"); raise ApiError else."""
    value = start.get(name)
    if value is None:  # absent, or null
        return default
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if not isinstance(value, bool):
        raise ApiError(400, f"{name} must be true or false.")
    return value
