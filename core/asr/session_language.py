"""The language of a live session on a multilingual model: heard in its first seconds of speech, then kept.

Whisper detects a language from each buffer it decodes, and on the few seconds of a live buffer it
is often wrong with confidence: on French speech, the base model said Thai (0.72) for one voice's
sentence while the other voice's came out French, so a session that asked each buffer gave lines
in Thai, Japanese, Vietnamese and Spanish. A session therefore decides once, as Azure's at-start
language identification and Parley's batch transcription do: every decode of its first
DECISION_MS of finalized speech adds whisper's language probabilities to a tally, weighted by the
seconds of audio it heard (a word or two tell little: on eSpeak's Russian, whisper base said
Italian for the first 2 s, and only said Russian for 20 s or more), the leader of
the tally is the language meanwhile, and once that much speech is heard the leader is kept for the
rest of the session (and no more detection is run). A language the caller gives is used as it is.
"""

from __future__ import annotations

from collections import Counter

DECISION_MS = 10_000  # finalized speech heard before the session's language is kept
VOTED = 3  # each decode votes for its likeliest languages


class SessionLanguage:
    """The language a live session decodes in: given, or heard and then kept."""

    def __init__(self, given: str | None):
        self.code = given  # the language kept, once given or decided
        self.heard_ms = 0
        self._tally: Counter[str] = Counter()

    @property
    def decided(self) -> bool:
        return self.code is not None

    @property
    def current(self) -> str | None:
        """Return the language to decode in now: the one kept, else the tally's leader (None before any vote)."""
        if self.code is not None:
            return self.code
        return self._tally.most_common(1)[0][0] if self._tally else None

    def vote(self, detected: list[tuple[str, float]], seconds: float) -> None:
        """Return None after adding one decode's language probabilities (likeliest first), weighted by its audio, to the tally."""
        for code, probability in detected[:VOTED]:
            self._tally[code] += probability * seconds

    def heard(self, ms: int) -> None:
        """Return None after counting a final's speech; the leader is kept once DECISION_MS of it was heard."""
        self.heard_ms += ms
        if self.code is None and self._tally and self.heard_ms >= DECISION_MS:
            self.code = self.current
