"""The command-line face of core: `parley transcribe`, `parley export`, `parley conversations`, ...

Each sub-command lives in its own module and registers itself on the parser; this module
only dispatches and turns every ParleyError into one clear line on stderr.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from core.errors import ParleyError

log = logging.getLogger("parley")


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command registered."""
    from core.cli import jobs, library, live, server, transcribe

    parser = argparse.ArgumentParser(prog="parley", description="Offline conversation transcription.")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="log more (-vv for debug)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (transcribe, library, jobs, server, live):
        module.register(commands)
    gui = commands.add_parser("gui", help="open the desktop app")
    gui.add_argument("files", nargs="*", type=Path, metavar="FILE", help="recordings to import (queued for transcription)")
    gui.set_defaults(run=_run_gui)
    return parser


def _run_gui(args: argparse.Namespace) -> int:
    # the desktop package registers itself under this entry point group: core never imports it
    from importlib.metadata import entry_points

    apps = list(entry_points(group="parley.gui"))
    if not apps:
        raise ParleyError("The desktop app is not installed.", "Install Parley with its desktop package (pip install -e .).")
    return apps[0].load()(files=list(getattr(args, "files", None) or []))


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit status (0 success, 1 error, 2 usage, 130 interrupted)."""
    from core.jobs.lifeline import MODULE_COMMAND
    from core.stderr import keep_stderr

    keep_stderr()  # before logging is set up: its handler writes to sys.stderr as it is then
    given = sys.argv[1:] if argv is None else argv
    if given[:1] == [MODULE_COMMAND]:  # a packaged app starting one of its own child processes
        if len(given) < 2:
            print(f"usage: parley {MODULE_COMMAND} MODULE [ARG ...]  (what `python -m MODULE` does)", file=sys.stderr)
            return 2
        return _run_module(given[1], given[2:])
    try:
        return _main(argv)
    except KeyboardInterrupt:  # Ctrl+C before a command's own handling began (while the modules load)
        print("parley: interrupted", file=sys.stderr)
        return 130


def _run_module(module: str, args: list[str]) -> int:
    """Run module as `python -m module args` would, and return its exit status."""
    import importlib.util
    import runpy

    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):  # a package on the way is missing, or the name is not a module's
        found = False
    if not found:
        print(f"parley: error: no module named {module}", file=sys.stderr)
        return 1
    sys.argv = [module, *args]
    try:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    except SystemExit as done:
        if done.code is None or isinstance(done.code, int):
            return done.code or 0
        print(done.code, file=sys.stderr)  # as the interpreter does with a message
        return 1
    return 0


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
    )
    run = getattr(args, "run", None)
    if run is None:
        if argv is None and len(sys.argv) == 1:
            return _run_gui(args)
        parser.print_help()
        return 2
    try:
        return run(args) or 0
    except ParleyError as exc:
        print(f"parley: error: {exc.user_message()}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # the reader went away (`parley ... | head`): stop quietly, as Unix tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
