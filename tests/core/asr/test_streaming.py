"""The streaming recognizer on real audio with the real tiny.en model: interim/final semantics, stable words, pauses, short buffers."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import numpy as np
import pytest

from core.asr.agreement import after_committed, agreed_prefix, normalized
from core.asr.streaming import StreamingOptions, StreamingRecognizer
from core.asr.vad import StreamingVad
from core.audio.decode import load_audio
from core.results import Word
from helpers.reference import normalise, wer

RATE = 16_000
pytestmark = pytest.mark.slow


class Run:
    """Feeds audio in 100 ms blocks, asking for an interim decode after each, and records what happens."""

    def __init__(self, audio: np.ndarray, options: StreamingOptions, update_every: int = 1):
        self.events = []
        self.decoded_ms: list[int] = []
        self.recognizer = StreamingRecognizer(options, on_event=self.events.append)
        original = self.recognizer.hearing.words  # every decode, interim or final, encoded ahead or not, ends here

        def measured(snapshot, **kw):
            self.decoded_ms.append((snapshot.end - snapshot.start) * 1000 // RATE)
            return original(snapshot, **kw)

        self.recognizer.hearing.words = measured
        for block, at in enumerate(range(0, len(audio), 1600)):
            self.recognizer.feed(audio[at:at + 1600])
            if block % update_every == 0:  # a recognizer behind the audio: interim decodes left out
                self.recognizer.update(wait=True)
        self.recognizer.flush()
        self.recognizer.close()

    @property
    def finals(self):
        return [e for e in self.events if e.final and not e.no_match]

    def text(self) -> str:
        return " ".join(e.utterance.display for e in self.finals)


@pytest.fixture(scope="module")
def audio(sample_wav) -> np.ndarray:
    return load_audio(sample_wav)


CUT_S = 21.6  # the sample's first 15 s of speech, up to "I'm in New Jersey now though."


@pytest.fixture(scope="module")
def live_run(audio) -> Run:
    """The sample's first 21.6 s heard as a live stream with interim decodes every second of new audio."""
    return Run(audio[: int(CUT_S * RATE)], StreamingOptions(update_interval_ms=1000))


@pytest.fixture(scope="module")
def cut_reference(sample_dir) -> str:
    from helpers.reference import stm_lines

    return " ".join(text for start, end, _, text in stm_lines(sample_dir / "sample.stm") if end <= CUT_S)


def _words(event) -> list[str]:
    return [normalized(w.text) for w in event.utterance.words]


def test_each_utterance_shows_interims_then_one_final_under_one_result_index(live_run):
    events = live_run.events
    assert any(not e.final for e in events) and live_run.finals
    indices = [e.result_index for e in events]
    assert indices == sorted(indices)  # one utterance at a time, in order
    assert sorted(set(indices)) == list(range(max(indices) + 1))
    by_index = defaultdict(list)
    for e in events:
        by_index[e.result_index].append(e)
    for index, group in by_index.items():
        assert [e.final for e in group] == [False] * (len(group) - 1) + [True], index
        assert len({e.utterance.result_id for e in group}) == 1  # interims and final share the ResultId
    assert len({e.utterance.result_id for e in live_run.finals}) == len(live_run.finals)
    assert sum(not e.final for e in events) >= len(live_run.finals)  # interims come before most finals


def test_committed_words_never_change(live_run):
    by_index = defaultdict(list)
    for e in live_run.events:
        by_index[e.result_index].append(e)
    for group in by_index.values():
        for k, event in enumerate(group):
            stable = _words(event)[: event.stable_words]
            for later in group[k + 1:]:
                assert _words(later)[: len(stable)] == stable


def test_a_word_is_committed_only_once_it_ends_well_before_the_audio_heard(live_run):
    margin = live_run.recognizer.options.commit_margin_ms
    interims = [e for e in live_run.events if not e.final]
    assert margin >= 1000 and any(e.stable_words for e in interims)
    for e in interims:
        assert all(w.end_ms <= e.audio_ms - margin for w in e.utterance.words[: e.stable_words]), e.utterance.display
    assert any(e.stable_words < len(e.utterance.words) for e in interims)  # the words near the end wait


def test_an_interim_comes_when_its_text_changes_or_more_of_its_words_become_stable(live_run):
    by_index = defaultdict(list)
    for e in live_run.events:
        if not e.final:
            by_index[e.result_index].append(e)
    for group in by_index.values():
        for before, after in zip(group, group[1:]):
            assert 0 <= after.stable_words <= len(after.utterance.words)
            assert after.stable_words >= before.stable_words  # committed words stay committed
            if after.utterance.display == before.utterance.display:
                assert after.stable_words > before.stable_words  # no interim repeats one already shown


def test_finals_read_like_the_reference(live_run, cut_reference):
    assert wer(cut_reference, live_run.text()) <= 0.25
    offsets = [e.utterance.offset_ms for e in live_run.finals]
    assert offsets == sorted(offsets)
    for e in live_run.finals:
        u = e.utterance
        assert 6000 <= u.offset_ms and u.end_ms <= CUT_S * 1000 + 100
        assert all(u.offset_ms <= w.offset_ms and w.end_ms <= u.end_ms for w in u.words)
        assert u.forms.display == " ".join(w.text for w in u.words)
        assert u.lexical and u.itn and u.masked_itn and u.lexical == u.lexical.lower()  # the four text forms are filled in


def test_a_conversation_without_pauses_is_still_split_and_the_buffer_stays_short(live_run):
    assert len(live_run.finals) >= 4  # the sample never pauses 0.8 s: finals come at sentence ends
    endings = [e.end_of_utterance for e in live_run.finals]  # Watson's end_of_utterance
    assert endings[-1] == "end_of_data" and set(endings[:-1]) == {"full_stop"}, endings
    assert all(e.end_of_utterance is None for e in live_run.events if not e.final)
    assert max(live_run.decoded_ms) <= 20_500
    assert live_run.recognizer.stats.interim_decodes >= 8


def test_without_interim_results_the_finals_are_the_same(audio, live_run):
    """interim_results=False only leaves out the interim events, as in Watson. It left out the interim decodes too, so no
    word was committed and no sentence end ended a result: the sample came out as a 16.6 s final cut in mid-sentence."""
    quiet = Run(audio[: int(CUT_S * RATE)], StreamingOptions(update_interval_ms=1000, interim_results=False))
    assert quiet.events and all(e.final for e in quiet.events)
    assert [e.utterance.display for e in quiet.finals] == [e.utterance.display for e in live_run.finals]
    assert [e.end_of_utterance for e in quiet.finals] == [e.end_of_utterance for e in live_run.finals]
    assert [e.result_index for e in quiet.finals] == list(range(len(quiet.finals)))


def _with_pause(audio: np.ndarray, pause_s: float) -> np.ndarray:
    rng = np.random.default_rng(0)
    quiet = (0.001 * rng.standard_normal(int(RATE * pause_s))).astype(np.float32)
    return np.concatenate([audio[int(6.4 * RATE):int(9.95 * RATE)], quiet, audio[int(12.45 * RATE):int(14.3 * RATE)]])


def test_a_pause_longer_than_end_of_phrase_silence_ends_the_utterance(audio):
    clip = _with_pause(audio, 1.5)
    finals_only = dict(interim_results=False, split_at_phrase_end=False)
    split = Run(clip, StreamingOptions(**finals_only)).finals
    assert len(split) == 2
    assert "hello" in normalise(split[0].utterance.display) and "jersey" in normalise(split[1].utterance.display)
    assert split[1].utterance.offset_ms >= 3550 + 1500 - 300  # after the pause (pre-roll allowed)
    assert [e.result_index for e in split] == [0, 1]
    assert [e.end_of_utterance for e in split] == ["silence", "end_of_data"]
    joined = Run(clip, StreamingOptions(end_of_phrase_silence_ms=2000, **finals_only)).finals
    assert len(joined) == 1 and "jersey" in normalise(joined[0].utterance.display)


def test_with_interims_the_final_at_a_pause_needs_no_new_decode(audio):
    run = Run(_with_pause(audio, 1.5), StreamingOptions(split_at_phrase_end=False))
    assert len(run.finals) == 2
    assert run.recognizer.stats.reused_finals >= 1  # the first final came from the hypothesis heard before the pause
    first = [e for e in run.events if e.result_index == 0]
    assert first[-1].audio_ms - first[-1].utterance.end_ms <= 800 + 250 + 100  # emitted when the pause was heard
    assert "hello" in normalise(run.finals[0].utterance.display) and "jersey" in normalise(run.finals[1].utterance.display)


def test_a_decode_that_heard_the_last_word_is_the_final_though_the_vad_heard_speech_after_it(audio):
    """The VAD's speech ends 60-190 ms after the word does (the sample's sentence ends: 64, 160, 192, 160 ms).

    Here the last interim decode stops 30 ms before the end of "there": the VAD goes on hearing
    speech for ~100 ms more. The decode already has the word, so the pause's final is that
    hypothesis; it used to decode the whole buffer once more, a whole decode late on a slow machine.
    """
    rng = np.random.default_rng(0)
    stream = np.concatenate([audio[int(6.4 * RATE):int(9.798 * RATE)], (0.001 * rng.standard_normal(RATE * 3 // 2)).astype(np.float32)])
    cut = int((9.798 - 6.4 - 0.03) * RATE)
    events = []
    recognizer = StreamingRecognizer(StreamingOptions(split_at_phrase_end=False), on_event=events.append)
    for at in range(0, cut, 1600):
        recognizer.feed(stream[at:min(at + 1600, cut)])
    assert recognizer.update(wait=True)
    utterance = recognizer._utterance
    recognizer.feed(stream[cut:cut + 3200])
    assert utterance.last_speech_end > utterance.decoded_to  # the VAD still heard speech after the decode
    recognizer.feed(stream[cut + 3200:])
    finals = [e for e in events if e.final]
    assert len(finals) == 1 and normalise(finals[0].utterance.display).endswith("i didn't know you were there")
    assert recognizer.stats.final_decodes == 0 and recognizer.stats.reused_finals == 1
    recognizer.close()


def test_a_pause_whose_speech_was_all_heard_does_not_wait_for_the_encoder(audio):
    """The last interim heard all the speech, and one more buffer went to the encoder thread as the pause
    began: the final is that interim's hypothesis at once, and the buffer still being encoded is dropped."""
    rng = np.random.default_rng(0)
    stream = np.concatenate([audio[int(6.4 * RATE):int(9.798 * RATE)], (0.001 * rng.standard_normal(RATE * 3 // 2)).astype(np.float32)])
    cut = int((9.798 - 6.4 - 0.03) * RATE)
    events = []
    recognizer = StreamingRecognizer(StreamingOptions(split_at_phrase_end=False), on_event=events.append)
    if not recognizer.whisper.overlaps:
        pytest.skip("one CPU core: nothing to overlap")
    encode = recognizer.whisper.encode

    def slow_on_its_thread(chunk):
        if threading.current_thread().name.startswith("whisper-encoder"):
            time.sleep(1.5)  # a slow machine's encoder pass
        return encode(chunk)

    recognizer.feed(stream[:cut])
    assert recognizer.update(wait=True)  # heard up to 30 ms before the end of "there"
    recognizer.whisper.encode = slow_on_its_thread
    recognizer.feed(stream[cut:cut + 6400])  # the VAD hears the word end, then the pause begin
    assert recognizer.update() is False and recognizer.encoder_thread.pending is not None  # the pause's decode is on its way
    began = time.perf_counter()
    recognizer.feed(stream[cut + 6400:])
    waited = time.perf_counter() - began
    finals = [e for e in events if e.final]
    assert len(finals) == 1 and normalise(finals[0].utterance.display).endswith("i didn't know you were there")
    assert recognizer.stats.reused_finals == 1 and recognizer.stats.final_decodes == 0
    assert waited < 1.0  # the final did not wait for the encoder's 1.5 s
    recognizer.close()


def test_a_buffer_sent_to_the_encoder_before_the_recognizer_fell_behind_is_not_decoded_after(audio):
    """While the recognizer is behind, the session skips interims; the buffer already with the encoder
    would be seconds old once the backlog is gone, so the next update encodes the audio as it is then."""
    events = []
    recognizer = StreamingRecognizer(StreamingOptions(split_at_phrase_end=False), on_event=events.append)
    if not recognizer.whisper.overlaps:
        pytest.skip("one CPU core: nothing to overlap")
    speech = audio[int(14.4 * RATE):int(21.4 * RATE)]  # Sheila, then Diane, without a pause
    recognizer.feed(speech[:2 * RATE])
    assert recognizer.update() is False and recognizer.encoder_thread.pending is not None
    stale = recognizer.encoder_thread.pending
    recognizer.skip_update()  # the session is behind
    assert recognizer.encoder_thread.pending is None and recognizer.stats.skipped_updates == 1
    recognizer.feed(speech[2 * RATE:5 * RATE])  # the backlog is fed
    assert recognizer.update(wait=True)
    assert recognizer._utterance.decoded_to > stale.end + 2 * RATE  # the decode heard the audio fed since
    assert "chicago" in normalise(events[-1].utterance.display)
    recognizer.close()


def test_the_next_buffer_is_encoded_while_the_words_of_the_last_are_generated(audio):
    """On CPU the encoder and the generator are separate model copies: while the words of one buffer
    are generated, the audio that came in meanwhile is encoded on the encoder thread, and `on_encoded`
    says when it is ready. A call that starts an encoder pass returns at once."""
    events, ready, encodes, generations = [], [], [], []
    recognizer = StreamingRecognizer(StreamingOptions(split_at_phrase_end=False), on_event=events.append)
    whisper = recognizer.whisper
    if not whisper.overlaps:  # the default model on a CPU with 2 cores or more
        pytest.skip("one CPU core: nothing to overlap")
    encode, decode = whisper.encode, whisper.decode

    def timed_encode(chunk):
        began = time.perf_counter()
        encoded = encode(chunk)
        encodes.append((threading.current_thread().name, began, time.perf_counter(), len(chunk)))
        return encoded

    def timed_decode(encoded, **kw):
        began = time.perf_counter()
        heard = decode(encoded, **kw)
        generations.append((began, time.perf_counter(), encoded.samples))
        return heard

    whisper.encode, whisper.decode = timed_encode, timed_decode
    recognizer.encoder_thread.on_encoded = lambda: ready.append(threading.current_thread().name)
    stream = _with_pause(audio, 1.5)  # "Hello? ... you were there. Neither" + a pause + "This is Diane in New Jersey"
    recognizer.feed(stream[:2 * RATE])
    assert recognizer.update() is False  # the first buffer goes to the encoder thread; nothing waits for it
    for at in range(2 * RATE, len(stream), RATE):  # a second of audio arrives while each buffer is encoded
        recognizer.feed(stream[at:at + RATE])
        recognizer.update(wait=True)
    recognizer.flush()
    recognizer.close()

    background = [e for e in encodes if e[0].startswith("whisper-encoder")]
    assert len(background) >= 4 and len(ready) == len(background)
    # each buffer sent while words were being generated holds the second of audio fed during that time
    lengths = [e[3] for e in background]
    assert all(abs(later - earlier - RATE) < 512 for earlier, later in zip(lengths[:2], lengths[1:3]))  # 512: a VAD frame
    overlapped = [g for g in generations if any(e[1] < g[1] and g[0] < e[2] for e in background)]
    assert overlapped  # words were generated while the next buffer was being encoded
    finals = [e for e in events if e.final and not e.no_match]
    assert [normalise(f.utterance.display) for f in finals][0] == "hello hello oh hello i didn't know you were there"
    assert len(finals) == 2 and normalise(finals[1].utterance.display).endswith("new jersey")


def test_a_soft_first_word_after_a_long_silence_is_not_lost(audio):
    """The end of the sample, then its start again: Diane's faint "Hello?" (10.68 s here) stays under the VAD threshold."""
    stream = np.concatenate([audio[26 * RATE:], audio[: 12 * RATE]])
    probabilities = StreamingVad()(stream[: len(stream) // 512 * 512].reshape(-1, 512))
    assert probabilities[int(10.6 * RATE) // 512:int(11.2 * RATE) // 512].max() < 0.5  # the VAD misses it...
    run = Run(stream, StreamingOptions(update_interval_ms=1000))
    after_silence = [e.utterance for e in run.finals if e.utterance.offset_ms > 5000]
    first = after_silence[0]
    assert first.offset_ms <= 10_800  # ...but the buffer began early enough for whisper to hear it,
    assert first.offset_ms >= 10_500  # and the word is not stretched back over the quiet second before it
    assert normalise(" ".join(u.display for u in after_silence)).startswith("hello hello oh hello")


def test_a_one_word_answer_said_on_its_own_is_heard(audio):
    """The sample's first "Hello?" alone, in a quiet room: its VAD frames over the threshold last 160 ms."""
    rng = np.random.default_rng(2)
    word = audio[int(6.6 * RATE):int(7.1 * RATE)]
    stream = np.concatenate([np.zeros(RATE, np.float32), word, np.zeros(2 * RATE, np.float32)])
    run = Run(stream + rng.normal(0, 0.001, len(stream)).astype(np.float32), StreamingOptions())
    assert [normalise(e.utterance.display) for e in run.finals] == ["hello"]
    assert 900 <= run.finals[0].utterance.offset_ms <= 1300


def test_a_one_word_answer_the_vad_hears_only_briefly_is_heard(audio):
    """The sample up to its first "Hello?" and then a pause: there the VAD is over its threshold for 128 ms only (under
    the 150 ms that used to make an utterance), and the word was lost, live, while a file transcription kept it."""
    run = Run(np.concatenate([audio[: int(7.35 * RATE)], np.zeros(2 * RATE, np.float32)]), StreamingOptions())
    assert [normalise(e.utterance.display) for e in run.finals] == ["hello"]
    assert 6500 <= run.finals[0].utterance.offset_ms <= 7000
    assert run.recognizer.stats.interim_decodes == 0  # too short for an interim decode: one decode, for its final


def test_a_constant_offset_in_the_input_is_taken_out_before_the_vad(audio):
    """0.2 of full scale added to the sample (some converters add an offset): the VAD heard a third of its speech."""
    run = Run(audio[int(6.4 * RATE):int(14.5 * RATE)] + np.float32(0.2), StreamingOptions())
    text = normalise(run.text())
    assert "i didn't know you were there" in text and "this is diane in new jersey" in text


def test_a_small_offset_is_left_as_it_is_and_a_large_one_taken_out():
    from core.audio.levels import DcRemover

    rng = np.random.default_rng(4)
    quiet = (0.01 * rng.standard_normal(1600) + 0.0001).astype(np.float32)
    remover = DcRemover()
    assert all(np.array_equal(remover(quiet), quiet) for _ in range(50))  # whisper hears a clean recording unchanged
    remover = DcRemover()
    blocks = [remover(quiet + np.float32(0.2)) for _ in range(50)]
    assert abs(float(blocks[0].mean())) < 0.001 and abs(float(blocks[-1].mean())) < 0.001
    # a file's 30 s chunks are followed 100 ms at a time: an offset that steps up mid-chunk is out within about 1 s
    chunk = np.tile(quiet, 300)  # 30 s
    chunk[len(chunk) // 2:] += np.float32(0.2)
    out = DcRemover()(chunk)
    settled = out[len(chunk) // 2 + 3 * 16_000:]
    assert abs(float(out[: len(chunk) // 2].mean())) < 0.001 and abs(float(settled.mean())) < 0.001


def test_ten_minutes_of_digital_silence_leave_the_vad_as_keen_as_before(audio):
    """A muted input delivers zeros: silero fed them drifted, and was deaf for 20 s after (the first "Hello?" was lost)."""
    n = len(audio) // 512
    frames = audio[: n * 512].reshape(n, 512)
    alone = StreamingVad()(frames)
    vad = StreamingVad()
    muted = vad(np.zeros((600 * RATE // 512, 512), np.float32))
    assert muted.max() == 0
    assert np.max(np.abs(vad(frames) - alone)) < 1e-3  # the same probabilities as a fresh VAD's
    run = Run(np.concatenate([np.zeros(600 * RATE, np.float32), audio[: 12 * RATE]]), StreamingOptions(update_interval_ms=1000))
    assert run.finals[0].utterance.offset_ms <= 606_800  # the first "Hello?", at 6.7 s of the sample
    assert normalise(run.text()).startswith("hello hello oh hello")


def test_silence_and_faint_noise_give_no_results_and_no_decodes():
    rng = np.random.default_rng(1)
    noise = (0.002 * rng.standard_normal(RATE * 5)).astype(np.float32)
    run = Run(np.concatenate([np.zeros(RATE * 3, np.float32), noise]), StreamingOptions())
    assert run.events == [] and run.decoded_ms == []


def test_an_utterance_longer_than_the_limit_is_cut_in_a_quiet_frame_without_losing_words(audio, sample_reference):
    # no interim decode at all (a recognizer far behind), so no word is committed when the limit comes
    run = Run(audio, StreamingOptions(split_at_phrase_end=False, max_utterance_ms=12_000), update_every=10**6)
    assert len(run.finals) >= 2
    assert max(run.decoded_ms) <= 12_500
    assert "reset" in [e.end_of_utterance for e in run.finals[:-1]]  # cut for its length, as Watson's two-minute reset
    assert wer(sample_reference, run.text()) <= 0.3


def test_behind_the_audio_an_over_long_result_ends_at_a_sentence_end_it_heard_and_loses_no_words(audio, sample_reference):
    """With an interim decode only every 3 s of audio (a slow machine, or a file played faster than recognition), few
    words are agreed on by two hypotheses. The sample's 23 s without a pause then reached the 20 s limit with only "I
    need" committed: that final cut "Neither did I" in two, in speech, and the next decode lost "did I. Okay, I
    thought, you know, I heard a beep. This" (live WER 28 %). Without finals at sentence ends, so that the limit is
    reached whatever sentence ends the few hypotheses agree on (they differ with the CPU's numerics)."""
    run = Run(audio, StreamingOptions(split_at_phrase_end=False), update_every=30)
    resets = [e for e in run.finals if e.end_of_utterance == "reset"]
    assert resets and all(e.utterance.display[-1] in ".?!" for e in resets)
    assert "i thought you know i heard a" in normalise(run.text())
    assert wer(sample_reference, run.text()) <= 0.2


@pytest.mark.parametrize("pause_s, kept", [(12.1, "i heard"), (19.0, "originally from chicago also"),
                                           (15.0, "and i'm sheila")])
def test_a_pause_of_the_recording_in_mid_word_keeps_the_word_for_when_it_resumes(audio, sample_reference, pause_s, kept):
    """Record ▸ Pause mid-sentence: the recording goes on after it as if it had none. Flushed at the pause, the word
    cut in two went to two finals, and whisper heard neither half ("I thought, you know." then "This is Diane":
    "I heard a beep" was lost; or "Oh, I'm originally from Chicago." then "from Chicago also"). Cut at a quiet frame
    before the pause, the words whisper had not heard between it and the pause were lost ("And I'm" at 15.0 s)."""
    events = []
    recognizer = StreamingRecognizer(StreamingOptions(), on_event=events.append)
    at = int(pause_s * RATE)
    for start in range(0, len(audio), 1600):
        if start == at // 1600 * 1600:
            recognizer.feed(audio[start:at])
            recognizer.pause()
            recognizer.feed(audio[at:start + 1600])
        else:
            recognizer.feed(audio[start:start + 1600])
        recognizer.update(wait=True)
    recognizer.flush()
    recognizer.close()
    finals = [e for e in events if e.final and not e.no_match]
    text = normalise(" ".join(e.utterance.display for e in finals))
    assert any(e.end_of_utterance == "end_of_data" for e in finals[:-1])  # the pause gave the words before it a final
    assert kept in text and text.count("chicago") == 2
    assert wer(sample_reference, text) <= 0.18


@pytest.mark.parametrize("pauses_s", [(12.1, 12.1), (14.3,), (15.0, 15.1, 15.2, 15.35)])
def test_pauses_never_cut_a_sentence_into_finals(audio, pauses_s):
    """Twice at once, just after a sentence, or pause-resume-pause quickly: the words held back at a pause without a
    sentence end became a final of their own ("Okay, I thought," / "you know, I heard a beat."; "And" / "I'm";
    "This is Diane in New" / "Jersey.")."""
    events = []
    recognizer = StreamingRecognizer(StreamingOptions(), on_event=events.append)
    cuts = sorted({int(p * RATE) for p in pauses_s})
    fed = 0
    for end in [*cuts, len(audio)]:
        for start in range(fed, end, 1600):
            recognizer.feed(audio[start:min(start + 1600, end)])
            recognizer.update(wait=True)
        fed = end
        for _ in range(pauses_s.count(end / RATE) if end < len(audio) else 0):
            recognizer.pause()
    recognizer.flush()
    recognizer.close()
    finals = [e.utterance.display for e in events if e.final and not e.no_match]
    assert all(text[-1] in ".?!" for text in finals[:-1]), finals
    if pauses_s[0] > 14:  # and the sentence under way is all there
        assert "and i'm sheila" in normalise(" ".join(finals))


@pytest.mark.parametrize("pause_s, last", [(25.0, "well there isn't that much difference at least"),
                                           (9.5, "oh hello i didn't know you")])
def test_a_stop_while_paused_hears_the_words_before_the_pause_with_what_came_before_them(audio, pause_s, last):
    """Pause, then Stop without resuming: the words the pause may have cut are heard at the end of the stream after
    the audio before them. Cut off at the pause and heard alone, "at least" of the sample came out as "time."."""
    events = []
    recognizer = StreamingRecognizer(StreamingOptions(), on_event=events.append)
    at = int(pause_s * RATE)
    for start in range(0, at, 1600):
        recognizer.feed(audio[start:min(start + 1600, at)])
        recognizer.update(wait=True)
    recognizer.pause()
    recognizer.flush()
    recognizer.close()
    finals = [e for e in events if e.final and not e.no_match]
    heard = normalise(" ".join(e.utterance.display for e in finals))
    assert heard.removesuffix(" were").endswith(last), heard  # ("were", cut by the pause at 9.5 s, may be heard or not)
    assert finals[-1].end_of_utterance == "end_of_data"
    assert [e.result_index for e in finals] == sorted({e.result_index for e in finals})  # each index final once


def test_a_long_buffer_is_cut_after_a_final_in_a_pause_not_in_the_next_words():
    """With no pause after a sentence (a fast talker), the quietest frame between its last word and the next one is
    still speech, and whisper's word times are rough: a cut there cost the next result its first words (5 of 23
    cuts of a 3-minute monologue). The buffer is then cut at a later final, in a pause, or once it is much too long."""
    from core.asr.utterance_buffer import UtteranceBuffer

    def finish(seconds: float, gap: float) -> UtteranceBuffer:
        recognizer = StreamingRecognizer(StreamingOptions(), on_event=lambda event: None)
        buffer = UtteranceBuffer(start=0, first=0)
        for at in range(int(seconds * RATE) // 512):
            buffer.append(np.zeros(512, np.float32), gap if 4.95 <= at * 512 / RATE < 5.05 else 0.9)
        buffer.committed = [_w("Chicago", 4000, 4500), _w("also.", 4500, 4950), _w("I'm", 5100, 5300), _w("in", 5300, 5400)]
        recognizer._finish_result(buffer, 2, "full_stop")
        return buffer

    assert finish(10, gap=0.8).start == 0  # no pause: kept whole for now
    assert 4900 <= finish(10, gap=0.05).start * 1000 // RATE <= 5050  # a pause: cut in it
    assert finish(15, gap=0.8).start > 0  # much too long: cut all the same, so decodes stay short


def test_the_incremental_vad_matches_the_batch_vad(audio):
    from faster_whisper.vad import get_vad_model

    n = len(audio) // 512
    frames = audio[: n * 512].reshape(n, 512)
    batch = get_vad_model()(audio[: n * 512].copy()).reshape(-1)
    vad = StreamingVad()
    pieces = [vad(frames[at:at + k]) for at, k in zip(range(0, n, 7), [7] * n)]
    incremental = np.concatenate(pieces)
    assert incremental.shape == batch.shape
    assert np.max(np.abs(incremental - batch)) < 0.05
    speech = incremental >= 0.5
    first_speech_s = np.argmax(speech) * 512 / RATE
    assert 6.0 <= first_speech_s <= 7.2  # the sample is silent until 6.7 s
    assert speech[int(8.5 * RATE / 512):int(28 * RATE / 512)].mean() > 0.8


def _w(text: str, start: int, end: int) -> Word:
    return Word(text, start, end - start, 0.9)


def test_local_agreement_helpers():
    a = [_w("Hello,", 0, 300), _w("world", 300, 600), _w("again", 600, 900)]
    b = [_w("hello", 0, 300), _w("world.", 300, 600), _w("there", 600, 900)]
    assert agreed_prefix(a, b) == 2  # case and punctuation do not count
    assert agreed_prefix([], b) == 0
    committed = [_w("I", 0, 100), _w("know", 100, 400)]
    # a new hypothesis repeats the committed words: only what follows them is new
    again = [_w("I", 0, 100), _w("know", 120, 400), _w("you", 420, 600)]
    assert [w.text for w in after_committed(committed, again)] == ["you"]
    # a re-heard last word with a later timestamp is matched by its text
    shifted = [_w("know.", 350, 420), _w("you", 420, 600)]
    assert [w.text for w in after_committed(committed, shifted)] == ["you"]
    assert after_committed([], again) == again
    # heard otherwise this time: a word starting before the last committed word, itself without length, is not new
    rewritten = [_w("Neither", 10_170, 10_400), _w("did", 10_400, 10_550), _w("I.", 10_550, 10_770)]
    assert [w.text for w in after_committed([_w("I", 10_130, 10_250), _w("need", 10_250, 10_250)], rewritten)] == ["did", "I."]
    # ...while a word starting as a committed word without length ends is new ("I" 8.99-8.99 s, "didn't" from 8.99 s)
    assert [w.text for w in after_committed([_w("I", 8_990, 8_990)], [_w("didn't", 8_990, 9_230)])] == ["didn't"]


def test_a_word_after_a_stretched_committed_word_is_kept():
    # "also." was committed at the end of a buffer, where whisper's alignment stretched its end to 20.35 s;
    # re-decoded with more audio it ends at 20.12 s and "I'm" starts at 20.17 s (sample.stm: 20.173 s)
    committed = [_w("Chicago", 18900, 19400), _w("also.", 19450, 20350)]
    heard = [_w("Chicago", 18900, 19400), _w("also.", 19450, 20120), _w("I'm", 20170, 20300), _w("in", 20300, 20400)]
    assert [w.text for w in after_committed(committed, heard)] == ["I'm", "in"]
    # a word said twice: the committed "Hello?" is the first one, so the second is new (it used to be dropped)
    hello = [_w("Hello?", 6680, 7160)]
    twice = [_w("Hello?", 6680, 7160), _w("Hello?", 7630, 8150), _w("Oh,", 8440, 8600)]
    assert [w.text for w in after_committed(hello, twice)] == ["Hello?", "Oh,"]
    # the same text far from the committed words is another occurrence: time decides
    later = [_w("also", 25000, 25300), _w("then", 25300, 25600)]
    assert [w.text for w in after_committed(committed, later)] == ["also", "then"]
