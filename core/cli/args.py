"""Argument types that check a number's range when the command line is parsed.

A value out of range stops the command before anything runs, with argparse's usual
"argument --speed: ..." message and exit status 2, instead of a traceback (or a silently odd
session) later on.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable


def _number(kind: type, low: float | None, high: float | None, what: str) -> Callable[[str], float | int]:
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a {'whole ' if kind is int else ''}number") from None
        if value != value or (low is not None and value < low) or (high is not None and value > high):  # NaN too
            raise argparse.ArgumentTypeError(f"{text} is out of range: {what}")
        return value

    return parse


def at_least(low: int) -> Callable[[str], int]:
    """Return an argparse type for a whole number of at least `low`."""
    return _number(int, low, None, f"give a whole number of {low} or more")


def between(low: float, high: float, *, whole: bool = False) -> Callable[[str], float | int]:
    """Return an argparse type for a number from `low` to `high`, both included."""
    return _number(int if whole else float, low, high, f"give a number from {low:g} to {high:g}")


not_negative = _number(float, 0, None, "give 0 or more")
port = _number(int, 0, 65_535, "a port is a whole number from 1 to 65535 (0: any free port)")
MIN_SPEED, MAX_SPEED = 0.1, 20.0


def playback_speed(text: str) -> float:
    """Return a playback speed: 0 (as fast as recognition keeps up) or MIN_SPEED to MAX_SPEED times real time."""
    what = f"give 0 (as fast as recognition keeps up) or {MIN_SPEED:g} to {MAX_SPEED:g}"
    value = _number(float, 0, MAX_SPEED, what)(text)
    if 0 < value < MIN_SPEED:  # a clock that slow overflows; and no one listens at a tenth of the speed
        raise argparse.ArgumentTypeError(f"{text} is out of range: {what}")
    return value
