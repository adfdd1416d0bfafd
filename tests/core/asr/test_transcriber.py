"""The batch transcriber on real audio with the real embedded models."""

from __future__ import annotations

import numpy as np
import pytest

from core.asr.transcriber import SAMPLE_RATE, Transcriber, TranscriptionOptions, windows
from core.audio.decode import iter_audio
from core.errors import ModelError
from core.transcription import transcribe_file
from helpers.audiofiles import encode, make_encoded, read_wav, write_wav
from helpers.reference import wer


def test_sample_is_transcribed_faithfully(sample_conversation, sample_reference):
    conv = sample_conversation
    assert conv.model == "tiny.en" and conv.locale == "en-US" and conv.channels == 1
    assert conv.duration_ms == pytest.approx(30_000, abs=50)
    hypothesis = " ".join(u.display for u in conv.utterances)
    assert wer(sample_reference, hypothesis) <= 0.20
    assert "new jersey" in hypothesis.lower() and "chicago" in hypothesis.lower()


def test_utterances_are_ordered_with_words_inside_their_span(sample_conversation):
    utterances = sample_conversation.utterances
    assert len(utterances) >= 8
    assert [u.offset_ms for u in utterances] == sorted(u.offset_ms for u in utterances)
    assert len({u.result_id for u in utterances}) == len(utterances)
    for u in utterances:
        assert 0 <= u.offset_ms and u.end_ms <= 30_500
        assert 0.0 <= u.confidence <= 1.0
        assert u.words, "word timestamps are on by default"
        assert u.words[0].offset_ms == u.offset_ms and u.words[-1].end_ms == u.end_ms
        assert all(0.0 <= w.confidence <= 1.0 for w in u.words)
        assert [w.offset_ms for w in u.words] == sorted(w.offset_ms for w in u.words)
    # the first words are spoken after 6 s of silence (the STM's first line starts at 6.68 s)
    assert 5_500 <= utterances[0].offset_ms <= 7_500


def test_an_utterance_is_at_most_one_sentence(sample_conversation):
    """Whisper's own segments run over several sentences on some CPUs; each sentence is its own phrase."""
    for u in sample_conversation.utterances:
        assert not any(w.text[-1] in ".?!" for w in u.words[:-1]), u.display
    assert sum(u.display.endswith((".", "?", "!")) for u in sample_conversation.utterances) >= 8


def test_text_forms_are_consistent(sample_conversation):
    for u in sample_conversation.utterances:
        assert u.display and u.display == u.display.strip()
        assert u.itn == u.itn.lower() and not any(ch in u.itn for ch in ".,?!")
        assert u.lexical == u.lexical.lower() and not any(ch.isdigit() for ch in u.lexical)
        assert u.masked_itn.split() == u.itn.split() or "*" in u.masked_itn


def test_confidences_differ_between_utterances(sample_conversation):
    assert len({u.confidence for u in sample_conversation.utterances}) > 3


def test_silence_gives_an_empty_result(tmp_path):
    silent = write_wav(tmp_path / "silence.wav", np.zeros(SAMPLE_RATE * 5, dtype=np.float32), SAMPLE_RATE)
    conv = transcribe_file(silent)
    assert conv.utterances == [] and conv.duration_ms == pytest.approx(5_000, abs=50)


def test_windows_cut_in_silence_and_keep_every_sample():
    rng = np.random.default_rng(0)
    noise = rng.standard_normal(SAMPLE_RATE * 100).astype(np.float32) * 0.3
    noise[SAMPLE_RATE * 55 : SAMPLE_RATE * 56] = 0.0  # a 1 s pause inside the search zone of a 60 s window
    chunks = (noise[i : i + SAMPLE_RATE * 7] for i in range(0, len(noise), SAMPLE_RATE * 7))
    parts = list(windows(chunks, window_ms=60_000))
    assert [offset for offset, _ in parts] == [0, len(parts[0][1])]
    assert SAMPLE_RATE * 55 <= len(parts[0][1]) <= SAMPLE_RATE * 56
    assert np.array_equal(np.concatenate([audio for _, audio in parts]), noise)


def test_long_audio_is_transcribed_window_by_window(sample_wav, sample_reference):
    transcriber = Transcriber()
    utterances = list(transcriber.transcribe_stream(iter_audio(sample_wav, chunk_ms=5_000), window_ms=12_000))
    assert [u.offset_ms for u in utterances] == sorted(u.offset_ms for u in utterances)
    assert utterances[-1].end_ms > 25_000, "the later windows are placed on the file's clock"
    assert wer(sample_reference, " ".join(u.display for u in utterances)) <= 0.30


def test_stereo_files_give_one_result_set_per_channel(sample_wav, tmp_path):
    samples, rate = read_wav(sample_wav)
    mono = samples[0]
    left = mono.copy()
    left[rate * 15 :] = 0.0  # channel 0 speaks only in the first half
    right = mono.copy()
    right[: rate * 15] = 0.0  # channel 1 only in the second half
    stereo = encode(np.stack([left, right]), rate, tmp_path / "stereo.flac", codec="flac")
    conv = transcribe_file(stereo)
    assert conv.channels == 2
    first = conv.channel_utterances(0)
    second = conv.channel_utterances(1)
    assert first and second
    assert all(u.offset_ms < 15_500 for u in first)
    assert all(u.end_ms > 14_500 for u in second)
    mixed = transcribe_file(stereo, mono=True)
    assert mixed.channels == 1 and {u.channel for u in mixed.utterances} == {0}


def test_a_stereo_file_whose_channels_carry_the_same_sound_is_transcribed_once(sample_wav, tmp_path):
    """A stereo microphone (here the two channels alike but for a little noise and gain) gave every phrase twice, each
    with its own speakers; a call recorded one party per channel, with crosstalk, still gives one result set each."""
    from core.transcription import same_sound

    samples, rate = read_wav(sample_wav)
    mono = samples[0]
    rng = np.random.default_rng(5)
    alike = encode(np.stack([mono, 0.8 * mono + 0.002 * rng.standard_normal(len(mono)).astype(np.float32)]), rate,
                   tmp_path / "alike.flac", codec="flac")
    conv = transcribe_file(alike)
    assert conv.channels == 1 and {u.channel for u in conv.utterances} == {0}
    assert "new jersey" in " ".join(u.display for u in conv.utterances).lower()
    write = lambda name, left, right: encode(np.stack([left, right]), rate, tmp_path / name, codec="flac")  # noqa: E731
    # two microphones a few centimetres apart hear it up to a few ms apart; a channel wired the other way round is -x
    for delay_ms in (0.5, 1, 3, 5):
        shift = int(delay_ms * rate / 1000)
        assert same_sound(write(f"delay{delay_ms}.flac", mono, 0.9 * np.concatenate([np.zeros(shift, np.float32), mono[:-shift]])), 2)
    inverted = write("inverted.flac", mono, -mono)
    assert same_sound(inverted, 2)
    flipped = transcribe_file(inverted)  # its first channel, not the mix (which cancels out)
    assert flipped.channels == 1 and "new jersey" in " ".join(u.display for u in flipped.utterances).lower()
    left, right = mono.copy(), mono.copy()
    left[rate * 15:] *= 0.05  # each party on its own channel, the other's voice heard faintly
    right[: rate * 15] *= 0.05
    assert not same_sound(write("call.flac", left, right), 2)
    assert not same_sound(write("call_offset.flac", 0.5 * left + 0.1, 0.5 * right + 0.1), 2)  # an offset is no likeness


def test_telephone_quality_mp3_is_still_understood(sample_wav, tmp_path, sample_reference):
    phone = make_encoded(sample_wav, tmp_path / "phone.mp3", "libmp3lame", rate=8000)
    conv = transcribe_file(phone)
    # 4 kHz of bandwidth costs tiny.en a lot (about 41% WER here, 12% at 16 kHz): still readable
    assert wer(sample_reference, " ".join(u.display for u in conv.utterances)) <= 0.50


def test_a_recording_with_a_constant_offset_is_understood(sample_wav, tmp_path, sample_reference):
    """A converter's DC offset of 0.2 of full scale left silero's VAD hearing a third of the speech: 72 % WER."""
    audio, rate = read_wav(sample_wav)
    offset = write_wav(tmp_path / "offset.wav", np.clip(audio[0] + 0.2, -1, 1), rate)
    conv = transcribe_file(offset)
    assert wer(sample_reference, " ".join(u.display for u in conv.utterances)) <= 0.25


def test_base_model_transcribes_the_sample(sample_wav, sample_reference):
    conv = transcribe_file(sample_wav, TranscriptionOptions(model="base", language="en"))
    assert conv.model == "base" and conv.locale == "en-US"
    assert wer(sample_reference, " ".join(u.display for u in conv.utterances)) <= 0.30


def test_english_only_model_refuses_other_languages():
    with pytest.raises(ModelError, match="only transcribes English"):
        Transcriber(TranscriptionOptions(model="tiny.en", language="fr"))


def test_n_best_alternatives_when_asked(sample_wav):
    conv = transcribe_file(sample_wav, TranscriptionOptions(max_alternatives=3))
    with_alternatives = [u for u in conv.utterances if u.alternatives]
    assert len(with_alternatives) >= len(conv.utterances) // 2
    for u in with_alternatives:
        assert len(u.alternatives) <= 2
        assert all(a.forms.display and a.forms.display != u.display for a in u.alternatives)
        assert all(0.0 <= a.confidence <= 1.0 for a in u.alternatives)
