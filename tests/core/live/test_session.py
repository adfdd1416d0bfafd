"""ConversationTranscriber on pyannote's sample played through the file source: events, results, storage, the queued job."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

import numpy as np
import pytest

from core.audio.capture import DEVICE_BACK, DEVICE_LOST, INPUT_OVERFLOW, FileSource, MicrophoneSource, SourceStatus
from core.errors import DeviceError, ModelError, ParleyError
from core.jobs.live import live_session_running
from core.jobs.queue import TranscriptionQueue
from core.live import ConversationTranscriber, LiveOptions
from core.store import Library
from core.audio.decode import load_audio as wav_samples
from helpers.reference import wer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def session(module_home, sample_wav, live_session_runner):
    """The whole sample heard live at 4x speed, stored in the module's library."""
    return live_session_runner(FileSource(sample_wav, speed=4.0), LiveOptions(title="Sample call"), module_home)


def _library(record) -> Library:
    return Library.open(record.home / "library.sqlite3")


def test_events_come_in_order_on_one_background_thread(session):
    names = session.names()
    assert names[0] == "session_started" and names[-1] == "session_stopped"
    assert "transcribing" in names and "transcribed" in names
    threads = {thread for _, _, thread, _ in session.events}
    assert len(threads) == 1 and threading.main_thread().name not in threads
    canceled = session.of("canceled")
    assert [(c.reason, c.error_code) for c in canceled] == [("EndOfStream", "NoError")]
    # the input's end is said after the last final (as the Azure SDK does): a reader that stops there has every result
    assert names.index("canceled") > max(i for i, name in enumerate(names) if name == "transcribed")
    started, stopped = session.of("session_started")[0], session.of("session_stopped")[0]
    assert started.conversation_id == stopped.conversation_id == session.conversation_id
    assert started.session_id == stopped.session_id
    assert session.transcriber.state == "stopped"


def test_interim_results_then_a_final_per_result_index(session):
    results = [args.result for name, args, *_ in session.events if name in ("transcribing", "transcribed")]
    by_index = defaultdict(list)
    for r in results:
        by_index[r.result_index].append(r)
    assert sorted(by_index) == list(range(len(by_index)))
    for index, group in by_index.items():
        assert [r.final for r in group][-1] is True and not any(r.final for r in group[:-1]), index
        assert len({r.ResultId for r in group}) == 1
    finals = [r for r in results if r.final and not r.no_match]
    assert [r.result_index for r in finals] == sorted(r.result_index for r in finals)
    assert session.transcriber.results() == finals


def test_results_carry_azure_and_watson_shapes(session):
    final = session.transcriber.results()[1]
    assert final.Text == final.utterance.display and final.SpeakerId == "Unknown" and final.speaker is None
    assert final.OffsetInTicks == final.offset_ms * 10_000 and final.Duration == final.duration_ms * 10_000
    assert final.Reason == "RecognizedSpeech"
    watson = final.to_watson()
    assert watson["results"][0]["end_of_utterance"] in ("silence", "full_stop")
    assert session.transcriber.results()[-1].to_watson()["results"][0]["end_of_utterance"] == "end_of_data"  # the file's end
    assert watson["result_index"] == final.result_index and watson["results"][0]["final"] is True
    best = watson["results"][0]["alternatives"][0]
    assert best["transcript"].strip() == final.utterance.lexical and len(best["timestamps"]) == len(final.words)
    azure = final.to_azure()
    assert azure["ResultId"] == final.ResultId and azure["OffsetInTicks"] == final.OffsetInTicks
    assert azure["SpeakerId"] == "Unknown" and azure["Text"] == final.Text
    # every word of every result has a length, and times never go back (whisper aligns some words to no time; they
    # went out as Watson timestamps [w, 8.99, 8.99] and Azure Durations of 0)
    for result in [args.result for name, args, *_ in session.events if name in ("transcribing", "transcribed")]:
        stamps = result.to_watson()["results"][0]["alternatives"][0]["timestamps"]
        assert all(start < end for _, start, end in stamps), stamps
        assert all(b[1] >= a[2] for a, b in zip(stamps, stamps[1:])), stamps
        assert all(w.duration_ms > 0 for w in result.words), [(w.text, w.offset_ms, w.end_ms) for w in result.words]
    finals = session.transcriber.results()  # nor do results overlap (their SRT cues did)
    assert all(b.offset_ms >= a.offset_ms + a.duration_ms for a, b in zip(finals, finals[1:]))
    interim = next(args.result for name, args, *_ in session.events if name == "transcribing")
    assert interim.Reason == "RecognizingSpeech" and interim.to_watson()["results"][0]["final"] is False
    # an interim's service JSON is a hypothesis, as the SDK's Transcribing results: no status, NBest or confidence
    import json

    hypothesis = json.loads(interim.to_azure()["Json"])
    assert hypothesis == {"Id": interim.ResultId, "Text": interim.Text, "Offset": interim.OffsetInTicks,
                          "Duration": interim.Duration, "Channel": 0, "SpeakerId": "Unknown"}
    assert "NBest" in json.loads(final.to_azure()["Json"])
    assert interim.to_json()["event"] == "transcribing"


def test_the_conversation_is_stored_with_its_audio_and_realtime_pass(session, sample_wav, sample_reference):
    with _library(session) as library:
        conversation = library.get_conversation(session.conversation_id)
        passes = library.passes(session.conversation_id)
        audio = library.audio_path(session.conversation_id)
    assert conversation.title == "Sample call" and conversation.source == "live: file: sample.wav"
    assert [p.kind for p in passes] == ["realtime"] and passes[0].is_current
    finals = session.transcriber.results()
    assert [u.result_id for u in conversation.ordered()] == [r.result_id for r in finals]
    assert [u.display for u in conversation.ordered()] == [r.text for r in finals]
    assert wer(sample_reference, " ".join(r.text for r in finals)) <= 0.3
    assert audio == session.home / "audio" / session.conversation_id / "recording.wav"
    recorded, original = wav_samples(audio), wav_samples(sample_wav)
    assert len(recorded) == len(original) and np.max(np.abs(recorded - original)) < 1e-3
    assert conversation.duration_ms == 30_000
    assert sorted(p.name for p in audio.parent.iterdir()) == ["recording.wav"]  # the journal is tidied away


def test_a_re_transcription_job_is_queued_and_jobs_paused_while_recording(session):
    with _library(session) as library:
        jobs = TranscriptionQueue(library).jobs(conversation_id=session.conversation_id)
    assert [(j.mode, j.state) for j in jobs] == [("RealTimeAndAsync", "NotStarted")]
    assert session.live_marker_seen and all(session.live_marker_seen)
    assert not list(session.home.glob("live-session*.pid"))


def test_level_meter_values_follow_the_audio(session):
    levels = session.of("level_changed")
    assert len(levels) >= 290  # one per 100 ms block
    quiet = [lv.peak for lv in levels if lv.offset_ms < 5000]
    loud = [lv.peak for lv in levels if 8000 <= lv.offset_ms < 28000]
    assert max(quiet) < np.median(loud)
    assert all(0 <= lv.peak <= 1 for lv in levels) and all(lv.rms_dbfs <= 0 for lv in levels)
    assert session.transcriber.level >= 0


def test_stop_is_idempotent_and_a_session_starts_only_once(session):
    assert session.transcriber.stop() == session.conversation_id
    with pytest.raises(ParleyError):
        session.transcriber.start()


def test_realtime_mode_stores_without_queuing_and_pause_keeps_file_audio(excerpt):
    source = FileSource(excerpt, speed=2.0)
    transcriber = ConversationTranscriber(source, LiveOptions(mode="RealTime"))
    transcriber.start()
    deadline = time.monotonic() + 30
    while transcriber.recorded_ms < 500 and time.monotonic() < deadline:
        time.sleep(0.02)
    transcriber.pause()
    assert transcriber.state == "paused" and source.paused
    held = transcriber.recorded_ms
    time.sleep(0.6)
    assert transcriber.recorded_ms - held <= 200  # at most the block in flight
    transcriber.resume()
    assert transcriber.state == "running"
    assert transcriber.wait(120)
    cid = transcriber.stop()
    with Library.open() as library:
        assert TranscriptionQueue(library).jobs(conversation_id=cid) == []
        assert library.get_conversation(cid).duration_ms == len(wav_samples(excerpt)) * 1000 // 16000
        assert library.passes(cid)[0].kind == "realtime"
        assert library.get_conversation(cid).utterances  # the pause finalized nothing away


def test_a_stop_from_another_thread_while_start_runs_comes_after_it(excerpt, parley_home):
    """A Record click and a quick Stop: the stop could come while start() opened its source. The source then started
    after the stop and the session recorded on, and session_started came after session_stopped, into a closed
    dispatcher (4 of 40 tries): listeners got a stop without a start."""
    source = FileSource(excerpt, speed=1.0)
    opening, real_start = threading.Event(), source.start

    def slow_start(*args, **kwargs):  # a device that takes its time to open
        opening.set()
        time.sleep(0.5)
        return real_start(*args, **kwargs)

    source.start = slow_start
    transcriber = ConversationTranscriber(source, LiveOptions(mode="RealTime"))
    said = []
    transcriber.session_started.connect(lambda e: said.append("started"))
    transcriber.session_stopped.connect(lambda e: said.append("stopped"))
    stopped = []
    stopper = threading.Thread(target=lambda: (opening.wait(30), stopped.append(transcriber.stop())))
    stopper.start()
    transcriber.start()
    stopper.join(60)
    assert not stopper.is_alive() and transcriber.recorded_ms < 1000  # stopped as it began, not played to the end
    assert said == ["started", "stopped"]
    assert transcriber.state == "stopped"
    assert stopped == [None] and transcriber.conversation_id is None  # under a second, no words: nothing stored
    with Library.open() as library:
        assert library.list_conversations() == []


def test_a_missing_microphone_fails_start_and_leaves_nothing_behind(parley_home):
    transcriber = ConversationTranscriber(MicrophoneSource())
    try:
        transcriber.start()
    except DeviceError as exc:
        assert "microphone" in exc.user_message().lower()
    else:
        transcriber.stop()
        pytest.skip("this machine has a microphone")
    assert transcriber.state == "stopped"
    assert transcriber.stop() is None and transcriber.conversation_id is None  # no id of a conversation never stored
    assert list((parley_home / "audio").iterdir()) == []
    assert not live_session_running()
    with Library.open() as library:
        assert library.conversation_count() == 0


def test_an_unknown_model_or_mode_is_refused_before_anything_starts(excerpt):
    with pytest.raises(ModelError):
        ConversationTranscriber(FileSource(excerpt), LiveOptions(model="no-such-model"))
    with pytest.raises(ParleyError):
        LiveOptions(mode="Async")


class UnpluggedMicrophone:
    """A source that acts like a microphone pulled out mid-session: blocks, one overflow, then DeviceLost.

    With `back_at` (seconds) it is pulled out and plugged back in there, as MicrophoneSource reports it:
    DeviceLost (not fatal) while it is gone, then DeviceBack and more blocks; only at the end the fatal DeviceLost.
    """

    name = "microphone"  # as MicrophoneSource: the device's name is known once it is open
    sample_rate = 16_000

    def __init__(self, audio, seconds: float, back_at: tuple[float, ...] = ()):
        self.audio, self.seconds, self.back_at = audio, seconds, back_at
        self.paused = False
        self.stopped = threading.Event()

    def start(self, on_block, on_status):
        self.name = "microphone: test headset"

        def play():
            for at in range(0, int(self.seconds * 16_000), 1600):
                if self.stopped.is_set():
                    return
                if at in [int(t * 16_000) for t in self.back_at]:
                    on_status(SourceStatus(DEVICE_LOST, "The input device was lost (unplugged?). Recording goes on when it is back."))
                    time.sleep(0.3)  # gone for a while: nothing is delivered
                    on_status(SourceStatus(DEVICE_BACK, "The input 'test headset' is back; recording again."))
                on_block(self.audio[at:at + 1600])
                if at == 16_000:
                    on_status(SourceStatus(INPUT_OVERFLOW, "The input dropped samples (overflow #1)."))
                time.sleep(0.01)
            on_status(SourceStatus(DEVICE_LOST, "The input device was lost (unplugged?).", fatal=True))

        threading.Thread(target=play, daemon=True).start()

    def stop(self):
        self.stopped.set()

    def pause(self):
        self.paused = True

    def resume(self):
        self.paused = False


def test_an_unplugged_device_is_reported_and_what_was_recorded_is_kept(sample_wav, live_session_runner, parley_home):
    audio = wav_samples(sample_wav)[int(6.4 * 16_000):]
    record = live_session_runner(UnpluggedMicrophone(audio, 3.0), LiveOptions(mode="RealTime"), parley_home)
    assert [w.code for w in record.of("warning")] == ["InputOverflow"]
    assert [(c.reason, c.error_code) for c in record.of("canceled")] == [("Error", "DeviceLost")]
    names = record.names()
    assert names[-1] == "session_stopped"
    # said after the last final (the one the loss cut short): a reader that stops at canceled has every result
    assert "transcribed" in names and names.index("canceled") > max(i for i, n in enumerate(names) if n in ("transcribing", "transcribed"))
    with Library.open() as library:
        conversation = library.get_conversation(record.conversation_id)
    assert conversation.duration_ms == 3000 and conversation.source == "live: microphone: test headset"
    assert "hello" in " ".join(u.lexical for u in conversation.utterances)


def test_a_microphone_plugged_back_in_goes_on_recording_in_the_same_conversation(sample_wav, live_session_runner, parley_home):
    audio = wav_samples(sample_wav)[int(6.4 * 16_000):]
    record = live_session_runner(UnpluggedMicrophone(audio, 4.0, back_at=(2.0, 3.0)), LiveOptions(mode="RealTime"), parley_home)
    # each time it is lost and back is said, however soon it happens again
    assert [w.code for w in record.of("warning")] == ["InputOverflow", "DeviceLost", "DeviceBack", "DeviceLost", "DeviceBack"]
    assert [c.error_code for c in record.of("canceled")] == ["DeviceLost"]  # only the loss it never came back from
    assert record.names()[-1] == "session_stopped"
    with Library.open() as library:
        conversation = library.get_conversation(record.conversation_id)
    assert conversation.duration_ms == 4000  # both stretches, in one recording
    text = " ".join(u.lexical for u in conversation.utterances)
    assert "hello" in text and "didn't know" in text  # words from before and after the loss


def test_an_encoder_failure_on_the_encoder_thread_is_reported_and_the_recording_is_kept(excerpt, live_session_runner,
                                                                                         parley_home, monkeypatch):
    """The next buffer is encoded on the recognizer's encoder thread: its failure reaches the session like any other."""
    from core.asr.window_decoder import WindowDecoder

    encode = WindowDecoder.encode
    threads = []

    def failing(self, audio):
        threads.append(threading.current_thread().name)
        if threading.current_thread().name.startswith("whisper-encoder"):
            raise RuntimeError("the encoder ran out of memory")
        return encode(self, audio)

    monkeypatch.setattr(WindowDecoder, "encode", failing)
    from core.asr.models import DEFAULT_MODEL, load_split_whisper, resolve_model

    if not WindowDecoder(load_split_whisper(resolve_model(DEFAULT_MODEL), "auto")).overlaps:
        pytest.skip("one CPU core: nothing is encoded on another thread")
    record = live_session_runner(FileSource(excerpt, speed=2.0), LiveOptions(mode="RealTime"), parley_home)
    assert any(name.startswith("whisper-encoder") for name in threads)
    canceled = record.of("canceled")
    assert [(c.reason, c.error_code) for c in canceled][0] == ("Error", "RecognizerError")
    assert "the encoder ran out of memory" in canceled[0].error_details
    assert record.names()[-1] == "session_stopped"
    with Library.open() as library:
        conversation = library.get_conversation(record.conversation_id)
    assert conversation.duration_ms == len(wav_samples(excerpt)) * 1000 // 16000  # the recording is whole


def test_a_file_played_as_fast_as_possible_is_heard_as_a_live_session_would_hear_it(sample_wav, sample_reference, live_session_runner,
                                                                                      parley_home):
    """speed=None goes at recognition's pace: interims, and a final per sentence or pause, with the file never queued whole."""
    record = live_session_runner(FileSource(sample_wav, speed=None), LiveOptions(mode="RealTime"), parley_home)
    captured_ms, leads = 0, []
    for name, args, *_ in record.events:  # one dispatcher posts them in the order they were made
        if name == "level_changed":
            captured_ms = args.offset_ms + 100
        elif name == "transcribing":
            leads.append(captured_ms - args.result.utterance.end_ms)
    finals = record.transcriber.results()
    assert len(leads) >= 20 and len(finals) >= 8  # as fast as possible used to give 1 interim and 2 finals of 16 s and 7 s
    assert max(f.duration_ms for f in finals) <= 8_000
    # the recording runs an update interval and a decode ahead of the last word heard (more where whisper dropped a word)
    assert np.median(leads) <= 1_500 and max(leads) <= 5_000, leads
    assert wer(sample_reference, " ".join(f.Text for f in finals)) <= 0.25


def test_a_library_that_cannot_be_opened_at_the_end_leaves_the_recording_for_recovery_and_callbacks_cannot_stop_events(
        excerpt, parley_home):
    """The library (here a folder where its file should be) fails to open when the session stores itself: the recording
    is offered for recovery at once, as when saving fails. A callback that calls sys.exit() does not end the delivery
    of later events, and wait() returns once every event, session_stopped included, has been delivered."""
    import sys

    from core.live import find_unfinished_recordings

    (parley_home / "library.sqlite3").mkdir()
    transcriber = ConversationTranscriber(FileSource(excerpt, speed=None), LiveOptions(mode="RealTime"))
    assert transcriber.wait(0) is False  # not started: not ended either
    delivered, finished = [], threading.Event()
    transcriber.transcribing.connect(lambda args: sys.exit("a listener quits"))
    transcriber.transcribed.connect(lambda args: delivered.append("transcribed"))
    transcriber.canceled.connect(lambda args: delivered.append(args.error_code))

    def slow_stopped(args):
        time.sleep(0.5)
        finished.set()
    transcriber.session_stopped.connect(slow_stopped)
    transcriber.start()
    assert transcriber.wait(300)
    assert finished.is_set()  # wait() came after the last callback
    assert "transcribed" in delivered and delivered[-2:] == ["NoError", "StoreError"]  # the end of the file, then the store
    cid = transcriber.stop()
    assert cid and isinstance(transcriber.error, ParleyError)
    assert [r.conversation_id for r in find_unfinished_recordings()] == [cid]


def test_a_recording_whose_folder_is_deleted_while_recording_is_written_again_and_stored_whole(sample_wav, parley_home):
    """The folder removed mid-session: the session recorded on into the deleted file, then could not store it ("There is no
    recording"), and all 30 s and every result were lost while it promised a recovery."""
    import shutil

    from core.live import journal

    transcriber = ConversationTranscriber(FileSource(sample_wav, speed=1.5), LiveOptions(mode="RealTime"))
    warnings = []
    transcriber.warning.connect(warnings.append)
    transcriber.start()
    deadline = time.monotonic() + 60
    folder = transcriber.folder
    while not journal.read_results(folder) and time.monotonic() < deadline:  # "Hello?" is final (at ~10 s, on a busy machine later)
        time.sleep(0.02)
    shutil.rmtree(folder)
    deleted_at = transcriber.recorded_ms
    assert deleted_at < 26_000  # while it records
    while transcriber.recorded_ms < deleted_at + 3_000 and time.monotonic() < deadline:
        time.sleep(0.02)
    # written again within a second, with the journal: a crash now is still recovered, with the results heard before
    assert (folder / journal.SESSION_FILE).exists() and (folder / journal.AUDIO_FILE).exists()
    assert journal.read_results(folder)[0].display.startswith("Hello")
    assert transcriber.wait(120)
    cid = transcriber.stop()
    assert [w.code for w in warnings] == ["RecordingRestored"] and str(folder) in warnings[0].message
    with Library.open() as library:
        conversation = library.get_conversation(cid)
        recording = library.audio_path(cid)
    assert conversation.duration_ms == 30_000
    assert wav_samples(recording) == pytest.approx(wav_samples(sample_wav), abs=1e-4)
    text = " ".join(u.display for u in conversation.ordered()).lower()
    assert "didn't know you were there" in text and "yankee" in text  # heard before and after the deletion
