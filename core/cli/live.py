"""`parley live`: caption a microphone (or a recording played in real time) and store the conversation.

Prints each event as one JSON line (--jsonl) or a terminal view whose last line shows the interim
hypothesis; Ctrl+C (or SIGTERM, or SIGHUP when the terminal closes) stops cleanly and prints the conversationId.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
from pathlib import Path

from core.asr.models import DEFAULT_MODEL
from core.asr.streaming_options import PHRASE_SILENCE_RANGE_MS
from core.cli.args import between, playback_speed
from core.export.txt import tenths_clock
from core.text.profanity import PROFANITY_MODES

MODES = {"realtime": "RealTime", "realtime-and-async": "RealTimeAndAsync"}


def register(commands: argparse._SubParsersAction) -> None:
    """Add the live command to the CLI; returns nothing."""
    cmd = commands.add_parser("live", help="caption a microphone live and store the conversation")
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--device", help="input device index or name (default: the system's default input)")
    where.add_argument("--input", type=Path, metavar="FILE", help="play a recording instead of a microphone")
    where.add_argument("--list-devices", action="store_true", help="list the input devices and exit")
    cmd.add_argument("--speed", type=playback_speed, default=1.0,
                     help="playback speed of --input, 0.1 to 20 (default 1.0; 0 = as fast as recognition keeps up, each interim result "
                          "decoded; a higher speed than recognition can follow thins out interim results and ends sooner)")
    cmd.add_argument("--diarize", action="store_true", help="label speakers live (Guest-1, Guest-2, ...); finals are cut where the speaker changes")
    cmd.add_argument("--mode", default="realtime-and-async", choices=sorted(MODES),
                     help="realtime-and-async (default): also queue a re-transcription; realtime: live pass only")
    cmd.add_argument("--jsonl", action="store_true", help="print every event as a JSON line (Watson-style results)")
    cmd.add_argument("--model", default=DEFAULT_MODEL, help="speech model (default tiny.en)")
    cmd.add_argument("--language", help="language code, e.g. en, fr (default: heard in the first seconds; tiny.en is English only)")
    cmd.add_argument("--silence", type=between(*PHRASE_SILENCE_RANGE_MS, whole=True), default=800, metavar="MS",
                     help="pause that ends an utterance, 100 to 10000 (default 800 ms); a sentence end also does, "
                          "unless --no-split-at-phrase-end")
    cmd.add_argument("--split-at-phrase-end", action=argparse.BooleanOptionalAction, default=True,
                     help="also end an utterance at each sentence end heard, so a talk without pauses still gets finals "
                          "(Watson's split_transcript_at_phrase_end; default on)")
    cmd.add_argument("--profanity", default="Masked", choices=PROFANITY_MODES,
                     help="how results show profanity (default Masked, as the Speech SDK; the stored transcript keeps the words)")
    cmd.add_argument("--title", help="title of the stored conversation")
    cmd.add_argument("--no-recover", action="store_true", help="do not store recordings a crash left unfinished")
    cmd.set_defaults(run=run)


def _list_devices() -> int:
    from core.audio.capture import list_input_devices

    devices = list_input_devices()
    if not devices:
        print("No input devices (the sound system reports none).", file=sys.stderr)
    for d in devices:
        mark = "*" if d.is_default else " "
        print(f"{mark}{d.index:3d}  {d.name}  ({d.channels} ch, {d.default_sample_rate:.0f} Hz{', ' + d.host_api if d.host_api else ''})")
    return 0


def recover_unfinished() -> None:
    """Store the recordings a crash left unfinished; one that cannot be read is reported and left in place."""
    import logging

    from core.errors import ParleyError, describe
    from core.live import find_unfinished_recordings, recover

    for recording in find_unfinished_recordings():
        lost = recording.audio_lost
        try:
            cid = recover(recording)
        except Exception as exc:  # whatever is wrong with one recording, the session starts, and the next start tries again
            if not isinstance(exc, ParleyError):
                logging.getLogger(__name__).debug("recovering %s failed", recording.folder, exc_info=True)
            print(f"parley: could not recover the unfinished recording in {recording.folder}: {describe(exc)} "
                  "It is left where it is; this session starts anyway.", file=sys.stderr)
            continue
        kept = (f"its audio file was gone: {recording.results} captions kept" if lost else
                f"{recording.duration_ms / 1000:.1f} s, {recording.results} results")
        print(f"Recovered an unfinished recording “{recording.title}” ({kept}): conversationId {cid}", file=sys.stderr)


INTERIM_CHARS = 150
DIM, PLAIN = "\033[2m", "\033[0m"


class TerminalView:
    """Writes finals as lines and the interim hypothesis on a line that is rewritten (when stdout is a terminal)."""

    def __init__(self, out=None, *, speakers: bool = True):
        self.out = out or sys.stdout
        self.speakers = speakers  # without live speaker labels every result would say "Unknown"
        self.rewrite = self.out.isatty()
        self._interim = False

    def interim(self, args) -> None:
        """Rewrite the interim line: its committed words plain, the words that may still change dimmed."""
        if self.rewrite:
            words, stable = args.result.text.split(), args.result.shown_stable_words
            # the newest words fit on one row: a line that wraps is rewritten on its last row only, leaving the rest behind
            room = max(10, min(INTERIM_CHARS, shutil.get_terminal_size((INTERIM_CHARS + 3, 24)).columns - 3))
            while len(words) > 1 and len(" ".join(words)) > room:
                words, stable = words[1:], max(0, stable - 1)
            if words and len(words[0]) > room:
                words[0] = words[0][-room:]
            settled, tentative = " ".join(words[:stable]), " ".join(words[stable:])
            self.out.write(f"\r\033[K… {settled}{' ' if settled and tentative else ''}{DIM}{tentative}{PLAIN}")
            self.out.flush()
            self._interim = True

    def final(self, args) -> None:
        result = args.result
        if result.no_match and not self._interim:
            return
        prefix = "\r\033[K" if self._interim else ""
        self._interim = False
        if not result.no_match:
            stamp = tenths_clock(result.offset_ms)  # as `parley conversations show` and the txt export write it
            who = f"{result.SpeakerId}: " if self.speakers else ""
            self.out.write(f"{prefix}[{stamp}] {who}{result.text}\n")
        else:
            self.out.write(prefix)
        self.out.flush()

    def note(self, text: str) -> None:
        prefix = "\r\033[K" if self._interim else ""
        self._interim = False
        print(f"{prefix}{text}", file=sys.stderr, flush=True)


class Output:
    """Where events are printed; when the reader goes away (`parley live --jsonl | head`) the session stops."""

    def __init__(self, out, on_gone):
        self.out, self.on_gone, self.gone = out, on_gone, False

    def write(self, text: str) -> None:
        if self.gone:
            return
        try:
            self.out.write(text)
            self.out.flush()
        except OSError:  # the reader went away (a broken pipe; EIO from a terminal that hung up)
            self.gone = True
            try:  # what is still buffered would fail again at exit
                os.dup2(os.open(os.devnull, os.O_WRONLY), self.out.fileno())
            except (OSError, ValueError):
                pass
            self.on_gone()

    def isatty(self) -> bool:
        return self.out.isatty()

    def flush(self) -> None:
        pass


def _tell(text: str, stream) -> None:
    """Print a line; a terminal that is gone (it hung up) takes nothing more, and exiting does not fail on it."""
    try:
        print(text, file=stream, flush=True)
    except OSError:
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        except (OSError, ValueError):
            pass


def _jsonl(out: Output, event: str, payload: dict) -> None:
    out.write(json.dumps({"event": event, **payload}, ensure_ascii=False) + "\n")


def _result(out: Output, args) -> None:
    out.write(json.dumps(args.result.to_json(), ensure_ascii=False) + "\n")


def _connect(transcriber, out: Output, jsonl: bool, speakers: bool) -> None:
    if jsonl:
        transcriber.session_started.connect(lambda a: _jsonl(out, "session_started", {"sessionId": a.session_id, "conversationId": a.conversation_id}))
        transcriber.transcribing.connect(lambda a: _result(out, a))
        transcriber.transcribed.connect(lambda a: _result(out, a))
        transcriber.canceled.connect(lambda a: _jsonl(out, "canceled", {"sessionId": a.session_id, "reason": a.reason,
                                                                          "errorCode": a.error_code, "errorDetails": a.error_details}))
        transcriber.warning.connect(lambda a: _jsonl(out, "warning", {"sessionId": transcriber.session_id, "code": a.code,
                                                                        "message": a.message}))
        transcriber.session_stopped.connect(lambda a: _jsonl(out, "session_stopped", {"sessionId": a.session_id, "conversationId": a.conversation_id}))
        return
    view = TerminalView(out, speakers=speakers)
    transcriber.transcribing.connect(view.interim)
    transcriber.transcribed.connect(view.final)
    transcriber.canceled.connect(lambda a: view.note(f"{a.reason}: {a.error_details}"))
    transcriber.warning.connect(lambda a: view.note(f"warning: {a.message}"))


class StopRequest:
    """Ctrl+C, SIGTERM and SIGHUP, caught from the start: the first asks the session to stop; later ones while it is
    being stored are ignored (with a word), so the conversation is never left half-stored."""

    def __init__(self):
        self.asked = threading.Event()
        self.stopping = False

    def install(self) -> None:
        if threading.current_thread() is threading.main_thread():
            # SIGINT too: a process started in the background by a script inherits SIGINT ignored, and
            # Python then never raises KeyboardInterrupt, so `kill -INT` would not stop the session
            signal.signal(signal.SIGINT, self._signal)
            signal.signal(signal.SIGTERM, self._signal)
            if hasattr(signal, "SIGHUP"):  # the terminal closed (or the SSH link dropped): stored, not left for recovery
                signal.signal(signal.SIGHUP, self._signal)

    def done(self) -> None:
        """Ignore Ctrl+C from now on: the conversation is stored, and Python puts back the default while it exits, so a
        late Ctrl+C would kill the process and make a whole session look interrupted (SIGTERM still ends it)."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, signal.SIG_IGN)

    def _signal(self, signum, frame) -> None:
        if self.stopping:
            _tell("Still storing the conversation; it takes a moment.", sys.stderr)
            return
        self.asked.set()


def run(args: argparse.Namespace) -> int:
    """Run a live session until Ctrl+C or the end of --input; return 0 when it was stored whole (1 when it could not
    be stored, or recognition or the input failed on the way: what was recorded is stored all the same)."""
    stop = StopRequest()
    stop.install()  # before anything slow: a Ctrl+C during the set-up must not be lost
    from core.audio.capture import FileSource, MicrophoneSource
    from core.live import ConversationTranscriber, LiveOptions
    from core.live.events import ERROR

    if args.list_devices:
        return _list_devices()
    if not args.no_recover:
        recover_unfinished()
    if stop.asked.is_set():
        print("Stopped before the session began; nothing was recorded.", file=sys.stderr)
        return 130
    source = FileSource(args.input, speed=args.speed or None) if args.input else MicrophoneSource(args.device)
    options = LiveOptions(model=args.model, language=args.language, mode=MODES[args.mode], end_of_phrase_silence_ms=args.silence,
                          split_at_phrase_end=args.split_at_phrase_end, diarize=args.diarize, title=args.title, profanity=args.profanity)
    transcriber = ConversationTranscriber(source, options)
    out = Output(sys.stdout, stop.asked.set)
    _connect(transcriber, out, args.jsonl, args.diarize)
    failures: list[str] = []  # what ended or broke the session (the recording goes on when recognition fails)
    transcriber.canceled.connect(lambda a: failures.append(f"{a.error_code}: {a.error_details}") if a.reason == ERROR else None)
    transcriber.start()
    if not args.jsonl:
        print(f"Listening to {source.name} — press Ctrl+C to stop.", file=sys.stderr, flush=True)
    while not transcriber.wait(0.2):
        if stop.asked.is_set():
            stop.stopping = True
            _tell("\nStopping…", sys.stderr)
            break
    stop.stopping = True
    conversation_id = transcriber.stop()
    stop.done()
    if conversation_id is None and transcriber.error is None:
        _tell(f"Nothing was recorded (stopped after {transcriber.recorded_ms / 1000:.1f} s, no words heard): "
              "no conversation stored.", sys.stderr)
        return 0
    _tell(f"conversationId: {conversation_id}", sys.stderr if args.jsonl or out.gone else sys.stdout)
    if transcriber.error is not None:
        _tell(f"parley: the conversation could not be stored ({transcriber.error}); it will be recovered at the next start.",
              sys.stderr)
        return 1
    if failures:  # stored, but not what was asked: a script must not take it for a whole transcript
        _tell(f"parley: the session did not go as asked ({failures[0]}); what was recorded is stored as conversation "
              f"{conversation_id}.", sys.stderr)
        return 1
    return 0
