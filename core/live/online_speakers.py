"""Live speaker labels: pyannote segmentation on a rolling window, CAM++ embeddings, incremental clustering.

The approach of diart, cut to fit next to a live recogniser on 2 CPU cores (one onnxruntime thread):

- every ``step_ms`` (1 s) a pyannote segmentation model (``core.live.speaker_models``) reads the
  last ``window_ms`` (5 s) of audio and says which of up to 3 *local* speakers talks in each ~17 ms frame;
- consecutive windows share all but one step, so each window's local speakers are stitched to the
  previous window's by the frames they share: a stretch of one voice keeps one *track*;
- a track is embedded (CAM++, 192-dim) once it has ``min_embed_ms`` of speech alone, and again after
  every further ``reembed_ms``; the embedding joins the nearest speaker centroid within ``threshold``
  (cosine distance) or starts a new speaker (at most ``max_speakers``, numbered in order of appearance).
  Two tracks of one window are kept apart (different people). The model now and then gives
  one voice a second local speaker in a window, at other moments than the first or (less often) at
  the same moments: a new track whose voice is within ``same_voice`` of such a slot's speaker (and no
  other speaker is nearer) is that speaker. Heard at the same moments and kept apart, one voice of a
  2.5-minute monologue got a second Guest that took 35 % of it (generated conversations' DER: 0.334
  before, 0.329 after). Kept apart at other moments, one voice got two Guests in a one-voice minute
  (1 of 16 tries), and in 2 of the 16 generated conversations with one speaker; with that rule, DER on
  the two sets went from 0.350 / 0.301 to 0.334 / 0.267 (``same_voice`` 0.3-0.45: 0.326-0.334 on the first);
- a frame's speakers are those most windows that heard it agree on. Frames are *committed* once no
  later window can cover them, or when ``label()`` asks for them: a committed frame never changes,
  so a final result's speakers never flicker. ``peek()`` answers interim results without committing.

Tuning (benchmarks/live_speakers.py; pyannote's sample and two sets of 16 generated conversations
from benchmarks/diarization.py): threshold 0.6 had the lowest DER (0.65: +1 point, 0.7: +3-5);
a 1 s step labels as well as 0.5 s at half the cost; a first embedding from 1.5 s of speech rather
than 1 s founded fewer false speakers.

Memory stays bounded: ~2 windows of audio, the windows covering uncommitted frames, the open tracks,
one centroid per speaker and the committed turns (a few per minute of speech). When one window costs
more CPU than ``max_cpu_share`` of its step, the step grows (up to half a window). CPU time, not wall
time: the tracker has its own thread, and a window that waited for a core busy with whisper's encoder
took long without costing more (measured in wall time, the step grew under load and the labels
suffered: 4 speakers found on the 2-speaker sample).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from core.errors import describe
from core.live.speaker_clusters import FOUND, WAIT, SpeakerCentroids
from core.live.speaker_models import SpeakerModels, shared_models
from core.live.speaker_turns import SpeakerTimeline
from core.live.speaker_windows import (
    MIN_STITCH_FRAMES, STITCH_IOU, Window, frames_to_turns, majority, stitch,
)

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MAX_WINDOWS_PER_FEED = 2  # a backlog (audio heard while the models loaded) is worked off a little per block
MAX_BACKLOG_S = 120  # audio kept while the models load; older audio goes unlabelled
RETRY_MS = 500  # more speech an unnamed track needs before label() tries to name it again
CATCH_UP_SAMPLES = 160  # label() analyses pending audio first when at least this much (10 ms) waits
# label() waits this long for models still loading (about a second) rather than leave a session's first
# final without a speaker for good; a longer load (a first export) leaves the early finals unlabelled
LOAD_WAIT_S = 5.0


@dataclass(frozen=True)
class OnlineSpeakerOptions:
    """How the live tracker listens: window and step, clustering threshold, speaker cap, CPU share."""

    window_ms: int = 5_000
    step_ms: int = 1_000
    threshold: float = 0.6  # cosine distance from a speaker's centroid that still counts as that speaker
    same_voice: float = 0.35  # ...and from the speaker of a slot of the same window, not heard at the same time
    max_speakers: int = 8
    min_embed_ms: int = 1_500  # speech alone a new track needs before it is embedded
    min_forced_ms: int = 250  # the least speech embedded when label() needs a speaker for a track at once
    reembed_ms: int = 3_000  # new speech after which a track is embedded again (centroid update, change check)
    max_cpu_share: float = 0.25  # a window may cost this share of its step's audio time, else the step grows


@dataclass
class _Track:
    speaker: int | None = None
    new_ms: float = 0.0  # speech alone since the last embedding
    wait_ms: float = 0.0  # new speech an unnamed track needs before it is tried again
    given: list = field(default_factory=list)  # (speaker, vector, weight) it added to the centroids
    withdrawn: bool = False  # its voice turned out mixed: it names nothing any more
    heard: tuple | None = None  # (first global frame, alone mask) its last embedding heard
    forced_ms: float = float("-inf")  # speech it had when label() last tried to name it


class OnlineSpeakerTracker:
    """A LiveSpeakerTracker that finds speakers as it hears them (see the module docstring)."""

    def __init__(self, options: OnlineSpeakerOptions | None = None, *, models: SpeakerModels | None = None,
                 preload: bool = True):
        self.options = options or OnlineSpeakerOptions()
        self._models = models
        self._lock = threading.Lock()
        self._preloading = models is None and preload
        self._loaded = threading.Event()  # the background load ended (loaded or failed)
        if self._preloading:  # the models take a second to load (half a minute to export, once): not on the recognizer's thread
            threading.Thread(target=self._preload, name="parley-speaker-models", daemon=True).start()
        self._audio = np.zeros(0, np.float32)
        self._audio_start = 0  # sample index of _audio[0]
        self._fed = 0  # samples heard
        self._processed = 0  # sample index where the last window ended
        self._origin_ms: int | None = None
        self._windows: deque[Window] = deque()
        self._tracks: dict[int, _Track] = {}
        self._next_track = 0
        self._speakers = SpeakerCentroids(self.options.threshold, self.options.max_speakers)
        self._committed = 0  # frames before this global index never change
        self._blind_ms = -(1 << 62)  # label() answered [] up to here while the models were loading
        self._timeline = SpeakerTimeline()
        self._step = self.options.step_ms * SAMPLE_RATE // 1000
        self._cost = 0.0  # seconds one window costs (moving average)
        self._failed = self._closed = False
        self.problem: str | None = None  # why labels stopped, for the user (None while they work)
        self.compute_s = self.cpu_s = 0.0  # wall and CPU seconds spent in feed() and label(), for benchmarks
        self.windows_run = self.embeddings_run = 0

    def load(self) -> None:
        """Return once the models are loaded (waiting for the background load when one runs)."""
        _ = self.models

    def _preload(self) -> None:
        try:
            self.load()
        except Exception as exc:  # reported once; the session goes on without speakers
            log.exception("loading the live speaker models failed; results get no speaker")
            self._stop(exc)
        finally:
            self._loaded.set()

    def _stop(self, exc: BaseException) -> None:
        self.problem = f"Live speaker labels stopped; later results get no speaker. {describe(exc)}"
        self._failed = True

    # -- the LiveSpeakerTracker protocol ----------------------------------------------------------

    def feed(self, block: np.ndarray, offset_ms: int) -> None:
        """Take the next 16 kHz mono block (at offset_ms); analyse a window each time a step is complete."""
        with self._lock:
            if self._failed or self._closed:
                return
            if self._origin_ms is None:
                self._origin_ms = int(offset_ms)
            self._audio = np.concatenate([self._audio, np.asarray(block, np.float32).ravel()])
            self._fed += len(block)
            if self._models is None and self._preloading:  # still loading: keep the audio for later
                self._forget(self._fed - MAX_BACKLOG_S * SAMPLE_RATE)
                self._processed = max(self._processed, self._audio_start)
                return
            self._guarded(lambda: self._catch_up(MAX_WINDOWS_PER_FEED))

    def label(self, start_ms: int, end_ms: int) -> list[tuple[int, int, int]]:
        """Return the speaker turns within [start_ms, end_ms), fixing them for good (they never change)."""
        if self._models is None and self._preloading:
            self._loaded.wait(LOAD_WAIT_S)  # not under the lock: feed() keeps the audio meanwhile
        with self._lock:
            if self._origin_ms is None:
                return []
            if self._models is None and self._preloading:  # still loading: this span stays without speakers
                self._blind_ms = max(self._blind_ms, int(end_ms))
            elif not (self._failed or self._closed):
                self._guarded(lambda: self._fix(end_ms))
            return self._timeline.within(start_ms, end_ms)

    def peek(self, start_ms: int, end_ms: int) -> list[tuple[int, int, int]]:
        """Return the current best speaker turns within a span without fixing them (for interim results)."""
        with self._lock:
            if self._origin_ms is None:
                return []
            turns = self._timeline.within(start_ms, end_ms)
            if self._windows and not self._failed:
                stop = self._windows[-1].stop
                guess = SpeakerTimeline()
                guess.add(self._runs(self._committed, stop))
                turns += guess.within(start_ms, end_ms)
            return sorted(turns)

    def close(self) -> None:
        """Release the audio and windows held (the committed turns stay readable)."""
        with self._lock:
            self._closed = True
            self._audio = np.zeros(0, np.float32)
            self._windows.clear()
            self._tracks.clear()

    # -- what the session and benchmarks may read --------------------------------------------------

    @property
    def num_speakers(self) -> int:
        """Return how many speakers have been found so far."""
        return len(self._speakers)

    @property
    def heard_ms(self) -> int:
        """Return how much audio the tracker has heard."""
        return self._fed * 1000 // SAMPLE_RATE

    @property
    def step_ms(self) -> int:
        """Return the step between analysed windows now (it grows while windows are slow)."""
        return self._step * 1000 // SAMPLE_RATE

    def footprint(self) -> dict[str, int]:
        """Return how much the tracker holds: audio samples, windows, open tracks, speakers, committed turns."""
        with self._lock:
            return {"audio_samples": len(self._audio), "windows": len(self._windows), "tracks": len(self._tracks),
                    "speakers": self._speakers.numbers, "turns": len(self._timeline)}

    def turns(self) -> list[tuple[int, int, int]]:
        """Return every committed turn (start_ms, end_ms, speaker) so far."""
        with self._lock:
            return self._timeline.within(-(1 << 62), 1 << 62)

    # -- analysis ----------------------------------------------------------------------------------

    @property
    def models(self) -> SpeakerModels:
        if self._models is None:
            self._models = shared_models()
        return self._models

    def _guarded(self, work) -> None:
        """Run a step; a failure stops the tracker (labels stay as committed), never the session."""
        began, began_cpu = time.perf_counter(), time.thread_time()
        try:
            work()
        except Exception as exc:  # the live session must go on without speakers rather than stop
            log.exception("live speaker tracking failed; later results get no speaker")
            self._stop(exc)
        finally:
            self.compute_s += time.perf_counter() - began
            self.cpu_s += time.thread_time() - began_cpu

    def _catch_up(self, most: int | None = None) -> None:
        done = 0
        while self._fed - self._processed >= self._step and (most is None or done < most):
            self._run_window(self._processed + self._step)
            done += 1

    def _fix(self, end_ms: int) -> None:
        """Analyse what is pending, name the tracks heard before end_ms and commit every frame that starts before it."""
        if self._sample(end_ms) > self._processed:
            self._catch_up()  # whole steps still waiting (only after the models loaded late)
            if self._fed - self._processed >= CATCH_UP_SAMPLES:
                self._run_window(self._fed)
        stop = self._frames_before(min(end_ms, self._origin_ms + self._fed * 1000 // SAMPLE_RATE))
        if stop <= self._committed:
            return
        for track_id in {t for w in self._windows for t in w.tracks if t is not None}:
            if self._tracks[track_id].speaker is None:
                self._name_now(track_id, stop)
        self._commit(stop, covered_only=False)

    def _frames_before(self, ms: int) -> int:
        """Return the index of the first frame that starts at or after `ms`."""
        return int(np.ceil((ms - self._origin_ms) / self.models.frame_ms + 0.5))

    def _sample(self, ms: int) -> int:
        return (int(ms) - self._origin_ms) * SAMPLE_RATE // 1000

    def _chunk(self, end: int) -> np.ndarray:
        """Return the window of audio ending at sample `end`, zero-padded before the first sample."""
        size = self.options.window_ms * SAMPLE_RATE // 1000
        start = end - size
        lo = start - self._audio_start
        if lo >= 0:
            return self._audio[lo:lo + size]
        chunk = np.zeros(size, np.float32)
        part = self._audio[max(0, lo):end - self._audio_start]
        chunk[size - len(part):] = part
        return chunk

    def _run_window(self, end: int) -> None:
        began = time.thread_time()  # CPU, not wall time: waiting for a core busy with whisper is not the window's cost
        models = self.models
        size = self.options.window_ms * SAMPLE_RATE // 1000
        chunk = self._chunk(end)
        active = models.activity(chunk)
        first = int(round(((end - size) * 1000 / SAMPLE_RATE + models.centre_ms) / models.frame_ms))
        if first < 0:
            active[: -first] = False  # frames before the recording began
        window = Window(first, end, active)
        previous = self._windows[-1] if self._windows else None
        window.tracks = self._stitch(previous, window)
        self._windows.append(window)
        new_from = previous.stop if previous is not None else first
        for slot, track_id in enumerate(window.tracks):
            if track_id is not None:
                self._hear(window, slot, chunk, new_from)
        self._processed = end
        self.windows_run += 1
        self._commit(int(np.floor(((end - size) * 1000 / SAMPLE_RATE) / models.frame_ms)))
        self._forget(end - 2 * size - self._step)
        cost = time.thread_time() - began
        self._cost = cost if self.windows_run == 1 else 0.8 * self._cost + 0.2 * cost
        wanted = int(self._cost / self.options.max_cpu_share * SAMPLE_RATE)
        self._step = min(max(self.options.step_ms * SAMPLE_RATE // 1000, wanted), size // 2)

    def _stitch(self, previous: Window | None, window: Window) -> list:
        """Return the track of each local speaker: the previous window's where they agree, else a new one."""
        tracks, resplit = stitch(previous, window)
        for track_id in resplit:
            self._withdraw(self._tracks[track_id])
        for slot in np.flatnonzero(window.speaking()):
            if tracks[slot] is None:
                tracks[slot] = self._new_track()
        return tracks

    def _new_track(self, speaker: int | None = None) -> int:
        self._next_track += 1
        self._tracks[self._next_track] = _Track(speaker)
        return self._next_track

    def _hear(self, window: Window, slot: int, chunk: np.ndarray, new_from: int) -> None:
        """Count a track's new speech; embed it when it first has enough, and again after reembed_ms."""
        track = self._tracks[window.tracks[slot]]
        alone = window.alone(slot)
        frame_ms = self.models.frame_ms
        track.new_ms += alone[max(0, new_from - window.first):].sum() * frame_ms
        if alone.sum() * frame_ms < self.options.min_embed_ms or track.withdrawn:
            return
        if track.speaker is None:
            if track.new_ms >= track.wait_ms:
                self._identify(window, slot, chunk, alone, may_found=True)
        elif self._drifted(track, window, alone):
            self._identify(window, slot, chunk, alone, may_found=True, drifted=True)
        elif track.new_ms >= self.options.reembed_ms:
            self._identify(window, slot, chunk, alone, may_found=True)

    def _drifted(self, track: _Track, window: Window, alone: np.ndarray) -> bool:
        """Return True when the model now gives the track other frames than its embedding heard (it re-split voices)."""
        if track.heard is None:
            return False
        first, mask = track.heard
        lo, hi = max(first, window.first), min(first + len(mask), window.stop)
        if hi - lo < MIN_STITCH_FRAMES:
            return False
        then, now = mask[lo - first:hi - first], alone[lo - window.first:hi - window.first]
        union = int((then | now).sum())
        return union >= MIN_STITCH_FRAMES and (then & now).sum() < STITCH_IOU * union

    def _name_now(self, track_id: int, stop: int) -> None:
        """Embed an unnamed track heard before frame `stop` from its best window, if it has enough speech.

        Less than min_embed_ms of speech may join a known speaker but never founds one (a cough, a click)."""
        if self._tracks[track_id].withdrawn:
            return
        best, most = None, 0
        for window in self._windows:
            if track_id in window.tracks and window.first < stop:
                slot = window.tracks.index(track_id)
                count = int(window.alone(slot).sum())
                if count > most:
                    best, most = (window, slot), count
        speech_ms = most * self.models.frame_ms
        track = self._tracks[track_id]
        if best is None or speech_ms < max(self.options.min_forced_ms, track.forced_ms + RETRY_MS):
            return  # too little speech, or no more than at the last try
        track.forced_ms = speech_ms
        window, slot = best
        self._identify(window, slot, self._chunk(window.end), window.alone(slot),
                       may_found=speech_ms >= self.options.min_embed_ms)

    def _identify(self, window: Window, slot: int, chunk: np.ndarray, frames: np.ndarray, *, may_found: bool,
                  drifted: bool = False) -> None:
        """Give the track in a window's slot a speaker, or confirm it; a changed voice starts a new track.

        When the check came because the model re-split the track's frames (drifted) and the voice
        is no longer the track's, the track's one embedding heard a mix: it is withdrawn."""
        vector = self.models.embed(chunk, frames)
        self.embeddings_run += 1
        track = self._tracks[window.tracks[slot]]
        track.new_ms = 0.0
        track.heard = (window.first, frames.copy())
        if vector is None:
            return
        weight = min(frames.sum() * self.models.frame_ms, 4000.0) / 1000  # CAM++ hears at most 4 s
        taken, apart = self._in_window(window, slot)
        if track.speaker is not None:
            if self._speakers.distance(vector, track.speaker) < self.options.threshold:
                self._give(track, track.speaker, vector, weight)
                return
            taken |= apart
            verdict, speaker = self._speakers.choose(vector, taken | {track.speaker}, may_found=True)
            if verdict != WAIT:  # the voice in this slot changed: a new track from this window on
                if drifted:
                    self._withdraw(track)
                    if verdict == FOUND:  # the withdrawn voice may have left its number free
                        verdict, speaker = self._speakers.choose(vector, taken, may_found=True)
                window.tracks[slot] = self._new_track(speaker)
                self._tracks[window.tracks[slot]].heard = track.heard
                self._give(self._tracks[window.tracks[slot]], speaker, vector, weight)
            return
        speaker = self._speakers.nearest(vector, among=apart | taken, below=self.options.same_voice, unless=set())
        if speaker is not None:  # the model gave one voice two slots in this window
            track.speaker = speaker
            self._give(track, speaker, vector, weight)
            return
        verdict, speaker = self._speakers.choose(vector, taken | apart, may_found=may_found)
        if verdict == WAIT:
            track.wait_ms = self.options.reembed_ms
            return
        track.speaker = speaker
        self._give(track, speaker, vector, weight)

    def _in_window(self, window: Window, slot: int) -> tuple[set, set]:
        """Return the speakers of the window's other slots: (heard at the same time as this one, heard apart from it)."""
        together, apart = ({self._tracks[window.tracks[j]].speaker for j in slots if window.tracks[j] is not None}
                           for slots in window.others(slot))
        return together, apart - together

    def _give(self, track: _Track, speaker: int, vector: np.ndarray, weight: float) -> None:
        self._speakers.add(speaker, vector, weight)
        track.given.append((speaker, vector, weight))

    def _withdraw(self, track: _Track) -> None:
        """Take back a young track's voice (one embedding only) when the model split it: it mixed two people."""
        if len(track.given) != 1:
            return
        self._speakers.withdraw(*track.given[0])
        track.given.clear()
        track.speaker, track.withdrawn = None, True

    # -- frames to turns ---------------------------------------------------------------------------

    def _runs(self, start: int, stop: int) -> list[tuple[int, int, int]]:
        """Return the turns (start_ms, end_ms, speaker) the windows give frames [start, stop)."""
        if stop <= start:
            return []
        active = majority(self._windows, lambda t: self._tracks[t].speaker, start, stop, self._speakers.numbers)
        return frames_to_turns(active, start, self.models.frame_ms, self._origin_ms)

    def _commit(self, stop: int, *, covered_only: bool = True) -> None:
        """Fix frames up to `stop` as turns that never change (frames no window heard stay without a speaker)."""
        self._committed = max(self._committed, self._frames_before(self._blind_ms))
        if covered_only and self._windows:
            stop = min(stop, self._windows[-1].stop)
        if stop <= self._committed:
            return
        self._timeline.add(self._runs(self._committed, stop))
        self._committed = stop
        while self._windows and self._windows[0].stop <= self._committed:
            self._windows.popleft()
        alive = {t for w in self._windows for t in w.tracks if t is not None}
        for track_id in [t for t in self._tracks if t not in alive]:
            del self._tracks[track_id]

    def _forget(self, keep_from: int) -> None:
        """Drop audio before sample `keep_from` (nothing will read it again)."""
        cut = keep_from - self._audio_start
        if cut > 0:
            self._audio = self._audio[cut:]
            self._audio_start += cut
