"""How live speaker turns compare with reference turns: agreement (best speaker mapping) and pyannote's DER.

Turns are (start_ms, end_ms, speaker); reference turns (start_ms, end_ms, name).
"""

from __future__ import annotations

import itertools
import warnings

import numpy as np


def agreement(turns, reference, total_ms: int) -> float:
    """Return the share of reference speech time labelled with its speaker's counterpart (best mapping)."""
    def grid(spans):
        out = {}
        for start, end, who in spans:
            out.setdefault(who, np.zeros(total_ms, bool))[max(0, start):end] = True
        return out

    ref, hyp = grid(reference), grid(turns)
    speech = np.logical_or.reduce(list(ref.values()))
    names = sorted(ref)
    if len(hyp) + len(names) > 9:  # too many to try every mapping: greedy by overlap
        right, used = np.zeros(total_ms, bool), set()
        for name in sorted(names, key=lambda n: -ref[n].sum()):
            free = [s for s in hyp if s not in used]
            if free:
                best = max(free, key=lambda s: (ref[name] & hyp[s]).sum())
                used.add(best)
                right |= ref[name] & hyp[best]
        return float(right.sum() / speech.sum())
    best = 0.0
    for chosen in itertools.permutations(list(hyp) + [None] * len(names), len(names)):
        right = np.zeros(total_ms, bool)
        for name, speaker in zip(names, chosen):
            if speaker is not None:
                right |= ref[name] & hyp[speaker]
        best = max(best, float(right.sum() / speech.sum()))
    return best


def der(turns, reference) -> dict:
    """Return pyannote.metrics' detailed diarization error components (collar 0, overlap included)."""
    from pyannote.core import Annotation, Segment
    from pyannote.metrics.diarization import DiarizationErrorRate

    ref, hyp = Annotation(), Annotation()
    for i, (start, end, who) in enumerate(reference):
        ref[Segment(start / 1000, end / 1000), i] = who
    for i, (start, end, speaker) in enumerate(turns):
        hyp[Segment(start / 1000, end / 1000), i] = str(speaker)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the evaluated extent is the union of both: what we want
        return DiarizationErrorRate(collar=0.0, skip_overlap=False)(ref, hyp, detailed=True)
