"""`maintain findings`: the security findings."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from maintain_repo.cli.common import add_now, now_of, root_of

STATUSES = ("open", "mitigated", "false_positive", "risk_accepted", "out_of_scope", "duplicate")
SEVERITIES = ("critical", "high", "medium", "low", "info")


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="list the security findings (with their SLA), or as SARIF for code scanning",
        description="The security findings of the ops repository, most urgent first, with "
        "the remediation deadline the SLA policy gives each open one.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser(
        "list",
        help="list findings: a table, JSON, or SARIF of the open ones",
        description="List findings. Filters combine: --status open --severity critical "
        "--severity high lists the open critical and high ones.",
    )
    listing.add_argument(
        "--status", action="append", choices=STATUSES, default=[], help="only this status"
    )
    listing.add_argument(
        "--severity", action="append", choices=SEVERITIES, default=[], help="only this severity"
    )
    listing.add_argument(
        "--overdue", action="store_true", help="only findings past their SLA deadline"
    )
    listing.add_argument(
        "--format",
        choices=("table", "json", "sarif"),
        default="table",
        help="table (default), json, or sarif (the open findings, for GitHub code scanning)",
    )
    add_now(listing)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.engine.findings import listed
    from maintain_repo.report.findings import render_json, render_sarif, render_table

    now = now_of(args)
    items = listed(
        root_of(args),
        now,
        statuses=args.status,
        severities=args.severity,
        overdue=args.overdue,
    )
    if args.format == "sarif":
        sys.stdout.write(render_sarif(items))
    elif args.format == "json":
        sys.stdout.write(render_json(items, now))
    else:
        sys.stdout.write(render_table(items, now))
    return 0
