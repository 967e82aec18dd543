"""`maintain policy validate|test|import-policy-bot`: check the policies themselves, run
their tests, and bring a policy-bot `.policy.yml` over."""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from maintain_repo.cli.common import add_format, add_now, now_of, root_of

if TYPE_CHECKING:
    from maintain_repo.engine.policies import Outcome
    from maintain_repo.model.findings import Finding

TEST_FORMATS = ("text", "json", "junit")


def add_parser(commands: Any, name: str) -> None:
    parser = commands.add_parser(
        name,
        help="validate the policies, or run their tests",
        description="Check the policy documents in policies/ on their own, or run the policy "
        "tests in policies/tests/.",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    validate = actions.add_parser(
        "validate",
        help="schemas, expressions that compile, unique names, names that exist",
        description="Validate the policy documents: their schemas, CEL expressions that "
        "compile, unique names, and the policy names waivers and tests refer to.",
    )
    add_format(
        validate, "report format, as for `maintain check`", ("text", "json", "github", "sarif")
    )
    test = actions.add_parser(
        "test",
        help="run the cases in policies/tests/*.yaml",
        description="Run every policies/tests/*.yaml: records in, expected findings out. "
        "Exits 1 when a test fails or a policy document or test file is broken.",
    )
    add_format(
        test,
        "text (PASS/FAIL lines with diffs), json, or junit (JUnit XML, which CI systems "
        "show as test results)",
        TEST_FORMATS,
    )
    test.add_argument("--output", metavar="FILE", help="write the report to FILE")
    for sub in (validate, test):
        add_now(sub)
    imported = actions.add_parser(
        "import-policy-bot",
        help="write a policy-bot .policy.yml as a native ApprovalPolicy",
        description="Translate a policy-bot .policy.yml to policies/approval.yaml, with "
        "policy-bot's defaults made explicit and each difference noted as a comment. "
        "Nothing is written when the file has problems maintain cannot honour; they are "
        "reported at their line and column (exit 1).",
    )
    imported.add_argument(
        "file", nargs="?", default=".policy.yml", metavar="FILE", help="default: .policy.yml"
    )
    imported.add_argument(
        "--out", metavar="PATH", help="where to write (default: policies/approval.yaml)"
    )
    imported.add_argument("--force", action="store_true", help="replace --out if it exists")


def run(args: argparse.Namespace) -> int:
    root = root_of(args)
    now = now_of(args)
    if args.action == "import-policy-bot":
        return _import(root, args)
    if args.action == "validate":
        from maintain_repo.engine.policies import validate_policies
        from maintain_repo.model.findings import Report, Severity, Summary
        from maintain_repo.report import REPORTERS

        findings = validate_policies(root, now)
        files = len({f.path for f in findings})
        report = Report(tuple(findings), Summary.of(findings, files=files, records=0), str(root))
        sys.stdout.write(REPORTERS[args.format](report) if findings else "policies are valid\n")
        return 1 if any(f.severity is not Severity.NOTE for f in findings) else 0
    from maintain_repo.engine.policies import run_tests

    outcomes, problems = run_tests(root, now)
    rendered = {"text": _text, "json": _json, "junit": junit}[args.format](outcomes, problems)
    if args.output:
        from maintain_repo.store.files import write_atomic

        write_atomic(Path(args.output), rendered, overwrite=True)
    else:
        sys.stdout.write(rendered)
    return 1 if problems or any(not o.passed for o in outcomes) else 0


def _import(root: Path, args: argparse.Namespace) -> int:
    from maintain_repo.engine.policybot_import import import_policy_bot
    from maintain_repo.model.findings import Report, Summary
    from maintain_repo.report.safe import printable
    from maintain_repo.report.text import render

    source = Path(args.file) if Path(args.file).is_absolute() else root / args.file
    out = Path(args.out) if args.out else root / "policies" / "approval.yaml"
    done = import_policy_bot(root, source, out, force=args.force)
    shown = done.problems or done.notes
    if shown:
        summary = Summary.of(shown, files=1, records=0)
        sys.stdout.write(render(Report(tuple(shown), summary)))
    if done.written is None:
        print("nothing written: fix the problems above (or the policy by hand)", file=sys.stderr)
        return 1
    print(f"wrote {printable(str(done.written))} ({len(done.notes)} differences noted)")
    return 0


def _text(outcomes: Sequence[Outcome], problems: Sequence[Finding]) -> str:
    from maintain_repo.model.findings import Report, Summary
    from maintain_repo.report.safe import printable
    from maintain_repo.report.text import render

    lines = []
    for outcome in outcomes:
        mark = "PASS" if outcome.passed else "FAIL"
        lines.append(f"{mark} {printable(outcome.path)}: {printable(outcome.name)}")
        lines.extend(f"    {printable(line)}" for line in outcome.diff.splitlines())
    out = "\n".join(lines) + "\n" if lines else ""
    if problems:
        summary = Summary.of(list(problems), files=len({p.path for p in problems}), records=0)
        out += render(Report(tuple(problems), summary))
    failed = sum(not o.passed for o in outcomes)
    out += (
        f"{len(outcomes)} policy test{'s' if len(outcomes) != 1 else ''}: "
        f"{len(outcomes) - failed} passed, {failed} failed\n"
    )
    if not outcomes and not problems:
        out += "no tests in policies/tests/*.yaml\n"
    return out


def _json(outcomes: Sequence[Outcome], problems: Sequence[Finding]) -> str:
    failed = sum(not o.passed for o in outcomes)
    document = {
        "tests": [
            {
                "path": o.path,
                "name": o.name,
                "passed": o.passed,
                "diff": o.diff,
                "expected": list(o.expected),
                "actual": list(o.actual),
            }
            for o in outcomes
        ],
        "problems": [p.to_json() for p in problems],
        "summary": {
            "tests": len(outcomes),
            "passed": len(outcomes) - failed,
            "failed": failed,
            "problems": len(problems),
        },
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def junit(outcomes: Sequence[Outcome], problems: Sequence[Finding]) -> str:
    """JUnit XML: one suite per test file, a test case per test (`<failure>` with the
    diff when it failed), and a suite "policy problems" with an `<error>` per broken
    policy document or test file, so CI systems show those too."""
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites", name="maintain policy test")
    by_file: dict[str, list[Outcome]] = {}
    for outcome in outcomes:
        by_file.setdefault(outcome.path, []).append(outcome)
    for path, cases in by_file.items():
        suite = _suite(suites, path, len(cases), failures=sum(not c.passed for c in cases))
        for case in cases:
            element = ET.SubElement(
                suite, "testcase", name=_xml(case.name), classname=_xml(path), file=_xml(path)
            )
            element.set("time", "0")
            if not case.passed:
                compared = case.diff.startswith("---")  # a diff; else why it did not run
                failure = ET.SubElement(
                    element,
                    "failure",
                    message="the findings are not the expected ones"
                    if compared
                    else _xml(case.diff.splitlines()[0]),
                    type="mismatch" if compared else "not-run",
                )
                failure.text = _xml(case.diff)
    by_path: dict[str, list[Finding]] = {}
    for problem in problems:
        by_path.setdefault(problem.path, []).append(problem)
    if by_path:
        suite = _suite(suites, "policy problems", len(by_path), errors=len(by_path))
        for path, found in by_path.items():
            element = ET.SubElement(
                suite, "testcase", name=_xml(path), classname="policy problems", file=_xml(path)
            )
            element.set("time", "0")
            error = ET.SubElement(
                element, "error", message=_xml(found[0].message), type=found[0].rule
            )
            error.text = "\n".join(
                _xml(f"{f.path}:{f.line or 1}:{f.column or 1}: {f.rule} {f.message}") for f in found
            )
    for name in ("tests", "failures", "errors"):
        suites.set(name, str(sum(int(s.get(name, "0")) for s in suites)))
    suites.set("time", "0")
    ET.indent(suites)
    body = ET.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


def _suite(parent: Any, name: str, tests: int, *, failures: int = 0, errors: int = 0) -> Any:
    import xml.etree.ElementTree as ET

    return ET.SubElement(
        parent,
        "testsuite",
        name=_xml(name),
        tests=str(tests),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time="0",
    )


# Characters XML 1.0 cannot carry at all (not even as references).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml(text: str) -> str:
    """Record text made safe for XML: control characters and lone surrogates escaped."""
    from maintain_repo.report.safe import printable

    lines = (printable(line) for line in text.split("\n"))
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", "\n".join(lines))
