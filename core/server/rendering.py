"""Results in the services' shapes, through core.views, with the caller's text options."""

from __future__ import annotations

from core.results import Conversation
from core.text.options import TextOptions
from core.text.profanity import filter_profanity

__all__ = ["PROFANITY_BY_PARAM", "call_view", "filter_profanity", "only_channels", "text_options"]

PROFANITY_BY_PARAM = {"masked": "Masked", "removed": "Removed", "raw": "None", "tags": "Tags"}


def call_view(view, *args, **options):
    """Return view(*args, **options) without the options the request left unset, so the view's defaults apply."""
    return view(*args, **{k: v for k, v in options.items() if v is not None})


def text_options(profanity: str | None = None, punctuation: str | None = None) -> TextOptions:
    """Return the text options for a request's profanity and punctuation modes (defaults where unset)."""
    values = {k: v for k, v in (("profanity", profanity), ("punctuation", punctuation)) if v}
    return TextOptions(**values).checked()


def only_channels(conversation: Conversation, channels: list[int] | None) -> Conversation:
    """Return the conversation holding only the utterances of the chosen channels (all when None)."""
    if not channels:
        return conversation
    wanted = set(channels)
    return conversation.with_utterances([u for u in conversation.utterances if u.channel in wanted])
