from datetime import datetime, timedelta, timezone

import pytest

from core.views.azure_batch_v3 import iso8601_duration
from core.views.units import iso8601_timestamp, ms_to_ticks, seconds_2dp


@pytest.mark.parametrize(
    ("ms", "expected"),
    [
        (0, "PT0S"),
        (70, "PT0.07S"),
        (1_590, "PT1.59S"),
        (4_120, "PT4.12S"),
        (5_005, "PT5.005S"),
        (9_000, "PT9S"),
        (62_340, "PT1M2.34S"),
        (75_000, "PT1M15S"),
        (3_600_000, "PT1H"),
        (3_600_500, "PT1H0.5S"),
        (86_400_000, "P1D"),
        (90_061_001, "P1DT1H1M1.001S"),
    ],
)
def test_iso8601_duration_matches_what_azure_writes(ms, expected):
    assert iso8601_duration(ms) == expected


def test_iso8601_duration_round_trips_through_a_parser():
    # isodate is not a dependency; parse the simple form by hand to prove the numbers, not just the text
    for ms in (1, 999, 61_001, 3_599_999):
        text = iso8601_duration(ms)
        minutes = int(text.split("T")[1].split("M")[0]) if "M" in text else 0
        seconds = float(text.rstrip("S").split("M")[-1].split("T")[-1])
        assert round((minutes * 60 + seconds) * 1000) == ms


def test_ticks_are_ten_thousand_per_millisecond():
    assert ms_to_ticks(1) == 10_000
    assert ms_to_ticks(3_210) == 32_100_000


@pytest.mark.parametrize(("ms", "seconds"), [(0, 0.0), (1_234, 1.23), (1_005, 1.01), (945, 0.95), (5_005, 5.01), (75_000, 75.0)])
def test_seconds_have_two_decimals_rounded_half_up(ms, seconds):
    assert seconds_2dp(ms) == seconds


def test_timestamps_are_utc_to_the_second():
    assert iso8601_timestamp(datetime(2020, 6, 16, 9, 30, 21, tzinfo=timezone.utc)) == "2020-06-16T09:30:21Z"
    paris = timezone(timedelta(hours=2))
    assert iso8601_timestamp(datetime(2020, 6, 16, 11, 30, 21, 500_000, tzinfo=paris)) == "2020-06-16T09:30:21Z"
    assert iso8601_timestamp(datetime(2020, 6, 16, 9, 30, 21)) == "2020-06-16T09:30:21Z"
