"""`parley live`: caption a microphone (or a recording played in real time) and store the conversation.

Prints each event as one JSON line (--jsonl) or a terminal view whose last line shows the interim
hypothesis; Ctrl+C (or SIGTERM) stops cleanly and prints the conversationId.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path

from core.asr.models import DEFAULT_MODEL
from core.asr.streaming import PHRASE_SILENCE_RANGE_MS
from core.cli.args import between, not_negative

MODES = {"realtime": "RealTime", "realtime-and-async": "RealTimeAndAsync"}


def register(commands: argparse._SubParsersAction) -> None:
    """Add the live command to the CLI; returns nothing."""
    cmd = commands.add_parser("live", help="caption a microphone live and store the conversation")
    where = cmd.add_mutually_exclusive_group()
    where.add_argument("--device", help="input device index or name (default: the system's default input)")
    where.add_argument("--input", type=Path, metavar="FILE", help="play a recording instead of a microphone")
    where.add_argument("--list-devices", action="store_true", help="list the input devices and exit")
    cmd.add_argument("--speed", type=not_negative, default=1.0, help="playback speed of --input (default 1.0; 0 = as fast as possible)")
    cmd.add_argument("--diarize", action="store_true", help="label speakers live (Guest-1, Guest-2, ...); finals are cut where the speaker changes")
    cmd.add_argument("--mode", default="realtime-and-async", choices=sorted(MODES),
                     help="realtime-and-async (default): also queue a re-transcription; realtime: live pass only")
    cmd.add_argument("--jsonl", action="store_true", help="print every event as a JSON line (Watson-style results)")
    cmd.add_argument("--model", default=DEFAULT_MODEL, help="speech model (default tiny.en)")
    cmd.add_argument("--silence", type=between(*PHRASE_SILENCE_RANGE_MS, whole=True), default=800, metavar="MS",
                     help="pause that ends an utterance, 100 to 10000 (default 800 ms)")
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


def _recover_unfinished() -> None:
    from core.live import find_unfinished_recordings, recover

    for recording in find_unfinished_recordings():
        cid = recover(recording)
        print(f"Recovered an unfinished recording “{recording.title}” ({recording.duration_ms / 1000:.1f} s, "
              f"{recording.results} results): conversationId {cid}", file=sys.stderr)


INTERIM_CHARS = 150
DIM, PLAIN = "\033[2m", "\033[0m"


class TerminalView:
    """Writes finals as lines and the interim hypothesis on a line that is rewritten (when stdout is a terminal)."""

    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.rewrite = self.out.isatty()
        self._interim = False

    def interim(self, args) -> None:
        """Rewrite the interim line: its committed words plain, the words that may still change dimmed."""
        if self.rewrite:
            words, stable = args.result.text.split(), args.result.stable_words
            while len(words) > 1 and len(" ".join(words)) > INTERIM_CHARS:  # the newest words fit on the line
                words, stable = words[1:], max(0, stable - 1)
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
            stamp = f"{result.offset_ms // 60000:02d}:{result.offset_ms % 60000 / 1000:04.1f}"
            self.out.write(f"{prefix}[{stamp}] {result.SpeakerId}: {result.text}\n")
        else:
            self.out.write(prefix)
        self.out.flush()

    def note(self, text: str) -> None:
        prefix = "\r\033[K" if self._interim else ""
        self._interim = False
        print(f"{prefix}{text}", file=sys.stderr, flush=True)


def _jsonl(out, event: str, payload: dict) -> None:
    out.write(json.dumps({"event": event, **payload}, ensure_ascii=False) + "\n")
    out.flush()


def _connect(transcriber, jsonl: bool) -> None:
    out = sys.stdout
    if jsonl:
        transcriber.session_started.connect(lambda a: _jsonl(out, "session_started", {"sessionId": a.session_id, "conversationId": a.conversation_id}))
        transcriber.transcribing.connect(lambda a: out.write(json.dumps(a.result.to_json(), ensure_ascii=False) + "\n") or out.flush())
        transcriber.transcribed.connect(lambda a: out.write(json.dumps(a.result.to_json(), ensure_ascii=False) + "\n") or out.flush())
        transcriber.canceled.connect(lambda a: _jsonl(out, "canceled", {"reason": a.reason, "errorCode": a.error_code, "errorDetails": a.error_details}))
        transcriber.warning.connect(lambda a: _jsonl(out, "warning", {"code": a.code, "message": a.message}))
        transcriber.session_stopped.connect(lambda a: _jsonl(out, "session_stopped", {"sessionId": a.session_id, "conversationId": a.conversation_id}))
        return
    view = TerminalView(out)
    transcriber.transcribing.connect(view.interim)
    transcriber.transcribed.connect(view.final)
    transcriber.canceled.connect(lambda a: view.note(f"{a.reason}: {a.error_details}"))
    transcriber.warning.connect(lambda a: view.note(f"warning: {a.message}"))


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def run(args: argparse.Namespace) -> int:
    """Run a live session until Ctrl+C or the end of --input; return 0 when the conversation was stored."""
    from core.audio.capture import FileSource, MicrophoneSource
    from core.live import ConversationTranscriber, LiveOptions

    if args.list_devices:
        return _list_devices()
    if not args.no_recover:
        _recover_unfinished()
    source = FileSource(args.input, speed=args.speed or None) if args.input else MicrophoneSource(args.device)
    options = LiveOptions(model=args.model, mode=MODES[args.mode], end_of_phrase_silence_ms=args.silence,
                          diarize=args.diarize, title=args.title)
    transcriber = ConversationTranscriber(source, options)
    _connect(transcriber, args.jsonl)
    if threading.current_thread() is threading.main_thread():
        # SIGINT too: a process started in the background by a script inherits SIGINT ignored, and
        # Python then never raises KeyboardInterrupt, so `kill -INT` would not stop the session
        signal.signal(signal.SIGINT, _interrupt)
        signal.signal(signal.SIGTERM, _interrupt)
    transcriber.start()
    if not args.jsonl:
        print(f"Listening to {source.name} — press Ctrl+C to stop.", file=sys.stderr, flush=True)
    try:
        while not transcriber.wait(0.2):
            pass
    except KeyboardInterrupt:
        print("\nStopping…", file=sys.stderr, flush=True)
    conversation_id = transcriber.stop()
    print(f"conversationId: {conversation_id}", file=sys.stderr if args.jsonl else sys.stdout, flush=True)
    if transcriber.error is not None:
        print(f"parley: the conversation could not be stored ({transcriber.error}); it will be recovered at the next start.",
              file=sys.stderr)
        return 1
    return 0
