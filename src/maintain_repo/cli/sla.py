"""`maintain sla`: open obligations (acknowledge, resolve, postmortem, ...) and their state."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from maintain_repo.cli.common import (
    add_format,
    add_github,
    add_now,
    github_ops,
    now_of,
    root_of,
    say,
)
from maintain_repo.cli.in_flight import add_proposed, proposals_of


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="list open obligations with due times: ok, at_risk or breached",
        description="Every open obligation (acknowledge, resolve, postmortem, action item, "
        "finding remediation, waiver expiry) with its due time from the SLA policy, and those "
        "met late (a breach) in the last 30 days. Records proposed on open record pull "
        "requests (maintain/* branches on origin) count too, marked as proposed.",
    )
    parser.add_argument(
        "action",
        nargs="?",
        choices=("remind",),
        help="remind: keep one GitHub issue per breached or at-risk obligation (updated on "
        "later runs, closed once met)",
    )
    add_format(parser, "text (a table, most urgent first) or json")
    add_proposed(parser)
    add_github(parser)
    add_now(parser)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.engine.sla import open_obligations
    from maintain_repo.report.sla import render_json, render_text

    now = now_of(args)
    root = root_of(args)
    items = open_obligations(root, now, proposals_of(args, root))
    if args.action == "remind":
        from maintain_repo.engine.remind import remind

        done = remind(github_ops(args, root), items)
        say(done.summary())
        return 0
    render = render_json if args.format == "json" else render_text
    sys.stdout.write(render(items, now))
    return 0
