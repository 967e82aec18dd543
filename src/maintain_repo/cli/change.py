"""`maintain change deployed`: a deployment writes itself into its change record."""

from __future__ import annotations

import argparse
from typing import Any

from maintain_repo.cli.common import add_now, now_of, root_of


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="complete change records: record a deployment",
        description="Commands that complete change records.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    deployed = actions.add_parser(
        "deployed",
        help="record a deployment of a change (for teams that deploy without GitHub deployments)",
        description="Write the change's deployment (commit, environment, start, finish, "
        "result) and implemented_at, and move it to implemented (success), failed "
        "(failure, with outcome failed) or implementing (in_progress), as GitHub's "
        "deployment_status events do through `maintain github sync`. The record is edited "
        "in place, its comments kept, and checked before it is written.",
    )
    deployed.add_argument("change", metavar="CHG-ID", help="the change that was deployed")
    deployed.add_argument("--sha", required=True, help="the commit that was deployed")
    deployed.add_argument(
        "--environment", required=True, metavar="ENV", help="where it went, e.g. production"
    )
    deployed.add_argument(
        "--result",
        choices=("success", "failure", "in_progress"),
        default="success",
        help="how it went (default: success)",
    )
    deployed.add_argument(
        "--started-at", metavar="TIMESTAMP", help="when the deployment began (default: --now)"
    )
    deployed.add_argument(
        "--by", metavar="LOGIN", help="who deployed (default: git config github.user)"
    )
    deployed.add_argument(
        "--dry-run", action="store_true", help="show what would be written; write nothing"
    )
    add_now(deployed)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.cli.common import login_of, say
    from maintain_repo.engine.deployments import (
        CHANGE_ID,
        ENVIRONMENT,
        SHA,
        TOLERATED,
        Deployed,
        record_deployment,
    )
    from maintain_repo.engine.proposals import Refused, edit_record, record_path
    from maintain_repo.errors import UsageError
    from maintain_repo.model.timestamps import parse_timestamp

    root = root_of(args)
    if not SHA.fullmatch(args.sha):
        raise UsageError(f"--sha {args.sha!r}: a commit sha is 7 to 64 lowercase hex digits")
    if not ENVIRONMENT.fullmatch(args.environment):
        raise UsageError(
            f"--environment {args.environment!r}: a lowercase word like production or staging"
        )
    if not CHANGE_ID.fullmatch(args.change):
        raise UsageError(f"{args.change!r} is not a change id (CHG-YYYYMMDD-XXXX)")
    if not record_path(root, args.change).is_file():
        raise UsageError(f"no change {args.change} in records/changes/")
    now = now_of(args)
    started = None
    if args.started_at:
        try:
            started = parse_timestamp(args.started_at)
        except ValueError as e:
            raise UsageError(f"--started-at: {e}") from None
        if started > now:
            raise UsageError("--started-at is after the deployment's end (--now)")
    by = login_of(root, args.by, "to record the deployment under", "--by LOGIN")
    change = record_deployment(
        Deployed(args.sha, args.environment, args.result, now, started), by=by
    )
    try:
        if args.dry_run:
            from maintain_repo.engine.proposals import refuse_invalid
            from maintain_repo.store.roundtrip import load

            path = record_path(root, args.change)
            before = path.read_text(encoding="utf-8")
            document = load(before)
            message = change(document.data)
            if message is not None:
                refuse_invalid(root, path, document.dump(), before, tolerated=TOLERATED)
        else:
            message = edit_record(root, args.change, change, tolerated=TOLERATED)
    except Refused as e:
        raise UsageError(f"{e}; nothing was written") from None
    if message is None:
        say(f"{args.change} already records this deployment; nothing to change")
    else:
        say(("would write: " if args.dry_run else "") + message)
    return 0
