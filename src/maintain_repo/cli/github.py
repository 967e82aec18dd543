"""`maintain github sync --event PATH`: act on one GitHub event (Actions' GITHUB_EVENT_PATH)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from maintain_repo.cli.common import add_github, add_now, github_ops, now_of, root_of
from maintain_repo.errors import UsageError

MAX_EVENT = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="keep records in line with GitHub events (issues, comments, pull requests)",
        description="Commands driven by GitHub events.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    sync = actions.add_parser(
        "sync",
        help="act on one event payload",
        description="Read an event payload (as GitHub sends it) and update records, issues "
        "and approvals: issues (incident form, labels, close, reopen), issue_comment (slash "
        "commands), pull_request and pull_request_review (the approval check).",
    )
    sync.add_argument(
        "--event",
        metavar="PATH",
        default=os.environ.get("GITHUB_EVENT_PATH"),
        help="the payload file (default: $GITHUB_EVENT_PATH)",
    )
    sync.add_argument(
        "--event-name",
        metavar="NAME",
        default=os.environ.get("GITHUB_EVENT_NAME"),
        help="the event's name (default: $GITHUB_EVENT_NAME)",
    )
    sync.add_argument(
        "--approvals",
        action="store_true",
        help="judge pull requests only, a comment on one included (it may approve or "
        "veto); leave issues to the incident sync (the approval workflow's mode)",
    )
    add_github(sync)
    add_now(sync)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.cli.approve import approve_pull
    from maintain_repo.cli.common import say
    from maintain_repo.engine.sync import sync
    from maintain_repo.github.events import read_event

    if not args.event or not args.event_name:
        raise UsageError(
            "which event? pass --event PATH and --event-name NAME",
            hint="in Actions they come from GITHUB_EVENT_PATH and GITHUB_EVENT_NAME",
        )
    event = read_event(args.event_name, _payload(Path(args.event)))
    root = root_of(args)
    ops = github_ops(args, root, base=event.default_branch)
    now = now_of(args)
    outcome = sync(ops, event, now, lambda n: approve_pull(ops, n, now), approvals=args.approvals)
    say(outcome.summary)
    return 1 if outcome.failed else 0


def _payload(path: Path) -> dict[str, Any]:
    from maintain_repo.store.source import NotARegularFile, read

    try:
        raw = read(str(path), max_bytes=MAX_EVENT)  # never blocks on a pipe, never a link
    except NotARegularFile as e:
        raise UsageError(f"the event payload {path} is {e}, not a file") from None
    except OSError as e:
        raise UsageError(f"cannot read the event payload {path}: {e.strerror}") from None
    if len(raw) > MAX_EVENT:
        raise UsageError(f"{path}: larger than {MAX_EVENT} bytes; not an event payload")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        where = (
            f" (line {e.lineno}, column {e.colno})" if isinstance(e, json.JSONDecodeError) else ""
        )
        raise UsageError(f"{path}: not a JSON event payload{where}") from None
    except (ValueError, RecursionError):
        # An integer of thousands of digits, arrays nested past the interpreter's depth.
        raise UsageError(
            f"{path}: not a JSON event payload (a value too deep or too long)"
        ) from None
    if not isinstance(data, dict):
        raise UsageError(f"{path}: an event payload is a JSON object")
    return data
