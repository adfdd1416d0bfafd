import json

from core.views.azure_batch_v3 import batch_v3_result
from views_samples import LONG_DISPLAY, empty_conversation, mono_without_speakers, two_channel_call


def test_top_level_fields_and_units():
    document = batch_v3_result(two_channel_call())
    assert list(document) == ["source", "timestamp", "durationInTicks", "duration", "combinedRecognizedPhrases", "recognizedPhrases"]
    assert document["source"] == "call.wav"
    assert document["timestamp"] == "2026-03-01T09:30:21Z"
    assert document["durationInTicks"] == 750_000_000
    assert document["duration"] == "PT1M15S"


def test_combined_phrases_one_per_channel():
    combined = batch_v3_result(two_channel_call())["combinedRecognizedPhrases"]
    assert [c["channel"] for c in combined] == [0, 1]
    assert list(combined[0]) == ["channel", "lexical", "itn", "maskedITN", "display"]
    assert combined[0]["display"] == "Hello world. " + LONG_DISPLAY
    assert combined[1]["itn"] == "it's 25 past 10"
    assert combined[1]["lexical"] == "it's twenty five past ten"


def test_recognized_phrases_in_time_order_with_integer_speaker():
    phrases = batch_v3_result(two_channel_call())["recognizedPhrases"]
    assert [p["nBest"][0]["display"] for p in phrases] == ["Hello world.", "It's 25 past 10.", LONG_DISPLAY]
    hello, time, plan = phrases
    assert list(hello) == ["recognitionStatus", "channel", "speaker", "speakerName", "offset", "duration", "offsetInTicks", "durationInTicks", "nBest"]
    assert hello["speakerName"] == "Alice" and "speakerName" not in time  # Guest-2 has no name
    assert hello["recognitionStatus"] == "Success"
    assert (hello["channel"], hello["speaker"]) == (0, 1)
    assert (hello["offset"], hello["duration"]) == ("PT3.21S", "PT1.59S")
    assert (hello["offsetInTicks"], hello["durationInTicks"]) == (32_100_000, 15_900_000)
    assert (time["channel"], time["speaker"], time["offset"], time["duration"]) == (1, 2, "PT5.005S", "PT2.64S")
    assert "speaker" not in plan
    assert (plan["offset"], plan["duration"]) == ("PT1M2.34S", "PT9S")


def test_nbest_has_no_words_key_unless_asked():
    hello = batch_v3_result(two_channel_call())["recognizedPhrases"][0]
    best, alternative = hello["nBest"]
    assert best == {"confidence": 0.91, "lexical": "hello world", "itn": "hello world", "maskedITN": "hello world", "display": "Hello world."}
    assert alternative["display"] == "Yellow world."


def test_words_with_iso_durations_and_ticks():
    hello = batch_v3_result(two_channel_call(), word_timestamps=True)["recognizedPhrases"][0]
    words = hello["nBest"][0]["words"]
    assert words[0] == {
        "word": "hello", "offset": "PT3.25S", "duration": "PT0.48S",
        "offsetInTicks": 32_500_000, "durationInTicks": 4_800_000, "confidence": 0.98,
    }
    assert words[1]["offset"] == "PT3.8S"
    assert words[1]["duration"] == "PT1S"
    assert "words" not in hello["nBest"][1]  # alternatives carry no timings


def test_display_words_are_the_display_forms_words_with_their_times_valid_against_the_schema():
    """v3.1's displayFormWordLevelTimestampsEnabled gives displayWords; it used to give the lexical words instead."""
    from pathlib import Path

    import jsonschema

    document = batch_v3_result(two_channel_call(), display_words=True)
    phrases = document["recognizedPhrases"]
    hello, time = phrases[0]["nBest"][0], phrases[1]["nBest"][0]
    assert "words" not in hello and "displayWords" not in phrases[0]["nBest"][1]
    assert hello["displayWords"][0] == {"displayText": "hello", "offset": "PT3.25S", "duration": "PT0.48S",
                                        "offsetInTicks": 32_500_000, "durationInTicks": 4_800_000}
    assert [w["displayText"] for w in hello["displayWords"]] == ["hello", "world."]  # the words as recognised
    assert [w["displayText"] for w in time["displayWords"]] == ["It's", "25", "past", "10."]  # as displayed, not "twenty five"
    schema = Path(__file__).resolve().parents[2] / "data" / "azure" / "transcriptionresult_v3.schema.json"
    jsonschema.Draft7Validator(json.loads(schema.read_text(encoding="utf-8"))).validate(document)
    from core.views.text import TextOptions

    bare = batch_v3_result(two_channel_call(), display_words=True, text=TextOptions(punctuation="None"))["recognizedPhrases"][1]
    assert bare["nBest"][0]["display"] == "It's 25 past 10"  # the display's own options apply to its words
    assert [w["displayText"] for w in bare["nBest"][0]["displayWords"]] == ["It's", "25", "past", "10"]
    both = batch_v3_result(two_channel_call(), word_timestamps=True, display_words=True)["recognizedPhrases"][0]["nBest"][0]
    assert [w["word"] for w in both["words"]] == ["hello", "world"] and len(both["displayWords"]) == 2


def test_no_speakers_and_empty_conversation():
    memo = batch_v3_result(mono_without_speakers(), word_timestamps=True)
    assert memo["timestamp"] == "2026-03-02T11:00:00Z"  # naive datetimes are UTC
    assert [c["channel"] for c in memo["combinedRecognizedPhrases"]] == [0]
    (phrase,) = memo["recognizedPhrases"]
    assert "speaker" not in phrase
    assert phrase["nBest"][0]["words"] == []
    empty = batch_v3_result(empty_conversation())
    assert empty["duration"] == "PT0S"
    assert empty["durationInTicks"] == 0
    assert empty["recognizedPhrases"] == []
    assert empty["combinedRecognizedPhrases"] == [{"channel": 0, "lexical": "", "itn": "", "maskedITN": "", "display": ""}]
    json.dumps(empty)


def test_a_swedish_conversation_keeps_its_words():
    # by default English rules would write "Det var en lång. Av regn." and mask or drop "er" (you) and "slut" (end)
    from datetime import datetime, timezone

    from core.results import Conversation, Utterance, Word
    from core.text.forms import forms_from_display

    said = ["Det var en lång period av regn.", "Vi ser er i morgon.", "Slut för i dag."]
    utterances = [
        Utterance(result_id=f"u{i}", channel=0, offset_ms=i * 2_000, duration_ms=1_500, confidence=0.9,
                  forms=forms_from_display(text, "sv-SE"),
                  words=[Word(w, i * 2_000 + k * 100, 100, 0.9) for k, w in enumerate(text.split())])
        for i, text in enumerate(said)
    ]
    conversation = Conversation("c", "t", datetime(2026, 3, 1, tzinfo=timezone.utc), 6_000, "a.wav", "sv-SE", "small",
                                utterances=utterances)
    document = batch_v3_result(conversation, word_timestamps=True)
    assert [p["nBest"][0]["display"] for p in document["recognizedPhrases"]] == said
    assert [p["nBest"][0]["lexical"] for p in document["recognizedPhrases"]] == [
        "det var en lång period av regn", "vi ser er i morgon", "slut för i dag"]
    assert [w["word"] for w in document["recognizedPhrases"][1]["nBest"][0]["words"]] == ["vi", "ser", "er", "i", "morgon"]
    assert document["combinedRecognizedPhrases"][0]["maskedITN"].endswith("slut för i dag")
