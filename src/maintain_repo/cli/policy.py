"""`maintain policy validate|test`: check the policies themselves, and run their tests."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from maintain_repo.cli.common import add_now, now_of, root_of


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(name, help="validate the policies, or run their tests")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    validate = actions.add_parser(
        "validate",
        help="schemas, expressions that compile, unique names, names that exist",
    )
    validate.add_argument("--format", choices=("text", "json", "github", "sarif"), default="text")
    test = actions.add_parser("test", help="run the cases in policies/tests/*.yaml")
    for sub in (validate, test):
        add_now(sub)


def run(args: argparse.Namespace) -> int:
    root = root_of(args)
    now = now_of(args)
    if args.action == "validate":
        from maintain_repo.engine.policies import validate_policies
        from maintain_repo.model.findings import Report, Summary
        from maintain_repo.report import REPORTERS

        findings = validate_policies(root, now)
        files = len({f.path for f in findings})
        report = Report(tuple(findings), Summary.of(findings, files=files, records=0), str(root))
        sys.stdout.write(REPORTERS[args.format](report) if findings else "policies are valid\n")
        return 1 if findings else 0
    return _test(root, now)


def _test(root: Any, now: Any) -> int:
    from maintain_repo.engine.policies import run_tests
    from maintain_repo.model.findings import Report, Summary
    from maintain_repo.report.safe import printable
    from maintain_repo.report.text import render

    outcomes, problems = run_tests(root, now)
    for outcome in outcomes:
        mark = "PASS" if outcome.passed else "FAIL"
        print(f"{mark} {outcome.path}: {printable(outcome.name)}")
        if outcome.diff:
            print("\n".join(f"    {line}" for line in outcome.diff.splitlines()))
    if problems:
        summary = Summary.of(problems, files=len({p.path for p in problems}), records=0)
        sys.stdout.write(render(Report(tuple(problems), summary)))
    failed = sum(not o.passed for o in outcomes)
    print(
        f"{len(outcomes)} policy test{'s' if len(outcomes) != 1 else ''}: "
        f"{len(outcomes) - failed} passed, {failed} failed"
    )
    if not outcomes and not problems:
        print("no tests in policies/tests/*.yaml")
    return 1 if failed or problems else 0
