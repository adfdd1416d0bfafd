"""`parley export` on a real library: one or many conversations, --all, zip, and the export-option flags."""

from __future__ import annotations

import csv
import json
import zipfile

import pytest

from core.cli import main
from core.store import Library
from export_samples import samples


@pytest.fixture
def library_ids(parley_home):
    """Return the ids of the hand-made call (Alice named) and memo, saved in a real library."""
    with Library.open() as library:
        return [library.save_conversation(samples.two_channel_call()), library.save_conversation(samples.mono_without_speakers())]


def test_one_conversation_to_a_file_with_option_flags(library_ids, tmp_path, capsys):
    call_id = library_ids[0]
    target = tmp_path / "call.csv"
    flags = ["--format", "csv", "--output", str(target), "--sentiment", "--text-form", "lexical", "--no-speakers"]
    assert main(["export", call_id, *flags]) == 0
    assert capsys.readouterr().out.strip() == str(target)
    with target.open(encoding="utf-8-sig", newline="") as handle:  # a CSV file starts with a byte order mark, for Excel
        rows = list(csv.DictReader(handle))
    assert [r["text"] for r in rows] == ["hello world", "it's twenty five past ten", samples.LONG_LEXICAL]
    assert rows[0]["speaker"] == "" and rows[0]["positive"] == "0.2000"


def test_watson_keywords_and_alternatives_flags(library_ids, capsys):
    args = ["export", library_ids[0], "--format", "watson", "--keywords", "hello, past", "--keywords-threshold", "0.9",
            "--max-alternatives", "2", "--word-timestamps"]
    assert main(args) == 0
    document = json.loads(capsys.readouterr().out)
    assert list(document["results"][0]["keywords_result"]) == ["hello"]  # "past" heard at 0.95, in result 1
    assert list(document["results"][1]["keywords_result"]) == ["past"]
    assert len(document["results"][0]["alternatives"]) == 2
    assert document["speaker_names"] == {"0": "Alice"}


def test_several_ids_into_a_folder_and_all_into_a_zip(library_ids, tmp_path, capsys):
    folder = tmp_path / "out"
    assert main(["export", *library_ids, "--format", "md", "--output", str(folder)]) == 0
    written = capsys.readouterr().out.split()
    assert sorted(p.split("/")[-1] for p in written) == ["Memo-0b6f5d1e.md", "Weekly-call-5f1c7e0a.md"]
    assert "**Alice**" in (folder / "Weekly-call-5f1c7e0a.md").read_text(encoding="utf-8")
    archive = tmp_path / "all.zip"
    assert main(["export", "--all", "--format", "rttm", "--output", str(archive)]) == 0
    with zipfile.ZipFile(archive) as bundle:
        names = sorted(bundle.namelist())
        assert names == ["Memo-0b6f5d1e.rttm", "Weekly-call-5f1c7e0a.rttm"]
        assert bundle.read("Weekly-call-5f1c7e0a.rttm").decode().startswith("SPEAKER call 1 3.250 1.550 <NA> <NA> Alice ")


def test_usage_errors_are_one_line(library_ids, tmp_path, capsys):
    assert main(["export", *library_ids]) == 1
    assert "--output" in capsys.readouterr().err
    assert main(["export"]) == 1
    assert "--all" in capsys.readouterr().err
    assert main(["export", library_ids[0], "--format", "txt", "--output", str(tmp_path / "no" / "x.txt")]) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["export", library_ids[0], "--format", "pdf"])
    assert "invalid choice: 'pdf'" in capsys.readouterr().err


def test_transcribe_offers_every_export_format():
    from core.cli import build_parser
    from core.export import FORMATS

    transcribe = build_parser()._subparsers._group_actions[0].choices["transcribe"]
    (fmt,) = [a for a in transcribe._actions if a.dest == "format"]
    assert set(fmt.choices) == set(FORMATS)


def test_sentiment_asked_of_a_language_it_cannot_score_says_so(parley_home, tmp_path, capsys):
    from dataclasses import replace

    with Library.open() as library:
        english = library.save_conversation(samples.two_channel_call())
        french = library.save_conversation(replace(samples.mono_without_speakers(), locale="fr-FR", title="Réunion"))
    assert main(["export", french, "--format", "csv", "--output", str(tmp_path / "r.csv"), "--sentiment"]) == 0
    err = capsys.readouterr().err
    assert "'Réunion' gets no sentiment scores" in err and "English only" in err and "fr-FR" in err
    with (tmp_path / "r.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert {row["positive"] for row in csv.DictReader(handle)} == {""}
    assert main(["export", english, french, "--format", "csv", "--output", str(tmp_path / "both"), "--sentiment"]) == 0
    assert capsys.readouterr().err.count("gets no sentiment scores") == 1  # the English call is scored
    assert main(["export", french, "--format", "csv", "--output", str(tmp_path / "r2.csv")]) == 0
    assert "sentiment" not in capsys.readouterr().err  # not asked, nothing said
    assert main(["export", french, "--format", "txt", "--output", str(tmp_path / "r.txt"), "--sentiment"]) == 0
    assert "sentiment" not in capsys.readouterr().err  # a format without sentiment scores: nothing to say
