import json

from core.views.azure_remote import conversation_transcription_result, remote_conversation_transcription_result
from views_samples import empty_conversation, mono_without_speakers, two_channel_call


def _by_id(document):
    return {r["ResultId"]: r for r in document["ConversationTranscriptionResults"]}


def test_remote_result_lists_every_utterance_in_time_order():
    call = two_channel_call()
    document = remote_conversation_transcription_result(call)
    assert list(document) == ["Id", "ConversationTranscriptionResults"]
    assert document["Id"] == call.conversation_id
    assert [r["ResultId"] for r in document["ConversationTranscriptionResults"]] == ["r-hello", "r-time", "r-plan"]
    json.dumps(document)  # plain data only


def test_result_fields_names_and_units():
    result = _by_id(remote_conversation_transcription_result(two_channel_call()))["r-hello"]
    assert list(result) == ["ResultId", "Reason", "Text", "UserId", "SpeakerId", "OffsetInTicks", "Duration", "Channel", "Json"]
    assert result["Reason"] == "RecognizedSpeech"
    assert result["Text"] == "Hello world."
    assert result["OffsetInTicks"] == 3_210 * 10_000
    assert result["Duration"] == 1_590 * 10_000
    assert result["Channel"] == 0
    assert isinstance(result["Json"], str)


def test_speaker_is_the_name_else_guest_label_else_unknown():
    results = _by_id(remote_conversation_transcription_result(two_channel_call()))
    assert (results["r-hello"]["SpeakerId"], results["r-hello"]["UserId"]) == ("Alice", "Alice")
    assert results["r-time"]["SpeakerId"] == "Guest-2"
    assert results["r-time"]["Channel"] == 1
    assert results["r-plan"]["SpeakerId"] == "Unknown"


def test_json_is_the_detailed_service_response():
    call = two_channel_call()
    hello = next(u for u in call.utterances if u.result_id == "r-hello")
    detailed = json.loads(conversation_transcription_result(call, hello)["Json"])
    assert list(detailed) == ["Id", "RecognitionStatus", "Offset", "Duration", "DisplayText", "Channel", "SpeakerId", "NBest"]
    assert detailed["Id"] == "r-hello"
    assert detailed["RecognitionStatus"] == "Success"
    assert (detailed["Offset"], detailed["Duration"]) == (32_100_000, 15_900_000)
    assert detailed["DisplayText"] == "Hello world."
    assert detailed["SpeakerId"] == "Alice"
    best, alternative = detailed["NBest"]
    assert best == {
        "Confidence": 0.91,
        "Lexical": "hello world",
        "ITN": "hello world",
        "MaskedITN": "hello world",
        "Display": "Hello world.",
        "Words": [
            {"Word": "hello", "Offset": 32_500_000, "Duration": 4_800_000, "Confidence": 0.98},
            {"Word": "world", "Offset": 38_000_000, "Duration": 10_000_000, "Confidence": 0.87},
        ],
    }
    assert alternative == {
        "Confidence": 0.42,
        "Lexical": "yellow world",
        "ITN": "yellow world",
        "MaskedITN": "yellow world",
        "Display": "Yellow world.",
    }


def test_no_words_means_no_words_key_and_no_speaker_means_unknown():
    memo = mono_without_speakers()
    detailed = json.loads(conversation_transcription_result(memo, memo.utterances[0])["Json"])
    assert detailed["SpeakerId"] == "Unknown"
    assert "Words" not in detailed["NBest"][0]
    assert len(detailed["NBest"]) == 1


def test_an_utterance_with_nothing_recognised_is_a_no_match_without_text():
    from dataclasses import replace

    from core.results import TextForms

    call = two_channel_call()
    silent = replace(call.utterances[0], forms=TextForms("", "", "", ""), words=[], alternatives=[])
    result = conversation_transcription_result(call, silent)
    assert result["Reason"] == "NoMatch" and result["Text"] == ""
    detailed = json.loads(result["Json"])
    assert detailed["RecognitionStatus"] == "NoMatch"
    assert "NBest" not in detailed and "DisplayText" not in detailed  # the service's NoMatch carries no hypothesis
    assert detailed["Offset"] == result["OffsetInTicks"] and detailed["SpeakerId"] == result["SpeakerId"]


def test_speaker_number_without_a_speaker_record_is_a_guest():
    call = two_channel_call()
    call.speakers.clear()
    results = _by_id(remote_conversation_transcription_result(call))
    assert results["r-hello"]["SpeakerId"] == "Guest-1"


def test_empty_conversation_has_no_results():
    empty = empty_conversation()
    assert remote_conversation_transcription_result(empty) == {"Id": empty.conversation_id, "ConversationTranscriptionResults": []}
