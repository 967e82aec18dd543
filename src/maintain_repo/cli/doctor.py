"""`maintain doctor [--online] [--fix]`: is everything in place for maintain? Each problem
with the exact fix."""

from __future__ import annotations

import argparse
from typing import Any

from maintain_repo.cli.common import add_github, root_of


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="check that this machine, the ops repository and GitHub are ready for maintain",
        description="Check Python and git, the C YAML extension, the settings, the schemas "
        "and the git clone; with --online also the GitHub repository: what the token may do, "
        "the labels maintain uses, whether Actions may create pull requests, the Pages "
        "source, the default branch's protection, the state branch and the teams the "
        "approval policy names. Each problem comes with its fix; exit 1 when there is one.",
    )
    parser.add_argument("--online", action="store_true", help="also check the GitHub side")
    parser.add_argument(
        "--fix", action="store_true", help="with --online: create the missing labels"
    )
    parser.add_argument(
        "--format", choices=("text", "json"), default="text", help="text (default) or json"
    )
    add_github(parser, writes=False)


def run(args: argparse.Namespace) -> int:
    import json
    import sys

    from maintain_repo.engine.doctor import Check, all_labels, offline, online
    from maintain_repo.errors import UsageError
    from maintain_repo.report.safe import printable

    if args.fix and not args.online:
        raise UsageError("--fix creates labels on GitHub: give it with --online")
    root = root_of(args)
    checks: list[Check] = list(offline(root))
    if args.online:
        from maintain_repo.cli.common import github_ops, say_aside
        from maintain_repo.engine.load import worktree_policies

        # Progress (a retried request) goes to stderr when stdout is the JSON document.
        ops = github_ops(args, root, talk=say_aside if args.format == "json" else None)
        branch = worktree_policies(root).settings.state_branch
        checks += list(online(root, ops.api, all_labels(), fix=args.fix, state_branch=branch))
    problems = [c for c in checks if c.ok is False]
    if args.format == "json":
        sys.stdout.write(json.dumps([c.to_json() for c in checks], indent=2) + "\n")
    else:
        marks = {True: "ok  ", False: "FAIL", None: "?   "}
        for check in checks:
            print(printable(f"{marks[check.ok]} {check.name}: {check.detail}"))
            if check.fix and check.ok is not True:
                print(printable(f"       fix: {check.fix}"))
        unknown = sum(1 for c in checks if c.ok is None)
        print(f"{len(checks)} checks: {len(problems)} problem(s), {unknown} unknown")
    return 1 if problems else 0
