"""`parley queue ...`, `parley worker` and `parley remote get`: the background re-transcription queue."""

from __future__ import annotations

import argparse
import json
import sys

from core.cli.args import at_least, between, not_negative
from core.jobs.model import JobOptions
from core.results import ms_to_seconds


def add_speaker_arguments(cmd: argparse.ArgumentParser) -> None:
    """Add --diarize/--speakers/--min-speakers/--max-speakers to a command; returns nothing."""
    cmd.add_argument("--diarize", action="store_true", help="find who spoke when")
    cmd.add_argument("--speakers", type=at_least(1), help="exact number of speakers (implies --diarize)")
    cmd.add_argument("--min-speakers", type=at_least(1))
    cmd.add_argument("--max-speakers", type=at_least(1))


def job_options(args: argparse.Namespace, model: str) -> JobOptions:
    """Return job options from parsed --model/--language/speaker arguments."""
    return JobOptions(
        model=model,
        language=getattr(args, "language", None),
        diarize=bool(args.diarize or args.speakers or args.min_speakers or args.max_speakers),
        num_speakers=args.speakers,
        min_speakers=args.min_speakers,
        max_speakers=args.max_speakers,
    )


def register(commands: argparse._SubParsersAction) -> None:
    """Add the queue, worker and remote commands to the CLI; returns nothing."""
    queue = commands.add_parser("queue", help="background re-transcription jobs")
    sub = queue.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="queue a re-transcription of a stored conversation")
    add.add_argument("conversation_id", help="its id, or the start of it (4 characters or more)")
    add.add_argument("--model", default="base")
    add.add_argument("--language")
    add_speaker_arguments(add)
    add.add_argument("--no-diarize", action="store_true",
                     help="leave speakers out (by default a conversation that has speakers keeps them)")
    add.set_defaults(run=_add)
    listing = sub.add_parser("list", help="jobs, newest first")
    listing.add_argument("--limit", type=at_least(1), default=50)
    listing.set_defaults(run=_list)
    cancel = sub.add_parser("cancel", help="cancel a waiting or running job")
    cancel.add_argument("job_id", type=int)
    cancel.set_defaults(run=_cancel)
    retry = sub.add_parser("retry", help="queue a failed or canceled job again")
    retry.add_argument("job_id", type=int)
    retry.set_defaults(run=_retry)

    worker = commands.add_parser("worker", help="run queued jobs (each in its own process)")
    worker.add_argument("--once", action="store_true", help="stop when the queue is empty")
    worker.add_argument("--parallel", type=at_least(1), default=1, help="jobs at once (default 1)")
    worker.add_argument("--follow", type=at_least(1), metavar="PID", help="end when process PID, its parent (the app), ends")
    worker.add_argument("--follow-grace", type=between(0, 60), default=4.0, metavar="S",
                        help="with --follow: seconds a busy worker has to stop by itself before it is ended (default 4)")
    worker.set_defaults(run=_worker)

    remote = commands.add_parser("remote", help="RemoteConversationTranscriptionClient: async results by conversationId")
    rsub = remote.add_subparsers(dest="action", metavar="ACTION", required=True)
    get = rsub.add_parser("get", help="print the async transcription result of a conversation")
    get.add_argument("conversation_id")
    get.add_argument("--wait", action="store_true", help="wait until the job has finished")
    get.add_argument("--timeout", type=not_negative)
    get.add_argument("--format", default="remote", choices=("remote", "azure-v3", "watson"))
    get.set_defaults(run=_remote_get)


def _queue(*, reading: bool = False):
    """Return the queue; for `reading`, over a library that cannot be written (full disk, read-only folder) opened read-only."""
    from core.cli.library import open_library
    from core.jobs.queue import TranscriptionQueue

    return TranscriptionQueue(open_library(reading=reading))


def _describe(job) -> str:
    from core.jobs.queue import process_alive

    where = f" {job.progress:3d}% {job.step}" if job.state == "Running" else ""
    if job.state == "Running" and not process_alive(job.worker_pid):  # it looked Running for ever (review)
        where += " — interrupted: its worker stopped; it starts again with the next worker"
    error = f" — {job.error}" if job.error else ""
    speakers = " speakers" if job.options.diarize else ""
    return f"job {job.job_id}  {job.state:10} {job.conversation_id}  model={job.options.model}{speakers}{where}{error}"


def _add(args: argparse.Namespace) -> int:
    from dataclasses import replace

    queue = _queue()
    with queue.library:
        conversation_id = queue.library.resolve_conversation_id(args.conversation_id)
        options = job_options(args, args.model)
        if args.no_diarize and options.diarize:
            print("parley: error: --no-diarize and the speaker options ask for opposite things.", file=sys.stderr)
            return 2
        if not options.diarize and not args.no_diarize and _has_speakers(queue.library, conversation_id):
            options = replace(options, diarize=True)  # a better transcript that lost its speakers would be worse
        job = queue.enqueue(conversation_id, options)
    print(_describe(job))
    return 0


def _has_speakers(library, conversation_id: str) -> bool:
    """Whether the conversation's current transcript says who spoke (False for one not yet transcribed or not found)."""
    from core.errors import NotFoundError

    try:
        return any(u.speaker is not None for u in library.get_conversation(conversation_id).utterances)
    except NotFoundError:
        return False  # enqueue says so


def _list(args: argparse.Namespace) -> int:
    queue = _queue(reading=True)
    with queue.library:
        for job in queue.jobs(limit=args.limit):
            print(_describe(job))
    return 0


def _cancel(args: argparse.Namespace) -> int:
    queue = _queue()
    with queue.library:
        print(_describe(queue.cancel(args.job_id)))
    return 0


def _retry(args: argparse.Namespace) -> int:
    queue = _queue()
    with queue.library:
        print(_describe(queue.retry(args.job_id)))
    return 0


def _worker(args: argparse.Namespace) -> int:
    import signal

    from core.jobs.lifeline import follow
    from core.jobs.worker import Worker

    worker = Worker(max_parallel=args.parallel)
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    if args.follow is not None and not follow(args.follow, args.follow_grace):
        print(f"process {args.follow} is not (or no longer) this worker's parent: not starting", file=sys.stderr)
        return 0
    try:
        started = worker.run(once=args.once)
    except KeyboardInterrupt:
        worker.stop()
        return 130
    print(f"{started} job(s) run", file=sys.stderr)
    return 0


def _remote_get(args: argparse.Namespace) -> int:
    from core.jobs.remote import RemoteConversationTranscriptionClient
    from core.store import Library
    from core.views.azure_batch_v3 import batch_v3_result
    from core.views.watson import speech_recognition_results

    with Library.open() as library:
        operation = RemoteConversationTranscriptionClient(library).get_transcription_operation(args.conversation_id)
        if args.wait:
            result = operation.wait_for_completion(args.timeout)
        else:
            if not operation.has_completed:
                print(f"{operation.status} ({operation.progress}%)", file=sys.stderr)
                return 3
            result = operation.result()
    if args.format == "remote":
        document = result.to_dict()
    elif args.format == "azure-v3":
        document = batch_v3_result(result.conversation, word_timestamps=True)
    else:
        document = speech_recognition_results(result.conversation)
    json.dump(document, sys.stdout, ensure_ascii=False, indent=2)
    print()
    print(f"{len(result.conversation.utterances)} utterances, {ms_to_seconds(result.conversation.duration_ms):.1f} s", file=sys.stderr)
    return 0
