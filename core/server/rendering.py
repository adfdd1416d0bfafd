"""Results in the services' shapes, through core.views, with the caller's text options.

The views gain options over time (text options, N-best limits, keywords); `call_view` passes
only those a view accepts, so the service works with every version of them.
"""

from __future__ import annotations

import inspect
import logging
from functools import lru_cache

from core.results import Conversation

log = logging.getLogger(__name__)

PROFANITY_BY_PARAM = {"masked": "Masked", "removed": "Removed", "raw": "None", "tags": "Tags"}


@lru_cache(maxsize=64)
def _accepted(view) -> frozenset[str]:
    return frozenset(inspect.signature(view).parameters)


def call_view(view, *args, **options):
    """Return view(*args, **options) with only the options that view knows (None values dropped)."""
    known = _accepted(view)
    return view(*args, **{k: v for k, v in options.items() if k in known and v is not None})


def text_options(profanity: str | None = None, punctuation: str | None = None):
    """Return core.text.options.TextOptions for the modes, or None when that module is not there (defaults apply)."""
    try:
        from core.text.options import TextOptions
    except ImportError:
        return None
    values = {}
    if profanity:
        values["profanity"] = profanity
    if punctuation:
        values["punctuation"] = punctuation
    return TextOptions(**values).checked() if hasattr(TextOptions, "checked") else TextOptions(**values)


def filter_profanity(text: str, mode: str) -> str:
    """Return text with profanity handled as the mode says (Masked, Removed, Tags, None)."""
    try:
        from core.text.profanity import filter_profanity as core_filter
    except ImportError:
        core_filter = None
    if core_filter is not None:
        return core_filter(text, mode)
    from core.text.forms import mask_profanity

    return mask_profanity(text) if mode == "Masked" else text


def only_channels(conversation: Conversation, channels: list[int] | None) -> Conversation:
    """Return the conversation holding only the utterances of the chosen channels (all when None)."""
    if not channels:
        return conversation
    wanted = set(channels)
    return conversation.with_utterances([u for u in conversation.utterances if u.channel in wanted])
