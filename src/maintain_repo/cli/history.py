"""`maintain history ID`: a record's life from git, commit by commit."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any

from maintain_repo.cli.common import add_format, root_of, say_aside
from maintain_repo.cli.in_flight import add_proposed, token


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="show a record's history from git, field by field",
        description="Every commit that touched the record (sha, author, date, message) and "
        "the fields it added, removed or changed; then the commits of its open record pull "
        "request (branch maintain/ID on origin), marked as proposed.",
    )
    parser.add_argument("record", metavar="ID", help="e.g. INC-20260301-7K2M or checkout-api")
    add_format(parser, "text (a commit per block, a change per line) or json")
    add_proposed(parser)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.engine.history import history
    from maintain_repo.errors import UsageError
    from maintain_repo.report.history import render_json, render_text

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}", args.record):
        raise UsageError(f"{args.record!r} is not a record id (e.g. INC-20260301-7K2M)")
    steps = history(
        root_of(args),
        args.record,
        proposed=args.proposed,
        token=token(),
        note=lambda text: say_aside(f"note: {text}"),
    )
    render = render_json if args.format == "json" else render_text
    sys.stdout.write(render(args.record, steps))
    return 0
