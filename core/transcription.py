"""File transcription: a recording in, a Conversation out (decode → whisper → speakers).

This is the one function the CLI, the job worker and the GUI call to turn a file into a
transcript. It never stores anything: callers decide where the conversation goes.
"""

from __future__ import annotations

import logging
from functools import lru_cache, partial
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from core.asr.transcriber import Transcriber, TranscriptionOptions
from core.audio.decode import AudioInfo, iter_audio, load_audio, probe
from core.results import Conversation, Speaker, Utterance, new_conversation_id, utc_now

log = logging.getLogger(__name__)

Hook = Callable[..., None]


@dataclass(frozen=True)
class SpeakerOptions:
    """Whether to find who spoke when, and what the user knows about the speaker count."""

    diarize: bool = False
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None


def _channel_chunks(path: Path, channel: int, channels: int, mono: bool):
    if mono or channels == 1:
        yield from iter_audio(path, mono=True)
    else:
        for block in iter_audio(path, mono=False):
            yield block[channel]


SAME_SOUND = 0.8  # channels whose correlation reaches this carry one sound (a stereo microphone), not one party each
SAME_SOUND_LAG_MS = 10  # ...at some delay up to this: two microphones a few centimetres apart hear it a little apart
SAME_SOUND_JUDGED_MS = 600_000  # judged on the first 10 minutes


def same_sound(path: Path, channels: int) -> bool:
    """Return whether every channel of a recording carries the same sound, so that it is transcribed once.

    A stereo microphone or a mono source saved as stereo gave every phrase twice, once per channel,
    with twice the speakers. The channels are compared by the correlation of their sound (their
    offsets taken out) at the delay where it is strongest, up to SAME_SOUND_LAG_MS, and either sign:
    two microphones a millisecond apart correlate at -0.3 without a delay, and a channel wired the
    other way round at -1. A call recorded one party per channel correlates far less: each channel
    holds its own voice, and the other's only as crosstalk (the sample split so: 0.16).
    """
    if channels < 2:
        return False
    lag = SAME_SOUND_LAG_MS * 16
    products = np.zeros((channels, 2 * lag + 1))
    energies = np.zeros(channels)
    heard = 0
    for block in iter_audio(path, chunk_ms=60_000, mono=False):
        block = block.astype(np.float64)
        block -= block.mean(axis=1, keepdims=True)
        size = 1 << int(block.shape[1] + 2 * lag).bit_length()
        spectra = np.fft.rfft(block, size)
        cross = np.fft.irfft(spectra * np.conj(spectra[0]), size)  # cross[c, k] = sum over n of x_c[n + k] * x_0[n]
        products += np.concatenate([cross[:, -lag:], cross[:, : lag + 1]], axis=1)
        energies += np.einsum("ij,ij->i", block, block)
        heard += block.shape[1]
        if heard >= SAME_SOUND_JUDGED_MS * 16:
            break
    if energies.min() <= 0:
        return bool(energies.max() <= 0)
    correlation = np.abs(products[1:]).max(axis=1) / np.sqrt(energies[1:] * energies[0])
    return bool(np.all(correlation >= SAME_SOUND))


@lru_cache(maxsize=1)
def shared_diarizer():
    """Return the process's one Diarizer (its pipeline is built on first use and kept)."""
    from core.diarization.pipeline import Diarizer

    return Diarizer()


def _diarize_channel(path: Path, channel: int, info: AudioInfo, mono: bool, utterances: list[Utterance], speakers: SpeakerOptions, hook: Hook | None):
    from core.diarization.assign import assign_speakers

    audio = load_audio(path, mono=True) if mono or info.channels == 1 else load_audio(path, mono=False)[channel]
    diarization = shared_diarizer().diarize(
        audio,
        num_speakers=speakers.num_speakers,
        min_speakers=speakers.min_speakers,
        max_speakers=speakers.max_speakers,
        hook=hook,
    )
    return assign_speakers(utterances, diarization)


def transcribe_file(
    path: str | Path,
    options: TranscriptionOptions | None = None,
    speakers: SpeakerOptions | None = None,
    *,
    mono: bool = False,
    title: str | None = None,
    conversation_id: str | None = None,
    hook: Hook | None = None,
    merge_same_sound: bool = True,
) -> Conversation:
    """Return the conversation transcribed from a recording: one result set per channel, unless mono or every channel
    carries the same sound (same_sound, with `merge_same_sound`)."""
    path = Path(path)
    info = probe(path)
    alike = not mono and merge_same_sound and same_sound(path, info.channels)
    if alike:  # its first channel alone: mixed, channels a little apart blur, and one the other way round cancels out
        log.info("the %d channels of %s carry the same sound: its first is transcribed", info.channels, path.name)
    speakers = speakers or SpeakerOptions()
    transcriber = Transcriber(options)
    channels = 1 if mono or alike else info.channels
    utterances: list[Utterance] = []
    for channel in range(channels):
        # each channel is transcribed (and diarized) from 0 % to 100 %: the hook is told which of how many it is
        told = partial(hook, channel=channel, channels=channels) if hook is not None else None
        found = list(
            transcriber.transcribe_stream(
                _channel_chunks(path, channel, info.channels, mono),
                channel=channel,
                total_ms=info.duration_ms,
                hook=told,
            )
        )
        if speakers.diarize and found:
            found = _diarize_channel(path, channel, info, mono, found, speakers, told)
            # speakers of different channels are different people: number them after the last
            shift = max((u.speaker or 0 for u in utterances), default=0)
            found = [replace(u, speaker=u.speaker + shift) if u.speaker is not None else u for u in found]
        utterances.extend(found)
    numbers = sorted({u.speaker for u in utterances if u.speaker is not None})
    return Conversation(
        conversation_id=conversation_id or new_conversation_id(),
        title=title or path.stem,
        created=utc_now(),
        duration_ms=info.duration_ms,
        source=str(path.resolve()),
        locale=transcriber.locale,
        model=transcriber.model.name,
        channels=channels,
        utterances=sorted(utterances, key=lambda u: (u.offset_ms, u.channel)),
        speakers={n: Speaker(n) for n in numbers},
    )

