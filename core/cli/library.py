"""`parley conversations ...` and `parley export`: read and edit the conversation library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from core.export import FORMATS, ExportOptions, export_conversation
from core.results import ms_to_seconds


def register(commands: argparse._SubParsersAction) -> None:
    """Add the conversations and export commands to the CLI; returns nothing."""
    conv = commands.add_parser("conversations", help="list, show, search and edit stored conversations")
    sub = conv.add_subparsers(dest="action", metavar="ACTION", required=True)
    listing = sub.add_parser("list", help="newest conversations first")
    listing.add_argument("--limit", type=int, default=100)
    listing.set_defaults(run=_list)
    show = sub.add_parser("show", help="print a conversation's transcript")
    show.add_argument("conversation_id")
    show.set_defaults(run=_show)
    search = sub.add_parser("search", help="full-text search across all conversations")
    search.add_argument("query")
    search.add_argument("--limit", type=int, default=50)
    search.set_defaults(run=_search)
    delete = sub.add_parser("delete", help="delete a conversation and its stored audio")
    delete.add_argument("conversation_id")
    delete.set_defaults(run=_delete)
    rename = sub.add_parser("rename-speaker", help="name a speaker everywhere in a conversation")
    rename.add_argument("conversation_id")
    rename.add_argument("old", help="speaker number or current label (Guest-1, a name)")
    rename.add_argument("new")
    rename.set_defaults(run=_rename_speaker)

    export = commands.add_parser("export", help="export a stored conversation")
    export.add_argument("conversation_id")
    export.add_argument("--format", default="txt", choices=sorted(FORMATS))
    export.add_argument("--output", type=Path)
    export.add_argument("--word-timestamps", action="store_true")
    export.add_argument("--no-speakers", action="store_true", help="leave speaker labels out of text formats")
    export.add_argument("--no-timestamps", action="store_true", help="leave times out of text formats")
    export.set_defaults(run=_export)


def _library():
    from core.store import Library

    return Library.open()


def _list(args: argparse.Namespace) -> int:
    with _library() as library:
        for item in library.list_conversations(limit=args.limit):
            created = item.created.isoformat() if hasattr(item.created, "isoformat") else item.created
            print(f"{item.conversation_id}  {created}  {ms_to_seconds(item.duration_ms):8.1f}s  {item.title}")
    return 0


def _show(args: argparse.Namespace) -> int:
    with _library() as library:
        conversation = library.get_conversation(args.conversation_id)
    export_conversation(conversation, "txt", None, ExportOptions())
    return 0


def _search(args: argparse.Namespace) -> int:
    with _library() as library:
        hits = library.search(args.query, limit=args.limit)
    for hit in hits:
        print(f"{hit.conversation_id}  {ms_to_seconds(hit.offset_ms):8.1f}s  {hit.title}: {hit.snippet}")
    if not hits:
        print("no match", file=sys.stderr)
    return 0


def _delete(args: argparse.Namespace) -> int:
    with _library() as library:
        library.delete_conversation(args.conversation_id)
    print(f"deleted {args.conversation_id}", file=sys.stderr)
    return 0


def _speaker_number(conversation, old: str) -> int:
    from core.errors import NotFoundError

    for number, speaker in conversation.speakers.items():
        if old in (str(number), speaker.label, speaker.guest_label):
            return number
    raise NotFoundError(f"No speaker '{old}' in conversation {conversation.conversation_id}.")


def _rename_speaker(args: argparse.Namespace) -> int:
    with _library() as library:
        conversation = library.get_conversation(args.conversation_id)
        library.rename_speaker(args.conversation_id, _speaker_number(conversation, args.old), args.new)
    return 0


def _export(args: argparse.Namespace) -> int:
    options = ExportOptions(
        speakers=not args.no_speakers,
        timestamps=not args.no_timestamps,
        word_timestamps=args.word_timestamps,
    )
    with _library() as library:
        conversation = library.get_conversation(args.conversation_id)
    for path in export_conversation(conversation, args.format, args.output, options):
        print(path)
    return 0
