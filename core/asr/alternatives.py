"""N-best hypotheses of one utterance from the whisper decoder (CTranslate2 beam search with several hypotheses).

The batch transcriber keeps the best hypothesis only; this decodes an utterance's audio span
again with ``num_hypotheses=N`` and returns the other hypotheses as ``Alternative``s, scored
exp(length-normalised log-probability) like the utterance's own confidence. One extra decode
per utterance (an encoder pass and a beam search over at most 30 s), so it is an option.
"""

from __future__ import annotations

import logging
import math

import numpy as np

from core.results import Alternative
from core.text.forms import forms_from_display

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
MAX_SPAN_SAMPLES = 30 * SAMPLE_RATE  # whisper's window


def n_best(whisper, audio: np.ndarray, n: int, *, language: str | None = "en", beam_size: int = 5,
           prompt_text: str | None = None) -> list[tuple[str, float]]:
    """Return up to n (text, confidence) hypotheses for a mono 16 kHz span, best first.

    ``whisper`` is a loaded ``faster_whisper.WhisperModel``; spans past 30 s are cut to 30 s.
    """
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer
    from faster_whisper.transcribe import get_suppressed_tokens

    if n < 1 or audio.size == 0:
        return []
    audio = np.asarray(audio[:MAX_SPAN_SAMPLES], dtype=np.float32)
    features = pad_or_trim(whisper.feature_extractor(audio)[..., :-1])
    encoder_output = whisper.encode(features)
    multilingual = whisper.model.is_multilingual
    tokenizer = Tokenizer(whisper.hf_tokenizer, multilingual, task="transcribe", language=(language or "en") if multilingual else None)
    previous = tokenizer.encode(" " + prompt_text.strip()) if prompt_text else []
    prompt = whisper.get_prompt(tokenizer, previous, without_timestamps=True)
    result = whisper.model.generate(
        encoder_output,
        [prompt],
        beam_size=max(beam_size, n),
        num_hypotheses=n,
        return_scores=True,
        max_length=whisper.max_length,
        suppress_blank=True,
        suppress_tokens=get_suppressed_tokens(tokenizer, [-1]),
    )[0]
    hypotheses = []
    for tokens, score in zip(result.sequences_ids, result.scores):
        text = tokenizer.decode([t for t in tokens if t < tokenizer.eot]).strip()
        if text:
            hypotheses.append((text, round(min(1.0, math.exp(score)), 4)))
    return hypotheses


def alternatives_for(whisper, audio: np.ndarray, offset_ms: int, duration_ms: int, best_display: str, max_alternatives: int,
                     *, language: str | None = "en", locale: str = "en-US", beam_size: int = 5) -> list[Alternative]:
    """Return the utterance's other hypotheses (at most max_alternatives - 1) from the audio of its span.

    ``audio`` is the whole channel (or window) the utterance's offset counts from; hypotheses that
    read the same as the best one once normalised are left out.
    """
    if max_alternatives < 2:
        return []
    start = max(offset_ms, 0) * SAMPLE_RATE // 1000
    end = start + max(duration_ms, 0) * SAMPLE_RATE // 1000
    # a little context either side: word timestamps cut close to the sounds
    pad = SAMPLE_RATE // 5
    span = audio[max(start - pad, 0): end + pad]
    best = forms_from_display(best_display, locale).itn
    alternatives: list[Alternative] = []
    for text, confidence in n_best(whisper, span, max_alternatives + 1, language=language, beam_size=beam_size):
        forms = forms_from_display(text, locale)
        if forms.itn == best or any(a.forms.itn == forms.itn for a in alternatives):
            continue
        alternatives.append(Alternative(forms, confidence))
        if len(alternatives) == max_alternatives - 1:
            break
    return alternatives
