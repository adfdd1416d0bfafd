"""Words of a real transcript (tiny.en on the sample) land on the speaker who said them."""

from __future__ import annotations

from collections import Counter

from core.diarization.assign import assign_speakers


def _stm_lines(sample_dir):
    lines = []
    for line in (sample_dir / "sample.stm").read_text().splitlines():
        fields = line.split(maxsplit=5)
        lines.append((float(fields[3]), float(fields[4]), fields[2]))
    return lines


def test_each_stm_line_lands_on_its_speaker(sample_conversation, sample_diarization, sample_dir):
    utterances = assign_speakers(sample_conversation.utterances, sample_diarization)

    assert all(u.speaker in (1, 2) for u in utterances)
    assert all(len({w.speaker for w in u.words}) == 1 and u.words[0].speaker == u.speaker for u in utterances if u.words)
    assert len({u.result_id for u in utterances}) == len(utterances)
    words = [w for u in utterances for w in u.words]
    assert len(words) == sum(len(u.words) for u in sample_conversation.utterances)

    # which diarization speaker is which STM speaker: the majority vote over all words
    votes = Counter()
    per_line = []
    for start, end, name in _stm_lines(sample_dir):
        inside = [w for w in words if start * 1000 <= (w.offset_ms + w.end_ms) / 2 <= end * 1000]
        per_line.append((name, inside))
        votes.update((name, w.speaker) for w in inside)
    names = {name for name, _ in per_line}
    mapping = {name: max((1, 2), key=lambda s: votes[(name, s)]) for name in names}
    assert len(set(mapping.values())) == 2

    lines = [(name, inside) for name, inside in per_line if inside]
    right = [sum(w.speaker == mapping[name] for w in inside) / len(inside) for name, inside in lines]
    assert sum(r > 0.5 for r in right) >= 0.85 * len(lines)
    assert sum(r * len(inside) for r, (_, inside) in zip(right, lines)) >= 0.85 * sum(len(i) for _, i in lines)
