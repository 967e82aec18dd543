"""The `maintain` command line: the only place that prints errors and picks exit codes.

Exit codes: 0 clean, 1 findings, 2 usage/configuration/environment error,
3 internal error (a bug; a "please report" line and a log file), 130
interrupted (Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Callable, Iterator, Sequence
from types import FrameType
from typing import TYPE_CHECKING

from maintain_repo import __version__
from maintain_repo.cli import (
    approve,
    change,
    check,
    doctor,
    findings,
    github,
    history,
    incident,
    init,
    new,
    policy,
    probe,
    report,
    rules,
    schema,
    sla,
    status,
)
from maintain_repo.cli.errors import handle_errors

if TYPE_CHECKING:
    import signal as _signal
else:
    import _signal  # the C module: `signal` builds enums on import, which no run needs

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
    "change": change,
    "github": github,
    "probe": probe,
    "status": status,
    "findings": findings,
    "report": report,
    "doctor": doctor,
}

ROOT_HELP = (
    "the ops repository (default: the nearest directory at or above the current one that "
    "holds records/); accepted before or after the command"
)

SignalHandler = Callable[[int, FrameType | None], object]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="maintain",
        description="Run the maintenance phase of a live product from its ops repository.",
    )
    parser.add_argument("--version", action="version", version=f"maintain {__version__}")
    parser.add_argument("--root", metavar="DIR", help=ROOT_HELP)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True
    for name, module in COMMANDS.items():
        module.add_parser(commands, name)
    # `maintain check --root X` as well as `maintain --root X check`: every command
    # and subcommand takes it. SUPPRESS: a subcommand that is not given --root leaves
    # the value given before the command alone.
    for sub in subparsers(parser):
        sub.add_argument("--root", metavar="DIR", default=argparse.SUPPRESS, help=ROOT_HELP)
    return parser


def subparsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """Every command and subcommand parser below `parser`, depth first."""
    for action in parser._actions:  # argparse offers no public walk of its tree
        if isinstance(action, argparse._SubParsersAction):
            for sub in dict.fromkeys(action.choices.values()):
                yield sub
                yield from subparsers(sub)


def main(argv: Sequence[str] | None = None, *, on_interrupt: SignalHandler | None = None) -> int:
    """Run `maintain` with `argv` (default: the process arguments); returns the exit code.

    `on_interrupt` is the SIGINT handler the console script installs before anything
    is imported (see `maintain_repo.__main__`): while a command runs, Ctrl-C raises
    KeyboardInterrupt instead, so the command stops cleanly; before and after, that
    handler ends the process with "maintain: interrupted".
    """
    # A short run allocates many small, acyclic objects (cache entries, events);
    # collecting cycles every 700 allocations costs more than it frees.
    gc.set_threshold(50_000, 20, 20)
    parser = build_parser()
    with handle_errors() as outcome:
        if on_interrupt is not None:
            _signal.signal(_signal.SIGINT, _signal.default_int_handler)
        try:
            try:
                args = parser.parse_args(list(argv) if argv is not None else None)
            except SystemExit as e:  # argparse: --help/--version exit 0, usage errors exit 2
                return e.code if isinstance(e.code, int) else 2
            outcome.code = COMMANDS[args.command].run(args)
        finally:
            if on_interrupt is not None:
                _signal.signal(_signal.SIGINT, on_interrupt)
    sys.stdout.flush()
    return outcome.code
