"""Every format honours the options that apply to it: profanity, punctuation, hesitations, text form, N-best."""

import csv
import io
import json
import re

import pytest

from core.errors import ExportError
from core.export import FORMATS, ExportOptions, export_conversation, write_conversation
from core.results import Conversation, TextForms, Utterance, Word
from core.text.forms import forms_from_display
from export_samples import samples

RUDE = "Um, this shit is broken comma we ship on Friday period"


def _rude_call() -> Conversation:
    call = samples.two_channel_call()
    words = [Word(t, 10_000 + 400 * i, 300, 0.9) for i, t in enumerate(RUDE.split())]
    call.utterances.append(
        Utterance("r-rude", 0, 10_000, 400 * len(words), forms_from_display(RUDE), 0.85, speaker=1, words=words)
    )
    return call


def _text(conversation, fmt, options=None) -> str:
    if FORMATS[fmt].binary:
        from docx import Document

        stream = io.BytesIO()
        write_conversation(conversation, fmt, stream, options)
        return "\n".join(p.text for p in Document(io.BytesIO(stream.getvalue())).paragraphs)
    stream = io.StringIO()
    write_conversation(conversation, fmt, stream, options)
    # Markdown escapes "*" and "<": read it as the text a reader sees
    return re.sub(r"\\(.)", r"\1", stream.getvalue()) if fmt == "md" else stream.getvalue()


TEXT_FORMATS = ("txt", "md", "srt", "vtt", "csv", "docx")


@pytest.mark.parametrize("fmt", TEXT_FORMATS + ("remote", "azure-v3", "watson", "azure-v2"))
def test_profanity_is_masked_by_default_and_shown_raw_on_request(fmt):
    masked = _text(_rude_call(), fmt)
    assert "shit" not in masked and "****" in masked
    raw = _text(_rude_call(), fmt, ExportOptions(profanity="None", word_timestamps=True))
    assert "shit" in raw


@pytest.mark.parametrize("fmt", TEXT_FORMATS)
def test_display_punctuation_and_hesitations_in_text_formats(fmt):
    default = _text(_rude_call(), fmt)
    assert "Um, this **** is broken, we ship on Friday." in default.replace("\n", " ")
    plain = _text(_rude_call(), fmt, ExportOptions(punctuation="None", hesitations="drop", profanity="Removed"))
    assert "This is broken comma we ship on Friday period" in plain.replace("\n", " ")


@pytest.mark.parametrize("fmt", ("txt", "csv", "md"))
def test_text_form_choice(fmt):
    lexical = _text(_rude_call(), fmt, ExportOptions(text_form="lexical"))
    assert "%HESITATION this **** is broken comma we ship on friday period" in lexical
    assert "twenty five past ten" in lexical
    itn = _text(_rude_call(), fmt, ExportOptions(text_form="itn", profanity="Tags"))
    assert "um this <profanity>shit</profanity> is broken comma" in itn.replace("\\<", "<").replace("\\>", ">")


def test_json_forms_follow_the_options():
    options = ExportOptions(profanity="Tags", punctuation="None", hesitations="drop")
    v3 = json.loads(_text(_rude_call(), "azure-v3", options))
    (rude,) = [p["nBest"][0] for p in v3["recognizedPhrases"] if p["offsetInTicks"] == 100_000_000]
    assert rude["display"] == "This <profanity>shit</profanity> is broken comma we ship on Friday period"
    assert rude["maskedITN"] == "this **** is broken comma we ship on friday period"
    remote = json.loads(_text(_rude_call(), "remote", options))
    (result,) = [r for r in remote["ConversationTranscriptionResults"] if r["ResultId"] == "r-rude"]
    assert json.loads(result["Json"])["DisplayText"] == result["Text"] == rude["display"]


def test_max_alternatives_in_every_json_format():
    one = ExportOptions(max_alternatives=1)
    assert len(json.loads(_text(samples.two_channel_call(), "azure-v3"))["recognizedPhrases"][0]["nBest"]) == 2
    assert len(json.loads(_text(samples.two_channel_call(), "azure-v3", one))["recognizedPhrases"][0]["nBest"]) == 1
    remote = json.loads(_text(samples.two_channel_call(), "remote", one))["ConversationTranscriptionResults"][0]
    assert len(json.loads(remote["Json"])["NBest"]) == 1
    watson = json.loads(_text(samples.two_channel_call(), "watson", ExportOptions(max_alternatives=2)))
    assert [a["transcript"] for a in watson["results"][0]["alternatives"]] == ["hello world ", "yellow world "]


def test_watson_keywords_and_word_alternatives_options():
    options = ExportOptions(keywords=("world", "ten"), keywords_threshold=0.8, word_alternatives_threshold=0.4)
    results = json.loads(_text(samples.two_channel_call(), "watson", options))["results"]
    assert results[0]["keywords_result"] == {"world": [{"normalized_text": "world", "start_time": 3.8, "end_time": 4.8, "confidence": 0.87}]}
    assert "keywords_result" not in results[1]  # "10" was said, not "ten", and at 0.6 confidence
    assert results[0]["word_alternatives"][0]["alternatives"] == [{"word": "hello", "confidence": 0.98}, {"word": "yellow", "confidence": 0.42}]


def test_sentiment_only_when_asked():
    rows = list(csv.DictReader(io.StringIO(_text(samples.two_channel_call(), "csv"))))
    assert "positive" not in rows[0]
    rows = list(csv.DictReader(io.StringIO(_text(samples.two_channel_call(), "csv", ExportOptions(sentiment=True)))))
    assert (rows[0]["negative"], rows[0]["neutral"], rows[0]["positive"]) == ("0.1000", "0.7000", "0.2000")  # stored scores win


@pytest.mark.parametrize(
    "options, message",
    [
        (ExportOptions(profanity="Bleep"), "profanity filter mode"),
        (ExportOptions(punctuation="Shouted"), "punctuation mode"),
        (ExportOptions(hesitations="hide"), "hesitation mode"),
        (ExportOptions(keywords=("x",)), "threshold"),
        (ExportOptions(max_alternatives=0), "max_alternatives"),
        (ExportOptions(word_alternatives_threshold=2.0), "between 0 and 1"),
    ],
)
def test_bad_options_are_export_errors_before_any_file(tmp_path, options, message):
    with pytest.raises(ExportError, match=message):
        export_conversation(samples.two_channel_call(), "txt", tmp_path / "x.txt", options)
    assert list(tmp_path.iterdir()) == []


def test_modes_are_case_insensitive():
    options = ExportOptions(profanity="removed", punctuation="none").check()
    assert (options.profanity, options.punctuation) == ("Removed", "None")


def test_speakers_off_removes_names_from_text_formats():
    call = samples.two_channel_call()
    for fmt in TEXT_FORMATS:
        assert "Alice" in _text(call, fmt)
        assert "Alice" not in _text(call, fmt, ExportOptions(speakers=False)), fmt


def test_unnamed_utterances_and_empty_text_are_skipped_in_documents():
    call = samples.two_channel_call()
    call.utterances.append(Utterance("r-empty", 0, 73_000, 500, TextForms("", "", "", ""), 0.5))
    assert _text(call, "txt").count("\n") == 3
    assert _text(call, "md").count("\n\n") == 5  # title, facts, three utterances
