import json
from dataclasses import replace

from core.views.azure_batch_v2 import batch_v2_result
from views_samples import LONG_DISPLAY, LONG_LEXICAL, empty_conversation, mono_without_speakers, two_channel_call


def _file(document):
    (audio_file,) = document["AudioFileResults"]
    return audio_file


def test_one_document_per_channel_with_the_seed_fields():
    call = two_channel_call()
    audio_file = _file(batch_v2_result(call, 0))
    assert list(audio_file) == ["AudioFileName", "AudioFileUrl", "AudioLengthInSeconds", "CombinedResults", "SegmentResults"]
    assert audio_file["AudioFileName"] == "Channel.0.wav"
    assert audio_file["AudioFileUrl"] is None
    assert audio_file["AudioLengthInSeconds"] == 75.0
    assert [s["NBest"][0]["Display"] for s in audio_file["SegmentResults"]] == ["Hello world.", LONG_DISPLAY]
    assert _file(batch_v2_result(call, 1))["AudioFileName"] == "Channel.1.wav"
    assert [s["NBest"][0]["Display"] for s in _file(batch_v2_result(call, 1))["SegmentResults"]] == ["It's 25 past 10."]


def test_combined_results_join_the_channel():
    (combined,) = _file(batch_v2_result(two_channel_call(), 0))["CombinedResults"]
    assert list(combined) == ["ChannelNumber", "Lexical", "ITN", "MaskedITN", "Display"]
    assert combined["ChannelNumber"] is None
    assert combined["Display"] == "Hello world. " + LONG_DISPLAY
    assert combined["Lexical"] == "hello world " + LONG_LEXICAL


def test_segment_fields_units_and_speaker_strings():
    segment = _file(batch_v2_result(two_channel_call(), 1))["SegmentResults"][0]
    assert list(segment) == [
        "RecognitionStatus", "ChannelNumber", "SpeakerId", "Offset", "Duration",
        "OffsetInSeconds", "DurationInSeconds", "NBest",
    ]
    assert segment["RecognitionStatus"] == "Success"
    assert segment["ChannelNumber"] is None
    assert segment["SpeakerId"] is None  # stereo: v2.0 diarizes mono recordings only, and says null on stereo ones
    mono = _file(batch_v2_result(replace(two_channel_call(), channels=1), 1))["SegmentResults"][0]
    assert mono["SpeakerId"] == "2"
    assert segment["Offset"] == 50_050_000
    assert segment["Duration"] == 26_400_000
    assert segment["OffsetInSeconds"] == 5.01
    assert segment["DurationInSeconds"] == 2.64
    plan = _file(batch_v2_result(two_channel_call(), 0))["SegmentResults"][1]
    assert plan["SpeakerId"] is None


def test_nbest_without_options_has_no_sentiment_and_null_words():
    hello = _file(batch_v2_result(two_channel_call(), 0))["SegmentResults"][0]
    best, alternative = hello["NBest"]
    assert best == {
        "Confidence": 0.91, "Lexical": "hello world", "ITN": "hello world",
        "MaskedITN": "hello world", "Display": "Hello world.", "Words": None,
    }
    assert alternative["Display"] == "Yellow world."
    assert alternative["Confidence"] == 0.42
    assert alternative["Words"] is None


def test_word_timestamps_and_sentiment_when_asked():
    document = batch_v2_result(two_channel_call(), 0, word_timestamps=True, sentiment=True)
    best = _file(document)["SegmentResults"][0]["NBest"][0]
    assert list(best) == ["Confidence", "Lexical", "ITN", "MaskedITN", "Display", "Sentiment", "Words"]
    assert best["Sentiment"] == {"Negative": 0.1, "Neutral": 0.7, "Positive": 0.2}
    assert best["Words"][0] == {
        "Word": "hello", "Offset": 32_500_000, "Duration": 4_800_000,
        "OffsetInSeconds": 3.25, "DurationInSeconds": 0.48, "Confidence": 0.98,
    }
    time_words = _file(batch_v2_result(two_channel_call(), 1, word_timestamps=True))["SegmentResults"][0]["NBest"][0]["Words"]
    # the Lexical form's words ("it's twenty five past ten"): "25", said as two, shares its time between them
    assert [(w["Word"], w["OffsetInSeconds"], w["DurationInSeconds"]) for w in time_words] == [
        ("it's", 5.01, 0.3), ("twenty", 5.4, 0.35), ("five", 5.75, 0.35), ("past", 6.2, 0.4), ("ten", 6.7, 0.95),
    ]
    # the long utterance had no stored sentiment: VADER scores its display text at view time
    plan = _file(document)["SegmentResults"][1]["NBest"][0]
    scores = plan["Sentiment"]
    assert abs(scores["Negative"] + scores["Neutral"] + scores["Positive"] - 1) < 0.01
    assert scores["Negative"] > 0 and scores["Neutral"] > 0.5  # "fix the worst problems"
    assert plan["Words"] == []


def test_mono_without_speakers_and_empty_conversation():
    segment = _file(batch_v2_result(mono_without_speakers(), 0))["SegmentResults"][0]
    assert segment["SpeakerId"] is None
    assert (segment["OffsetInSeconds"], segment["DurationInSeconds"]) == (0.7, 1.3)
    empty = _file(batch_v2_result(empty_conversation(), 0))
    assert empty["AudioLengthInSeconds"] == 0.0
    assert empty["SegmentResults"] == []
    assert empty["CombinedResults"] == [{"ChannelNumber": None, "Lexical": "", "ITN": "", "MaskedITN": "", "Display": ""}]
    json.dumps(empty)
