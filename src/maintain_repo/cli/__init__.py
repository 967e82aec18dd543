"""The `maintain` command line: the only place that prints errors and picks exit codes.

Exit codes: 0 clean, 1 findings, 2 usage/configuration/environment error,
3 internal error (a bug; a "please report" line and a log file), 130
interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from maintain_repo import __version__
from maintain_repo.cli import (
    approve,
    check,
    github,
    history,
    incident,
    init,
    new,
    policy,
    probe,
    rules,
    schema,
    sla,
    status,
)
from maintain_repo.cli.errors import handle_errors

COMMANDS = {
    "check": check,
    "new": new,
    "history": history,
    "sla": sla,
    "policy": policy,
    "init": init,
    "schema": schema,
    "rules": rules,
    "incident": incident,
    "approve": approve,
    "github": github,
    "probe": probe,
    "status": status,
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maintain",
        description="Run the maintenance phase of a live product from its ops repository.",
    )
    parser.add_argument("--version", action="version", version=f"maintain {__version__}")
    parser.add_argument(
        "--root",
        metavar="DIR",
        help="the ops repository (default: the nearest directory at or above the current "
        "one that holds records/)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name, module in COMMANDS.items():
        module.add_parser(commands, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `maintain` with `argv` (default: the process arguments); returns the exit code."""
    # A short run allocates many small, acyclic objects (cache entries, events);
    # collecting cycles every 700 allocations costs more than it frees.
    gc.set_threshold(50_000, 20, 20)
    parser = build_parser()
    with handle_errors() as outcome:
        try:
            args = parser.parse_args(list(argv) if argv is not None else None)
        except SystemExit as e:  # argparse: --help/--version exit 0, usage errors exit 2
            return e.code if isinstance(e.code, int) else 2
        outcome.code = COMMANDS[args.command].run(args)
    sys.stdout.flush()
    return outcome.code
