"""Times as people read them in documents: "00:01:02" and "2026-03-01 09:30 UTC"."""

from __future__ import annotations

from datetime import datetime, timezone


def hms(ms: int) -> str:
    """Return a millisecond time as HH:MM:SS (truncated, so a line never starts late)."""
    seconds = max(int(ms), 0) // 1000
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


def when(moment: datetime) -> str:
    """Return a date and time to the minute in UTC ("2026-03-01 09:30 UTC"); naive datetimes are UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
