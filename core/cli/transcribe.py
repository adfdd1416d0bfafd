"""`parley transcribe FILE...`: transcribe recordings, store them and print or export the result."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from core.asr.models import DEFAULT_MODEL
from core.asr.transcriber import TranscriptionOptions
from core.cli.args import at_least
from core.cli.jobs import add_speaker_arguments, job_options
from core.cli.progress import ProgressBar
from core.errors import ParleyError
from core.export import FORMATS, ExportOptions, export_conversation
from core.transcription import transcribe_file

log = logging.getLogger(__name__)


def sample_recording() -> Path:
    """Return the path of the two-speaker sample conversation that ships with pyannote.audio."""
    import importlib.util

    # found without importing pyannote.audio, which would load torch for nothing
    spec = importlib.util.find_spec("pyannote.audio")
    if spec is None or spec.origin is None:
        raise ParleyError("The sample recording ships with pyannote.audio, which is not installed.")
    return Path(spec.origin).parent / "sample" / "sample.wav"


def register(commands: argparse._SubParsersAction) -> None:
    """Add the transcribe command to the CLI; returns nothing."""
    cmd = commands.add_parser("transcribe", help="transcribe recordings into the library")
    cmd.add_argument("files", nargs="*", type=Path, metavar="FILE", help="audio or video files")
    cmd.add_argument("--sample", action="store_true", help="transcribe the bundled two-speaker sample")
    cmd.add_argument("--model", default=DEFAULT_MODEL, help="tiny.en (default), base, or a CTranslate2 model folder")
    cmd.add_argument("--language", help="language code, e.g. en, fr (default: detect; tiny.en is English only)")
    cmd.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    cmd.add_argument("--format", default="txt", choices=sorted(FORMATS), help="output format (default txt)")
    cmd.add_argument("--output", type=Path, help="write here instead of stdout (one file per input when several)")
    cmd.add_argument("--word-timestamps", action="store_true", help="include word timings in JSON formats")
    cmd.add_argument("--max-alternatives", type=at_least(1), default=1, help="N-best hypotheses per utterance (slower above 1)")
    cmd.add_argument("--mono", action="store_true", help="mix stereo to mono instead of one result per channel")
    cmd.add_argument("--no-store", action="store_true", help="do not keep the conversation in the library")
    cmd.add_argument("--reference", action="store_true", help="store a reference to the file instead of a copy")
    cmd.add_argument(
        "--mode", default="now", choices=("now", "async"),
        help="now: transcribe here (default); async: store the audio and queue a background job",
    )
    add_speaker_arguments(cmd)
    cmd.set_defaults(run=run)


def _output_for(args: argparse.Namespace, source: Path, many: bool) -> Path | None:
    if args.output is None:
        return None
    if many:
        suffix = args.output.suffix or f".{args.format.split('-')[0]}"
        return args.output.with_name(f"{args.output.stem}-{source.stem}{suffix}")
    return args.output


def run(args: argparse.Namespace) -> int:
    """Transcribe each file; return 0 when all succeeded, 1 when any failed."""
    files = list(args.files) + ([sample_recording()] if args.sample else [])
    if not files:
        raise ParleyError("No recording given.", "Name one or more files, or use --sample.")
    if args.mode == "async":
        return _enqueue(files, args)
    options = TranscriptionOptions(
        model=args.model, language=args.language, device=args.device, max_alternatives=args.max_alternatives
    )
    speakers = job_options(args, args.model).speakers()
    export_options = ExportOptions(word_timestamps=args.word_timestamps, max_alternatives=args.max_alternatives)
    failures = 0
    for path in files:
        progress = ProgressBar(path.name)
        try:
            conversation = transcribe_file(path, options, speakers, mono=args.mono, hook=progress)
            progress.close()
            if not args.no_store:
                _store(conversation, path, copy=not args.reference)
            output = _output_for(args, path, len(files) > 1)
            written = export_conversation(conversation, args.format, output, export_options)
            if not args.no_store:
                where = sys.stderr if output is None else sys.stdout
                print(f"conversationId: {conversation.conversation_id}", file=where)
            for target in written:
                log.info("wrote %s", target)
        except ParleyError as exc:
            progress.close()
            failures += 1
            print(f"parley: error: {path}: {exc.user_message()}", file=sys.stderr)
    return 1 if failures else 0


def _store(conversation, path: Path, *, copy: bool) -> None:
    from core.store import Library

    with Library.open() as library:
        with library.adding_conversation(conversation, path, copy=copy, options={"model": conversation.model}):
            pass


def _enqueue(files: list[Path], args: argparse.Namespace) -> int:
    """Store each recording as a conversation without transcript and queue its transcription."""
    from core.importing import import_recording
    from core.store import Library

    failures = 0
    with Library.open() as library:
        for path in files:
            try:
                conversation_id, job = import_recording(
                    library, path, job_options(args, args.model), copy=not args.reference, mono=args.mono
                )
                print(f"conversationId: {conversation_id}  job {job.job_id} {job.state}")
            except ParleyError as exc:
                failures += 1
                print(f"parley: error: {path}: {exc.user_message()}", file=sys.stderr)
    return 1 if failures else 0
