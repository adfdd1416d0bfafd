"""How the Watson WebSocket hears its audio: raw PCM converted as it comes, a container's pace measured."""

from __future__ import annotations

import numpy as np
import pytest
from helpers.audiofiles import make_encoded, read_wav

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
