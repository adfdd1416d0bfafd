"""Short-audio recognition, tokens, text-to-speech and remote conversation results, as `requests` scripts from the seeds would call them."""

from __future__ import annotations

import io
import wave

import numpy as np
import requests
from server_support import wait_for

from core.tts import speak_ssml

SHORT_AUDIO = "/speech/recognition/conversation/cognitiveservices/v1"
WAV = "audio/wav; codecs=audio/pcm; samplerate=16000"
DIALOGUE = """<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">
<voice name="en-US-JennyNeural">Could you send me the budget report before Friday?</voice>
<voice name="en-US-GuyNeural">Yes, I will send the report tomorrow morning.</voice></speak>"""


def _token(server, api_key) -> dict:
    token = requests.post(f"{server.url}/sts/v1.0/issueToken", headers={"Ocp-Apim-Subscription-Key": api_key, "Content-type": "application/x-www-form-urlencoded", "Content-Length": "0"}, timeout=10).text
    return {"Authorization": f"Bearer {token}"}


def _wav(samples: np.ndarray, rate: int = 16000) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return out.getvalue()


def test_short_audio_simple_and_detailed_with_a_token(server, api_key, ten_seconds):
    auth = _token(server, api_key)
    url = f"{server.url}{SHORT_AUDIO}"
    data = ten_seconds.read_bytes()
    simple = requests.post(url, params={"language": "en-US", "format": "simple"}, headers={**auth, "Content-Type": WAV, "Accept": "application/json"}, data=data, timeout=120).json()
    assert simple["RecognitionStatus"] == "Success"
    assert "hello" in simple["DisplayText"].lower() and "NBest" not in simple
    assert 60_000_000 <= simple["Offset"] <= 72_000_000  # speech starts near 6.8 s (100-ns ticks)
    assert 0 < simple["Duration"] <= 100_000_000 - simple["Offset"]
    detailed = requests.post(url, params={"language": "en-US", "format": "detailed"}, headers={**auth, "Content-Type": WAV}, data=data, timeout=120).json()
    best = detailed["NBest"][0]
    assert set(best) == {"Confidence", "Lexical", "ITN", "MaskedITN", "Display"}
    assert best["Lexical"] == best["Lexical"].lower() and "." not in best["Lexical"]
    assert detailed["DisplayText"] == best["Display"]


def test_short_audio_in_chunks_and_in_ogg_opus_with_two_synthetic_voices(server, headers):
    url = f"{server.url}{SHORT_AUDIO}?language=en-US&format=detailed"
    riff, _ = speak_ssml(DIALOGUE, "riff-16khz-16bit-mono-pcm")

    def chunks():
        for start in range(0, len(riff), 8192):
            yield riff[start : start + 8192]

    chunked = requests.post(url, headers={**headers, "Content-Type": WAV, "Transfer-Encoding": "chunked"}, data=chunks(), timeout=120).json()
    assert chunked["RecognitionStatus"] == "Success"
    for word in ("send", "report", "tomorrow", "morning"):
        assert word in chunked["NBest"][0]["Lexical"]
    opus, _ = speak_ssml(DIALOGUE, "ogg-16khz-16bit-mono-opus")
    ogg = requests.post(url, headers={**headers, "Content-Type": "audio/ogg; codecs=opus"}, data=opus, timeout=120).json()
    assert ogg["RecognitionStatus"] == "Success" and "report" in ogg["NBest"][0]["Lexical"]


def test_silence_noise_and_bad_requests(server, headers):
    url = f"{server.url}{SHORT_AUDIO}?language=en-US"
    silence = requests.post(url, headers={**headers, "Content-Type": WAV}, data=_wav(np.zeros(16000 * 3)), timeout=60).json()
    assert silence["RecognitionStatus"] == "InitialSilenceTimeout"
    noise = np.random.default_rng(0).normal(0, 0.3, 16000 * 3)
    babble = requests.post(url, headers={**headers, "Content-Type": WAV}, data=_wav(noise), timeout=60).json()
    assert babble["RecognitionStatus"] in ("BabbleTimeout", "NoMatch")
    too_long = _wav(np.zeros(16000 * 61))
    assert requests.post(url, headers={**headers, "Content-Type": WAV}, data=too_long, timeout=60).status_code == 400
    assert requests.post(url, headers={**headers, "Content-Type": "text/plain"}, data=b"hello", timeout=10).status_code == 415
    assert requests.post(url, headers={**headers, "Content-Type": WAV}, data=b"RIFF not really", timeout=10).status_code == 400
    french = requests.post(f"{server.url}{SHORT_AUDIO}?language=fr-FR", headers={**headers, "Content-Type": WAV}, data=_wav(np.zeros(16000)), timeout=10)
    assert french.status_code == 400  # this server has no multilingual model


def test_profanity_modes(server, headers):
    speech, _ = speak_ssml('<speak xml:lang="en-US"><voice name="en-US-Guy">Oh shit, I forgot my keys.</voice></speak>', "riff-16khz-16bit-mono-pcm")
    answers = {}
    for mode in ("masked", "removed", "raw"):
        body = requests.post(f"{server.url}{SHORT_AUDIO}?language=en-US&format=detailed&profanity={mode}", headers={**headers, "Content-Type": WAV}, data=speech, timeout=60).json()
        answers[mode] = body["NBest"][0]
    assert "shit" in answers["raw"]["Display"].lower()
    assert "****" in answers["masked"]["Display"] and "shit" not in answers["masked"]["Display"].lower()
    assert "shit" not in answers["removed"]["Display"].lower() and "*" not in answers["removed"]["Display"]
    assert "keys" in answers["removed"]["Display"]
    assert "****" in answers["raw"]["MaskedITN"]


def test_text_to_speech_formats_and_voices(server, api_key):
    auth = _token(server, api_key)
    url = f"{server.url}/cognitiveservices/v1"
    ssml = "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'><voice name='Microsoft Server Speech Text to Speech Voice (en-US, Jessa24kRUS)'>Hello, world!</voice></speak>"
    for fmt, rate in (("riff-16khz-16bit-mono-pcm", 16000), ("riff-24khz-16bit-mono-pcm", 24000)):
        response = requests.post(url, headers={**auth, "Content-Type": "application/ssml+xml", "X-Microsoft-OutputFormat": fmt, "User-Agent": "tests"}, data=ssml, timeout=60)
        assert response.status_code == 200 and response.headers["content-type"] == "audio/wav"
        with wave.open(io.BytesIO(response.content)) as audio:
            assert (audio.getframerate(), audio.getnchannels(), audio.getsampwidth()) == (rate, 1, 2)
            assert 0.5 < audio.getnframes() / rate < 5
    raw = requests.post(url, headers={**auth, "X-Microsoft-OutputFormat": "raw-24khz-16bit-mono-pcm"}, data=ssml, timeout=60)
    assert raw.status_code == 200 and len(raw.content) % 2 == 0 and len(raw.content) > 24000
    mp3 = requests.post(url, headers={**auth, "X-Microsoft-OutputFormat": "audio-24khz-48kbitrate-mono-mp3"}, data=ssml, timeout=60)
    assert mp3.status_code == 200 and mp3.headers["content-type"] == "audio/mpeg" and mp3.content[:3] in (b"ID3", b"\xff\xf3", b"\xff\xfb")
    assert requests.post(url, headers={**auth, "X-Microsoft-OutputFormat": "riff-16khz-16kbps-mono-siren"}, data=ssml, timeout=10).status_code == 400
    assert requests.post(url, headers=auth, data="not ssml", timeout=10).status_code == 400
    voices = requests.get(f"{server.url}/cognitiveservices/voices/list", headers=auth, timeout=10).json()
    assert {"en-US", "fr-FR"} <= {v["Locale"] for v in voices}


def test_remote_conversation_results_by_conversation_id(server, headers, allowed_dir, ten_seconds):
    path = allowed_dir / "remote.wav"
    path.write_bytes(ten_seconds.read_bytes())
    created = requests.post(f"{server.url}/speechtotext/v3.1/transcriptions", json={"contentUrls": [str(path)], "locale": "en-US", "displayName": "Remote"}, headers=headers, timeout=30).json()
    from core.store import Library

    with Library.open() as library:
        conversation_id = next(c.conversation_id for c in library.list_conversations() if c.title == "Remote")
    url = f"{server.url}/api/v1/offlinetask"
    first = requests.get(url, params={"id": conversation_id}, headers=headers, timeout=10).json()
    assert first["id"] == conversation_id and first["processingStatus"] in ("Processing", "Completed")
    done = wait_for(lambda: (b := requests.get(url, params={"id": conversation_id}, headers=headers, timeout=10).json())["processingStatus"] == "Completed" and b, 180)
    phrase = done["transcriptions"][0]
    assert {"userId", "resultId", "text", "offsetInTicks", "durationInTicks"} <= set(phrase)
    assert phrase["offsetInTicks"] > 0 and "hello" in phrase["text"].lower()
    deleted = requests.delete(url, params={"id": conversation_id}, headers=headers, timeout=10).json()
    assert deleted["processingStatus"] == "Deleted"
    assert requests.get(url, params={"id": "no-such-conversation"}, headers=headers, timeout=10).status_code == 404
    requests.delete(created["self"], headers=headers, timeout=10)
