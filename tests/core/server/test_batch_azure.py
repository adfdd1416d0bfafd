"""Azure batch transcription v2.0 and v3.1 driven by plain `requests` scripts written from the seed documents."""

from __future__ import annotations

import http.server
import threading
import time
from functools import partial

import pytest
import requests
from server_support import wait_for

from core.store import Library


def _poll(url: str, headers: dict, timeout: float = 180) -> dict:
    def done():
        body = requests.get(url, headers=headers, timeout=10).json()
        return body if body["status"] in ("Succeeded", "Failed") else None

    return wait_for(done, timeout, 0.5)


@pytest.fixture
def recording(allowed_dir, ten_seconds):
    path = allowed_dir / "meeting excerpt.wav"
    path.write_bytes(ten_seconds.read_bytes())
    return path


def test_v2_lifecycle_create_list_get_results_update_delete(server, headers, recording):
    base = f"{server.url}/api/speechtotext/v2.0"
    locales = requests.get(f"{base}/transcriptions/locales", headers=headers, timeout=10).json()
    assert "en-US" in locales
    definition = {
        "recordingsUrl": recording.as_uri(),
        "models": [],
        "locale": "en-US",
        "name": "Weekly meeting",
        "description": "first ten seconds",
        "properties": {"ProfanityFilterMode": "Masked", "PunctuationMode": "DictatedAndAutomatic", "AddWordLevelTimestamps": "True", "AddSentiment": "False"},
    }
    created = requests.post(f"{base}/transcriptions", json=definition, headers=headers, timeout=30)
    assert created.status_code == 202
    location = created.headers["Operation-Location"]
    transcription_id = location.rsplit("/", 1)[1]
    assert created.json()["status"] == "NotStarted"
    listing = requests.get(f"{base}/transcriptions", params={"skip": 0, "take": 10}, headers=headers, timeout=10).json()
    assert [t["id"] for t in listing] == [transcription_id]
    done = _poll(location, headers)
    assert done["status"] == "Succeeded", done
    assert done["createdDateTime"].endswith("Z") and done["lastActionDateTime"] >= done["createdDateTime"]
    assert done["properties"]["AddWordLevelTimestamps"] == "True"
    result = requests.get(done["resultsUrls"]["channel_0"], timeout=30).json()  # a signed link, fetched without a key
    audio = result["AudioFileResults"][0]
    assert audio["AudioLengthInSeconds"] == 10.0
    segments = audio["SegmentResults"]
    assert segments and all(s["RecognitionStatus"] == "Success" for s in segments)
    best = segments[0]["NBest"][0]
    assert {"Confidence", "Lexical", "ITN", "MaskedITN", "Display", "Words"} <= set(best)
    assert best["Words"] and best["Words"][0]["Offset"] >= segments[0]["Offset"]
    assert "hello" in audio["CombinedResults"][0]["Lexical"]
    patched = requests.patch(location, json={"name": "Renamed", "description": "new"}, headers=headers, timeout=10).json()
    assert (patched["name"], patched["description"]) == ("Renamed", "new")
    with Library.open() as library:  # the job ran on the app's queue and the conversation is in its library
        titles = [c.title for c in library.list_conversations()]
    assert "Renamed" in titles
    assert requests.delete(location, headers=headers, timeout=10).status_code == 204
    assert requests.get(location, headers=headers, timeout=10).status_code == 404
    wait_for(lambda: not _titles_with("Renamed"), 30)


def test_v2_diarization_needs_word_timestamps_and_is_null_on_stereo(server, headers, recording):
    """The v2.0 documents: AddDiarization "also requires AddWordLevelTimestamps to be set to true", and SpeakerId is
    "null if no diarization or stereo input file" (here a client got "1" to "3" on a stereo recording)."""
    import numpy as np
    import soundfile as sf

    base = f"{server.url}/api/speechtotext/v2.0"
    definition = {"recordingsUrl": recording.as_uri(), "locale": "en-US", "name": "Diarized",
                  "properties": {"AddDiarization": "True"}}
    refused = requests.post(f"{base}/transcriptions", json=definition, headers=headers, timeout=30)
    assert refused.status_code == 400 and "AddWordLevelTimestamps" in refused.json()["message"]
    mono, _ = sf.read(recording, dtype="float32")
    stereo = recording.with_name("stereo call.wav")
    sf.write(stereo, np.stack([mono, 0.5 * mono], axis=1), 16_000)
    definition |= {"recordingsUrl": stereo.as_uri(), "properties": {"AddDiarization": "True", "AddWordLevelTimestamps": "True"}}
    created = requests.post(f"{base}/transcriptions", json=definition, headers=headers, timeout=30)
    assert created.status_code == 202
    done = _poll(created.headers["Operation-Location"], headers)
    assert done["status"] == "Succeeded", done
    for channel in ("channel_0", "channel_1"):
        result = requests.get(done["resultsUrls"][channel], headers=headers, timeout=30).json()
        segments = result["AudioFileResults"][0]["SegmentResults"]
        assert segments and {s["SpeakerId"] for s in segments} == {None}


def _titles_with(title: str) -> bool:
    with Library.open() as library:
        return any(c.title == title for c in library.list_conversations())


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def loopback_files(tmp_path, ten_seconds):
    folder = tmp_path / "served"
    folder.mkdir()
    (folder / "served.wav").write_bytes(ten_seconds.read_bytes())
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def test_v3_lifecycle_with_several_sources_paging_files_and_report(server, headers, recording, loopback_files):
    base = f"{server.url}/speechtotext/v3.1"
    body = {
        "contentUrls": [recording.as_uri(), str(recording), f"{loopback_files}/served.wav"],
        "locale": "en-US",
        "displayName": "Three sources",
        "properties": {"wordLevelTimestampsEnabled": True, "punctuationMode": "DictatedAndAutomatic", "profanityFilterMode": "Masked", "timeToLive": "PT12H"},
    }
    created = requests.post(f"{base}/transcriptions", json=body, headers=headers, timeout=60)
    assert created.status_code == 201, created.text
    first = created.json()
    assert created.headers["Location"] == first["self"]
    assert first["status"] in ("NotStarted", "Running") and first["properties"]["timeToLive"] == "PT12H"
    second = requests.post(f"{base}/transcriptions", json={**body, "contentUrls": [recording.as_uri()], "displayName": "One source"}, headers=headers, timeout=60).json()
    page = requests.get(f"{base}/transcriptions", params={"top": 1}, headers=headers, timeout=10).json()
    assert [t["displayName"] for t in page["values"]] == ["One source"]
    page2 = requests.get(page["@nextLink"], headers=headers, timeout=10).json()
    assert [t["displayName"] for t in page2["values"]] == ["Three sources"] and "@nextLink" not in page2
    done = _poll(first["self"], headers, 300)
    assert done["status"] == "Succeeded", done
    files = requests.get(done["links"]["files"], headers=headers, timeout=30).json()["values"]
    names = sorted(f["name"] for f in files)
    assert names == ["contenturl_0.json", "contenturl_1.json", "contenturl_2.json", "report.json"]
    for unknown in ("contenturl_7", "bogus"):  # a file the transcription does not have is not found, whatever its name
        assert requests.get(f"{done['links']['files']}/{unknown}", headers=headers, timeout=10).status_code == 404
    for entry in files:
        # as the service's storage links, a contentUrl opens without credentials (Microsoft's sample fetches it so)
        content = requests.get(entry["links"]["contentUrl"], timeout=30)
        assert content.status_code == 200 and len(content.content) == entry["properties"]["size"]
        document = content.json()
        if entry["kind"] == "TranscriptionReport":
            assert document["successfulTranscriptionsCount"] == 3 and document["failedTranscriptionsCount"] == 0
            continue
        assert document["source"] in body["contentUrls"]
        assert document["durationInTicks"] == 100_000_000 and document["duration"] == "PT10S"
        phrase = document["recognizedPhrases"][0]
        assert phrase["recognitionStatus"] == "Success" and phrase["offsetInTicks"] > 0
        assert phrase["nBest"][0]["words"][0]["word"] == "hello"
        assert "hello" in document["combinedRecognizedPhrases"][0]["lexical"]
    # a link opens its own file only, and only as signed
    link, other = files[0]["links"]["contentUrl"], files[1]["links"]["contentUrl"]
    assert requests.get(link, headers=headers, timeout=30).status_code == 200  # with a key too
    swapped = other.split("?")[0] + "?" + link.split("?")[1]
    assert requests.get(swapped, timeout=30).status_code == 401
    assert requests.get(link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"), timeout=30).status_code == 401
    assert requests.get(link.split("?")[0], timeout=30).status_code == 401
    patched = requests.patch(first["self"], json={"displayName": "Renamed", "customProperties": {"team": "a"}}, headers=headers, timeout=10).json()
    assert patched["displayName"] == "Renamed" and patched["customProperties"] == {"team": "a"}
    for item in (first, second):
        assert requests.delete(item["self"], headers=headers, timeout=10).status_code == 204
    assert requests.get(f"{base}/transcriptions", headers=headers, timeout=10).json()["values"] == []


def test_v3_upload_of_audio_in_the_request(server, headers, ten_seconds):
    definition = '{"locale": "en-US", "displayName": "Uploaded", "properties": {"wordLevelTimestampsEnabled": false, "timeToLive": "PT0S"}}'
    with open(ten_seconds, "rb") as audio:
        created = requests.post(
            f"{server.url}/speechtotext/v3.1/transcriptions:upload", headers=headers, timeout=60,
            files={"audio": ("excerpt.wav", audio, "audio/wav")}, data={"definition": definition},
        )
    assert created.status_code == 201, created.text
    done = _poll(created.json()["self"], headers)
    assert done["status"] == "Succeeded"
    files = requests.get(done["links"]["files"], headers=headers, timeout=30).json()["values"]
    content = requests.get(files[0]["links"]["contentUrl"], headers=headers, timeout=30).json()
    assert content["source"] == "upload:excerpt.wav"
    assert "words" not in content["recognizedPhrases"][0]["nBest"][0]
    # a time to live of 0, as none, keeps the transcription until it is deleted
    from datetime import datetime, timedelta, timezone

    assert server.services.transcriptions.purge(datetime.now(timezone.utc) + timedelta(days=400)) == 0
    assert requests.get(created.json()["self"], headers=headers, timeout=30).status_code == 200


def test_a_deleted_running_transcription_is_canceled_and_removed(server, headers, recording):
    base = f"{server.url}/speechtotext/v3.1"
    created = requests.post(f"{base}/transcriptions", json={"contentUrls": [recording.as_uri()], "locale": "en-US", "displayName": "Short-lived"}, headers=headers, timeout=30).json()
    assert requests.delete(created["self"], headers=headers, timeout=10).status_code == 204
    assert requests.get(created["self"], headers=headers, timeout=10).status_code == 404
    wait_for(lambda: not _titles_with("Short-lived"), 30)
    assert server.thread.is_alive() and all(t.is_alive() for t in server.services.threads)


def test_bad_definitions_get_400_with_a_message(server, headers, recording):
    base = f"{server.url}/speechtotext/v3.1/transcriptions"
    bad = [
        {"contentUrls": [recording.as_uri()], "locale": "xx-XX", "displayName": "a"},
        {"contentUrls": [recording.as_uri()], "locale": "en-US", "displayName": "a", "properties": {"punctuationMode": "Loud"}},
        {"contentUrls": [recording.as_uri()], "locale": "en-US", "displayName": "a", "properties": {"timeToLive": "twelve hours"}},
        {"contentUrls": [], "locale": "en-US", "displayName": "a"},
        {"locale": "en-US", "displayName": "a"},
    ]
    for body in bad:
        response = requests.post(base, json=body, headers=headers, timeout=30)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["code"] == "InvalidRequest" and response.json()["message"]
    assert requests.get(f"{base}/no-such-id", headers=headers, timeout=10).status_code == 404


def test_a_recording_that_cannot_be_read_fails_in_the_report_and_the_others_are_transcribed(server, headers, recording):
    """As the service does: the transcription is made, the good recordings are transcribed and the report lists the
    bad one as failed (a client used to get a 415 for the whole batch, and nothing transcribed)."""
    base = f"{server.url}/speechtotext/v3.1/transcriptions"
    not_audio = recording.with_name("notes.wav")
    not_audio.write_text("this is not audio")
    body = {"contentUrls": [not_audio.as_uri(), recording.as_uri()], "locale": "en-US", "displayName": "Mixed"}
    created = requests.post(base, json=body, headers=headers, timeout=30)
    assert created.status_code == 201, created.text
    done = _poll(created.json()["self"], headers)
    assert done["status"] == "Succeeded", done
    files = {f["name"]: f for f in requests.get(done["links"]["files"], headers=headers, timeout=30).json()["values"]}
    assert sorted(files) == ["contenturl_1.json", "report.json"]  # numbered by the contentUrls given
    report = requests.get(files["report.json"]["links"]["contentUrl"], headers=headers, timeout=30).json()
    assert (report["successfulTranscriptionsCount"], report["failedTranscriptionsCount"]) == (1, 1)
    failed, succeeded = report["details"]
    assert failed["source"] == not_audio.as_uri() and failed["status"] == "Failed" and failed["errorKind"] == "InvalidData"
    assert "notes.wav" in failed["errorMessage"] and succeeded["status"] == "Succeeded"
    only_bad = requests.post(base, json=body | {"contentUrls": [not_audio.as_uri()], "displayName": "Bad"}, headers=headers, timeout=30)
    assert only_bad.status_code == 201
    failed = requests.get(only_bad.json()["self"], headers=headers, timeout=10).json()
    assert failed["status"] == "Failed" and "notes.wav" in failed["properties"]["error"]["message"]
    listed = requests.get(base, headers=headers, timeout=10).json()["values"]
    assert {t["displayName"] for t in listed} >= {"Mixed", "Bad"}
    assert requests.delete(only_bad.json()["self"], headers=headers, timeout=10).status_code == 204
    assert requests.get(only_bad.json()["self"], headers=headers, timeout=10).status_code == 404
