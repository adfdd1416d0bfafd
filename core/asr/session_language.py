"""The language of a live session on a multilingual model: heard in its first seconds of speech, then kept.

Whisper detects a language from each buffer it decodes, and on the few seconds of a live buffer it
is often wrong with confidence: on French speech, the base model said Thai (0.72) for one voice's
sentence while the other voice's came out French, so a session that asked each buffer gave lines
in Thai, Japanese, Vietnamese and Spanish. On all the speech heard so far it is steadier: on that
recording it said French at every length from 2 s (0.78 to 0.99). So a session decides once, as
Azure's at-start language identification and Parley's batch transcription do:
- until its first final, each decode's language probabilities, weighted by the seconds it heard,
  go to a tally whose leader is the language meanwhile;
- at each final, whisper is asked again on the speech of all finals so far (up to 30 s), and its
  answer is the language from then on;
- once DECISION_MS of such speech is heard, that answer is kept for the rest of the session, and no
  more detection is run. A language the caller gives is used as it is.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from core.asr.utterance_buffer import SAMPLE_RATE, samples_to_ms

DECISION_MS = 20_000  # speech of finals heard before the session's language is kept (eSpeak Russian: whisper base said ru from 20 s)
HEARD_MAX = 30 * SAMPLE_RATE  # samples of it whisper is asked about: its window
VOTED = 3  # each decode votes for its likeliest languages


class SessionLanguage:
    """The language a live session decodes in: given, or heard and then kept."""

    def __init__(self, given: str | None):
        self.code = given  # the language kept, once given or decided
        self.heard_ms = 0
        self._tally: Counter[str] = Counter()
        self._guess: str | None = None  # whisper's answer on the speech of the finals so far
        self._speech: list[np.ndarray] = []

    @property
    def decided(self) -> bool:
        return self.code is not None

    @property
    def voting(self) -> bool:
        """Return whether decodes still vote: nothing is kept or guessed from a final yet."""
        return self.code is None and self._guess is None

    @property
    def current(self) -> str | None:
        """Return the language to decode in now: the one kept, else the latest guess, else the tally's leader (or None)."""
        if self.code is not None:
            return self.code
        if self._guess is not None:
            return self._guess
        return self._tally.most_common(1)[0][0] if self._tally else None

    def vote(self, detected: list[tuple[str, float]], seconds: float) -> None:
        """Return None after adding one decode's language probabilities (likeliest first), weighted by its audio, to the tally."""
        for code, probability in detected[:VOTED]:
            self._tally[code] += probability * seconds

    def heard(self, speech: np.ndarray) -> np.ndarray:
        """Return the speech of the finals so far (up to whisper's 30 s window), after adding one final's (16 kHz)."""
        self.heard_ms += samples_to_ms(len(speech))
        self._speech.append(speech)
        return np.concatenate(self._speech)[:HEARD_MAX]

    def guess(self, detected: list[tuple[str, float]]) -> None:
        """Return None after taking whisper's answer on the finals' speech; it is kept once DECISION_MS of it was heard."""
        if detected:
            self._guess = detected[0][0]
        if self.code is None and self.heard_ms >= DECISION_MS:
            self.code = self.current
            self._speech.clear()
