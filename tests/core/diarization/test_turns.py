"""Speaker turns: numbering by first appearance, overlap spans, RTTM and pyannote conversion."""

from __future__ import annotations

from pyannote.core import Annotation, Segment

from core.diarization.turns import Diarization, SpeakerTurn, overlap_spans


def test_from_annotation_numbers_speakers_by_first_appearance():
    annotation = Annotation(uri="x")
    annotation[Segment(5.0, 6.0)] = "SPEAKER_00"
    annotation[Segment(1.0, 2.5)] = "SPEAKER_01"
    annotation[Segment(2.0, 3.0)] = "SPEAKER_00"
    annotation[Segment(7.0, 8.0)] = "SPEAKER_02"

    diarization = Diarization.from_annotation(annotation)

    assert diarization.turns == [
        SpeakerTurn(1000, 2500, 1),
        SpeakerTurn(2000, 3000, 2),
        SpeakerTurn(5000, 6000, 2),
        SpeakerTurn(7000, 8000, 3),
    ]
    assert diarization.num_speakers == 3
    assert diarization.overlaps == [(2000, 2500)]
    assert diarization.speech_ms(2) == 2000


def test_overlap_spans_merge_and_ignore_touching_turns():
    turns = [SpeakerTurn(0, 1000, 1), SpeakerTurn(1000, 2000, 2), SpeakerTurn(1500, 3000, 1), SpeakerTurn(2500, 4000, 3)]
    assert overlap_spans(turns) == [(1500, 2000), (2500, 3000)]


def test_rttm_round_trip_through_pyannote():
    import tempfile
    from pathlib import Path

    from pyannote.database.util import load_rttm

    diarization = Diarization.from_turns([(0, 1500, "a"), (1200, 4000, "b"), (4200, 5000, "a")])
    rttm = diarization.to_rttm("meeting")
    assert rttm.splitlines()[0] == "SPEAKER meeting 1 0.000 1.500 <NA> <NA> 1 <NA> <NA>"
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.rttm"
        path.write_text(rttm)
        loaded = load_rttm(path)["meeting"]
    again = Diarization.from_annotation(loaded)
    assert again.turns == diarization.turns
    assert again.overlaps == [(1200, 1500)]
    assert rttm.count("\n") == 3
