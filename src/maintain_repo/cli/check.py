"""`maintain check`: validate records and policies; report findings."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from maintain_repo.cli.common import add_github, add_now, now_of, root_of
from maintain_repo.model.findings import Finding, Severity

FORMATS = ("text", "json", "github", "sarif")


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="check records and policies (schemas, lifecycles, links)",
        description="Check the ops repository: every record against its schema and the "
        "built-in rules, and links between records in both directions. With PATHs only "
        "those files are checked, but links to and from the rest are still followed.",
    )
    parser.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        type=Path,
        help="records, policy documents or folders to check (default: the whole repository)",
    )
    parser.add_argument("--format", choices=FORMATS, default="text", help="report format")
    parser.add_argument(
        "--no-cache", action="store_true", help="check every file again, ignoring the cache"
    )
    parser.add_argument(
        "--fail-on",
        choices=[s.value for s in Severity],
        default=Severity.ERROR.value,
        help="lowest severity that makes the exit code 1 (default: error)",
    )
    parser.add_argument(
        "--jobs", type=_positive, default=None, metavar="N", help="worker processes (default: CPUs)"
    )
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument(
        "--fix",
        action="store_true",
        help="write what the tool can write itself, then check again: the list side of a "
        "two-way link (an incident's triggering change lists it in caused_incidents, its "
        "problem in incidents, an improvement from it in its action_items)",
    )
    parser.add_argument(
        "--base",
        metavar="REF",
        help="also compare records with this git ref, e.g. origin/main (default in a pull "
        "request workflow: origin/$GITHUB_BASE_REF): deleted records, reused ids, status "
        "moves, edited timelines, edited closed records",
    )
    parser.add_argument(
        "--no-base", action="store_true", help="do not compare with GITHUB_BASE_REF's branch"
    )
    parser.add_argument(
        "--policies-from-worktree",
        action="store_true",
        help="with --base, enforce the working tree's policies instead of the base's (by "
        "default a pull request cannot weaken the policies that judge it)",
    )
    parser.add_argument(
        "--online",
        action="store_true",
        help="also compare what records claim about GitHub with GitHub (change approvals); "
        "needs GITHUB_TOKEN",
    )
    add_github(parser, writes=False)
    add_now(parser)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a number of processes (1 or more), not {text!r}"
        )
    return value


def run(args: argparse.Namespace) -> int:
    from maintain_repo.engine.speculate import begin

    root = root_of(args)
    now = now_of(args)
    # Start checking the named files in a child now; the imports below and
    # the repository scan happen meanwhile in this process.
    selection, ahead = begin(root, args.paths, now, cached=not args.no_cache)

    from maintain_repo.engine.check import CheckOptions, check
    from maintain_repo.report import REPORTERS
    from maintain_repo.report.progress import wanted

    base = args.base
    if base is None and not args.no_base and os.environ.get("GITHUB_BASE_REF"):
        base = f"origin/{os.environ['GITHUB_BASE_REF']}"

    result = check(
        CheckOptions(
            root=root,
            paths=args.paths,
            use_cache=not args.no_cache,
            jobs=args.jobs,
            selection=selection,
            ahead=ahead,
            base=base,
            now=now,
            policies_from_worktree=args.policies_from_worktree,
            progress=wanted(args.format),
            online=_online(args, root) if args.online else None,
        )
    )
    if args.fix:
        result = _fixed(args, root, now, base, result)
    if result.cache_discarded:
        print("maintain: the cache was unreadable and has been rebuilt", file=sys.stderr)
    rendered = REPORTERS[args.format](result.report)
    if args.output:
        from maintain_repo.store.files import write_atomic

        write_atomic(Path(args.output), rendered, overwrite=True)
    else:
        sys.stdout.write(rendered)
    return 1 if result.report.failed(Severity(args.fail_on)) else 0


def _fixed(args: argparse.Namespace, root: Path, now: Any, base: str | None, result: Any) -> Any:
    """With --fix: write the missing list sides of two-way links the check reported, and
    check again (the report is of the repository as fixed)."""
    from maintain_repo.engine.backlinks import complete
    from maintain_repo.engine.check import CheckOptions, check

    sources = [f.path for f in result.report.findings if f.rule == "ref-backlink"]
    written = complete(root, sources) if sources else []
    if not written:
        return result
    for backlink in written:
        print(
            f"maintain: fixed {backlink.target}: {backlink.field} lists {backlink.source}",
            file=sys.stderr,
        )
    return check(
        CheckOptions(
            root=root,
            paths=args.paths,
            use_cache=not args.no_cache,
            jobs=args.jobs,
            base=base,
            now=now,
            policies_from_worktree=args.policies_from_worktree,
        )
    )


def _online(args: argparse.Namespace, root: Path) -> Callable[[], list[Finding]]:
    from maintain_repo.cli.common import github_ops

    ops = github_ops(args, root)  # configuration errors surface before the check runs

    def findings() -> list[Finding]:
        from maintain_repo.engine.online import approval_findings

        return approval_findings(root, ops.api)

    return findings
