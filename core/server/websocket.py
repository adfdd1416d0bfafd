"""Watson's WebSocket interface: /v1/recognize with start/stop actions, interim and final results.

A session: the client sends {"action": "start", "content-type": ..., "interim_results": ...},
the service answers {"state": "listening"}; binary frames carry audio; while it arrives, interim
hypotheses of the phrase in progress are sent (final: false, same result_index); once a phrase
is followed by a pause of end_of_phrase_silence_time (0.8 s), or by another phrase in a buffer over 8 s (with
split_transcript_at_phrase_end: once its sentence ended 1.5 s before the audio heard), it is sent final and the
index moves on; with split_transcript_at_phrase_end a final says why it ended (end_of_utterance). {"action": "stop"} (or an empty
binary frame) ends the audio: the remaining finals follow, then (with speaker_labels) one message labelling
every final word with its speaker, found on the whole audio, then {"state": "listening"} again.
Before that, while the audio streams, each batch of phrases sent final is followed by a message
labelling their words with the speakers heard so far, "final": false (core.server.streamed_speakers).
Final results carry N-best hypotheses (max_alternatives) and word alternatives (word_alternatives_threshold)
when asked, decoded again from each phrase's audio as it is sent final; interim results carry neither.
As the service does, a session ends when its audio has gone on without speech for inactivity_timeout
seconds (30; -1 never), the connection closes when nothing at all came for 30 s, and arguments the
session does not apply are said in the first results' warnings (core.server.watson_arguments).
"""

from __future__ import annotations

import asyncio
import json
import logging

import numpy as np
from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool

from core.asr.streaming_options import END_OF_DATA, FULL_STOP, RESET, SILENCE
from core.audio.decode import SAMPLE_RATE
from core.errors import ParleyError
from core.server.auth import key_of_headers
from core.server.errors import ApiError
from core.server.languages import LocaleError, model_for, watson_locale
from core.server.watson_arguments import argument_warnings
from core.server.websocket_session import Session
from core.text.words import ends_sentence
from core.views.watson import speaker_labels_event

log = logging.getLogger(__name__)
router = APIRouter()

COMMIT_AFTER_S = 8.0  # a phrase buffer longer than this commits its finished phrases
# split_transcript_at_phrase_end: a sentence that ended this long before the end of the audio heard is sent final
# (nearer the end, whisper's sentence end is a guess about what follows: the live recognizer's commit margin)
PHRASE_END_MARGIN_MS = 1500
SENT_WORDS_KEPT = 64  # the last words sent final, looked for again in the audio heard anew (core.asr.agreement)
SENTENCE_CONTEXT_MS = 1000  # a long buffer cut between two sentences is heard again from this long before the cut
QUERY_ARGUMENTS = frozenset({"model", "access_token", "watson-token"})  # the URL's (the start's: websocket_session)
SESSION_TIMEOUT_S = 30  # nothing at all received for this long (no audio, no message) closes the connection


def _shift(utterances, offset_ms: int):
    from dataclasses import replace

    from core.results import Word

    shifted = []
    for u in utterances:
        words = [Word(w.text, w.offset_ms + offset_ms, w.duration_ms, w.confidence, w.speaker) for w in u.words]
        shifted.append(replace(u, offset_ms=u.offset_ms + offset_ms, words=words))
    return shifted


class Stream:
    """Turns a session's audio into Watson messages with the service's recogniser."""

    def __init__(self, websocket: WebSocket, recognizer):
        self.websocket = websocket
        self.recognizer = recognizer

    async def _recognize(self, session: Session, audio: np.ndarray):
        """Return the phrases heard after the audio sent final (heard from `heard_from_ms`, a little before it when
        it was cut between two sentences: the words before the cut are left out)."""
        if (len(audio) - session.committed_ms * SAMPLE_RATE // 1000) < SAMPLE_RATE // 10:
            return []
        piece = audio[session.heard_from_ms * SAMPLE_RATE // 1000:]
        result = await run_in_threadpool(self.recognizer.recognize, piece, session.locale, check_speech=False)
        utterances = _shift(result.utterances, session.heard_from_ms)
        return _after(utterances, session.sent_words, session.locale) if session.heard_from_ms < session.committed_ms else utterances

    async def _send_finals(self, session: Session, finals: list, audio: np.ndarray, ending: str | None = None) -> None:
        """Send phrases as final results, with their N-best hypotheses when the session asked for alternatives; the last
        ended for `ending` (Watson's end_of_utterance: a pause, the end of the audio), the others at a sentence end
        (full_stop) or cut where none was heard (reset)."""
        if finals and session.hypotheses > 1:
            finals = await run_in_threadpool(self.recognizer.with_alternatives, finals, audio, session.locale, session.hypotheses)
        for n, utterance in enumerate(finals):
            why = FULL_STOP if ends_sentence(utterance.display) else RESET
            await self.websocket.send_json(session.sent_final(utterance, ending if ending and n == len(finals) - 1 else why))

    async def interim(self, session: Session) -> None:
        """Send the hypothesis of the phrase in progress (and finals of phrases that are over)."""
        session.last_interim_bytes = len(session.data)
        audio = await run_in_threadpool(session.audio)  # ApiError when the audio cannot be decoded: said at once
        if not len(audio):
            return  # not enough of the container yet
        await run_in_threadpool(session.listen, audio)
        if session.speakers is not None:
            await run_in_threadpool(session.speakers.hear, audio)
        utterances = await self._recognize(session, audio)
        heard_ms = session.heard_ms = len(audio) * 1000 // SAMPLE_RATE
        if utterances:
            session.speech_until_ms = max(session.speech_until_ms, utterances[-1].end_ms)
        done, ending = _over(session, utterances, heard_ms)
        if done:
            finals = _sentences(utterances[:done], session.locale)
            await self._send_finals(session, finals, audio, ending)
            if session.speakers is not None and (labels := await run_in_threadpool(
                    session.speakers.labels, finals, session.locale, session.smart_formatting)):
                await self.websocket.send_json(labels)
            _commit(session, utterances, done, heard_ms)
            utterances = utterances[done:]
        if utterances and session.interim and not session.ending:
            merged = utterances[0] if len(utterances) == 1 else _joined(utterances, session.locale)
            if merged.display != session.last_interim:  # as the service, only a changed hypothesis is sent
                session.last_interim = merged.display
                await self.websocket.send_json(session.event(merged, False))

    async def finish(self, session: Session) -> None:
        """Send the final results of the audio not yet committed, then (when asked) the speaker labels of all of them,
        found on the whole session's audio: final, they replace any sent while the audio streamed."""
        if not session.data:
            session.close()
            return
        try:
            audio = await run_in_threadpool(lambda: session.audio(ended=True))
        finally:
            session.close()
        await self._send_finals(session, _sentences(await self._recognize(session, audio), session.locale), audio, END_OF_DATA)
        if session.speaker_labels and session.finals:
            labelled, warning = await run_in_threadpool(self.recognizer.speakers_of, session.finals, audio)
            if labelled is not None and session.speakers is not None:
                labelled = session.speakers.numbered_as_streamed(labelled)
            message = (speaker_labels_event(labelled, locale=session.locale, smart_formatting=session.smart_formatting)
                       if labelled is not None else {"warnings": [warning]})
            await self.websocket.send_json(message)


def _over(session: Session, utterances: list, heard_ms: int) -> tuple[int, str | None]:
    """Return how many of the phrases heard are over, and why the last of them ended when it was a pause.

    Phrases followed by a pause of end_of_phrase_silence_time are over (a pause: no word, and no voice either, since
    whisper may not have written the last words yet); in a long buffer, all but the last one; with
    split_transcript_at_phrase_end, those up to the last sentence end heard well before the end of the audio."""
    if utterances and heard_ms - max(utterances[-1].end_ms, session.voice_until_ms) >= session.pause_ms:
        return len(utterances), SILENCE
    if len(utterances) > 1 and heard_ms - session.committed_ms > COMMIT_AFTER_S * 1000:
        return len(utterances) - 1, None
    if session.split_at_phrase_end:  # a phrase may end mid-sentence
        heard = sum(1 for u in utterances[:-1] if heard_ms - u.end_ms >= PHRASE_END_MARGIN_MS)
        return max((n + 1 for n in range(heard) if ends_sentence(utterances[n].display)), default=0), None
    return 0, None


def _commit(session: Session, utterances: list, done: int, heard_ms: int) -> None:
    """Return None after moving the session past its first `done` phrases, just sent final."""
    ended_ms = utterances[done - 1].end_ms
    session.sent_words = (session.sent_words + [w for u in utterances[:done] for w in u.words])[-SENT_WORDS_KEPT:]
    if done == len(utterances):  # into the pause: heard again alone, the end of the last word was a phrase ("next")
        session.committed_ms = session.heard_from_ms = min(heard_ms, ended_ms + session.pause_ms // 2)
    else:  # between two sentences, often without a pause: the audio before the cut is heard again (cut at whisper's
        # rough word times, the next word was clipped: "I'm in" of "I'm in New Jersey"); the buffer is kept whole, as
        # whisper heard it, until it is long (from a second before the cut, it skipped "Okay, I thought, you know, I"
        # heard after half of "Neither did I")
        session.committed_ms = max(ended_ms, (ended_ms + utterances[done].offset_ms) // 2)
        if heard_ms - session.heard_from_ms > COMMIT_AFTER_S * 1000:
            session.heard_from_ms = max(session.heard_from_ms, utterances[done - 1].offset_ms, ended_ms - SENTENCE_CONTEXT_MS)
    session.last_interim = None


def _after(utterances, sent: list, locale: str):
    """Return the phrases with only their words that follow the words already sent final (`sent`, found again by their
    text near their time, else by time: core.asr.agreement), their text rebuilt. Whisper's times for the same words
    move from one decode to the next by more than the gap between two words: by time alone, words sent came again."""
    from dataclasses import replace

    from core.asr.agreement import after_committed
    from core.text.forms import forms_of_words

    new = {id(w) for w in after_committed(sent, [w for u in utterances for w in u.words])}
    kept = []
    for u in utterances:
        words = [w for w in u.words if id(w) in new]
        if len(words) == len(u.words) and u.words:
            kept.append(u)
        elif words:
            kept.append(replace(u, offset_ms=words[0].offset_ms, duration_ms=words[-1].end_ms - words[0].offset_ms,
                                words=words, forms=forms_of_words((w.text.strip() for w in words), locale), alternatives=[]))
    return kept


def _sentences(utterances, locale: str):
    """Return the phrases to send final, those of one sentence as one: whisper ends a phrase where it likes ("I thought,
    you know, I heard a" | "beep."), and each was sent final, the first said to end for no reason (reset)."""
    from dataclasses import replace

    from core.text.forms import forms_of_words

    sentences, pending = [], []
    for n, utterance in enumerate(utterances):
        pending.append(utterance)
        if ends_sentence(utterance.display) or n == len(utterances) - 1:
            if len(pending) == 1:
                sentences.append(utterance)
            else:
                words = [w for u in pending for w in u.words]
                first = pending[0]
                sentences.append(replace(first, forms=forms_of_words((w.text.strip() for w in words), locale), words=words,
                                         alternatives=[], duration_ms=pending[-1].end_ms - first.offset_ms))
            pending = []
    return sentences


def _joined(utterances, locale: str):
    from dataclasses import replace

    from core.text.forms import forms_from_display

    first = utterances[0]
    display = " ".join(u.display for u in utterances)
    words = [w for u in utterances for w in u.words]
    return replace(first, forms=forms_from_display(display, locale), words=words, duration_ms=utterances[-1].end_ms - first.offset_ms)


async def _deny(websocket: WebSocket) -> None:
    from fastapi.responses import JSONResponse

    if "websocket.http.response" in websocket.scope.get("extensions", {}):
        await websocket.send_denial_response(JSONResponse({"code": 401, "error": "Unauthorized", "code_description": "Unauthorized"}, status_code=401))
    else:
        await websocket.close(code=1008, reason="Unauthorized")


@router.websocket("/v1/recognize")
async def recognize_websocket(websocket: WebSocket) -> None:
    """Watson's streaming recognition over a WebSocket (credentials in headers, or access_token in the query)."""
    services = websocket.app.state.services
    query = websocket.query_params
    authorization = websocket.headers.get("authorization")
    if not authorization and query.get("access_token"):
        authorization = f"Bearer {query['access_token']}"
    key_id = await run_in_threadpool(key_of_headers, services.keys, services.tokens, websocket.headers.get("ocp-apim-subscription-key"), authorization)
    if key_id is None:
        await _deny(websocket)
        return
    locale = watson_locale(query.get("model"))
    try:
        model_for(locale, services.config)
    except LocaleError as exc:
        await websocket.accept()
        await websocket.send_json({"error": exc.user_message()})
        await websocket.close(code=1008)
        return
    await websocket.accept()
    stream = Stream(websocket, services.recognizer)
    session: Session | None = None
    pending: asyncio.Task | None = None  # the interim hypothesis being computed; audio keeps being read meanwhile

    async def settle() -> None:
        nonlocal pending
        if session is not None:
            session.ending = True  # the audio is over: what is still being heard is sent final, not as an interim
        if pending is not None:
            await pending
            pending = None

    try:
        while True:
            try:
                message = await asyncio.wait_for(websocket.receive(), timeout=SESSION_TIMEOUT_S)
            except asyncio.TimeoutError:
                await websocket.send_json({"error": f"Session timed out: nothing was received for {SESSION_TIMEOUT_S} seconds."})
                await websocket.close(code=1000)
                return
            if message["type"] == "websocket.disconnect":
                return
            if message.get("text") is not None:
                try:
                    action = json.loads(message["text"])
                except ValueError:
                    action = None
                if not isinstance(action, dict) or action.get("action") not in ("start", "stop"):
                    await websocket.send_json({"error": "Send {\"action\": \"start\", ...} or {\"action\": \"stop\"}."})
                    await websocket.close(code=1003)
                    return
                if action["action"] == "start":
                    if session is not None:  # a start without a stop: the audio so far is finished first, never lost
                        await settle()
                        await stream.finish(session)
                    try:
                        session = Session(action, locale)
                        session.warnings = argument_warnings(query, QUERY_ARGUMENTS, where="url query ") + session.warnings
                    except ApiError as exc:  # keywords without a threshold, out of range, too many
                        await websocket.send_json({"error": exc.detail})
                        await websocket.close(code=1003)
                        return
                    except (TypeError, ValueError):  # a number that is not one
                        await websocket.send_json({"error": "The start action has a parameter of the wrong type "
                                                            "(max_alternatives, inactivity_timeout: numbers)."})
                        await websocket.close(code=1003)
                        return
                    await websocket.send_json({"state": "listening"})
                    continue
                if session is not None:  # stop
                    await settle()
                    await stream.finish(session)
                    session = session.next()
                await websocket.send_json({"state": "listening"})
                continue
            data = message.get("bytes") or b""
            if session is None:
                await websocket.send_json({"error": "Send the start action before any audio."})
                await websocket.close(code=1003)
                return
            if not data:  # an empty frame ends the audio, like stop
                await settle()
                await stream.finish(session)
                session = session.next()
                await websocket.send_json({"state": "listening"})
                continue
            session.data.extend(data)
            if len(session.data) > services.config.max_upload_bytes:
                await websocket.send_json({"error": "The audio of this session is too long."})
                await websocket.close(code=1009)
                return
            if session.silent_too_long():  # the phrases heard before the silence are sent final first
                await settle()
                await stream.finish(session)
                await websocket.send_json({"error": f"Session timed out due to inactivity after {session.inactivity_s:g} seconds."})
                await websocket.close(code=1000)
                return
            if session.due_for_interim() and (pending is None or pending.done()):
                if pending is not None:
                    pending.result()  # raise what the last one met
                pending = asyncio.create_task(stream.interim(session))
    except WebSocketDisconnect:
        return
    except (ApiError, ParleyError) as exc:
        message = exc.detail if isinstance(exc, ApiError) else exc.user_message()
        log.info("websocket recognition ended: %s", message)
        try:
            await websocket.send_json({"error": str(message)})
            await websocket.close(code=1011)
        except (RuntimeError, WebSocketDisconnect):
            pass
    finally:
        if pending is not None and not pending.done():  # no recognition goes on for a closed connection
            pending.cancel()
        if session is not None:  # a session ended by a disconnect, a timeout or an error frees its speaker tracker
            session.close()
