"""Reference transcripts and the WER measure shared by tests and benchmarks."""

from __future__ import annotations

import re
from pathlib import Path

_PUNCT = re.compile(r"[^\w\s']")


def stm_lines(path: Path) -> list[tuple[float, float, str, str]]:
    """Return (start s, end s, speaker, text) for each STM line, in time order."""
    rows = []
    for line in Path(path).read_text().splitlines():
        parts = line.split(maxsplit=5)
        if len(parts) < 6 or line.startswith(";;"):
            continue
        _, _, speaker, start, end, text = parts
        if text.startswith("<"):  # an optional <o,f0,male> label column
            text = text.split(">", 1)[1].strip()
        rows.append((float(start), float(end), speaker, text))
    return sorted(rows)


def stm_transcript(path: Path) -> str:
    """Return the STM's words joined in time order."""
    return " ".join(text for *_, text in stm_lines(path))


def normalise(text: str) -> str:
    """Return text lowercased with punctuation stripped and spaces collapsed."""
    return " ".join(_PUNCT.sub(" ", text.lower()).split())


def wer(reference: str, hypothesis: str) -> float:
    """Return the word error rate of hypothesis against reference, after normalise()."""
    import jiwer

    return jiwer.wer(normalise(reference), normalise(hypothesis))


def word_errors(reference: str, hypothesis: str) -> list[tuple[str, str, str]]:
    """Return each difference of hypothesis from reference, after normalise(): (substitute|delete|insert, its words, theirs)."""
    import jiwer

    ref, hyp = normalise(reference), normalise(hypothesis)
    out, ref_words, hyp_words = jiwer.process_words(ref, hyp), ref.split(), hyp.split()
    return [(a.type, " ".join(ref_words[a.ref_start_idx:a.ref_end_idx]), " ".join(hyp_words[a.hyp_start_idx:a.hyp_end_idx]))
            for a in out.alignments[0] if a.type != "equal"]
