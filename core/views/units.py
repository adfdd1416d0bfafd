"""Unit conversions shared by the views: ticks, rounded seconds, ISO-8601 durations and timestamps."""

from __future__ import annotations

from datetime import datetime, timezone

from core.results import ms_to_ticks

__all__ = ["ms_to_ticks", "seconds_2dp", "iso8601_duration", "iso8601_timestamp"]


def seconds_2dp(ms: int) -> float:
    """Return a millisecond time as seconds rounded half-up to two decimals (Azure v2, Watson)."""
    # integer rounding: float round() would turn 1.005 s into 1.0
    return ((int(ms) + 5) // 10) / 100


def iso8601_duration(ms: int) -> str:
    """Return a millisecond span as Azure writes durations: "PT4.12S", "PT1M2.34S", "PT1H0.5S", "PT0S".

    This is .NET's XmlConvert form: days only past 24 h ("P1DT2H"), no zero components,
    fractional seconds without trailing zeros. (isodate writes zero as "P0D", hence our own.)
    """
    ms = int(ms)
    sign = "-" if ms < 0 else ""
    ms = abs(ms)
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    out = [sign, "P"]
    if days:
        out.append(f"{days}D")
    if hours or minutes or seconds or millis or not days:
        out.append("T")
        if hours:
            out.append(f"{hours}H")
        if minutes:
            out.append(f"{minutes}M")
        if millis:
            out.append(f"{seconds}.{millis:03d}".rstrip("0") + "S")
        elif seconds or not (days or hours or minutes):
            out.append(f"{seconds}S")
    return "".join(out)


def iso8601_timestamp(moment: datetime) -> str:
    """Return a datetime as an ISO-8601 UTC timestamp to the second, like "2020-06-16T09:30:21Z".

    A naive datetime is taken to be UTC already.
    """
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
