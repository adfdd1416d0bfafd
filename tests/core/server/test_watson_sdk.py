"""The real ibm-watson SDK (SpeechToTextV1) pointed at the local service: recognize, WebSocket with interim results, async jobs."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from ibm_cloud_sdk_core.api_exception import ApiException
from ibm_cloud_sdk_core.authenticators import BasicAuthenticator, BearerTokenAuthenticator
from ibm_watson import SpeechToTextV1
from ibm_watson.websocket import AudioSource, RecognizeCallback
from server_support import wait_for


@pytest.fixture
def stt(server, api_key) -> SpeechToTextV1:
    service = SpeechToTextV1(authenticator=BasicAuthenticator("apikey", api_key))
    service.set_service_url(server.url)
    return service


def test_recognize_with_timestamps_confidence_keywords_and_alternatives(stt, ten_seconds):
    with open(ten_seconds, "rb") as audio:
        result = stt.recognize(
            audio=audio, content_type="audio/wav", model="en-US_BroadbandModel", timestamps=True, word_confidence=True,
            keywords=["hello", "there"], keywords_threshold=0.3, max_alternatives=2,
        ).get_result()
    assert result["result_index"] == 0 and result["results"]
    first = result["results"][0]
    assert first["final"] is True
    best = first["alternatives"][0]
    assert best["transcript"].startswith("hello") and best["transcript"].endswith(" ")
    word, start, end = best["timestamps"][0]
    assert word == "hello" and 6.0 < start < end < 10.0
    assert best["word_confidence"][0][0] == "hello" and 0 < best["word_confidence"][0][1] <= 1
    transcript = " ".join(r["alternatives"][0]["transcript"] for r in result["results"])
    assert "there" in transcript
    spotted = {k for r in result["results"] for k in r.get("keywords_result", {})}
    assert {"hello", "there"} <= spotted
    # N-best: at most max_alternatives, the others different hypotheses of the phrase, without a confidence
    alternatives = [r["alternatives"] for r in result["results"]]
    assert max(map(len, alternatives)) == 2
    for hypotheses in alternatives:
        assert len({a["transcript"] for a in hypotheses}) == len(hypotheses)
        assert all("confidence" not in a and "timestamps" not in a for a in hypotheses[1:])


def test_word_alternatives_come_from_the_n_best_hypotheses(stt, ten_seconds):
    """word_alternatives_threshold alone decodes hypotheses enough for other words to be heard (one alternative shown)."""
    with open(ten_seconds, "rb") as audio:
        result = stt.recognize(audio=audio, content_type="audio/wav", word_alternatives_threshold=0.1).get_result()
    assert all(len(r["alternatives"]) == 1 for r in result["results"])
    spans = [span for r in result["results"] for span in r["word_alternatives"]]
    assert all(span["start_time"] <= span["end_time"] and span["alternatives"] for span in spans)
    assert any(len(span["alternatives"]) > 1 for span in spans), spans  # a word some hypothesis heard otherwise
    assert all(a["confidence"] >= 0.1 for span in spans for a in span["alternatives"])


def test_recognize_refuses_a_wrong_key(server, ten_seconds):
    service = SpeechToTextV1(authenticator=BasicAuthenticator("apikey", "0" * 32))
    service.set_service_url(server.url)
    with open(ten_seconds, "rb") as audio, pytest.raises(ApiException) as refused:
        service.recognize(audio=audio, content_type="audio/wav")
    assert refused.value.code == 401


class Collector(RecognizeCallback):
    def __init__(self):
        super().__init__()
        self.hypotheses, self.finals, self.data, self.errors = [], [], [], []
        self.listening = threading.Event()
        self.closed = threading.Event()

    def on_listening(self):
        self.listening.set()

    def on_hypothesis(self, hypothesis):
        self.hypotheses.append(hypothesis)

    def on_transcription(self, transcript):
        self.finals.append(transcript)

    def on_data(self, data):
        self.data.append(data)

    def on_error(self, error):
        self.errors.append(error)

    def on_close(self):
        self.closed.set()


def test_recognize_using_websocket_with_interim_results(server, api_key, sample_wav):
    token = server.services.tokens.issue(server.services.keys.verify(api_key))
    service = SpeechToTextV1(authenticator=BearerTokenAuthenticator(token))
    service.set_service_url(f"ws://127.0.0.1:{server.port}")  # the SDK only derives wss:// from https://
    collector = Collector()
    with open(sample_wav, "rb") as audio:
        service.recognize_using_websocket(
            audio=AudioSource(audio), content_type="audio/wav", recognize_callback=collector, model="en-US_BroadbandModel",
            interim_results=True, timestamps=True, inactivity_timeout=30, keywords=["Chicago", "New Jersey"], keywords_threshold=0.3,
            speaker_labels=True, max_alternatives=2, word_alternatives_threshold=0.2,
        )
    assert collector.closed.is_set() and collector.listening.is_set() and not collector.errors
    interim = [d for d in collector.data if d.get("results") and not d["results"][0]["final"]]
    finals = [d for d in collector.data if d.get("results") and d["results"][0]["final"]]
    assert interim, "no interim results were sent"
    assert len(finals) >= 2
    assert [d["result_index"] for d in finals] == list(range(len(finals)))
    for event in interim:  # an interim shares the index of the final that follows it
        assert event["result_index"] <= finals[-1]["result_index"]
    text = " ".join(d["results"][0]["alternatives"][0]["transcript"] for d in finals)
    assert "hello" in text and "there" in text
    assert finals[0]["results"][0]["alternatives"][0]["timestamps"]
    spotted = [k for d in finals for k in d["results"][0].get("keywords_result", {})]
    assert {"Chicago", "New Jersey"} <= set(spotted)  # on final results, as the service spots them
    assert not any("keywords_result" in d["results"][0] for d in interim)
    # finals carry their N-best hypotheses and word alternatives (interims neither), as over HTTP
    assert not any("warnings" in d for d in collector.data)
    assert max(len(d["results"][0]["alternatives"]) for d in finals) == 2
    assert all(len(d["results"][0]["alternatives"]) == 1 and "word_alternatives" not in d["results"][0] for d in interim)
    spans = [span for d in finals for span in d["results"][0]["word_alternatives"]]
    assert any(len(span["alternatives"]) > 1 for span in spans)
    # the speaker labels that hold come last, final: one per word of the final results, the sample's two voices
    # (any sent while the audio streamed are not final)
    *streamed, labels = [d["speaker_labels"] for d in collector.data if "speaker_labels" in d]
    assert not any(label["final"] for streamed_labels in streamed for label in streamed_labels)
    starts = [t[1] for d in finals for t in d["results"][0]["alternatives"][0]["timestamps"]]
    assert [label["from"] for label in labels] == starts and all(label["final"] for label in labels)
    assert {label["speaker"] for label in labels} == {0, 1}
    assert "speaker_labels" in collector.data[-1]  # after every result


def test_async_jobs_create_check_list_and_expire(server, stt, ten_seconds):
    with open(ten_seconds, "rb") as audio:
        job = stt.create_job(audio=audio, content_type="audio/wav", model="en-US_BroadbandModel", timestamps=True, user_token="job-1",
                             max_alternatives=3).get_result()
    assert job["status"] in ("waiting", "processing") and job["id"]
    listed = stt.check_jobs().get_result()["recognitions"]
    assert [j["id"] for j in listed] == [job["id"]] and listed[0]["user_token"] == "job-1"
    done = wait_for(lambda: (j := stt.check_job(job["id"]).get_result())["status"] in ("completed", "failed") and j, 180)
    assert done["status"] == "completed", done
    results = done["results"][0]["results"]
    assert results[0]["final"] and results[0]["alternatives"][0]["timestamps"][0][0] == "hello"
    assert max(len(r["alternatives"]) for r in results) == 3  # the job kept the N-best hypotheses asked for
    # without results_ttl, the results are kept a week after the job finished, as the service keeps them
    from datetime import datetime, timedelta, timezone

    assert server.services.transcriptions.purge(datetime.now(timezone.utc) + timedelta(days=6, hours=23)) == 0
    assert server.services.transcriptions.purge(datetime.now(timezone.utc) + timedelta(days=7, minutes=1)) == 1
    with pytest.raises(ApiException) as gone:
        stt.check_job(job["id"])
    assert gone.value.code == 404


def test_a_job_being_processed_cannot_be_deleted(stt, sample_wav):
    """The service deletes a job waiting or done, not one it is processing (the job and its results stay)."""
    with open(sample_wav, "rb") as audio:
        job = stt.create_job(audio=audio, content_type="audio/wav", model="en-US_BroadbandModel").get_result()
    wait_for(lambda: stt.check_job(job["id"]).get_result()["status"] == "processing", 120, 0.02)
    with pytest.raises(ApiException) as refused:
        stt.delete_job(job["id"])
    assert refused.value.code == 400 and "being processed" in refused.value.message
    done = wait_for(lambda: (j := stt.check_job(job["id"]).get_result())["status"] in ("completed", "failed") and j, 180)
    assert done["status"] == "completed" and done["results"][0]["results"]
    stt.delete_job(job["id"])


def test_raw_pcm_is_heard_at_the_rate_it_says_and_refused_without_one(stt, ten_seconds):
    """audio/l16 in a request (8 kHz) and in a job (16 kHz, big-endian); without its rate, a 400 that says so."""
    import wave

    import numpy as np
    from scipy.signal import resample_poly

    with wave.open(str(ten_seconds)) as recording:
        samples = np.frombuffer(recording.readframes(recording.getnframes()), "<i2")
    narrowband = resample_poly(samples.astype(np.float32), 1, 2).clip(-32768, 32767).astype("<i2").tobytes()
    heard = stt.recognize(audio=narrowband, content_type="audio/l16;rate=8000", model="en-US_NarrowbandModel").get_result()
    assert heard["results"][0]["alternatives"][0]["transcript"].lower().startswith("hello")
    with pytest.raises(ApiException) as refused:
        stt.recognize(audio=narrowband, content_type="audio/l16", model="en-US_NarrowbandModel")
    assert refused.value.code == 400 and "needs its sample rate" in refused.value.message
    big_endian = samples.astype(">i2").tobytes()
    job = stt.create_job(audio=big_endian, content_type="audio/l16; rate=16000; endianness=big-endian",
                         model="en-US_BroadbandModel", timestamps=True).get_result()
    done = wait_for(lambda: (j := stt.check_job(job["id"]).get_result())["status"] in ("completed", "failed") and j, 180)
    assert done["status"] == "completed", done
    words = [t for result in done["results"][0]["results"] for t in result["alternatives"][0]["timestamps"]]
    assert words[0][0] == "hello" and words[-1][2] > 8.0  # the ten seconds, at their own pace
    with pytest.raises(ApiException) as refused:
        stt.create_job(audio=big_endian, content_type="audio/l16", model="en-US_BroadbandModel")
    assert refused.value.code == 400 and "needs its sample rate" in refused.value.message
    with pytest.raises(ApiException) as refused:  # a job that could never be read back is not created
        stt.create_job(audio=big_endian, content_type="audio/l16;rate=16000", keywords=["hello"])
    assert refused.value.code == 400 and "keywords need keywords_threshold" in refused.value.message
    assert [j["id"] for j in stt.check_jobs().get_result()["recognitions"]] == [job["id"]]
    stt.delete_job(job["id"])


@pytest.mark.parametrize("content_type", ["application/json", "text/plain", "multipart/form-data; boundary=x"])
def test_a_body_that_is_not_audio_is_an_unsupported_media_type(stt, content_type):
    for send in (stt.recognize, stt.create_job):
        with pytest.raises(ApiException) as refused:
            send(audio=b'{"audio": "somewhere"}', content_type=content_type)
        assert refused.value.code == 415 and "is not a type of audio" in refused.value.message
    assert stt.check_jobs().get_result()["recognitions"] == []


def test_the_sdks_websocket_streams_raw_pcm_at_its_rate(server, api_key, ten_seconds):
    """The SDK's start says "content_type" (the documentation "content-type"): raw 8 kHz samples are heard as such."""
    import wave

    import numpy as np
    from scipy.signal import resample_poly

    with wave.open(str(ten_seconds)) as recording:
        samples = np.frombuffer(recording.readframes(recording.getnframes()), "<i2")
    narrowband = resample_poly(samples.astype(np.float32), 1, 2).clip(-32768, 32767).astype("<i2").tobytes()
    words = _streamed_words(server, api_key, narrowband, "audio/l16; rate=8000")
    assert words[0][0] == "hello" and 8.0 < words[-1][2] <= 10.0  # ten seconds, not twenty


def _streamed_words(server, api_key, audio: bytes, content_type: str) -> list:
    """Return the timestamps of the final results the SDK's WebSocket gets for narrowband audio."""
    import io

    token = server.services.tokens.issue(server.services.keys.verify(api_key))
    service = SpeechToTextV1(authenticator=BearerTokenAuthenticator(token))
    service.set_service_url(f"ws://127.0.0.1:{server.port}")
    collector = Collector()
    service.recognize_using_websocket(audio=AudioSource(io.BytesIO(audio)), content_type=content_type,
                                      recognize_callback=collector, model="en-US_NarrowbandModel", timestamps=True)
    assert collector.closed.is_set() and not collector.errors
    finals = [d["results"][0] for d in collector.data if d.get("results") and d["results"][0]["final"]]
    return [t for result in finals for t in result["alternatives"][0]["timestamps"]]


def test_telephone_mu_law_is_heard_over_http_and_the_websocket(stt, server, api_key, ten_seconds):
    """audio/basic (8 kHz mu-law, as telephone bridges send) in a request; audio/mulaw;rate=8000 over the socket."""
    import wave

    import numpy as np
    from scipy.signal import resample_poly
    from test_raw_audio import g711

    from core.server.raw_audio import _MULAW

    with wave.open(str(ten_seconds)) as recording:
        samples = np.frombuffer(recording.readframes(recording.getnframes()), "<i2") / 32768.0
    mulaw = g711(resample_poly(samples, 1, 2), _MULAW)
    heard = stt.recognize(audio=mulaw, content_type="audio/basic", model="en-US_NarrowbandModel", timestamps=True).get_result()
    words = [t for r in heard["results"] for t in r["alternatives"][0]["timestamps"]]
    assert words[0][0] == "hello" and 8.0 < words[-1][2] <= 10.0
    words = _streamed_words(server, api_key, mulaw, "audio/mulaw;rate=8000")
    assert words[0][0] == "hello" and 8.0 < words[-1][2] <= 10.0


@pytest.mark.parametrize("start, said", [
    ({"keywords": ["hello"]}, "keywords need keywords_threshold"),
    ({"keywords": "hello", "keywords_threshold": 0.5}, "keywords must be a list of strings"),  # not one per letter
    ({"keywords": ["hello"], "keywords_threshold": 5}, "between 0 and 1"),
    ({"keywords": [f"word{n}" for n in range(1001)], "keywords_threshold": 0.5}, "At most 1000 keywords"),
    ({"inactivity_timeout": "soon"}, "wrong type"),
    ({"content_type": "audio/l16"}, "audio/l16 needs its sample rate"),  # raw samples do not say it
    ({"content_type": "application/json"}, "application/json is not a type of audio"),
    ({"max_alternatives": 11}, "max_alternatives must be 1 to 10"),
    ({"redaction": True}, "redaction is not available"),  # numbers would come back unmasked
    ({"word_alternatives_threshold": 2}, "word_alternatives_threshold must be a number between 0 and 1"),
    ({"end_of_phrase_silence_time": 200}, "end_of_phrase_silence_time must be a number of seconds from 0.0 to 120"),
    ({"end_of_phrase_silence_time": -1}, "end_of_phrase_silence_time must be a number of seconds from 0.0 to 120"),
    ({"end_of_phrase_silence_time": "abc"}, "end_of_phrase_silence_time must be a number of seconds from 0.0 to 120"),
])
def test_a_websocket_start_with_bad_keywords_or_numbers_is_an_error(server, api_key, ten_seconds, start, said):
    """As over HTTP: keywords need a threshold between 0 and 1, at most 1000 of them (spotting runs on the event loop)."""
    token = server.services.tokens.issue(server.services.keys.verify(api_key))
    service = SpeechToTextV1(authenticator=BearerTokenAuthenticator(token))
    service.set_service_url(f"ws://127.0.0.1:{server.port}")
    collector = Collector()
    with open(ten_seconds, "rb") as audio:
        service.recognize_using_websocket(audio=AudioSource(audio), recognize_callback=collector,
                                          **{"content_type": "audio/wav", **start})
    assert collector.closed.is_set() and not collector.data
    assert any(said in str(error) for error in collector.errors), collector.errors


def test_websocket_speaker_labels_follow_the_speakers_while_the_audio_streams(server, api_key, sample_wav):
    """Audio sent at 3x real time: each batch of finals is followed by labels of its words ("final": false)
    from the live speaker tracker; the labels found on the whole audio come last, final."""
    import json
    import time
    import wave

    import websocket

    with wave.open(str(sample_wav)) as recording:
        pcm = recording.readframes(recording.getnframes())
    socket = websocket.create_connection(f"ws://127.0.0.1:{server.port}/v1/recognize?model=en-US_BroadbandModel",
                                         header=[f"Ocp-Apim-Subscription-Key: {api_key}"], timeout=120)
    messages: list[dict] = []
    listening = threading.Event()

    def read() -> None:
        while True:
            message = json.loads(socket.recv())
            messages.append(message)
            if message.get("state") == "listening" and len([m for m in messages if m.get("state")]) == 2:
                listening.set()
                return

    socket.send(json.dumps({"action": "start", "content-type": "audio/l16;rate=16000", "interim_results": True,
                            "speaker_labels": True}))  # speaker labels bring word timestamps without asking
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    step = 16_000 * 2 // 2  # half a second of 16-bit audio, every 1/6 s
    for start in range(0, len(pcm), step):
        socket.send_binary(pcm[start : start + step])
        time.sleep(1 / 6)
    socket.send(json.dumps({"action": "stop"}))
    assert listening.wait(120), messages[-3:]
    socket.close()

    labelled = [(n, m["speaker_labels"]) for n, m in enumerate(messages) if "speaker_labels" in m]
    *streamed, (last_at, last) = labelled
    assert streamed, "no speaker labels came while the audio streamed"
    finals = [(n, m["results"][0]) for n, m in enumerate(messages) if m.get("results") and m["results"][0]["final"]]
    for at, labels in streamed:
        assert not any(label["final"] for label in labels)
        # they label the words of the finals sent just before them, and only those
        words = [t[1] for n, result in finals if n < at for t in result["alternatives"][0]["timestamps"]]
        assert {label["from"] for label in labels} <= set(words)
        assert labels[-1]["from"] == words[-1]
        assert {label["speaker"] for label in labels} <= {0, 1, 2}
    for (_, before), (_, after) in zip(streamed, streamed[1:]):  # each word is labelled once while streaming
        assert before[-1]["from"] < after[0]["from"]
    # the sample's two voices are told apart while it streams (Sheila answers from 7.6 s on)
    assert len({label["speaker"] for _, labels in streamed for label in labels}) == 2
    every_word = [t[1] for _, result in finals for t in result["alternatives"][0]["timestamps"]]
    assert last_at > finals[-1][0] and [label["from"] for label in last] == every_word
    assert all(label["final"] for label in last) and {label["speaker"] for label in last} == {0, 1}
    # and keep the numbers the streamed labels gave, where the two tell the voices apart alike
    streamed_speaker = {label["from"]: label["speaker"] for _, labels in streamed for label in labels}
    kept = [streamed_speaker[label["from"]] == label["speaker"] for label in last if label["from"] in streamed_speaker]
    assert sum(kept) > 0.75 * len(kept), kept


def test_arguments_the_service_does_not_apply_are_said_in_warnings(stt, server, api_key, ten_seconds):
    """Over HTTP (query) and the WebSocket (start message): unknown ones and Watson's own unapplied ones, apart;
    redaction is refused rather than ignored."""
    import json

    import requests
    import websocket

    with open(ten_seconds, "rb") as audio:
        data = audio.read()
    url = f"{server.url}/v1/recognize?processing_metrics=true&colour=blue&timestamps=true"
    answer = requests.post(url, data=data, headers={"Content-Type": "audio/wav"}, auth=("apikey", api_key), timeout=120)
    assert answer.status_code == 200 and answer.json()["warnings"] == [
        "Unknown url query arguments: colour.", "Not applied by the local service, ignored: processing_metrics."]
    with pytest.raises(ApiException) as refused:
        stt.recognize(audio=data, content_type="audio/wav", redaction=True)
    assert refused.value.code == 400 and "redaction" in refused.value.message
    job = stt.create_job(audio=data, content_type="audio/wav", low_latency=True).get_result()
    assert job["warnings"] == ["Not applied by the local service, ignored: low_latency."]
    socket = websocket.create_connection(f"ws://127.0.0.1:{server.port}/v1/recognize?language_customization_id=x",
                                         header=[f"Ocp-Apim-Subscription-Key: {api_key}"], timeout=120)
    socket.send(json.dumps({"action": "start", "content-type": "audio/wav", "colour": "blue"}))
    assert json.loads(socket.recv()) == {"state": "listening"}
    socket.send_binary(data)
    socket.send(json.dumps({"action": "stop"}))
    first = json.loads(socket.recv())
    assert first["warnings"] == ["Not applied by the local service, ignored: language_customization_id.",
                                 "Unknown arguments: colour."]
    later = [first]
    while later[-1].get("state") != "listening":
        later.append(json.loads(socket.recv()))
    assert len(later) > 2 and not any("warnings" in m for m in later[1:])  # said once
    socket.close()


def test_a_websocket_session_hearing_only_silence_ends_after_its_inactivity_timeout(server, api_key, ten_seconds):
    """inactivity_timeout counts audio without speech (not time without messages), as the service does; what was said
    before the silence is sent final before the session ends."""
    import json
    import select
    import time
    import wave

    import websocket

    with wave.open(str(ten_seconds)) as recording:
        speech = recording.readframes(recording.getnframes())
    socket = websocket.create_connection(f"ws://127.0.0.1:{server.port}/v1/recognize",
                                         header=[f"Ocp-Apim-Subscription-Key: {api_key}"], timeout=60)
    socket.send(json.dumps({"action": "start", "content-type": "audio/l16;rate=16000", "inactivity_timeout": 3}))
    assert json.loads(socket.recv()) == {"state": "listening"}
    socket.send_binary(speech[: 16_000 * 2 * 8])  # "hello ... hello ... oh hello i didn't know you were" up to 8 s
    answers: list[dict] = []
    ended = threading.Event()

    def read() -> None:
        while not ended.is_set():
            answers.append(json.loads(socket.recv()))
            if "error" in answers[-1]:
                ended.set()

    threading.Thread(target=read, daemon=True).start()
    quarter = bytes(16_000 // 2)  # a quarter of a second of silence
    silent_s = 0.0
    while silent_s < 30 and not ended.is_set():  # at twice real time: recognition keeps up
        socket.send_binary(quarter)
        silent_s += 0.25
        time.sleep(0.125)
    assert ended.wait(30), answers
    assert answers[-1] == {"error": "Session timed out due to inactivity after 3 seconds."}
    finals = [a["results"][0]["alternatives"][0]["transcript"] for a in answers if a.get("results") and a["results"][0]["final"]]
    assert finals and finals[0].startswith("hello")  # the speech before the silence, final, not lost
    assert 3.0 < silent_s < 10.0, silent_s  # ended soon after 3 s of audio without speech, not at 30 s


def test_a_second_start_without_a_stop_first_finishes_the_audio_so_far(server, api_key, ten_seconds):
    import json
    import wave

    import websocket

    with wave.open(str(ten_seconds)) as recording:
        speech = recording.readframes(recording.getnframes())
    socket = websocket.create_connection(f"ws://127.0.0.1:{server.port}/v1/recognize",
                                         header=[f"Ocp-Apim-Subscription-Key: {api_key}"], timeout=120)
    start = json.dumps({"action": "start", "content-type": "audio/l16;rate=16000"})
    socket.send(start)
    assert json.loads(socket.recv()) == {"state": "listening"}
    socket.send_binary(speech)
    socket.send(start)
    answers = [json.loads(socket.recv())]
    while answers[-1].get("state") != "listening":
        answers.append(json.loads(socket.recv()))
    text = " ".join(a["results"][0]["alternatives"][0]["transcript"] for a in answers if a.get("results"))
    assert all(a["results"][0]["final"] for a in answers if a.get("results")) and "hello" in text
    socket.send(json.dumps({"action": "stop"}))  # the new session heard nothing: it ends at once
    assert json.loads(socket.recv()) == {"state": "listening"}
    socket.close()



def _streamed(server, api_key, start: dict, pieces, *, pace_s: float = 0.0) -> tuple[list[dict], list[int], int]:
    """Return the messages a WebSocket recognition sends while `pieces` stream (then after a stop), for each final
    result how many pieces had been sent when it came, and how many when the recognition ended."""
    import json
    import time

    import websocket

    socket = websocket.create_connection(f"ws://127.0.0.1:{server.port}/v1/recognize",
                                         header=[f"Ocp-Apim-Subscription-Key: {api_key}"], timeout=60)
    socket.send(json.dumps({"action": "start", **start}))
    assert json.loads(socket.recv()) == {"state": "listening"}
    answers: list[dict] = []
    came_after: list[int] = []
    ended: list[int] = []
    sent = [0]
    done = threading.Event()

    def read() -> None:
        while True:
            answers.append(json.loads(socket.recv()))
            if answers[-1].get("results") and answers[-1]["results"][0]["final"]:
                came_after.append(sent[0])
            if "error" in answers[-1] or (answers[-1] == {"state": "listening"}):
                ended.append(sent[0])
                done.set()
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    for piece in pieces:
        if done.is_set():
            break
        socket.send_binary(piece)
        sent[0] += 1
        time.sleep(pace_s)
    if not done.is_set():
        socket.send(json.dumps({"action": "stop"}))
    assert done.wait(60), answers
    socket.close()
    return answers, came_after, ended[0]


def test_a_phrase_followed_by_a_pause_is_sent_final_without_waiting_for_the_next_one(server, api_key, ten_seconds):
    """A final came only once another phrase followed in a buffer over 8 s, or at the stop: 25 s after the speech
    ended, during a pause. As the service does, a pause of end_of_phrase_silence_time (0.8 s) ends a final."""
    import wave

    with wave.open(str(ten_seconds)) as recording:
        speech = recording.readframes(recording.getnframes())
    phrase = speech[int(6.4 * 32_000):int(10.0 * 32_000)]  # "Hello? Hello? Oh, hello. I didn't know you were there."
    quarter = bytes(16_000 // 2)
    pieces = [phrase[k:k + 8000] for k in range(0, len(phrase), 8000)] + [quarter] * 24  # then 6 s of silence
    answers, came_after, _ = _streamed(server, api_key, {"content-type": "audio/l16;rate=16000", "interim_results": True},
                                    pieces, pace_s=0.125)
    finals = [a for a in answers if a.get("results") and a["results"][0]["final"]]
    assert finals and came_after[0] < len(pieces), came_after  # before the stop, during the silence
    assert "know you were there" in " ".join(a["results"][0]["alternatives"][0]["transcript"] for a in finals)
    interims = [a["results"][0]["alternatives"][0]["transcript"] for a in answers if a.get("results") and not a["results"][0]["final"]]
    assert all(a != b for a, b in zip(interims, interims[1:]))  # a hypothesis is sent once, not at every look
    assert not any("end_of_phrase_silence_time" in w for a in answers for w in a.get("warnings", []))

    # a longer pause asked: the final waits for the stop
    answers, came_after, _ = _streamed(server, api_key, {"content-type": "audio/l16;rate=16000",
                                                         "end_of_phrase_silence_time": 10.0, "inactivity_timeout": -1},
                                    pieces, pace_s=0.125)
    assert came_after and came_after[0] == len(pieces)


def test_split_transcript_at_phrase_end_sends_each_sentence_final_without_a_pause_and_says_why(sample_wav):
    """It was accepted and not applied (said in warnings): talk without a pause of 0.8 s came as one interim merging
    every sentence, with no final until the buffer passed 8 s. As the service does, each sentence is now sent final
    once heard, and each final says why it ended (end_of_utterance). The session is looked at every second of audio,
    as the WebSocket does when the recognizer keeps up (the real recognizer; the pace of a busy machine left out)."""
    import asyncio
    import wave

    from core.server.config import ServerConfig
    from core.server.recognition import Recognizer
    from core.server.websocket import Stream
    from core.server.websocket_session import Session

    class Socket:  # what the service sends, kept in order
        def __init__(self):
            self.sent: list[dict] = []

        async def send_json(self, message: dict) -> None:
            self.sent.append(message)

    with wave.open(str(sample_wav)) as recording:
        speech = recording.readframes(recording.getnframes())
    talk = speech[int(12.5 * 32_000):int(24.0 * 32_000)]  # "This is Diane in New Jersey. And I'm Sheila in Texas, ..."

    def streamed(start: dict, talk: bytes = talk) -> list[tuple[int, dict]]:
        socket = Socket()
        stream = Stream(socket, Recognizer(ServerConfig(english_model="tiny.en", multilingual_model="", recognitions_at_once=1)))
        session = Session({"content-type": "audio/l16;rate=16000", **start}, "en-US")
        finals = []
        for second in range(1, -(-len(talk) // 32_000) + 1):
            session.data += talk[(second - 1) * 32_000:second * 32_000]
            asyncio.run(stream.interim(session) if second * 32_000 < len(talk) else stream.finish(session))
            finals += [(second, m["results"][0]) for m in socket.sent if m.get("results") and m["results"][0]["final"]]
            socket.sent.clear()
        return finals

    finals = streamed({"split_transcript_at_phrase_end": True})
    early = [(second, f) for second, f in finals if second * 32_000 < len(talk)]
    assert early and early[0][0] <= 8, finals  # before the 8 s buffer rule would have sent anything
    assert len(early) >= 2 and all(f["end_of_utterance"] == "full_stop" for _, f in early), finals
    assert finals[-1][1]["end_of_utterance"] == "end_of_data"
    said = " ".join(f["alternatives"][0]["transcript"] for _, f in finals).lower()
    for phrase in ("diane in new jersey", "sheila", "from chicago also", "i'm in new jersey now", "that much difference"):
        assert said.count(phrase) == 1, said  # each once: nothing lost or said twice where the finals meet

    plain = streamed({})  # without it: no end_of_utterance, and no final before the buffer passed 8 s
    assert plain and not any("end_of_utterance" in f for _, f in plain) and plain[0][0] > 8, plain

    # the whole sample: heard again from a second before each cut, "Okay, I thought, you know, I" was skipped after half
    # of "Neither did I"; cut at a phrase's end that is no sentence end, finals broke sentences ("heard a" | "beat")
    finals = streamed({"split_transcript_at_phrase_end": True}, speech)
    said = " ".join(f["alternatives"][0]["transcript"] for _, f in finals).lower()
    assert "i thought you know i heard a" in said and "call me a yankee down here" in said, said
    assert said.count("originally from chicago") == 2 and said.count("new jersey") == 3, said


def test_audio_that_cannot_be_decoded_is_said_at_once_not_after_the_stop(server, api_key):
    """Random bytes sent as Ogg (or raw PCM labelled audio/wav): nothing came back for as long as the stream went on,
    and the error only after the stop."""
    rng = np.random.default_rng(1)
    pieces = [rng.integers(0, 256, 4000, dtype=np.uint8).tobytes() for _ in range(40)]  # 4 kB every 0.1 s
    answers, _, ended = _streamed(server, api_key, {"content-type": "audio/ogg;codecs=opus"}, pieces, pace_s=0.1)
    assert "error" in answers[-1] and "cannot be decoded" in answers[-1]["error"]
    assert ended < len(pieces)  # before the stream was over (once 128 KB came to nothing)
