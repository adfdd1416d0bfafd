"""Views of a conversation in the JSON shapes of the services Parley mirrors.

Each view is a pure function from the domain (``core.results``, integer milliseconds) to
plain dicts and lists ready for ``json.dumps``; units are converted here, at the edge:
100-ns ticks and ISO-8601 durations for Azure, seconds with two decimals for Azure v2 and
Watson.
"""

from __future__ import annotations

from core.results import Conversation


def channel_numbers(conversation: Conversation) -> list[int]:
    """Return the conversation's audio channels in order (declared ones and any that hold utterances)."""
    return sorted(set(range(max(conversation.channels, 1))) | {u.channel for u in conversation.utterances})
