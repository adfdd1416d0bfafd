"""Streaming recognition: interim and final results per utterance from a live 16 kHz audio stream.

How it stays fast and stable over a long meeting on a small CPU:
- A VAD gate (faster-whisper's silero model, run frame by frame with its state kept) decides where
  speech is; silence is never decoded, so whisper cannot hallucinate on it, and no temperature
  fallback is used (temperature 0 only).
- The VAD is late on a soft first word after a long silence (the sample's first "Hello?" peaks at
  0.26 in its second copy, under the 0.5 threshold), so an utterance's buffer starts 1 s before
  its first speech frame and whisper hears the word the VAD missed (300 ms lost it). Whisper's
  alignment stretches a first word back over such a quiet lead-in, so it is made to begin no
  earlier than the first frame that sounds at all like speech (core.asr.hearing).
- Interim hypotheses re-decode the utterance's buffer with a beam of 5 (greedy: about 0.5 points more live
  WER, see StreamingOptions.interim_beam_size), in one whisper pass with word times
  (core.asr.window_decoder: one encoder pass on every core, generation on one). On CPU the two
  halves run on separate model copies, so they overlap: while the words of one buffer are
  generated, the audio heard meanwhile is encoded on the encoder thread (`encode_ahead`, see
  core.asr.encode_ahead; how a buffer is heard: core.asr.hearing). An update then comes every encoder pass instead of every encoder pass
  plus generation: on 2 cores (benchmarks/live.py, 10 minutes, live speaker labels) the update
  interval p50/p95 drops from 0.87/1.19 s to 0.71/0.93 s. Each update's audio is a little older
  (its encoder pass shares the CPU with generation), so a word is first seen about as soon as
  before (p50 1.3-1.5 s), and the live WER moves by about half a point (15.6-15.9 %). Words that
  two consecutive hypotheses agree on are committed (LocalAgreement-2) once they end
  `commit_margin_ms` (1.5 s) before the end of the audio decoded, and never change again; a word
  close to that end was guessed with little of what follows it, and two decodes a second
  apart often make the same guess. On the 3-minute replay (benchmarks/live_replay.py) margins of
  1.2-2 s beat none under each CPU numerics tried (MKL's int8 on AMX/VNNI, AVX-512, AVX2); 1.5 s:
  18.5 -> 17.1, 16.5 -> 16.1 and 16.5 -> 15.8 % live WER. Words are first shown as soon as before;
  each event says how many of its leading words are committed (`stable_words`), and an interim
  is emitted when its text changed or more of its words became stable. Interim updates of one
  utterance share its `result_index`.
- An utterance ends after `end_of_phrase_silence_ms` of non-speech (Watson's
  end_of_phrase_silence_time, 0.8 s). When the last interim decode already heard all of its
  speech (the VAD's speech ends up to ~190 ms after the word does), that hypothesis is the final at
  once; otherwise the buffer is decoded once more. An
  interim decode is also run as soon as a pause begins, so the final rarely has to wait for one.
  With `split_at_phrase_end` a final also comes at a committed sentence end (Watson's
  split_transcript_at_phrase_end), so a conversation without pauses still gets finals.
- After such a final a buffer longer than `trim_after_ms` (8 s) is cut in the quietest frame
  between the two sentences, so a decode rarely covers more than ~10 s. Where the speaker did not
  pause there (that frame still sounds like speech), whisper's word times are too rough to cut
  between two words, and a cut there cost the next result its first words (5 of 23 cuts of a
  3-minute monologue: the sample with its pauses cut to 0.12 s). The buffer is then cut at a later
  final, in a pause, or once it is `UNPAUSED_TRIM_MS` longer: that monologue's live WER went from
  19.4 to 17.1 %, and the 3-minute replay's is unchanged (15.84 %). A result longer than
  `max_utterance_ms` is finalized at its last sentence end heard (or, with none, its last word heard;
  with no word heard, it is cut in a quiet frame). Words heard count as well as committed ones there:
  behind the audio, few words get a second hypothesis to agree on, and a final at the committed
  words alone cut sentences in speech and lost the next words (the sample with an interim decode
  every 3 s: live WER 28 % before, 16 % now; `parley live` at 10x speed: 15.2-18.5 % before,
  15.0-15.8 % now). 8 s is the best of 6-10 s on the 3-minute replay (live WER 16.9, 15.6, 15.4, 15.8,
  16.05 %): shorter loses the context whisper needs, longer makes slow decodes of 10-12 s.
- The caller decides when to run an interim decode (`update()`); when it falls behind it skips
  them, and finals still come at every pause: fewer interim updates, never drift.
- Without `interim_results` the interim decodes still run and commit words, only their events are
  not sent (as Watson's interim_results=false): the finals are the same either way. Left out, a
  conversation without pauses had no committed sentence end to finalize at, and came out as
  finals of 16 s cut in mid-sentence at the `max_utterance_ms` limit.

A StreamingRecognizer is used from one thread (feed/update/flush); results go to `on_event`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

import numpy as np

from core.asr.agreement import after_committed, agreed_prefix
from core.asr.encode_ahead import EncoderThread
from core.asr.hearing import BufferHearing
from core.asr.models import SpeechModel, model_language, resolve_model
from core.asr.session_language import SessionLanguage
from core.asr.utterance_buffer import UtteranceBuffer, ms_to_samples, samples_to_ms
from core.asr.vad import FRAME as VAD_FRAME
from core.asr.vad import StreamingVad
from core.asr.streaming_options import END_OF_DATA, FULL_STOP, RESET, SILENCE, RecognitionEvent, RecognizerStats, StreamingOptions
from core.asr.window_decoder import WindowDecoder
from core.audio.levels import DcRemover
from core.results import Utterance, Word
from core.text.forms import forms_of_words
from core.text.language import locale_for

log = logging.getLogger(__name__)

# An interim decode that heard up to this far (ms) before the end of the last speech frame is the
# final at a pause. Silero's speech ends 60-190 ms after the word does (the sample's sentence ends:
# 64, 160, 192, 160 ms), and decodes cut 0 to 120 ms before each of those words' ends still had the
# word (tests/core/asr/test_streaming.py checks one). Asking for 100 ms past the frame instead cost a
# whole decode at every pause where the decode in flight outlasted the pause: modelled on a slow
# machine (0.8 s + 0.04 s per second of audio), the final came 1.6 s after the pause, not 0.5 s,
# with the same words.
REUSE_MARGIN_MS = -160
VAD_HYSTERESIS = 0.15  # speech under way ends only below the VAD threshold minus this (silero's own rule)
UNPAUSED_TRIM_MS = 6000  # a buffer with no pause after its final is cut only once this much longer than trim_after_ms
PAUSE_WORD_MARGIN_MS = 300  # at a pause of the recording, a word heard ending this close to it may be one the pause cut
# an utterance's first interim decode waits for this much speech (a final is decoded from min_speech_ms on): a blip is
# not decoded twice, and the first decodes of each utterance come as they did (decoded from 90 ms, the 3-minute replay's
# decodes moved and its live WER went from 15.43 to 15.64 %)
FIRST_DECODE_SPEECH_MS = 150
class StreamingRecognizer:
    """Turns a live 16 kHz mono stream into interim and final RecognitionEvents (see the module doc)."""

    def __init__(self, options: StreamingOptions | None = None, *, on_event: Callable[[RecognitionEvent], None]):
        self.options = options or StreamingOptions()
        self.model: SpeechModel = resolve_model(self.options.model)
        self.language = SessionLanguage(model_language(self.model, self.options.language))
        self.on_event = on_event
        self.stats = RecognizerStats()
        self.hurry = False  # set by the caller while audio is waiting: finals decode greedily
        self._vad = StreamingVad()
        self._dc = DcRemover()  # a constant offset in the input left the VAD deaf
        self._pending = np.zeros(0, dtype=np.float32)
        self._position = 0  # absolute samples processed by the VAD
        self._preroll = np.zeros(0, dtype=np.float32)
        self._preroll_probabilities: list[float] = []
        self._speaking = False
        self._utterance: UtteranceBuffer | None = None
        self._next_index = 0
        self.hearing = BufferHearing(self.options, self.model, self.language, self.stats)  # how a buffer is heard

    @property
    def whisper(self) -> WindowDecoder:
        """Return the one-pass whisper decoder (models loaded on first use, cached per process)."""
        return self.hearing.whisper

    @property
    def encoder_thread(self) -> EncoderThread:
        """Return the thread that encodes the next buffer while the last one's words are generated (core.asr.encode_ahead)."""
        return self.hearing.encoder_thread

    @encoder_thread.setter
    def encoder_thread(self, thread: EncoderThread) -> None:
        self.hearing.encoder_thread = thread

    @property
    def locale(self) -> str:
        """Return the locale of the session's language (so far: a multilingual model's is heard in the first seconds)."""
        return locale_for(self.language.current or "en", self.options.language)

    @property
    def heard_ms(self) -> int:
        """Return how much audio has been fed and examined so far."""
        return samples_to_ms(self._position)

    @property
    def in_utterance(self) -> bool:
        return self._utterance is not None

    def feed(self, block: np.ndarray) -> None:
        """Return None after taking a block of audio; finals of utterances that ended in it are emitted now."""
        audio = np.concatenate([self._pending, self._dc(np.asarray(block, dtype=np.float32).reshape(-1))])
        count = len(audio) // VAD_FRAME
        self._pending = audio[count * VAD_FRAME:]
        if not count:
            return
        frames = audio[: count * VAD_FRAME].reshape(count, VAD_FRAME)
        for frame, probability in zip(frames, self._vad(frames)):
            self._frame(frame, float(probability))

    def _frame(self, frame: np.ndarray, probability: float) -> None:
        opts = self.options
        threshold = opts.vad_threshold - (VAD_HYSTERESIS if self._speaking else 0.0)
        self._speaking = probability >= threshold
        utterance = self._utterance
        if utterance is None:
            if self._speaking:
                start = self._position - len(self._preroll)
                utterance = self._utterance = UtteranceBuffer(start=start, first=start)
                for at, quiet in enumerate(self._preroll_probabilities):
                    utterance.append(self._preroll[at * VAD_FRAME:(at + 1) * VAD_FRAME], quiet)
                utterance.append(frame, probability)
                utterance.decoded_to = utterance.start
                self._preroll, self._preroll_probabilities = np.zeros(0, dtype=np.float32), []
            else:
                keep = ms_to_samples(opts.pre_speech_ms) // VAD_FRAME
                self._preroll = np.concatenate([self._preroll, frame])[-keep * VAD_FRAME:]
                self._preroll_probabilities = (self._preroll_probabilities + [probability])[-keep:]
        else:
            utterance.append(frame, probability)
        self._position += VAD_FRAME
        if utterance is None:
            return
        if self._speaking:
            utterance.speech += VAD_FRAME
            utterance.silence = 0
            utterance.last_speech_end = self._position
        else:
            utterance.silence += VAD_FRAME
        if utterance.silence >= ms_to_samples(opts.end_of_phrase_silence_ms):
            self._finalize(utterance.last_speech_end + ms_to_samples(opts.post_speech_ms), SILENCE)
        elif max(self._position - utterance.first, utterance.length) >= ms_to_samples(opts.max_utterance_ms):
            self._split()

    def update(self, *, wait: bool = False) -> bool:
        """Return whether an interim decode ran (it runs when enough new speech arrived since the last one).

        With a split model the buffer is encoded on the encoder thread, and the words of one buffer are
        generated while the next is encoded: a call that starts an encoder pass, or finds it still
        busy, returns False at once, and `encoder_thread.on_encoded` says when to call again. With `wait` (for a
        caller that has no audio to feed meanwhile) it waits for the encoder instead.
        """
        utterance = self._utterance
        opts = self.options
        if utterance is None:
            return False
        if not self.hearing.overlaps:
            if not self._due(utterance, utterance.decoded_to):
                return False
            snapshot = self.hearing.snapshot(utterance, utterance.audio())
        else:
            ahead = self.encoder_thread
            if ahead.pending is None:
                if not self._due(utterance, utterance.decoded_to):
                    return False
                self.hearing.send_ahead(utterance)
            if not (wait or ahead.ready()):
                return False
            snapshot = ahead.take(utterance)
            if snapshot is None:
                return False
            if self._due(utterance, snapshot.end):
                # the audio that came in while this buffer was encoded is encoded while its words are generated
                self.hearing.send_ahead(utterance)
        words = self.hearing.words(snapshot, beam=opts.interim_beam_size)
        self.stats.interim_decodes += 1
        utterance.decoded_to = snapshot.end
        fresh = after_committed(utterance.anchor, words)
        agreed = agreed_prefix(utterance.tail, fresh)
        # a word whisper placed near the end of the audio it heard is still a guess about what follows: it is committed
        # only once it ends commit_margin_ms before that end, even when two hypotheses already agree on it
        limit = samples_to_ms(snapshot.end) - opts.commit_margin_ms
        while agreed and fresh[agreed - 1].end_ms > limit:
            agreed -= 1
        utterance.committed.extend(fresh[:agreed])
        utterance.tail = fresh[agreed:]
        self._split_at_phrase_end(utterance)
        shown = utterance.committed + utterance.tail
        # a hypothesis is news when its text changed, or when more of its words became stable
        seen = (" ".join(w.text for w in shown), len(utterance.committed))
        if shown and seen != utterance.shown and opts.interim_results:
            utterance.shown = seen
            self._emit(utterance, shown, final=False)
        return True

    def _due(self, utterance: UtteranceBuffer, decoded_to: int) -> bool:
        """Return whether the buffer, decoded up to `decoded_to`, needs an interim decode now."""
        opts = self.options
        heard_all = utterance.last_speech_end + ms_to_samples(opts.post_speech_ms)
        if decoded_to >= heard_all or utterance.speech < ms_to_samples(max(opts.min_speech_ms, FIRST_DECODE_SPEECH_MS)):
            return False  # nothing was said since the last decode: leave the CPU free
        # decode every update_interval_ms of new audio, and once more as soon as a pause begins, so that
        # this hypothesis (having heard all the speech) is the final when the pause is long enough
        return utterance.end - decoded_to >= ms_to_samples(opts.update_interval_ms) or utterance.end >= heard_all

    def close(self) -> None:
        """Return None once the encoder thread (if one was started) has ended; the recognizer can still be used."""
        self.encoder_thread.close()

    def skip_update(self) -> None:
        """Return None; counts an interim update left out because the recognizer is behind.

        A buffer still with the encoder thread is dropped: by the time the backlog is gone its audio
        is seconds old, and the next update sends the buffer as it is then.
        """
        self.encoder_thread.drop()
        if self._utterance is not None:
            self.stats.skipped_updates += 1

    def flush(self) -> None:
        """Return None after finalizing the utterance under way (end of the stream)."""
        if len(self._pending):
            padded = np.concatenate([self._pending, np.zeros(VAD_FRAME - len(self._pending), np.float32)])
            self._pending = np.zeros(0, dtype=np.float32)
            self._frame(padded, float(self._vad(padded[np.newaxis])[0]))
        if self._utterance is not None:
            self._finalize(self._utterance.last_speech_end + ms_to_samples(self.options.post_speech_ms), END_OF_DATA)
        self._speaking = False

    def pause(self) -> None:
        """Return None after finalizing the words of the utterance under way that the recording's pause did not cut.

        A recording goes on after a pause as if it had none. The buffer is heard as it is; its words that end
        PAUSE_WORD_MARGIN_MS before the pause are committed, and those up to the last sentence end among them are
        the final. The buffer is kept: the rest (a sentence under way, a word the pause cut in two, and words whisper
        left out at the cut) is heard again after what came before it, when the recording resumes or at the end of
        the stream. Finalized without a sentence end, quick pauses cut sentences into finals of a word or two.
        Cut at a quiet frame before the pause instead, the words between that frame and the last one whisper heard
        were lost ("And I'm" of "And I'm Sheila", paused in "Sheila"), and a stop while paused heard the rest alone
        ("at least" as "time."). Between utterances a pause is a flush.
        """
        utterance = self._utterance
        if utterance is None or not self._speaking:
            self.flush()
            return
        self.encoder_thread.drop()  # the buffer is heard whole now
        if utterance.decoded_to < utterance.end and utterance.speech >= ms_to_samples(self.options.min_speech_ms):
            words = self.hearing.decode(utterance, utterance.audio(), beam=self.options.interim_beam_size)
            self.stats.final_decodes += 1
            utterance.decoded_to = utterance.end
            utterance.tail = after_committed(utterance.anchor, words)
        limit = samples_to_ms(utterance.end) - PAUSE_WORD_MARGIN_MS
        whole = 0
        while whole < len(utterance.tail) and utterance.tail[whole].end_ms <= limit:
            whole += 1
        utterance.committed.extend(utterance.tail[:whole])
        utterance.tail = utterance.tail[whole:]
        count = _through_last_sentence_end(utterance.committed, otherwise=0)
        if count:
            self._finish_result(utterance, count, END_OF_DATA)
        waiting = utterance.committed + utterance.tail
        if waiting and self.options.interim_results:  # what waits for the resume is shown as it was heard
            utterance.shown = (" ".join(w.text for w in waiting), len(utterance.committed))
            self._emit(utterance, waiting, final=False)

    def _split_at_phrase_end(self, utterance: UtteranceBuffer) -> None:
        """Finalize the committed words up to the last committed sentence end (Watson's split_transcript_at_phrase_end)."""
        if not self.options.split_at_phrase_end:
            return
        committed = utterance.committed
        for k in range(len(committed) - 1, -1, -1):
            if committed[k].text[-1:] in ".?!" and committed[k].end_ms - samples_to_ms(utterance.first) >= self.options.min_phrase_ms:
                self._finish_result(utterance, k + 1, FULL_STOP)
                return

    def _finish_result(self, utterance: UtteranceBuffer, count: int, ending: str) -> None:
        """Emit the first `count` committed words as a final; cut a long buffer in the pause after them."""
        done = utterance.committed[:count]
        following = (utterance.committed + utterance.tail)[count:]
        self._emit(utterance, done, final=True, ending=ending)
        self.hearing.remember(done)
        gap_end = following[0].offset_ms if following else done[-1].end_ms + 200
        quiet = utterance.quiet_point(done[-1].end_ms - 100, max(gap_end, done[-1].end_ms) + 100)
        utterance.next_result(done, samples_to_ms(quiet))
        paused = utterance.speech_at(quiet) < self.options.vad_threshold - VAD_HYSTERESIS
        if utterance.length > ms_to_samples(self.options.trim_after_ms + (0 if paused else UNPAUSED_TRIM_MS)):
            utterance.cut(quiet)
            log.debug("buffer cut to %d ms after a final", samples_to_ms(utterance.length))

    def _split(self) -> None:
        """Finalize an over-long result at its last sentence end heard (else its last word heard); the rest goes on as
        the next result."""
        utterance = self._utterance
        count = self._heard_words(utterance)
        if not count:  # nothing agreed yet (the recognizer is behind): cut in the quietest recent frame
            now = samples_to_ms(self._position)
            self._finalize(utterance.quiet_point(now - 3000, now - 300), RESET, carry=True)
            return
        self._finish_result(utterance, count, RESET)

    def _heard_words(self, utterance: UtteranceBuffer) -> int:
        """Return how many words an over-long result finalizes, committing the latest hypothesis' words that were heard
        `commit_margin_ms` before the end of its audio: behind the audio (interim decodes skipped), no second hypothesis
        came to agree on them, and a result finalized at its few committed words was cut mid-sentence ("I need" out of
        "Neither did I"), in speech, where the next decode lost its first words. Up to the last sentence end among
        them, if any."""
        limit = samples_to_ms(utterance.decoded_to) - self.options.commit_margin_ms
        heard = 0
        while heard < len(utterance.tail) and utterance.tail[heard].end_ms <= limit:
            heard += 1
        utterance.committed.extend(utterance.tail[:heard])
        utterance.tail = utterance.tail[heard:]
        return _through_last_sentence_end(utterance.committed)

    def _finalize(self, end: int, ending: str, *, carry: bool = False) -> None:
        """Emit the final of the buffer up to `end`; what follows becomes the pre-roll, or the next utterance when carried."""
        utterance, self._utterance = self._utterance, None
        end = min(max(end, utterance.start), utterance.end)
        audio = utterance.audio()
        after = min(len(utterance.probabilities), -(-(end - utterance.start) // VAD_FRAME))
        if carry:
            end = utterance.start + after * VAD_FRAME
            self._utterance = self._carried(utterance, after)
        else:
            keep = ms_to_samples(self.options.pre_speech_ms) // VAD_FRAME
            frames = max(after, len(utterance.probabilities) - keep)
            self._preroll = audio[frames * VAD_FRAME:].copy()
            self._preroll_probabilities = utterance.probabilities[frames:]
        words: list[Word] = []
        covered = min(end, utterance.last_speech_end + ms_to_samples(REUSE_MARGIN_MS))
        if utterance.decoded_to >= covered and utterance.decoded_to > utterance.start and not carry:
            # the last interim decode already heard all of it: its hypothesis is the final (no wait at the pause,
            # not even for a buffer still being encoded, which is dropped)
            self.encoder_thread.drop()
            words = utterance.committed + [w for w in utterance.tail if w.offset_ms < samples_to_ms(end)]
            self.stats.reused_finals += 1
        elif utterance.speech >= ms_to_samples(self.options.min_speech_ms) or utterance.committed:
            beam = 1 if self.hurry else self.options.final_beam_size
            ahead = self.encoder_thread.take(utterance)  # a decode is needed: its encoder pass would wait for this one anyway
            if ahead is not None and ahead.end >= covered and not carry and beam == self.options.interim_beam_size:
                # the buffer encoded ahead heard all of it: its words are the final, without another encoder pass
                decoded = [w for w in self.hearing.words(ahead, beam=beam) if w.offset_ms < samples_to_ms(end)]
            else:
                decoded = self.hearing.decode(utterance, audio[: end - utterance.start], beam=beam)
            self.stats.final_decodes += 1
            words = utterance.committed + after_committed(utterance.anchor, decoded)
        else:
            self.encoder_thread.drop()
        if words:
            self._emit(utterance, words, final=True, ending=ending)
            self.hearing.remember(words)
            if not self.language.decided:  # asked again on all the finals' speech, until it is kept
                speech = self.language.heard(audio[: end - utterance.start])
                self.language.guess(self.whisper.languages(self.whisper.encode(speech)))
        elif utterance.index is not None:  # interim text was shown: say it came to nothing
            self._emit(utterance, [], final=True, ending=ending)

    def _carried(self, utterance: UtteranceBuffer, frames: int) -> UtteranceBuffer:
        """Return a new utterance holding the buffer after its first `frames` frames."""
        start = utterance.start + frames * VAD_FRAME
        rest = UtteranceBuffer(start=start, first=start, decoded_to=start, silence=utterance.silence,
                          last_speech_end=max(start, utterance.last_speech_end))
        rest.chunks = [utterance.audio()[frames * VAD_FRAME:]]
        rest.probabilities = utterance.probabilities[frames:]
        rest.length = len(rest.chunks[0])
        rest.speech = VAD_FRAME * sum(p >= self.options.vad_threshold for p in rest.probabilities)
        return rest

    def _emit(self, utterance: UtteranceBuffer, words: list[Word], *, final: bool, ending: str | None = None) -> None:
        if utterance.index is None:
            utterance.index, self._next_index = self._next_index, self._next_index + 1
        forms = forms_of_words((w.text for w in words), self.locale)
        offset = words[0].offset_ms if words else samples_to_ms(utterance.first)
        end = words[-1].end_ms if words else offset
        result = Utterance(
            result_id=utterance.result_id, channel=0, offset_ms=offset, duration_ms=max(0, end - offset), forms=forms,
            confidence=round(float(np.mean([w.confidence or 0.0 for w in words])), 4) if words else 0.0, words=list(words),
        )
        stable = len(words) if final else min(len(utterance.committed), len(words))
        event = RecognitionEvent(result_index=utterance.index, final=final, utterance=result, stable_words=stable,
                                 audio_ms=self.heard_ms, no_match=final and not words, end_of_utterance=ending)
        self.on_event(event)


def _through_last_sentence_end(words: list[Word], otherwise: int | None = None) -> int:
    """Return how many words lead up to the last sentence end among them (when none ends a sentence: `otherwise`,
    by default all of them)."""
    ends = [k + 1 for k, w in enumerate(words) if w.text[-1:] in ".?!"]
    return ends[-1] if ends else len(words) if otherwise is None else otherwise
