"""The live one-pass decoder on the sample with the real tiny.en (and base) models: one encoder pass, the same words, word times."""

from __future__ import annotations

import numpy as np
import pytest

import copy

from core.asr.models import load_split_whisper, load_whisper, resolve_model
from core.asr.window_decoder import WindowDecoder
from core.audio.decode import load_audio
from helpers.reference import normalise, wer

RATE = 16_000
# Two decodings of 8.4-14.2 s differ at most at "Neither did I", which tiny.en hears differently with the slightest
# change of input or arithmetic: on an AMD EPYC (CTranslate2 on oneDNN, not MKL), faster-whisper's own decoding and the
# pass with timestamp tokens hear "I need the design. Okay," there, 5 or 6 of the clip's 23 words.
SAME_WORDS_WER = 0.25


def counting(model):
    """Return a view of the real model that counts its encoder passes and their frames."""
    view = copy.copy(model)
    view.frames = []

    def encode(features):
        view.frames.append(features.shape[-1])
        return model.encode(features)

    view.encode = encode
    return view


@pytest.fixture(scope="module")
def audio(sample_wav) -> np.ndarray:
    return load_audio(sample_wav)


@pytest.fixture(scope="module")
def split():
    return load_split_whisper(resolve_model("tiny.en"), "cpu")


def test_the_split_model_encodes_on_every_core_and_decodes_on_one_copy(split, monkeypatch):
    model = resolve_model("tiny.en")
    everywhere, one = load_whisper(model, "cpu"), load_whisper(model, "cpu", threads=1)
    assert one is not everywhere and split.model is one.model and split.encode == everywhere.encode
    assert "encode" not in vars(everywhere) and "encode" not in vars(one)  # the cached models are left alone
    assert load_split_whisper(model, "cpu") is split
    monkeypatch.setattr("core.asr.models.cpu_threads", lambda: 1)
    assert load_split_whisper(model, "cpu") is load_whisper(model, "cpu")  # one core: nothing to split


def test_one_pass_hears_what_faster_whisper_hears_with_its_word_times(split, audio):
    view = counting(split)
    clip = audio[int(8.4 * RATE):int(14.2 * RATE)]  # "I didn't know you were there. ... This is Diane in New Jersey."
    words = WindowDecoder(view).words(clip, language="en")
    assert view.frames == [3000]  # one encoder pass of a whole window
    whisper = load_whisper(resolve_model("tiny.en"), "cpu")
    segments, _ = whisper.transcribe(clip, language="en", beam_size=1, temperature=0.0, word_timestamps=True,
                                     condition_on_previous_text=False)
    reference = " ".join(s.text for s in segments)
    heard = " ".join(w.text for w in words)
    assert wer(reference, heard) <= SAME_WORDS_WER and "jersey" in normalise(heard)
    assert all(0 <= w.start <= w.end <= len(clip) / RATE + 0.02 for w in words)
    assert [w.start for w in words] == sorted(w.start for w in words)
    jersey = next(w for w in words if "Jersey" in w.text)
    assert 12.542 - 8.4 - 0.5 <= jersey.start and jersey.end <= 14.184 - 8.4 + 0.5  # sample.stm: 12.542-14.184 s
    assert all(0 < w.probability <= 1 for w in words)


def test_a_short_window_encodes_less_padding_and_hears_the_same(split, audio):
    view = counting(split)
    short = WindowDecoder(view, window_ms=20_000)
    clip = audio[int(8.4 * RATE):int(14.2 * RATE)]
    assert short.encoder_frames(len(clip)) == 2000  # 5.8 s of audio padded to 20 s, not 30 s
    assert short.encoder_frames(19 * RATE) == 2000 and short.encoder_frames(20 * RATE) == 2500 and short.encoder_frames(29 * RATE) == 3000
    assert WindowDecoder(split).encoder_frames(len(clip)) == 3000
    jersey = audio[int(12.5 * RATE):int(14.3 * RATE)]  # "This is Diane in New Jersey."
    heard = " ".join(w.text for w in short.words(jersey, language="en"))
    assert view.frames == [2000] and "diane in new jersey" in normalise(heard)


def test_with_timestamp_tokens_the_pass_hears_the_same_words(split, audio):
    clip = audio[int(8.4 * RATE):int(14.2 * RATE)]
    plain = " ".join(w.text for w in WindowDecoder(split).words(clip, language="en"))
    timed = WindowDecoder(split, timestamp_tokens=True).words(clip, language="en")
    assert wer(plain, " ".join(w.text for w in timed)) <= SAME_WORDS_WER and "jersey" in normalise(" ".join(w.text for w in timed))
    assert all(0 <= w.start <= w.end <= len(clip) / RATE + 0.02 for w in timed)


def test_silence_and_empty_audio_give_no_words(split):
    decoder = WindowDecoder(split)
    assert decoder.words(np.zeros(0, np.float32), language="en") == []
    assert decoder.words(np.zeros(100, np.float32), language="en") == []
    assert decoder.words(np.zeros(2 * RATE, np.float32), language="en") == []


def test_a_prompt_is_taken_as_context(split, audio):
    decoder = WindowDecoder(split)
    clip = audio[int(12.5 * RATE):int(14.3 * RATE)]
    heard = " ".join(w.text for w in decoder.words(clip, language="en", prompt="Okay, then I thought you know, I heard a beep."))
    assert "jersey" in normalise(heard) and "beep" not in normalise(heard)  # context, not output


def test_the_multilingual_model_detects_the_language_when_none_is_given(audio):
    model = resolve_model("base")
    decoder = WindowDecoder(load_split_whisper(model, "cpu"))
    clip = audio[int(12.5 * RATE):int(14.3 * RATE)]
    heard = " ".join(w.text for w in decoder.words(clip, language=None))
    assert "jersey" in normalise(heard)
    assert set(decoder._tokenizers) == {"en"}
