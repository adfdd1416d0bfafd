"""The live speaker seam: a tracker hears every block, and its turns label words, results, events and the stored pass."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from core.audio.capture import FileSource
from core.diarization.assign import piece_id
from core.live import ConversationTranscriber, LiveOptions, LiveSpeakerTracker, NoSpeakers, label_utterance
from core.results import TextForms, Utterance, Word
from core.store import Library

EXCERPT_START_MS = 6400


class RttmTracker:
    """A tracker that knows the answer: the sample's reference turns (shifted to the excerpt), fed like a real one."""

    def __init__(self, rttm, start_ms: int = EXCERPT_START_MS):
        self.turns = []
        for line in rttm.read_text().split("\n"):
            parts = line.split()
            if parts:
                start = int(float(parts[3]) * 1000) - start_ms
                self.turns.append((start, start + int(float(parts[4]) * 1000), 1 if parts[7] == "speaker90" else 2))
        self.fed: list[tuple[int, int]] = []
        self.threads: set[str] = set()
        self.closed = False

    def feed(self, block: np.ndarray, offset_ms: int) -> None:
        self.fed.append((offset_ms, len(block)))
        self.threads.add(threading.current_thread().name)

    def label(self, start_ms: int, end_ms: int):
        return [t for t in self.turns if t[1] > start_ms and t[0] < end_ms]

    def close(self) -> None:
        self.closed = True


def _utterance(words):
    return Utterance("r1", 0, words[0].offset_ms, words[-1].end_ms - words[0].offset_ms,
                     TextForms("a b c", "a b c", "a b c", "a b c"), 0.9, words=words)


def test_words_take_the_turn_they_overlap_most_and_the_utterance_the_majority():
    words = [Word("a", 0, 400), Word("b", 450, 300), Word("c", 900, 300)]
    labelled = label_utterance(_utterance(words), [(0, 500, 1), (500, 2000, 2)])
    assert [w.speaker for w in labelled.words] == [1, 2, 2]
    assert labelled.speaker == 2
    assert label_utterance(_utterance(words), []).speaker is None
    assert isinstance(NoSpeakers(), LiveSpeakerTracker) and NoSpeakers().label(0, 1000) == []


@pytest.mark.slow
def test_a_tracker_plugged_into_a_session_labels_results_and_the_stored_pass(excerpt, sample_dir):
    tracker = RttmTracker(sample_dir / "sample.rttm")
    transcriber = ConversationTranscriber(FileSource(excerpt, speed=None), LiveOptions(mode="RealTime"), speaker_tracker=tracker)
    events = []
    transcriber.transcribed.connect(events.append)
    transcriber.start()
    assert transcriber.wait(120)
    cid = transcriber.stop()
    # every block reached the tracker, in order, on the recording's clock
    assert tracker.fed[0][0] == 0 and tracker.closed
    assert tracker.threads == {"parley-live-speakers"}  # its own thread, not the recognizer's
    assert all(a + n * 1000 // 16000 == b for (a, n), (b, _) in zip(tracker.fed, tracker.fed[1:]))
    results = [e.result for e in events if not e.result.no_match]
    assert results and all(r.speaker in (1, 2) for r in results)
    assert len({w.speaker for r in results for w in r.words}) == 2  # "Hello?" is Diane's, "Neither did I." Sheila's
    # finals are cut where the speaker changes: one speaker per result, each piece with the next result_index
    assert all(w.speaker == r.speaker for r in results for w in r.words)
    ids = {r.result_id for r in results}
    assert any(piece_id(r.result_id, 2) in ids for r in results)  # "Hello? Hello?" is one phrase of two speakers
    indexes = [e.result.result_index for e in events]
    assert indexes == list(range(indexes[0], indexes[0] + len(indexes)))
    assert [r.speaker for r in results][:2] == [1, 2]
    assert {r.SpeakerId for r in results} <= {"Guest-1", "Guest-2"}
    first_word = results[0].words[0]
    assert first_word.speaker == 1  # Diane says the first "Hello?"
    assert "speaker_labels" in results[0].to_watson()
    from ibm_watson.speech_to_text_v1 import SpeechRecognitionResults

    for r in results:  # IBM's own SDK reads every message, speaker labels included
        assert SpeechRecognitionResults.from_dict(r.to_watson()).speaker_labels
    # a piece cut where the speaker changes has no Watson end_of_utterance; the piece that ends the phrase has its cause
    cut = next(k for k, r in enumerate(results) if any(piece_id(before.result_id, 2) == r.result_id for before in results))
    assert results[cut - 1].end_of_utterance is None and results[cut].end_of_utterance in ("silence", "full_stop")
    assert "end_of_utterance" not in results[cut - 1].to_watson()["results"][0]
    with Library.open() as library:
        stored = library.get_conversation(cid)
    assert stored.has_speakers and set(stored.speakers) <= {1, 2}
    assert [u.speaker for u in stored.ordered()] == [r.speaker for r in results]


def _played_fast(path, tracker):
    """Return the final results of a real-time-mode session that plays a file as fast as possible with this tracker."""
    transcriber = ConversationTranscriber(FileSource(path, speed=None), LiveOptions(mode="RealTime"), speaker_tracker=tracker)
    transcriber.start()
    assert transcriber.wait(120)
    transcriber.stop()
    return transcriber.results()


class SlowTracker(RttmTracker):
    """An RttmTracker that takes 100 ms a block (as long as the block: a machine too busy for real time) and notes how far it had heard at each label()."""

    def __init__(self, rttm):
        super().__init__(rttm)
        self.asked: list[tuple[int, int]] = []  # (end_ms asked, end of the audio fed by then)

    def feed(self, block: np.ndarray, offset_ms: int) -> None:
        time.sleep(0.1)
        super().feed(block, offset_ms)

    def label(self, start_ms: int, end_ms: int):
        offset, count = self.fed[-1] if self.fed else (0, 0)
        self.asked.append((end_ms, offset + count * 1000 // 16000))
        return super().label(start_ms, end_ms)


@pytest.mark.slow
def test_a_final_waits_for_a_tracker_running_behind(excerpt, sample_dir):
    """The file plays at full speed and the tracker lags: each final still asks only once its audio was fed."""
    tracker = SlowTracker(sample_dir / "sample.rttm")
    results = _played_fast(excerpt, tracker)
    assert tracker.asked and all(heard >= end for end, heard in tracker.asked)
    assert {r.speaker for r in results} == {1, 2}


class LateTracker(RttmTracker):
    """An RttmTracker that, asked about a final, has heard speakers only up to where the final began (as if the
    segmentation found nobody within it): the session must ask again a little earlier and take who just spoke."""

    def __init__(self, rttm):
        super().__init__(rttm, start_ms=0)
        self.began: dict[int, int] = {}  # end_ms of each final asked about -> where it began

    def label(self, start_ms: int, end_ms: int):
        heard_to = self.began.setdefault(end_ms, start_ms)
        return [(max(s, start_ms), min(e, heard_to), k) for s, e, k in self.turns if max(s, start_ms) < min(e, heard_to)]


@pytest.mark.slow
def test_a_final_the_tracker_heard_nobody_in_takes_who_spoke_just_before(sample_wav, sample_dir):
    tracker = LateTracker(sample_dir / "sample.rttm")
    results = _played_fast(sample_wav, tracker)
    assert len(results) >= 8
    for result in results:
        start = result.offset_ms
        before = {k for s, e, k in tracker.turns if s < start and e > start - 1000}
        if before:  # someone spoke less than a second before: the final is theirs, never "Unknown"
            assert result.speaker in before, (result.Text, start, before)
        else:
            assert result.SpeakerId == "Unknown", (result.Text, start)
    assert {r.speaker for r in results} == {1, 2}
