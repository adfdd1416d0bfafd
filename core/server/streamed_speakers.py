"""Speaker labels while a WebSocket recognition streams: the live recording's online tracker, over the server's audio.

Each time the WebSocket sends phrases final, their words are labelled with the speakers the tracker
has heard so far ("final": false: the service's speaker numbers "can evolve and change across interim
results and between interim and final results"). At the stop the labels found on the whole audio
replace them; those are numbered as the streamed ones where the two agree most, so a client's
speakers keep their numbers wherever both tell the same voices apart.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from core.audio.decode import SAMPLE_RATE
from core.errors import ParleyError
from core.views.watson import speaker_labels_event

log = logging.getLogger(__name__)


class StreamedSpeakers:
    """Follows one session's speakers as its audio arrives (without the models, it labels nothing)."""

    def __init__(self, tracker=None):
        """`tracker`: a core.live LiveSpeakerTracker; by default the online one."""
        from core.live.speakers import speaker_tracker_for

        try:
            self.tracker = tracker or speaker_tracker_for(True)
        except (ImportError, ParleyError) as exc:  # the labels at the stop say why
            log.warning("no speaker labels while the audio streams: %s", exc)
            self.tracker = None
        self.heard = 0  # samples of the session's audio the tracker has heard
        self.sent: dict[int, int] = {}  # word start (ms) -> the speaker number its streamed label gave

    def hear(self, audio: np.ndarray) -> None:
        """Let the tracker hear the session's audio that came since it last did, a second at a time; returns nothing."""
        if self.tracker is None:
            return
        for start in range(self.heard, len(audio), SAMPLE_RATE):
            self.tracker.feed(audio[start : start + SAMPLE_RATE], start * 1000 // SAMPLE_RATE)
        self.heard = max(self.heard, len(audio))

    def labels(self, finals: list, locale: str = "en-US", smart_formatting: bool = False) -> dict | None:
        """Return the message labelling the words of finals just sent ("final": false; their timestamps' words: spoken,
        or written with smart_formatting), or None when no speaker is known."""
        from core.live.speakers import label_utterance

        if self.tracker is None:
            return None
        labelled = [label_utterance(u, self.tracker.label(u.offset_ms, u.end_ms)) for u in finals]
        self.sent.update((w.offset_ms, w.speaker) for u in labelled for w in u.words if w.speaker is not None)
        event = speaker_labels_event(labelled, final=False, locale=locale, smart_formatting=smart_formatting)
        return event if event["speaker_labels"] else None

    def numbered_as_streamed(self, labelled: list) -> list:
        """Return utterances labelled on the whole audio with their speakers renumbered as the streamed labels had them,
        matching the speakers that agree on most words (Hungarian); a speaker the streamed labels did not have gets a
        number none of them used."""
        from core.diarization.renumber import matched_numbers, renumbered, speakers_in

        agree = Counter((self.sent[w.offset_ms], w.speaker) for u in labelled for w in u.words
                        if w.speaker is not None and w.offset_ms in self.sent)
        if not agree:
            return labelled
        # above every number the stream sent
        numbers = matched_numbers(dict(agree), speakers_in(labelled), set(range(max(self.sent.values()) + 1)))
        return renumbered(labelled, {}, numbers)[0]

    def close(self) -> None:
        """Release the tracker's audio and windows; returns nothing."""
        if self.tracker is not None:
            self.tracker.close()
