"""Live speaker labels on pyannote's sample: two speakers found, agreement with sample.rttm, no flicker, silence unlabelled.

The tracker is fed the way a session feeds it (100 ms blocks, in order) and asked for labels the
way finals ask for them (each reference utterance once 0.8 s of audio past its end has been heard);
then the same file goes through a real ConversationTranscriber with the file played at full speed.
"""

from __future__ import annotations

import collections
import itertools
import logging
import re

import numpy as np
import pytest

from core.diarization.assign import piece_id
from core.live.online_speakers import OnlineSpeakerOptions, OnlineSpeakerTracker
from core.live.speakers import NoSpeakers, interim_turns, label_utterance, speaker_tracker_for, split_by_speaker
from core.results import TextForms, Utterance, Word
from helpers.speaker_metrics import agreement
from helpers.speaker_metrics import der as der_details

log = logging.getLogger(__name__)

BLOCK = 1600  # 100 ms, like the sources
PAUSE_MS = 800  # a final comes after this much silence
SILENT_SPAN = (0, 6000)  # the sample's first 6 s hold no speech (sample.rttm starts at 6.69 s)
# a fixed step keeps the test repeatable on a busy machine (the default grows it when a window is slow)
FIXED = OnlineSpeakerOptions(max_cpu_share=100.0)


def _reference(sample_dir) -> list[tuple[int, int, str]]:
    turns = []
    for line in (sample_dir / "sample.rttm").read_text().splitlines():
        f = line.split()
        start = round(float(f[3]) * 1000)
        turns.append((start, start + round(float(f[4]) * 1000), f[7]))
    return turns


def _utterances(sample_dir) -> list[tuple[int, int]]:
    from helpers.reference import stm_lines

    return [(round(start * 1000), round(end * 1000)) for start, end, *_ in stm_lines(sample_dir / "sample.stm")]


def der(turns, reference) -> float:
    """Return pyannote.metrics' diarization error rate (collar 0, overlap included)."""
    return float(der_details(turns, reference)["diarization error rate"])


@pytest.fixture(scope="module")
def fed(sample_wav, sample_dir):
    """The sample fed block by block to one tracker, labels asked like finals; what was answered, and when."""
    from core.audio.decode import load_audio

    audio = load_audio(sample_wav)
    tracker = OnlineSpeakerTracker(FIXED)
    tracker.load()  # a session's tracker loads while the recognizer does; here every block must be analysed
    pending = _utterances(sample_dir)
    given, footprints, peeked = [], {}, None
    for at in range(0, len(audio), BLOCK):
        tracker.feed(audio[at:at + BLOCK], at * 1000 // 16000)
        heard = (at + BLOCK) * 1000 // 16000
        while pending and pending[0][1] + PAUSE_MS <= heard:
            span = pending.pop(0)
            given.append((span, tracker.label(*span)))
        if heard == 6500:
            given.append((SILENT_SPAN, tracker.label(*SILENT_SPAN)))
        if heard == 12000:
            committed = tracker.turns()
            peeked = (committed, tracker.peek(9000, 12000), tracker.turns())
        if heard in (15000, 30000):
            footprints[heard] = tracker.footprint()
    given += [(span, tracker.label(*span)) for span in pending]
    total_ms = len(audio) * 1000 // 16000
    final = tracker.label(0, total_ms)
    return {"tracker": tracker, "given": given, "final": final, "total_ms": total_ms, "peeked": peeked,
            "footprints": footprints}


def test_two_speakers_are_found_and_agree_with_the_reference(fed, sample_dir):
    tracker, final = fed["tracker"], fed["final"]
    reference = _reference(sample_dir)
    share, error = agreement(final, reference, fed["total_ms"]), der(final, reference)
    cost = tracker.cpu_s * 1000 / (fed["total_ms"] / 1000)
    log.warning("sample: %d speakers, agreement %.3f, DER %.3f, %d windows, %d embeddings, CPU %.0f ms per s of audio",
                tracker.num_speakers, share, error, tracker.windows_run, tracker.embeddings_run, cost)
    assert tracker.num_speakers == 2 and {s for *_, s in final} == {1, 2}
    assert share >= 0.8  # measured 0.91
    assert error <= 0.3  # measured 0.17
    # numbers in order of appearance: the first turn labelled is Guest-1's, and it comes with the first exchange
    assert final[0][2] == 1 and final[0][0] < 9000


def test_labels_once_given_never_change(fed):
    tracker = fed["tracker"]
    assert len(fed["given"]) > 10
    for (start, end), turns in fed["given"]:
        assert tracker.label(start, end) == turns, (start, end)
        assert all(start <= a < b <= end for a, b, _ in turns)
    # the labels of a whole-session request are the committed turns themselves
    assert fed["final"] == tracker.turns()


def test_silence_gives_no_speaker(fed):
    assert dict(fed["given"])[SILENT_SPAN] == []
    assert fed["tracker"].label(*SILENT_SPAN) == []
    quiet = OnlineSpeakerTracker(FIXED, preload=False)  # loads on the first feed()
    rng = np.random.default_rng(0)
    audio = np.concatenate([np.zeros(5 * 16000, np.float32), rng.normal(0, 0.002, 5 * 16000).astype(np.float32)])
    for at in range(0, len(audio), BLOCK):
        quiet.feed(audio[at:at + BLOCK], at * 1000 // 16000)
    assert quiet.label(0, 10_000) == [] and quiet.num_speakers == 0
    assert quiet.peek(0, 10_000) == []


def test_peek_guesses_without_fixing_anything(fed):
    before, guess, after = fed["peeked"]
    assert after == before  # nothing committed by peeking
    assert guess and {s for *_, s in guess} <= {1, 2}
    assert all(9000 <= a < b <= 12000 for a, b, _ in guess)


def test_memory_does_not_grow_with_the_session(fed):
    early, late = fed["footprints"][15000], fed["footprints"][30000]
    window = OnlineSpeakerOptions().window_ms * 16
    for footprint in (early, late):
        assert footprint["audio_samples"] <= 2 * window + 16000
        assert footprint["windows"] <= 12 and footprint["tracks"] <= 6
    assert late["windows"] <= early["windows"] + 2 and late["audio_samples"] <= early["audio_samples"] + 16000
    assert late["turns"] <= 20  # a few per speaker turn
    fed["tracker"].close()
    assert fed["tracker"].footprint()["audio_samples"] == 0 and fed["tracker"].turns() == fed["final"]


def _one_voice(audio: np.ndarray, reference, who: str, seed: int, seconds: float = 60, gaps=(0.2, 0.6)) -> np.ndarray:
    """Return a minute (or `seconds`) of one of the sample's voices: its turns (without the others' overlaps) in random
    order, `gaps` seconds apart."""
    pieces = []
    for start, end, speaker in reference:
        if speaker == who:
            spans = [(start, end)]
            for a, b, other in reference:
                if other != who:
                    spans = [p for s, e in spans for p in ((s, min(e, a)), (max(s, b), e)) if p[1] - p[0] > 300]
            pieces += [audio[s * 16:e * 16] for s, e in spans]
    rng, parts = np.random.default_rng(seed), []
    while sum(map(len, parts)) < seconds * 16000:
        parts += [pieces[rng.integers(len(pieces))], np.zeros(int(rng.uniform(*gaps) * 16000), np.float32)]
    joined = np.concatenate(parts)
    return joined + rng.normal(0, 0.001, len(joined)).astype(np.float32)


@pytest.mark.slow
def test_one_voice_is_one_speaker_though_the_model_gives_it_two_slots_of_a_window(sample_wav, sample_dir):
    """The segmentation model now and then gives one voice a second local slot in a window; that slot is not a second person."""
    from core.audio.decode import load_audio

    audio, reference = load_audio(sample_wav), _reference(sample_dir)
    found = {}
    for who, seed in itertools.product(sorted({s for *_, s in reference}), range(3)):
        minute = _one_voice(audio, reference, who, seed)
        tracker = OnlineSpeakerTracker(FIXED)
        tracker.load()
        for at in range(0, len(minute), BLOCK):
            tracker.feed(minute[at:at + BLOCK], at * 1000 // 16000)
        turns = tracker.label(0, len(minute) * 1000 // 16000)
        found[who, seed] = (tracker.num_speakers, {s for *_, s in turns})
        tracker.close()
    assert all(speakers == (1, {1}) for speakers in found.values()), found  # before: two Guests for speaker91 (seed 0)


def test_a_session_asks_for_the_online_tracker_when_diarizing():
    assert isinstance(speaker_tracker_for(False), NoSpeakers)
    tracker = speaker_tracker_for(True)
    assert isinstance(tracker, OnlineSpeakerTracker)
    assert interim_turns(tracker, 0, 1000) == [] and interim_turns(NoSpeakers(), 0, 1000) == []


def _utterance(words: list[Word], result_id: str = "r7") -> Utterance:
    text = " ".join(w.text for w in words)
    return Utterance(result_id, 0, words[0].offset_ms, words[-1].end_ms - words[0].offset_ms,
                     TextForms(text, text, text, text), 0.8, words=words)


def test_split_by_speaker_cuts_where_the_words_speaker_changes():
    words = [Word("Hello?", 0, 400, 0.9), Word("Hi.", 600, 300, 0.7), Word("How", 1000, 200, 0.8),
             Word("are", 1250, 150, 0.8), Word("you?", 1450, 300, 0.6)]
    pieces = split_by_speaker(_utterance(words), [(0, 450, 1), (550, 950, 2), (980, 1800, 1)])
    assert [p.speaker for p in pieces] == [1, 2, 1]
    assert [p.result_id for p in pieces] == ["r7", piece_id("r7", 2), piece_id("r7", 3)]  # the first keeps its interims' id
    assert [p.display for p in pieces] == ["Hello?", "Hi.", "How are you?"]
    assert [(p.offset_ms, p.end_ms) for p in pieces] == [(0, 400), (600, 900), (1000, 1750)]
    assert all({w.speaker for w in p.words} == {p.speaker} for p in pieces)
    assert pieces[2].confidence == round((0.8 + 0.8 + 0.6) / 3, 4)  # its words' mean, to 4 places like every result
    # one speaker throughout: one piece that keeps its id; no turns: unchanged
    whole = split_by_speaker(_utterance(words), [(0, 2000, 2)])
    assert len(whole) == 1 and whole[0].result_id == "r7" and whole[0].speaker == 2
    untouched = split_by_speaker(_utterance(words), [])
    assert len(untouched) == 1 and untouched[0].speaker is None and untouched[0].words == words
    # speaker numbers are kept as given (not renumbered by first appearance)
    assert [p.speaker for p in split_by_speaker(_utterance(words), [(0, 950, 3), (980, 1800, 1)])] == [3, 1]


@pytest.mark.slow
def test_a_session_playing_the_sample_labels_its_results(sample_wav, sample_dir):
    from core.audio.capture import FileSource
    from core.live import ConversationTranscriber, LiveOptions
    from core.store import Library

    transcriber = ConversationTranscriber(FileSource(sample_wav, speed=None), LiveOptions(mode="RealTime", diarize=True))
    tracker = transcriber.tracker
    assert isinstance(tracker, OnlineSpeakerTracker)
    tracker.load()  # as the app does before Record; audio heard while loading would go unlabelled
    asked, label = [], tracker.label

    def recorded(start_ms, end_ms):  # the turns each final was labelled with
        turns = label(start_ms, end_ms)
        asked.append((start_ms, end_ms, turns))
        return turns
    tracker.label = recorded
    transcriber.start()
    assert transcriber.wait(300)
    cid = transcriber.stop()
    results = transcriber.results()
    reference = _reference(sample_dir)
    turns = tracker.turns()
    share = agreement(turns, reference, tracker.heard_ms)
    log.warning("session: %d speakers, agreement %.3f, DER %.3f", tracker.num_speakers, share, der(turns, reference))
    assert tracker.num_speakers == 2 and share >= 0.75
    # words: the reference speaker at each word's middle (where only one talks) against the word's live speaker
    pairs = []
    for result in results:
        for word in result.words:
            middle = (word.offset_ms + word.end_ms) // 2
            talking = {who for start, end, who in reference if start <= middle < end}
            if len(talking) == 1:
                pairs.append((talking.pop(), word.speaker))
    names = sorted({who for who, _ in pairs})
    right = max(sum(1 for who, s in pairs if s == mapping[names.index(who)]) for mapping in itertools.permutations((1, 2)))
    log.warning("session: %d of %d words (%.3f) carry their reference speaker", right, len(pairs), right / len(pairs))
    assert len(pairs) > 40 and right / len(pairs) >= 0.75
    assert {r.SpeakerId for r in results} == {"Guest-1", "Guest-2"}
    # finals are cut at speaker changes, one speaker each, and do not flicker: the turns a final was labelled with are
    # the turns its span has at the end (words whisper gave no time go with their neighbours, and are then given some:
    # a final cut again from its timed words may differ at such a word, so the turns themselves are compared)
    ids = {r.result_id for r in results}
    assert any(piece_id(r.result_id, 2) in ids for r in results)
    assert all(re.fullmatch("[0-9a-f]{32}", r.result_id) for r in results)  # GUIDs, as Azure's ResultIds are
    for result in results:
        assert {w.speaker for w in result.words} == {result.speaker}
    assert len(asked) >= len({r.result_index for r in results}) // 2
    for start_ms, end_ms, turns in asked:
        assert label(start_ms, end_ms) == turns, (start_ms, end_ms)
    with Library.open() as library:
        stored = library.get_conversation(cid)
    assert set(stored.speakers) == {1, 2}


def test_a_final_asked_while_the_models_load_waits_for_them_and_gets_its_speaker(sample_wav, monkeypatch):
    """A session's first final can come before the models finish loading in the background (a fast file, a slow disk):
    label() waits for the load (up to LOAD_WAIT_S) rather than leave that final without a speaker for good."""
    import threading
    import time

    from core.audio.decode import load_audio
    from core.live import online_speakers
    from core.live.speaker_models import shared_models

    models = shared_models()
    release = threading.Event()

    def slow_load():
        release.wait(10)
        return models

    monkeypatch.setattr(online_speakers, "shared_models", slow_load)
    tracker = OnlineSpeakerTracker(FIXED)  # starts loading at once, in the background
    audio = load_audio(sample_wav)[: 10 * 16000]  # "Hello? Hello? Oh, hello. I didn't know you were there."
    for at in range(0, len(audio), BLOCK):
        tracker.feed(audio[at:at + BLOCK], at * 1000 // 16000)
    threading.Timer(1.0, release.set).start()  # the load ends while label() is asked
    began = time.monotonic()
    turns = tracker.label(6000, 9000)
    assert 0.8 < time.monotonic() - began < online_speakers.LOAD_WAIT_S
    assert turns and {s for *_, s in turns} <= {1, 2}
    assert tracker.label(6000, 9000) == turns  # and fixed for good, as any final's labels


@pytest.mark.slow
def test_one_voice_heard_twice_at_once_in_a_window_is_one_speaker(sample_wav):
    """The model also hears one voice twice at once in a window (an overlap of one person): the second slot was then
    forced onto another speaker, which became the voice's second Guest, alternating with the first. Here: 2.5 minutes
    of Diane's four solo stretches of the sample, 0.3-1.2 s apart, in the order seed 12 draws (her speech shared
    65 % / 35 % between two Guests before). The generated conversations' DER went from 0.334 to 0.329 with this.
    Other orders still split her (seed 11: 3 Guests; her first embeddings are 0.5-0.6 apart, and each is kept apart
    from the other slot of its window)."""
    from core.audio.decode import load_audio

    audio = load_audio(sample_wav)
    clips = [audio[int(s * 16000):int(e * 16000)] for s, e in [(8.35, 9.90), (11.05, 14.45), (18.62, 21.45), (28.45, 29.95)]]
    rng, parts = np.random.default_rng(12), []
    while sum(map(len, parts)) < 150 * 16000:
        parts += [clips[rng.integers(len(clips))], np.zeros(int(rng.uniform(0.3, 1.2) * 16000), np.float32)]
    monologue = np.concatenate(parts)
    monologue = monologue + rng.normal(0, 0.001, len(monologue)).astype(np.float32)
    tracker = OnlineSpeakerTracker(FIXED)
    tracker.load()
    for at in range(0, len(monologue), BLOCK):
        tracker.feed(monologue[at:at + BLOCK], at * 1000 // 16000)
    said = collections.Counter()
    for start, end, speaker in tracker.label(0, len(monologue) * 1000 // 16000):
        said[speaker] += end - start
    tracker.close()
    assert max(said.values()) / sum(said.values()) >= 0.9, said
