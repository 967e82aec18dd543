"""`maintain approve --pr N`: evaluate the ApprovalPolicy and post the verdict."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import TYPE_CHECKING, Any

from maintain_repo.cli.common import add_github, add_now, github_ops, now_of, root_of

if TYPE_CHECKING:
    from maintain_repo.engine.incidents import Ops
    from maintain_repo.engine.sync import Outcome


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="judge a change pull request by the ApprovalPolicy; post the verdict",
        description="Evaluate the base branch's ApprovalPolicy against the pull request "
        "(latest review per user on the head commit, teams, author, files, labels, statuses, "
        "freeze windows, the change records' type and risk). The verdict goes out as the "
        "commit status maintain/approval and one comment, edited in place.",
    )
    parser.add_argument("--pr", type=int, required=True, metavar="N", help="the pull request")
    parser.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 unless approved (default: 0 once the verdict is posted)",
    )
    add_github(parser)
    add_now(parser)


def run(args: argparse.Namespace) -> int:
    from maintain_repo.cli.common import say

    ops = github_ops(args, root_of(args))
    outcome = approve_pull(ops, args.pr, now_of(args), strict=args.exit_code)
    say(outcome.summary)
    return 1 if outcome.failed else 0


def approve_pull(ops: Ops, number: int, now: datetime, *, strict: bool = False) -> Outcome:
    """Post the verdict. It fails the run only when the policy cannot judge (an error),
    or with `strict` unless approved: the commit status is what gates merging."""
    from maintain_repo.engine.approve import approve
    from maintain_repo.engine.sync import Outcome

    done = approve(ops, number, now)
    verdict = done.verdict
    return Outcome(
        f"#{number} {verdict.status} ({done.state} on {done.head_sha[:12]}): {verdict.description}",
        failed=verdict.status == "error" or (strict and verdict.status != "approved"),
    )
