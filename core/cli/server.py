"""`parley serve` (the local speech service) and `parley keys create|list|revoke` (its API keys)."""

from __future__ import annotations

import argparse
import sys

from core.cli.args import port
from core.server.config import DEFAULT_HOST, DEFAULT_PORT


def register(commands: argparse._SubParsersAction) -> None:
    """Add the serve and keys commands to the CLI; returns nothing."""
    serve = commands.add_parser("serve", help="serve the speech REST APIs (Azure, Watson) on this machine")
    serve.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default {DEFAULT_HOST}: this machine only)")
    serve.add_argument("--port", type=port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any free port)")
    serve.add_argument("--english-model", default="tiny.en", help="model for English (default tiny.en)")
    serve.add_argument("--model", dest="multilingual_model", default="base", help="model for other languages (default base)")
    serve.add_argument("--batch-model", help="model for batch transcriptions (default: by language as above)")
    serve.add_argument("--no-worker", action="store_true", help="do not run queued jobs here (run `parley worker` instead)")
    serve.set_defaults(run=_serve)

    keys = commands.add_parser("keys", help="API keys of the speech service (kept in the OS keyring)")
    sub = keys.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="create a key and print it (it is shown only once)")
    create.add_argument("--name", default="", help="a name to recognise the key by")
    create.set_defaults(run=_create)
    sub.add_parser("list", help="list the keys (ids and names)").set_defaults(run=_list)
    revoke = sub.add_parser("revoke", help="revoke a key: it and its tokens stop working")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_revoke)


def _serve(args: argparse.Namespace) -> int:
    from core.server import ServerConfig, serve

    serve(ServerConfig(
        host=args.host, port=args.port, english_model=args.english_model, multilingual_model=args.multilingual_model,
        batch_model=args.batch_model, run_worker=not args.no_worker,
    ))
    return 0


def _create(args: argparse.Namespace) -> int:
    from core.server.keys import ApiKeys

    entry, key = ApiKeys().create(args.name)
    print(key)
    print(f"key id {entry.key_id} created; the key above is not shown again.", file=sys.stderr)
    return 0


def _list(args: argparse.Namespace) -> int:
    from core.server.keys import ApiKeys

    for entry in ApiKeys().list():
        print(f"{entry.key_id}  {entry.created.isoformat()}  {entry.name}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from core.server.keys import ApiKeys

    entry = ApiKeys().revoke(args.key_id)
    print(f"key {entry.key_id} revoked")
    return 0
