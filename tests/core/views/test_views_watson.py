import json

from core.views.watson import speech_recognition_results, watson_result_event
from views_samples import empty_conversation, mono_without_speakers, two_channel_call


def test_one_final_result_per_utterance_in_time_order():
    document = speech_recognition_results(two_channel_call())
    assert list(document) == ["results", "result_index", "speaker_labels", "speaker_names"]
    assert document["speaker_names"] == {"0": "Alice"}  # the user's names, by Watson speaker number
    assert document["result_index"] == 0
    assert all(r["final"] is True for r in document["results"])
    transcripts = [r["alternatives"][0]["transcript"] for r in document["results"]]
    assert transcripts[:2] == ["hello world ", "it's twenty five past ten "]
    assert transcripts[2].startswith("so the plan is simple we ship")  # lexical form as stored, trailing space
    assert all(t.endswith(" ") for t in transcripts)


def test_best_alternative_fields_in_seconds():
    hello = speech_recognition_results(two_channel_call())["results"][0]
    assert list(hello) == ["final", "alternatives"]
    (best,) = hello["alternatives"]
    assert list(best) == ["transcript", "confidence", "timestamps", "word_confidence"]
    assert best["confidence"] == 0.91
    # words lowercased without punctuation, like Watson's own tokens
    assert best["timestamps"] == [["hello", 3.25, 3.73], ["world", 3.8, 4.8]]
    assert best["word_confidence"] == [["hello", 0.98], ["world", 0.87]]
    # the words of the spoken transcript: "25" was said as two words, which share its time
    time = speech_recognition_results(two_channel_call())["results"][1]["alternatives"][0]
    assert time["transcript"] == "it's twenty five past ten "
    assert time["timestamps"] == [["it's", 5.01, 5.31], ["twenty", 5.4, 5.75], ["five", 5.75, 6.1], ["past", 6.2, 6.6],
                                  ["ten", 6.7, 7.65]]
    assert [w for w, _ in time["word_confidence"]] == [w for w, _, _ in time["timestamps"]]


def test_smart_formatting_writes_the_transcript_and_its_words():
    time = speech_recognition_results(two_channel_call(), smart_formatting=True)["results"][1]["alternatives"][0]
    assert time["transcript"] == "it's 25 past 10 "
    assert time["timestamps"] == [["it's", 5.01, 5.31], ["25", 5.4, 6.1], ["past", 6.2, 6.6], ["10", 6.7, 7.65]]
    labels = speech_recognition_results(two_channel_call(), smart_formatting=True)["speaker_labels"]
    assert [label["from"] for label in labels][2:] == [5.01, 5.4, 6.2, 6.7]  # a label per word of the timestamps


def test_speaker_labels_per_word_numbered_from_zero():
    labels = speech_recognition_results(two_channel_call())["speaker_labels"]
    assert [(l["from"], l["to"], l["speaker"]) for l in labels] == [
        (3.25, 3.73, 0), (3.8, 4.8, 0),
        (5.01, 5.31, 1), (5.4, 5.75, 1), (5.75, 6.1, 1), (6.2, 6.6, 1), (6.7, 7.65, 1),
    ]
    assert all(list(l) == ["from", "to", "speaker", "confidence", "final"] and l["final"] is True for l in labels)


def test_speaker_labels_have_the_confidence_watson_requires_lower_where_voices_overlap():
    from ibm_watson.speech_to_text_v1 import SpeechRecognitionResults

    call = two_channel_call()
    call.utterances[1].overlapped = True
    document = speech_recognition_results(call)
    by_start = {l["from"]: l["confidence"] for l in document["speaker_labels"]}
    assert by_start[3.25] == 1.0 and by_start[5.01] == 0.5  # "hello" alone; "it's" in the utterance two voices overlap
    parsed = SpeechRecognitionResults.from_dict(document)  # IBM's own SDK refuses a label without a confidence
    assert [l.confidence for l in parsed.speaker_labels] == [l["confidence"] for l in document["speaker_labels"]]


def test_options_switch_parts_off_and_add_alternatives():
    document = speech_recognition_results(
        two_channel_call(), timestamps=False, word_confidence=False, speaker_labels=False, max_alternatives=2
    )
    assert "speaker_labels" not in document
    best, second = document["results"][0]["alternatives"]
    assert best == {"transcript": "hello world ", "confidence": 0.91}
    assert second == {"transcript": "yellow world "}  # only the best alternative has a confidence


def test_speaker_labels_only_when_speakers_are_known():
    assert "speaker_labels" not in speech_recognition_results(mono_without_speakers())
    forced = speech_recognition_results(mono_without_speakers(), speaker_labels=True)
    assert forced["speaker_labels"] == []
    memo = speech_recognition_results(mono_without_speakers())["results"][0]["alternatives"][0]
    assert memo["timestamps"] == [] and memo["word_confidence"] == []


def test_utterance_without_words_gets_one_speaker_label():
    call = two_channel_call()
    for u in call.utterances:
        if u.result_id == "r-plan":
            u.speaker = 2
    labels = speech_recognition_results(call)["speaker_labels"]
    assert labels[-1]["from"] == 62.34 and labels[-1]["to"] == 71.34 and labels[-1]["speaker"] == 1


def test_empty_conversation():
    assert speech_recognition_results(empty_conversation()) == {"results": [], "result_index": 0}


def test_streaming_events_interim_then_final():
    call = two_channel_call()
    time = next(u for u in call.utterances if u.result_id == "r-time")
    interim = watson_result_event(time, 3, final=False)
    assert list(interim) == ["results", "result_index"]
    assert interim["result_index"] == 3
    (result,) = interim["results"]
    assert result["final"] is False
    assert "confidence" not in result["alternatives"][0]
    assert "word_confidence" not in result["alternatives"][0]
    final = watson_result_event(time, 3, final=True, conversation=call)
    assert final["results"][0]["final"] is True
    assert final["results"][0]["alternatives"][0]["confidence"] == 0.8
    assert [l["speaker"] for l in final["speaker_labels"]] == [1, 1, 1, 1, 1]  # it's twenty five past ten
    assert all(l["final"] is True for l in final["speaker_labels"])
    json.dumps(final)


def test_a_streaming_final_says_why_it_ended_and_an_interim_does_not():
    from ibm_watson.speech_to_text_v1 import SpeechRecognitionResults

    time = next(u for u in two_channel_call().utterances if u.result_id == "r-time")
    final = watson_result_event(time, 3, final=True, end_of_utterance="silence")
    assert final["results"][0]["end_of_utterance"] == "silence"
    assert SpeechRecognitionResults.from_dict(final).results[0].end_of_utterance == "silence"
    assert "end_of_utterance" not in watson_result_event(time, 3, final=False, end_of_utterance="silence")["results"][0]
    assert "end_of_utterance" not in watson_result_event(time, 3, final=True)["results"][0]  # not known: not said


def test_speaker_labels_bring_the_word_timestamps_they_are_joined_by():
    """A client joins each label to its word by `from` = the word's start: labels without timestamps cannot be used."""
    document = speech_recognition_results(two_channel_call(), timestamps=False, word_confidence=False, speaker_labels=True)
    starts = [t[1] for r in document["results"] for t in r["alternatives"][0]["timestamps"]]
    assert [label["from"] for label in document["speaker_labels"]] == starts[:7]
    assert "word_confidence" not in document["results"][0]["alternatives"][0]  # only timestamps come with them
    plain = speech_recognition_results(two_channel_call(), timestamps=False, speaker_labels=False)
    assert "timestamps" not in plain["results"][0]["alternatives"][0]
