"""How the Watson WebSocket hears its audio: raw PCM converted as it comes, a container decoded as it comes, its pace
measured."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.audiofiles import make_encoded, read_wav

from core.audio.decode import load_audio
from core.server.container_stream import ContainerStream
from core.server.errors import ApiError
from core.server.pcm_stream import PcmStream
from core.server.raw_audio import raw_format
from core.server.websocket_session import Session
from core.tts import resample


def _pieces(data: bytes, size: int):
    for start in range(0, len(data), size):
        yield data[start : start + size]


def test_raw_pcm_in_odd_pieces_is_the_audio_converted_at_once(sample_wav):
    samples, rate = read_wav(sample_wav)
    narrowband = resample(samples[0, : rate * 10], rate, 8000)
    stereo = np.stack([narrowband, 0.5 * narrowband], axis=1)  # the channels are averaged
    data = (stereo * 32767).astype(">i2").tobytes()
    # no endianness said: the byte order is told from the audio, as the service does
    stream, received = PcmStream(raw_format("audio/l16; rate=8000; channels=2")), bytearray()
    for piece in _pieces(data, 3001):  # pieces that split frames and samples
        received.extend(piece)
        heard = stream.audio(received)
        assert len(heard) <= len(received) // 4 * 2  # 8 kHz stereo -> 16 kHz mono: a sample per 2 bytes at most
    heard = stream.audio(received, ended=True)
    whole = resample((stereo * 32767).astype(">i2").astype(np.float32).mean(axis=1) / 32768, 8000, 16000)
    assert len(heard) == len(whole) == 160_000
    assert np.abs(heard - whole).max() < 1e-6  # no click where the pieces joined


@pytest.mark.parametrize("codec, suffix", [("opus", "opus"), ("libopus", "webm"), ("libmp3lame", "mp3"), ("flac", "flac"), ("pcm_s16le", "wav")])
def test_a_container_in_pieces_is_decoded_as_it_comes_into_the_audio_of_the_whole_file(sample_wav, tmp_path, codec, suffix):
    path = make_encoded(sample_wav, tmp_path / f"sample.{suffix}", codec)
    data = path.read_bytes()
    stream, received, heard = ContainerStream(), bytearray(), []
    for piece in _pieces(data, len(data) // 20 + 1):
        received.extend(piece)
        heard.append(len(stream.audio(received)))
    assert stream.given == len(data)  # each byte handed to the decoder once, not the whole stream again each time
    assert heard == sorted(heard) and heard[9] > 10 * 16_000  # half of it is heard half way through (30 s in all)
    whole, at_once = stream.audio(received, ended=True), load_audio(path)
    assert np.array_equal(whole[: len(at_once)], at_once)  # the same samples as the file decoded at once
    # only a file's MP3 encoder padding is cut (its LAME header is read by seeking to it): a stream ends 27 ms later
    assert len(whole) - len(at_once) == (431 if suffix == "mp3" else 0)


def test_a_streamed_wavs_placeholder_sizes_are_read_past(sample_wav):
    data = bytearray(sample_wav.read_bytes())
    at = data.index(b"data")
    data[4:8] = data[at + 4 : at + 8] = (0).to_bytes(4, "little")  # a header written before the length was known
    stream = ContainerStream()
    for end in (len(data) // 2, len(data)):
        stream.audio(data[:end])
    assert len(stream.audio(data, ended=True)) == 30 * 16_000


def test_bytes_that_are_not_audio_are_refused_at_the_end_and_the_decoder_stops(tmp_path):
    stream, junk = ContainerStream(), bytes(range(256)) * 400
    assert len(stream.audio(junk[:50_000])) == 0  # while it streams: nothing heard yet, no error
    with pytest.raises(ApiError, match="cannot be decoded"):
        stream.audio(junk, ended=True)
    assert not stream._thread.is_alive()


def test_a_session_closed_mid_stream_ends_its_decoder(sample_wav, tmp_path):
    opus = make_encoded(sample_wav, tmp_path / "sample.opus", "opus").read_bytes()
    session = Session({"content-type": "audio/ogg;codecs=opus"}, "en-US")
    session.data.extend(opus[: len(opus) // 2])
    assert len(session.audio()) > 0
    session.close()  # a disconnect: the decoder's thread does not wait for bytes that will never come
    session.decoder._thread.join(5)
    assert not session.decoder._thread.is_alive()


def test_a_containers_pace_is_measured_so_interims_come_every_second_and_a_half_of_audio(sample_wav, tmp_path):
    opus = make_encoded(sample_wav, tmp_path / "sample.opus", "opus").read_bytes()
    session = Session({"content-type": "audio/ogg;codecs=opus"}, "en-US")
    per_second = len(opus) / 30.0
    assert per_second < 10_000  # far fewer bytes a second than raw 16 kHz audio's 32,000
    session.data.extend(opus[: len(opus) // 3])
    session.audio()
    assert session.bytes_per_second == pytest.approx(per_second, rel=0.25)
    session.last_interim_bytes = len(session.data)
    session.data.extend(opus[len(opus) // 3 : len(opus) // 3 + int(1.6 * per_second)])
    assert session.due_for_interim()  # before, it waited for 48,000 bytes: 6 s of this audio
    session.close()


@pytest.mark.parametrize("start, said", [
    ({"content-type": "audio/l16;rate=16000", "timestamps": "yes"}, "timestamps must be true or false"),
    ({"content-type": "audio/l16;rate=16000;channels=17"}, "channels 1 to 16"),
])
def test_a_bad_start_is_refused(start, said):
    with pytest.raises(ApiError, match=said):
        Session(start, "en-US")


def test_flags_may_be_strings_and_speaker_labels_bring_timestamps():
    session = Session({"content-type": "audio/l16;rate=16000", "interim_results": "true", "profanity_filter": "false",
                       "speaker_labels": True}, "en-US")
    try:
        assert session.interim and session.timestamps and session.text.profanity == "None"
    finally:
        session.close()


def test_null_in_a_start_means_the_default():
    session = Session({"content-type": "audio/l16;rate=16000", "interim_results": None, "profanity_filter": None,
                       "inactivity_timeout": None}, "en-US")
    assert not session.interim and session.text.profanity == "Masked" and session.inactivity_s == 30
