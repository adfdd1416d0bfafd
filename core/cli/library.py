"""`parley conversations ...` and `parley export`: read and edit the conversation library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.cli.args import at_least, between
from core.errors import DiskFullError, NotFoundError, ParleyError
from core.export import FORMATS, TEXT_FORMS, ExportOptions, export_conversation
from core.results import ms_to_seconds

SENTIMENT_FORMATS = ("azure-v2", "csv")  # the formats --sentiment adds scores to


def register(commands: argparse._SubParsersAction) -> None:
    """Add the conversations and export commands to the CLI; returns nothing."""
    conv = commands.add_parser("conversations", help="list, show, search and edit stored conversations")
    sub = conv.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="newest conversations first")
    listing.add_argument("--limit", type=at_least(1), default=100)
    listing.set_defaults(run=_list)
    show = sub.add_parser("show", help="print a conversation's transcript")
    show.add_argument("conversation_id", help="its id, or the start of it (4 characters or more)")
    show.set_defaults(run=_show)
    search = sub.add_parser("search", help="full-text search across all conversations")
    search.add_argument("query")
    search.add_argument("--limit", type=at_least(1), default=50)
    search.set_defaults(run=_search)
    delete = sub.add_parser("delete", help="delete a conversation and its stored audio")
    delete.add_argument("conversation_id", help="its id, or the start of it (4 characters or more)")
    delete.set_defaults(run=_delete)
    interrupted = sub.add_parser("interrupted", help="list the recordings a crash left unfinished; store or discard them",
                                 description="Recordings whose session was killed wait here until they are stored (by "
                                             "`parley live` or the app as they start, or by --recover now).")
    what = interrupted.add_mutually_exclusive_group()
    what.add_argument("--recover", action="store_true", help="store them all in the library now (their better transcripts queued)")
    what.add_argument("--discard", metavar="ID", help="delete one of them, audio and captions (its id, or the start of it)")
    interrupted.set_defaults(run=_interrupted)
    rename = sub.add_parser("rename-speaker", help="name a speaker everywhere in a conversation")
    rename.add_argument("conversation_id", help="its id, or the start of it (4 characters or more)")
    rename.add_argument("old", help="speaker number or current label (Guest-1, a name)")
    rename.add_argument("new")
    rename.set_defaults(run=_rename_speaker)

    export = commands.add_parser(
        "export", help="export stored conversations",
        description="Export one conversation to a file (or stdout), or several (or --all) into a folder or a .zip.",
    )
    export.add_argument("conversation_ids", nargs="*", metavar="ID", help="conversation ids, or their starts (none with --all)")
    export.add_argument("--all", action="store_true", help="export every conversation in the library")
    export.add_argument("--format", default="txt", choices=sorted(FORMATS))
    export.add_argument("--output", type=Path, help="a file for one conversation; a folder or a .zip for several")
    add_export_option_arguments(export)
    export.set_defaults(run=_export)


def open_library(*, reading: bool = False):
    """Return the library; for `reading`, one that cannot be written (full disk, read-only folder) is opened read-only."""
    from core.errors import StoreError
    from core.paths import library_path
    from core.store import Library

    try:
        return Library.open()
    except StoreError as exc:
        if not (reading and library_path().is_file()):
            raise
        try:
            library = Library.open(read_only=True)
        except StoreError:
            raise exc from None
        why = "the disk is full" if isinstance(exc, DiskFullError) else str(exc).rstrip(".")
        print(f"parley: the library cannot be written to ({why}); it is read without being changed.", file=sys.stderr)
        return library


def _unfinished() -> list:
    """Return the recordings a crash left unfinished (stored at the next `parley live` or start of the app)."""
    from core.live import find_unfinished_recordings

    try:
        return find_unfinished_recordings()
    except (OSError, ParleyError):  # only a note: what is stored is listed all the same
        return []


def _note_unfinished() -> None:
    if waiting := _unfinished():
        ids = ", ".join(r.conversation_id for r in waiting)
        print(f"parley: {len(waiting)} interrupted recording(s) wait to be stored ({ids}): `parley conversations "
              "interrupted --recover` stores them now (`parley live` and the app do as they start).", file=sys.stderr)


def _interrupted(args: argparse.Namespace) -> int:
    from core.live import discard_unfinished

    waiting = _unfinished()
    if args.recover:
        from core.cli.live import recover_unfinished

        recover_unfinished()
        return 0 if not _unfinished() else 1
    if args.discard:
        if len(args.discard) < 4:
            raise NotFoundError(f"“{args.discard}” is too short to name a recording: give 4 characters of its id or more.")
        chosen = [r for r in waiting if r.conversation_id.startswith(args.discard)]
        if len(chosen) != 1:
            raise NotFoundError(f"No interrupted recording has the id “{args.discard}”." if not chosen else
                                f"“{args.discard}” starts the ids of {len(chosen)} interrupted recordings: give more of it.",
                                hint="`parley conversations interrupted` lists them.")
        discard_unfinished(chosen[0])
        print(f"Discarded the interrupted recording “{chosen[0].title}” ({chosen[0].conversation_id}).", file=sys.stderr)
        return 0
    for r in waiting:
        kept = "its audio file is gone" if r.audio_lost else f"{ms_to_seconds(r.duration_ms):8.1f}s"
        print(f"{r.conversation_id}  {r.started.isoformat()}  {kept}  {r.results} results  {r.title}")
    if not waiting:
        print("no interrupted recording", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    with open_library(reading=True) as library:
        for item in library.list_conversations(limit=args.limit):
            created = item.created.isoformat() if hasattr(item.created, "isoformat") else item.created
            print(f"{item.conversation_id}  {created}  {ms_to_seconds(item.duration_ms):8.1f}s  {item.title}")
    _note_unfinished()
    return 0


def _show(args: argparse.Namespace) -> int:
    with open_library(reading=True) as library:
        try:
            conversation = library.get_conversation(library.resolve_conversation_id(args.conversation_id))
        except NotFoundError as exc:
            if any(r.conversation_id.startswith(args.conversation_id) for r in _unfinished()):
                raise NotFoundError(f"{exc} Its recording was interrupted and waits to be stored.",
                                    hint="`parley conversations interrupted --recover` stores it.") from exc
            raise
    export_conversation(conversation, "txt", None, ExportOptions())
    return 0


def _search(args: argparse.Namespace) -> int:
    with open_library(reading=True) as library:
        hits = library.search(args.query, limit=args.limit)
    for hit in hits:
        print(f"{hit.conversation_id}  {ms_to_seconds(hit.offset_ms):8.1f}s  {hit.title}: {hit.snippet}")
    if not hits:
        print("no match", file=sys.stderr)
    return 0


def _delete(args: argparse.Namespace) -> int:
    with open_library() as library:
        conversation_id = library.resolve_conversation_id(args.conversation_id)
        library.delete_conversation(conversation_id)
    print(f"deleted {conversation_id}", file=sys.stderr)
    return 0


def _speaker_number(conversation, old: str) -> int:
    from core.errors import NotFoundError

    for number, speaker in conversation.speakers.items():
        if old in (str(number), speaker.label, speaker.guest_label):
            return number
    raise NotFoundError(f"No speaker '{old}' in conversation {conversation.conversation_id}.")


def _rename_speaker(args: argparse.Namespace) -> int:
    with open_library() as library:
        conversation = library.get_conversation(library.resolve_conversation_id(args.conversation_id))
        library.rename_speaker(conversation.conversation_id, _speaker_number(conversation, args.old), args.new)
    return 0


def add_export_option_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the flags that fill ExportOptions (text form, profanity, punctuation, keywords, ...); returns nothing."""
    from core.text.hesitations import HESITATION_MODES
    from core.text.profanity import PROFANITY_MODES
    from core.text.punctuation import PUNCTUATION_MODES

    group = parser.add_argument_group("what the export shows")
    group.add_argument("--word-timestamps", action="store_true", help="word timings and confidences in JSON formats")
    group.add_argument("--no-speakers", action="store_true", help="leave speaker labels out")
    group.add_argument("--no-timestamps", action="store_true", help="leave times out of text formats")
    group.add_argument("--text-form", default="display", choices=TEXT_FORMS, help="the text form text formats print")
    group.add_argument("--profanity", default="Masked", choices=PROFANITY_MODES, help="profanity filter (default Masked)")
    group.add_argument(
        "--punctuation", default="DictatedAndAutomatic", choices=PUNCTUATION_MODES,
        help="punctuation mode (default DictatedAndAutomatic)",
    )
    group.add_argument("--hesitations", default="keep", choices=HESITATION_MODES, help="keep or drop uh/um in display text")
    group.add_argument("--sentiment", action="store_true", help="per-utterance sentiment (Azure v2, CSV; English only)")
    group.add_argument("--keywords", help="comma-separated keywords to spot (Watson keywords_result)")
    group.add_argument("--keywords-threshold", type=between(0, 1), help="minimum keyword confidence, 0..1 (default 0.5)")
    group.add_argument("--max-alternatives", type=at_least(1), help="at most this many N-best hypotheses per utterance")
    group.add_argument("--word-alternatives-threshold", type=between(0, 1), help="add Watson word_alternatives above this confidence")


def export_options_from(args: argparse.Namespace) -> ExportOptions:
    """Return the ExportOptions the export flags ask for."""
    keywords = tuple(k.strip() for k in (args.keywords or "").split(",") if k.strip())
    threshold = args.keywords_threshold
    if keywords and threshold is None:
        threshold = 0.5
    return ExportOptions(
        speakers=not args.no_speakers,
        timestamps=not args.no_timestamps,
        word_timestamps=args.word_timestamps,
        text_form=args.text_form,
        sentiment=args.sentiment,
        profanity=args.profanity,
        punctuation=args.punctuation,
        hesitations=args.hesitations,
        keywords=keywords,
        keywords_threshold=threshold,
        max_alternatives=args.max_alternatives,
        word_alternatives_threshold=args.word_alternatives_threshold,
    ).check()


def _said_without_sentiment(conversation, options: ExportOptions, fmt: str):
    """Return the conversation, first telling stderr when --sentiment cannot score its language (its scores stay empty)."""
    from core.text.sentiment import supports

    if options.sentiment and fmt in SENTIMENT_FORMATS and not supports(conversation.locale):
        print(f"parley: '{conversation.title}' gets no sentiment scores: they are scored for English only, and it is "
              f"{conversation.locale}.", file=sys.stderr)
    return conversation


def _export(args: argparse.Namespace) -> int:
    from core.errors import ParleyError
    from core.export import export_many

    options = export_options_from(args)
    ids = list(args.conversation_ids)
    if args.all == bool(ids):
        raise ParleyError("Name the conversations to export, or use --all (not both).", "See `parley conversations list`.")
    with open_library(reading=True) as library:
        if args.all:
            ids = [c.conversation_id for c in library.list_conversations(limit=library.conversation_count() or 1)]
        ids = [library.resolve_conversation_id(i) for i in ids]
        if len(ids) == 1 and not args.all and (args.output is None or args.output.suffix.lower() != ".zip"):
            conversation = _said_without_sentiment(library.get_conversation(ids[0]), options, args.format)
            written = export_conversation(conversation, args.format, args.output, options)
        else:
            if args.output is None:
                raise ParleyError("Several conversations need --output FOLDER or --output FILE.zip.", "Add --output.")
            # one conversation loaded at a time
            conversations = (_said_without_sentiment(library.get_conversation(i), options, args.format) for i in ids)
            written = export_many(conversations, args.format, args.output, options)
    for path in written:
        print(path)
    return 0
