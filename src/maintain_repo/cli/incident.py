"""`maintain incident open`: an incident's GitHub issue and its record pull request."""

from __future__ import annotations

import argparse
import os
from typing import Any

from maintain_repo.cli.common import add_github, add_now, github_ops, now_of, root_of
from maintain_repo.errors import UsageError


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="open an incident: its GitHub issue and its record (as a pull request)",
        description="Incident commands that work with GitHub.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    opened = actions.add_parser(
        "open",
        help="open an incident issue and propose its record",
        description="Create the incident's GitHub issue (labels for severity and status, a "
        "hidden marker naming the record) and a pull request adding its record, which links "
        "the issue. With --dedupe-key, a rerun finds the issue it opened before.",
    )
    opened.add_argument("--title", required=True, help="one-line title")
    # Checked in run(): importing the models here would slow every command's start.
    opened.add_argument("--severity", required=True, help="SEV1, SEV2, SEV3, SEV4 or unknown")
    opened.add_argument(
        "--service",
        dest="services",
        action="append",
        default=[],
        metavar="ID",
        help="an affected service (repeat for more)",
    )
    opened.add_argument("--summary", help="what is happening (the issue's text)")
    opened.add_argument("--owner", help="the record's owner (default: $GITHUB_ACTOR, git config)")
    opened.add_argument(
        "--dedupe-key",
        metavar="KEY",
        help="find the incident this key opened before instead of opening another (default "
        "in Actions: the workflow run and the title, so a rerun opens nothing new)",
    )
    add_github(opened)
    add_now(opened)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.cli.common import say
    from maintain_repo.engine.incidents import open_incident
    from maintain_repo.git.identity import configured_login
    from maintain_repo.model.incident import SEVERITIES

    if args.severity not in (*SEVERITIES, "unknown"):
        raise UsageError(
            f"--severity {args.severity!r}: expected one of {', '.join(SEVERITIES)} or unknown"
        )
    root = root_of(args)
    owner = args.owner or os.environ.get("GITHUB_ACTOR") or configured_login(root)
    if not owner:
        raise UsageError("no owner for the record", hint="pass --owner LOGIN (or set GITHUB_ACTOR)")
    ops = github_ops(args, root)
    opened = open_incident(
        ops,
        title=args.title,
        severity=args.severity,
        services=args.services,
        summary=args.summary,
        owner=owner,
        now=now_of(args),
        dedupe_key=args.dedupe_key or _run_key(args.title),
    )
    issue = "would open an issue" if not opened.issue.number else f"issue #{opened.issue.number}"
    state = "opened" if opened.issue_created else "found again"
    pull = opened.proposal.pull
    where = f", pull request #{pull.number}" if pull is not None and pull.number else ""
    say(f"{opened.record_id}: {issue} ({state}){where}")
    return 0


def _run_key(title: str) -> str | None:
    """In Actions, reruns of one workflow run share GITHUB_RUN_ID: they open nothing new."""
    import hashlib

    run_id = os.environ.get("GITHUB_RUN_ID")
    if not run_id:
        return None
    return f"run-{run_id}-{hashlib.sha256(title.encode()).hexdigest()[:12]}"
