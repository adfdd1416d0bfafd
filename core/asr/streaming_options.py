"""What the streaming recognizer is asked and what it answers: its options, its events, its counts.

Kept apart from core.asr.streaming so that settings, options and the live session's types can be
read without loading the recognizer (numpy, the VAD, the whisper model code).
"""

from __future__ import annotations

from dataclasses import dataclass

from core.asr.models import DEFAULT_MODEL
from core.errors import ParleyError
from core.results import Utterance

PHRASE_SILENCE_RANGE_MS = (100, 10_000)  # the end-of-phrase pauses a session may be set to


def check_phrase_silence(ms: int) -> None:
    """Return None when `ms` is a usable end-of-phrase pause; raise ParleyError otherwise."""
    low, high = PHRASE_SILENCE_RANGE_MS
    if not low <= ms <= high:
        raise ParleyError(f"An end-of-phrase pause of {ms} ms is out of range.",
                          f"Give {low} to {high} ms (Watson's default end_of_phrase_silence_time is 800 ms).")


@dataclass(frozen=True)
class StreamingOptions:
    """How the streaming recognizer listens: model, pause length, update pace, buffer limits."""

    model: str = DEFAULT_MODEL
    language: str | None = None
    device: str = "auto"
    end_of_phrase_silence_ms: int = 800
    interim_results: bool = True
    update_interval_ms: int = 500  # new audio needed before the next interim decode
    vad_threshold: float = 0.5
    pre_speech_ms: int = 1000  # audio kept before the first speech frame: the VAD fires late on a soft first word
    post_speech_ms: int = 250  # audio kept after the last speech frame in the final decode
    # shorter blips of "speech" are dropped. 250 dropped a one-word answer said on its own (the sample's first "Hello?",
    # 160 ms over the VAD's threshold), and so did 150 where the VAD heard less of it: the same "Hello?" followed by a
    # pause is 128 ms over the threshold, and 96 ms at the very start of a file. Clicks, thuds, knocks, tone and noise
    # bursts and chirps in a quiet room give no results at 90 either (the VAD does not fire on them). Interim decodes
    # still wait for 150 ms (streaming.FIRST_DECODE_SPEECH_MS)
    min_speech_ms: int = 90
    trim_after_ms: int = 8_000  # a longer buffer is cut in the pause after its next final
    max_utterance_ms: int = 20_000  # a longer result is finalized at its last committed word
    split_at_phrase_end: bool = True  # also finalize at a committed sentence end (Watson's split_transcript_at_phrase_end)
    min_phrase_ms: int = 1000
    # Interim hypotheses (and so the committed words) are decoded with a beam of 5: on the 10-minute real-time run
    # (benchmarks/live.py) live WER 15.4-15.7 % against 16.1 % greedy, update interval p95 0.66-0.71 s against 0.64 s.
    # A final is mostly the last interim hypothesis, taken as it is; the final beam is used only when the final needs a
    # decode of its own, and greedy while the caller hurries. Re-decoding every final (tried: beam 6) gave the same
    # 15.4 %, 0.3 s later.
    interim_beam_size: int = 5
    final_beam_size: int = 5
    prompt_chars: int = 0  # earlier recognized text given to whisper as context (0: none; it invites repetitions)
    encoder_window_ms: int = 30_000  # audio the encoder sees, padding included (whisper's own: 30 s); see WindowDecoder
    timestamp_tokens: bool = False  # True: slower, better in the replay, worse live (drops phrases); see WindowDecoder
    commit_margin_ms: int = 1500  # agreed words are committed only once they end this long before the audio heard
    encode_ahead: bool = True  # encode the next buffer while the last one's words are generated (CPU, split model)

    def __post_init__(self):
        check_phrase_silence(self.end_of_phrase_silence_ms)


# why a final ended, as Watson says it in end_of_utterance: a pause, a committed sentence end, a result grown too long,
# the end of the audio (the stream's end or a pause of the recording)
SILENCE, FULL_STOP, RESET, END_OF_DATA = "silence", "full_stop", "reset", "end_of_data"


@dataclass(frozen=True)
class RecognitionEvent:
    """One result: an interim hypothesis (final=False) or the final text of an utterance.

    `stable_words` leading words are committed and will not change; `no_match` marks a final that
    found no words after interim ones were shown; `audio_ms` is how much audio had been heard when
    the event was made; `end_of_utterance` says why a final ended (Watson's values: SILENCE, FULL_STOP,
    RESET, END_OF_DATA).
    """

    result_index: int
    final: bool
    utterance: Utterance
    stable_words: int
    audio_ms: int
    no_match: bool = False
    end_of_utterance: str | None = None


@dataclass
class RecognizerStats:
    """What the recognizer did: decodes and their time, skipped interim updates."""

    interim_decodes: int = 0
    final_decodes: int = 0
    decode_seconds: float = 0.0
    encode_seconds: float = 0.0  # the encoder's part of decode_seconds
    skipped_updates: int = 0
    reused_finals: int = 0  # finals taken from an interim decode that had heard the whole utterance
