"""`maintain github sync --event PATH`: act on one GitHub event (Actions' GITHUB_EVENT_PATH)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from maintain_repo.cli.common import add_github, add_now, github_ops, now_of, root_of
from maintain_repo.errors import UsageError
from maintain_repo.github.events import default_branch_of

MAX_EVENT = 25 * 1024 * 1024  # GitHub caps webhook payloads at 25 MB
ALERT_EVENTS = ("dependabot_alert", "code_scanning_alert")


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
        "commands), pull_request and pull_request_review (the approval check), "
        "dependabot_alert and code_scanning_alert (the alert's finding, on its scope's "
        "record pull request), deployment_status (the deployed change's deployment, "
        "implemented_at and status), push to the default branch and pull_request closed "
        "(a merged pull request's change records get their approval block).",
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
    payload = _payload(Path(args.event))
    if args.event_name in ALERT_EVENTS:
        return _alert_event(args, payload)
    if args.event_name == "deployment_status":
        return _deployment_event(args, payload)
    if args.event_name == "push" or _merged(args.event_name, payload):
        return _merge_event(args, payload)
    event = read_event(args.event_name, payload)
    root = root_of(args)
    ops = github_ops(args, root, base=event.default_branch)
    now = now_of(args)
    outcome = sync(ops, event, now, lambda n: approve_pull(ops, n, now), approvals=args.approvals)
    say(outcome.summary)
    return 1 if outcome.failed else 0


def _alert_event(args: argparse.Namespace, payload: dict[str, Any]) -> int:
    """A Dependabot or code-scanning alert created, fixed, dismissed or reopened: its
    finding, on the record pull request of its scope (nothing else is marked gone)."""
    from maintain_repo.cli.common import say
    from maintain_repo.engine.findings_github import event_alert, import_into
    from maintain_repo.engine.findings_import import Source

    found = event_alert(payload)
    if found is None:
        say(f"{args.event_name}: no alert in the payload; nothing to do")
        return 0
    report_format, data = found
    root = root_of(args)
    ops = github_ops(args, root, base=default_branch_of(payload))
    results = import_into(
        root,
        ops.api,
        [Source(f"the {args.event_name} event", data)],
        # The bot is no owner: the findings belong to the repository's owner until
        # somebody takes them (as a scan's do in the security workflow).
        owner=_alert_owner(payload),
        now=now_of(args),
        base=ops.base,
        token=ops.token,
        report_format=report_format,
        propose=True,
        full_scan=False,
        say=say,
    )
    for result in results:
        where = f" (pull request #{result.pull})" if result.pull else ""
        say(f"{args.event_name}: {len(result.outcome.records)} record(s) changed{where}")
    return 0


def _deployment_event(args: argparse.Namespace, payload: dict[str, Any]) -> int:
    """A deployment's status: the change it carries gets its deployment written."""
    from maintain_repo.cli.common import say
    from maintain_repo.engine.deploy_sync import sync_deployment

    root = root_of(args)
    ops = github_ops(args, root, base=default_branch_of(payload))
    summary, failed = sync_deployment(ops, payload, now_of(args))
    say(summary)
    return 1 if failed else 0


def _merged(name: str, payload: dict[str, Any]) -> bool:
    pull = payload.get("pull_request")
    return (
        name == "pull_request"
        and payload.get("action") == "closed"
        and isinstance(pull, dict)
        and pull.get("merged") is True
    )


def _merge_event(args: argparse.Namespace, payload: dict[str, Any]) -> int:
    """A pull request merged (its `closed` event, or the push it made to the default
    branch): the change records it touched get their approval block."""
    from maintain_repo.cli.common import say
    from maintain_repo.engine.approval_record import merged_pulls, record_approvals

    root = root_of(args)
    ops = github_ops(args, root, base=default_branch_of(payload))
    if args.event_name == "push":
        numbers = merged_pulls(ops, payload)
    else:
        number = payload.get("number")
        numbers = [number] if isinstance(number, int) and not isinstance(number, bool) else []
    if not numbers:
        say(f"{args.event_name}: no merged pull request; nothing to do")
        return 0
    failed = False
    for number in numbers:
        lines, bad = record_approvals(ops, number, now_of(args))
        failed |= bad
        for line in lines:
            say(line)
    return 1 if failed else 0


def _alert_owner(payload: dict[str, Any]) -> str:
    repository = payload.get("repository")
    owner = repository.get("owner") if isinstance(repository, dict) else None
    login = owner.get("login") if isinstance(owner, dict) else None
    login = login if isinstance(login, str) and login else os.environ.get("GITHUB_REPOSITORY_OWNER")
    if not login:
        raise UsageError("the event names no repository owner to own the finding")
    return login


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
