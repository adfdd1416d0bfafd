"""Helpers of the desktop tests: waiting for operations, storing conversations, reference speaker turns."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from core.results import Conversation, Word


def wait_ops(qtbot, services, timeout: int = 20_000) -> None:
    """Wait until every operation asked so far has reported back to the GUI thread."""
    qtbot.waitUntil(lambda: services.ops.pending == 0, timeout=timeout)


def rttm_turns(path: Path) -> list[tuple[int, int, int]]:
    """Return the reference turns of an RTTM file as (start_ms, end_ms, speaker number by first appearance)."""
    numbers: dict[str, int] = {}
    turns = []
    for line in path.read_text().splitlines():
        parts = line.split()
        if len(parts) < 8 or parts[0] != "SPEAKER":
            continue
        number = numbers.setdefault(parts[7], len(numbers) + 1)
        start = int(float(parts[3]) * 1000)
        turns.append((start, start + int(float(parts[4]) * 1000), number))
    return turns


def speaker_at(turns, start: int, end: int) -> int:
    """Return the speaker whose turns overlap a span most (the nearest turn when none does)."""
    overlap: dict[int, int] = {}
    for s, e, n in turns:
        overlap[n] = overlap.get(n, 0) + max(0, min(end, e) - max(start, s))
    best = max(overlap, key=overlap.get)
    if overlap[best] == 0:  # between turns: the nearest one
        return min(turns, key=lambda t: min(abs(t[0] - start), abs(t[1] - end)))[2]
    return best


def store(services, conversation: Conversation, audio: Path | None, *, title: str | None = None, created=None) -> str:
    """Store a copy of a conversation (new id) with its recording in the app's library; return the id."""
    from core.results import new_conversation_id

    copy = replace(conversation, conversation_id=new_conversation_id(), title=title or conversation.title,
                   created=created or conversation.created)

    def save(lib):
        lib.save_conversation(copy, kind="realtime", options={"model": copy.model})
        if audio is not None:
            lib.add_audio(copy.conversation_id, audio)
        return copy.conversation_id

    return services.ops.call_library(save, timeout=30)


def words_of(conversation: Conversation) -> list[Word]:
    """Return every word of a conversation in time order."""
    return [w for u in conversation.ordered() for w in u.words]
