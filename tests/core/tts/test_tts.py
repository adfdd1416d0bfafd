"""Offline text-to-speech: SSML parsing, the eSpeak NG voices, output formats, and speech a recogniser understands."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest

from core.tts import (
    OutputFormatError,
    Pause,
    Speech,
    SsmlError,
    parse_output_format,
    parse_ssml,
    resolve_voice,
    speak_ssml,
    supported_formats,
    synthesize_text,
    voices,
)

TWO_VOICES = """<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xml:lang="en-US">
<voice name="en-US-JennyNeural">Good morning. <break time="800ms"/> The meeting starts at ten.</voice>
<voice name="Microsoft Server Speech Text to Speech Voice (en-US, Guy24kRUS)"><prosody rate="slow" pitch="low">Thank you, I will be there.</prosody></voice>
</speak>"""


def test_ssml_pieces_keep_order_voices_breaks_and_prosody():
    pieces = parse_ssml(TWO_VOICES)
    speech = [p for p in pieces if isinstance(p, Speech)]
    assert [p.text for p in speech] == ["Good morning.", "The meeting starts at ten.", "Thank you, I will be there."]
    assert Pause(800) in pieces
    assert speech[0].voice == speech[1].voice != speech[2].voice
    assert speech[2].voice.short_name == "en-US-Guy"  # the long name's voice is known
    assert speech[2].prosody.rate < 1.0 and speech[2].prosody.pitch < 0


def test_unknown_voice_names_map_stably_to_voices_of_their_locale():
    jenny = resolve_voice("en-US-JennyNeural")
    assert jenny == resolve_voice("en-US-JennyNeural") and jenny.locale == "en-US"
    assert resolve_voice("fr-FR-DeniseNeural").locale == "fr-FR"
    picks = {resolve_voice(f"en-US-Person{i}Neural").short_name for i in range(12)}
    assert len(picks) >= 3
    assert voices("en-US") and all(v.locale == "en-US" for v in voices("en-US"))


@pytest.mark.parametrize(
    "bad",
    [
        "plain text, not SSML",
        "<voice>no speak root</voice>",
        '<?xml version="1.0"?><!DOCTYPE speak [<!ENTITY a "aaaa">]><speak>&a;</speak>',
        '<speak><break time="soon"/></speak>',
    ],
)
def test_bad_ssml_is_refused_with_a_clear_error(bad):
    with pytest.raises(SsmlError):
        parse_ssml(bad)


def test_output_formats_are_parsed_and_unknown_ones_refused():
    assert parse_output_format("riff-16khz-16bit-mono-pcm").rate == 16000
    assert parse_output_format("raw-24khz-16bit-mono-pcm").container == "raw"
    assert parse_output_format("audio-24khz-48kbitrate-mono-mp3").bitrate == 48000
    assert "riff-24khz-16bit-mono-pcm" in supported_formats()
    with pytest.raises(OutputFormatError):
        parse_output_format("riff-16khz-16kbps-mono-siren")


@pytest.mark.parametrize("name,rate", [("riff-16khz-16bit-mono-pcm", 16000), ("riff-24khz-16bit-mono-pcm", 24000)])
def test_riff_output_is_a_mono_16bit_wav_at_the_asked_rate(name, rate):
    data, fmt = speak_ssml(TWO_VOICES, name)
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, rate)
        seconds = wav.getnframes() / rate
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert 3.0 < seconds < 15.0
    assert np.abs(samples).max() > 3000  # speech, not silence


def test_raw_output_is_the_riff_payload_without_header():
    riff, _ = speak_ssml(TWO_VOICES, "riff-16khz-16bit-mono-pcm")
    raw, fmt = speak_ssml(TWO_VOICES, "raw-16khz-16bit-mono-pcm")
    assert fmt.media_type == "audio/L16"
    assert riff[44:] == raw


@pytest.mark.parametrize("name", ["audio-16khz-32kbitrate-mono-mp3", "ogg-24khz-16bit-mono-opus"])
def test_compressed_output_decodes_to_the_same_length(tmp_path, name):
    from core.audio.decode import probe

    pcm, _ = speak_ssml(TWO_VOICES, "raw-16khz-16bit-mono-pcm")
    data, fmt = speak_ssml(TWO_VOICES, name)
    path = tmp_path / f"speech.{fmt.container}"
    path.write_bytes(data)
    assert abs(probe(path).duration_ms - len(pcm) / 32) < 150


def test_the_recogniser_understands_both_voices(tmp_path):
    from core.transcription import transcribe_file

    data, _ = speak_ssml(TWO_VOICES, "riff-16khz-16bit-mono-pcm")
    path = tmp_path / "two-voices.wav"
    path.write_bytes(data)
    text = " ".join(u.lexical for u in transcribe_file(path).utterances)
    for word in ("morning", "meeting", "thank", "there"):
        assert word in text


def test_plain_text_in_another_language_has_its_voice():
    samples = synthesize_text("Bonjour tout le monde.", "fr-FR-Julie", rate=24000)
    assert 0.5 < samples.size / 24000 < 5 and np.abs(samples).max() > 0.1
