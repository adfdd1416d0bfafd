"""SRT and WebVTT exports, read back with the `srt` and `webvtt-py` parsers."""

import io
from datetime import timedelta

import srt
import webvtt

from core.export import ExportOptions, export_conversation, write_conversation
from core.export.cues import MAX_CUE_MS, MAX_LINE_CHARS
from core.results import Conversation, TextForms, Utterance, Word
from export_samples import samples


def _srt(conversation, options=None):
    stream = io.StringIO()
    write_conversation(conversation, "srt", stream, options)
    return list(srt.parse(stream.getvalue()))


def _vtt(conversation, options=None):
    stream = io.StringIO()
    write_conversation(conversation, "vtt", stream, options)
    return webvtt.from_string(stream.getvalue()).captions


def _ms(delta: timedelta) -> int:
    return round(delta.total_seconds() * 1000)


def test_srt_cues_have_speaker_prefix_and_word_times(call):
    cues = _srt(call)
    assert [c.index for c in cues] == list(range(1, len(cues) + 1))
    hello, time = cues[0], cues[1]
    assert hello.content == "Alice: Hello world."
    assert (_ms(hello.start), _ms(hello.end)) == (3_250, 4_800)  # first word start, last word end
    assert time.content == "Guest-2: It's 25 past 10."
    assert (_ms(time.start), _ms(time.end)) == (5_005, 7_645)


def test_long_utterance_is_split_into_short_cues(call):
    cues = _srt(call)[2:]  # the 9 s, 149-character utterance with no speaker and no words
    assert len(cues) >= 2
    assert " ".join(c.content.replace("\n", " ") for c in cues) == samples.LONG_DISPLAY
    assert _ms(cues[0].start) == 62_340 and _ms(cues[-1].end) == 71_340
    for cue in cues:
        lines = cue.content.split("\n")
        assert len(lines) <= 2 and all(len(line) <= MAX_LINE_CHARS for line in lines)
        assert _ms(cue.end - cue.start) <= MAX_CUE_MS
        assert not cue.content.startswith("Guest")
    for before, after in zip(cues, cues[1:]):
        assert before.end <= after.start


def test_slow_speech_is_split_at_seven_seconds_using_word_times():
    words = [Word("Well", 0, 500, 0.9), Word("then,", 4_000, 500, 0.9), Word("maybe", 8_000, 500, 0.9), Word("tomorrow.", 11_500, 600, 0.9)]
    slow = Utterance("r-slow", 0, 0, 12_100, TextForms("well then maybe tomorrow", "well then maybe tomorrow", "well then maybe tomorrow", "Well then, maybe tomorrow."), 0.9, speaker=1, words=words)
    conversation = Conversation("id", "t", samples.CREATED, 12_100, "slow.wav", "en-US", "tiny.en", utterances=[slow])
    cues = _srt(conversation)
    assert [(c.content, _ms(c.start), _ms(c.end)) for c in cues] == [
        ("Guest-1: Well then,", 0, 4_500),
        ("Guest-1: maybe tomorrow.", 8_000, 12_100),
    ]


def test_speaker_prefix_counts_in_the_line_length(call):
    for cue in _srt(call):
        assert all(len(line) <= MAX_LINE_CHARS for line in cue.content.split("\n"))


def test_srt_without_speakers_and_with_lexical_text(call):
    cues = _srt(call, ExportOptions(speakers=False, text_form="lexical"))
    assert cues[0].content == "hello world"
    # the lexical form has other tokens than the words, so the span is shared out by characters
    assert cues[1].content == "it's twenty five past ten"
    assert (_ms(cues[1].start), _ms(cues[1].end)) == (5_005, 7_645)


def test_vtt_voice_tags_times_and_text(call):
    captions = _vtt(call)
    hello, time = captions[0], captions[1]
    assert (hello.voice, hello.text) == ("Alice", "Hello world.")
    assert (hello.start, hello.end) == ("00:00:03.250", "00:00:04.800")
    assert (time.voice, time.text) == ("Guest-2", "It's 25 past 10.")
    assert (time.start_in_seconds, time.end) == (5, "00:00:07.645")
    assert all(c.voice is None for c in captions[2:])
    assert " ".join(c.text.replace("\n", " ") for c in captions[2:]) == samples.LONG_DISPLAY
    assert captions[-1].end == "00:01:11.340"


def test_vtt_escapes_markup_and_keeps_names_with_spaces(call):
    call.speakers[1].name = "Alice <Ops> Smith"
    for u in call.utterances:
        if u.result_id == "r-hello":
            u.forms = TextForms("a b", "a b", "a b", "Fish & chips <3")
    stream = io.StringIO()
    write_conversation(call, "vtt", stream)
    assert "<v Alice &lt;Ops&gt; Smith>Fish &amp; chips &lt;3" in stream.getvalue()
    hello = webvtt.from_string(stream.getvalue()).captions[0]
    assert hello.voice == "Alice &lt;Ops&gt; Smith"


def test_subtitle_files_parse_and_empty_conversation_gives_empty_tracks(tmp_path, call, empty):
    (srt_file,) = export_conversation(call, "srt", tmp_path / "call.srt")
    assert len(list(srt.parse(srt_file.read_text(encoding="utf-8")))) == len(_srt(call))
    (vtt_file,) = export_conversation(call, "vtt", tmp_path / "call.vtt")
    assert len(webvtt.read(str(vtt_file)).captions) == len(_vtt(call))
    assert _srt(empty) == []
    assert _vtt(empty) == []


def test_a_number_written_with_spaces_is_never_cut_across_lines_or_cues():
    """French and Russian group digits with spaces: "1 000 mètres" must not come out as "... de 1" / "000 mètres"."""
    text = "Nous avons couru le premier de 1 000 mètres, puis nous avons dépensé en tout 3 500 000 euros ce mois-ci."
    tokens = text.split(" ")
    words = [Word(token, 400 * n, 380) for n, token in enumerate(tokens)]
    said = Utterance("u1", 0, 0, 400 * len(tokens), TextForms(text.lower(), text, text, text), 0.9, speaker=1, words=words)
    conversation = Conversation("id", "t", samples.CREATED, 400 * len(tokens), "fr.wav", "fr-FR", "base", utterances=[said])
    lines = [line for cue in _srt(conversation) for line in cue.content.splitlines()]
    assert all(len(line) <= MAX_LINE_CHARS for line in lines) and len(lines) > 2
    assert any("1 000 mètres" in line for line in lines) and any("3 500 000 euros" in line for line in lines), lines
