"""`maintain policy validate` and `maintain policy test`.

`validate` checks the policy documents on their own: schemas, expressions
that compile to booleans, unique names, approval policies that can judge
(rules that exist, regular expressions that compile, teams written
org/team), and waivers and tests that name policies which exist. `test`
runs the cases in `policies/tests/*.yaml`: records (from the repository,
optionally changed, or inline) go through the per-record checks and every
policy, and the findings must be exactly the expected ones.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, cast

from maintain_repo.engine.check import CheckOptions, check
from maintain_repo.engine.files import record_findings
from maintain_repo.engine.load import load_records, worktree_documents, worktree_policies
from maintain_repo.engine.present import locate
from maintain_repo.model.approval import ApprovalPolicy
from maintain_repo.model.findings import Finding, Severity
from maintain_repo.model.kinds import KINDS
from maintain_repo.model.policy_test import PolicyTest, TestRecord
from maintain_repo.model.waiver import Waiver
from maintain_repo.policy.approval_problems import problems as approval_problems
from maintain_repo.policy.approval_source import read_policy_bot
from maintain_repo.policy.cel import Context, lookup_entry
from maintain_repo.policy.policybot import DEFAULT_PATH as POLICY_BOT
from maintain_repo.policy.policyset import Policies
from maintain_repo.policy.records import evaluate_all
from maintain_repo.report.safe import printable
from maintain_repo.rules.catalog import RULES
from maintain_repo.rules.schema import validate
from maintain_repo.sandbox.pool import imap
from maintain_repo.store.problems import YamlError, YamlProblem
from maintain_repo.store.repo import (
    POLICIES,
    RECORDS,
    SETTINGS,
    is_record_file,
    policy_files,
)
from maintain_repo.store.source import NotARegularFile, decode, read
from maintain_repo.store.yaml import mapping_of, parse, read_mapping

TESTS = f"{POLICIES}/tests"


def validate_policies(root: Path, now: datetime) -> list[Finding]:
    """Problems with the policy documents (and the names waivers and tests use)."""
    findings: list[Finding] = []
    if (root / POLICIES).is_dir():
        # The documents' own findings, and conflicts between them (policy-conflict).
        run = check(CheckOptions(root=root, paths=[root / POLICIES], use_cache=False, now=now))
        findings.extend(run.report.findings)
    findings.extend(_approval_findings(root))
    policies = worktree_policies(root)
    known = {policy.name for _, policy in policies.records} | set(RULES)
    for path, test in _tests(root, findings):
        for index, expected in enumerate(test.expect):
            if expected.rule not in known:
                findings.append(
                    _at(
                        path,
                        ("expect", index, "rule"),
                        f"no policy or rule is called {expected.rule!r}",
                    )
                )
    for path, waiver in load_records(root, ["waiver"]):
        for index, cover in enumerate(cast(Waiver, waiver).covers.policies):
            if cover.policy not in known:
                findings.append(
                    _at(
                        path,
                        ("covers", "policies", index, "policy"),
                        f"waiver {waiver.id} covers {cover.policy!r}, but no policy or rule "
                        "is called that",
                    )
                )
    return _located(root, findings)


def _approval_findings(root: Path) -> Iterator[Finding]:
    """What stops each approval policy from judging (its schema findings come from
    the check; a second approval policy is a policy-conflict, and still checked)."""
    native = None
    for rel, raw in worktree_documents(root):
        data = mapping_of(raw)
        if data is None or data.get("kind") != "ApprovalPolicy":
            continue
        native = native or rel
        try:
            policy = ApprovalPolicy.model_validate(data)
        except ValueError:
            continue
        yield from approval_problems(rel, policy)
    policy_bot = root / POLICY_BOT
    if policy_bot.is_file() and native is not None:
        message = f"{native} is the approval policy; this policy-bot file is not read"
        yield Finding("policy-bot", Severity.NOTE, message, POLICY_BOT, line=1, column=1)
    elif policy_bot.is_file():
        source = read_policy_bot(POLICY_BOT, read(str(policy_bot)))
        yield from source.problems
        yield from source.notes


@dataclass(frozen=True, slots=True)
class RuleRow:
    """A built-in rule as a check of this repository applies it."""

    id: str
    scope: str
    default: str  # the severity the rule reports at unless Settings re-level it
    severity: str  # the severity it reports at here
    enabled: bool
    summary: str
    configured: bool  # Settings name it


@dataclass(frozen=True, slots=True)
class PolicyRow:
    """A record policy of this repository."""

    name: str
    severity: str
    path: str
    description: str


@dataclass(frozen=True, slots=True)
class Rules:
    rules: list[RuleRow]
    policies: list[PolicyRow]
    # Why the settings shown are the defaults although policies/settings.yaml exists
    # (it does not validate), else "".
    settings_problem: str = ""


def rules_in_force(root: Path | None) -> Rules:
    """The built-in rules with the severity and state Settings give them, and the
    repository's record policies (`root` None: outside any repository, the defaults)."""
    policies = worktree_policies(root) if root is not None else None
    settings = policies.settings.rules if policies is not None else {}
    rows = []
    for rule in RULES.values():
        setting = settings.get(rule.id)
        severity = (setting.severity if setting else None) or rule.severity.value
        enabled = setting.enabled if setting else True
        rows.append(
            RuleRow(
                rule.id,
                rule.scope,
                rule.severity.value,
                severity,
                enabled,
                rule.summary,
                setting is not None,
            )
        )
    records = [
        PolicyRow(policy.name, policy.severity, path, policy.description or "")
        for path, policy in (policies.records if policies is not None else [])
    ]
    return Rules(rows, sorted(records, key=lambda r: r.name), _settings_problem(root))


def _settings_problem(root: Path | None) -> str:
    from maintain_repo.engine.files import check_path

    if root is None or not (root / SETTINGS).exists():
        return ""
    computed = check_path(str(root), SETTINGS)
    errors = [
        Finding.from_json(raw)
        for raw in (computed[4]["findings"] if computed else [])
        if raw["severity"] == "error"
    ]
    if not errors:
        return ""
    first = errors[0]
    return f"{SETTINGS}:{first.line or 1}:{first.column or 1}: {first.message}"


@dataclass(frozen=True, slots=True)
class Outcome:
    path: str
    name: str
    passed: bool
    diff: str  # unified diff, expected -> actual, when it failed
    expected: tuple[str, ...] = ()  # the expected findings, one line each
    actual: tuple[str, ...] = ()  # the findings there were


def run_tests(root: Path, now: datetime) -> tuple[list[Outcome], list[Finding]]:
    """Every policy test's outcome, and problems with the test files themselves."""
    # A policy document that does not load (broken YAML, a schema error, an expression
    # that does not compile, not a regular file) is left out of every test: that is a
    # problem of its own, not a silent pass of the tests that expect nothing from it.
    problems = _document_problems(root)
    policies = worktree_policies(root)
    _ = policies.compiled  # compiled once, here: the sandboxed children inherit them
    known = _repository_records(root)
    cases = []
    for path, test in _tests(root, problems):
        records = [
            _record(root, path, index, item, problems) for index, item in enumerate(test.records)
        ]
        cases.append((path, test, records, [r for r in records if r is not None]))

    def judge(index: int) -> list[dict[str, Any]]:
        _, test, _, given = cases[index]
        return [f.to_json() for f in _findings(policies, given, known, test.now or now)]

    # Tests run on pull-request code: their policies are evaluated in the sandbox.
    named = lambda index: f"the test {cases[index][1].name!r} ({cases[index][0]})"  # noqa: E731
    results: dict[int, list[dict[str, Any]]] = dict(imap(judge, len(cases), name=named))
    outcomes = []
    for index, (path, test, records, given) in enumerate(cases):
        actual = [Finding.from_json(raw) for raw in results[index]]
        expected = sorted(_expected_lines(test))
        got = sorted(_actual_lines(actual, test))
        if len(given) < len(records):
            # Judged without some of its records, a test proves nothing.
            diff = "not run: some of its records could not be read (the problems below say why)"
        elif expected != got:
            diff = "\n".join(difflib.unified_diff(expected, got, "expected", "actual", lineterm=""))
        else:
            diff = ""
        outcomes.append(Outcome(path, test.name, not diff, diff, tuple(expected), tuple(got)))
    return outcomes, _located(root, problems)


def _document_problems(root: Path) -> list[Finding]:
    """What `maintain check` finds wrong with each policy document on its own."""
    from maintain_repo.engine.files import check_path

    problems: list[Finding] = []
    for rel in policy_files(root):
        computed = check_path(str(root), rel)
        if computed is not None:
            found = (Finding.from_json(raw) for raw in computed[4]["findings"])
            problems.extend(f for f in found if f.severity is Severity.ERROR)
    return problems


def _repository_records(root: Path) -> dict[str, dict[str, Any]]:
    """What `lookup()` answers in a test about the repository's own records."""
    return {
        record.id: lookup_entry(record.id, record.kind, record.status, path)
        for path, record in load_records(root)
    }


def _findings(
    policies: Policies,
    records: list[tuple[str, dict[str, Any]]],
    known: dict[str, dict[str, Any]],
    now: datetime,
) -> list[Finding]:
    # lookup() sees the test's records first, then the repository's.
    table = dict(known)
    table.update(
        (
            str(data.get("id")),
            lookup_entry(data.get("id"), data.get("kind"), data.get("status"), path),
        )
        for path, data in records
    )
    found: list[Finding] = []
    for path, data in records:
        kind = KINDS.get(str(data.get("kind")))
        if kind is None:
            found.append(
                Finding(
                    "record-kind", Severity.ERROR, "unknown kind", path, record=str(data.get("id"))
                )
            )
            continue
        record, errors = record_findings(kind, path, data, policies)
        found.extend(errors)
        if record is None:
            continue
        context = Context.of(data, now, policies.settings_map, table.get)
        found.extend(evaluate_all(policies.dynamic, path, kind.name, data, context))
    return found


def _expected_lines(test: PolicyTest) -> Iterable[str]:
    for item in test.expect:
        yield f"{item.rule} {item.record}" + (f": {item.message}" if item.message else "")


def _actual_lines(findings: list[Finding], test: PolicyTest) -> Iterable[str]:
    """Messages where the expectation gives one, and for findings nobody expected (they
    say what went wrong); otherwise rule and record, so wording may change freely."""
    without_message = {(e.rule, e.record) for e in test.expect if not e.message}
    for finding in findings:
        line = f"{finding.rule} {finding.record}"
        if (finding.rule, finding.record or "") in without_message:
            yield line
        else:
            yield f"{line}: {finding.message}"


def _record(
    root: Path, path: str, index: int, item: TestRecord, problems: list[Finding]
) -> tuple[str, dict[str, Any]] | None:
    if item.record is not None:
        return f"{path}#records[{index}]", dict(item.record)
    assert item.path is not None
    refused = outside(root, item.path)
    if refused:
        problems.append(_at(path, ("records", index, "path"), refused))
        return None
    data = read_mapping(str(root / item.path), shown=item.path)
    if data is None:
        problems.append(
            _at(path, ("records", index, "path"), f"{item.path} is not a readable record")
        )
        return None
    for dotted, value in item.set.items():
        target: Any = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                problems.append(
                    _at(path, ("records", index, "set", dotted), f"{part} is not a group of fields")
                )
                return None
        target[parts[-1]] = value
    return item.path, data


def outside(root: Path, path: str) -> str:
    """Why a policy test may not read `path` ("" when it may).

    Policy tests run on pull-request code (validate.yml): a test that could read
    `/etc/passwd`, `../../secret` or a link out of the repository would print what
    it found in its diff. So only record files of this repository are read, by a
    plain path through real folders: records/<folder>/<id>.yaml.
    """
    what = f"path {printable(path)!r}"
    if any(ch < " " or ch == "\x7f" for ch in path):
        return f"{what} contains control characters"
    parts = path.replace("\\", "/").split("/")
    if path.startswith(("/", "\\")) or ":" in parts[0]:
        return f"{what} is absolute; policy tests read records of this repository only"
    if any(part in ("", ".", "..") for part in parts):
        return f"{what} has a '..', '.' or empty part; write records/<folder>/<id>.yaml"
    if not is_record_file(path):
        return f"{what} is not a record file; policy tests read records/<folder>/<id>.yaml only"
    for prefix in (RECORDS, "/".join(parts[:2]), path):
        if (root / prefix).is_symlink():
            return (
                f"{what} goes through a symbolic link ({prefix}); policy tests read real files only"
            )
    return ""


def _tests(root: Path, problems: list[Finding]) -> list[tuple[str, PolicyTest]]:
    directory = root / TESTS
    if directory.is_symlink():
        problems.append(
            Finding(
                "policy-error",
                Severity.ERROR,
                f"{TESTS} is a symbolic link; policy tests live in the repository itself",
                TESTS,
                1,
                1,
            )
        )
        return []
    tests = []
    for file in sorted(directory.glob("*.yaml")) if directory.is_dir() else []:
        rel = file.relative_to(root).as_posix()
        data, problem = _test_data(file)
        if problem is not None:
            problems.append(
                Finding(
                    problem.rule, Severity.ERROR, problem.message, rel, problem.line, problem.column
                )
            )
            continue
        model, errors = validate(PolicyTest, data, path=rel, record=None)
        problems.extend(errors)
        if model is not None:
            tests.append((rel, cast(PolicyTest, model)))
    return tests


def _test_data(path: Path) -> tuple[dict[str, Any], YamlProblem | None]:
    try:
        text = decode(read(str(path)))
        if not isinstance(text, str):
            return {}, text
        data = parse(text).data
    except (NotARegularFile, OSError) as e:
        return {}, YamlProblem("yaml-syntax", f"cannot read the file: {e}", 1, 1)
    except YamlError as e:
        return {}, e.problem
    if not isinstance(data, dict):
        return {}, YamlProblem("schema", "expected a mapping with kind: PolicyTest", 1, 1)
    return data, None


def _at(path: str, pointer: tuple[str | int, ...], message: str) -> Finding:
    return Finding("policy-error", Severity.ERROR, message, path, pointer=pointer)


def _located(root: Path, findings: list[Finding]) -> list[Finding]:
    return sorted(locate(root, findings), key=Finding.sort_key)
