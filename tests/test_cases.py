"""Data-driven cases: each folder under cases/invalid/<rule>/ is a regression.

A case folder holds files laid over a copy of the valid base repository
(cases/base) and `expected.txt`, one `path:line[:column]: rule` per finding;
a case of a git-aware rule is a change to the committed base (see
casework.py). The check must report exactly those findings: no more, no
fewer. Folders under cases/valid/ must report nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import casework
from maintain_repo.rules.catalog import RULES

INVALID = casework.invalid_cases()
VALID = casework.valid_cases()


def _assert_exactly_expected(case: Path, root: Path) -> None:
    code, findings = casework.check(root, casework.build(case, root))
    expected = casework.expected(case)
    with_columns = {(p, ln, c, r) for p, ln, c, r in expected if c is not None}
    got = {(f["path"], f["line"], None, f["rule"]) for f in findings}
    got_columns = {(f["path"], f["line"], f["column"], f["rule"]) for f in findings}
    assert got == {(p, ln, None, r) for p, ln, _, r in expected}, findings
    assert with_columns <= got_columns, findings
    if case.parent.name != "record-policy":  # those are named after the policy they test
        assert case.parent.name in {f["rule"] for f in findings}, "the folder names its rule"
    assert code == 1


@pytest.mark.parametrize("case", INVALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_invalid_case_reports_exactly_the_expected_findings(case, tmp_path):
    _assert_exactly_expected(case, tmp_path / "ops")


def test_generated_case_reports_exactly_the_expected_findings(tmp_path):
    case = casework.generated_case("yaml-too-large", tmp_path / "cases")
    assert case is not None
    _assert_exactly_expected(case, tmp_path / "ops")


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_case_reports_nothing(case, tmp_path):
    assert casework.check(tmp_path / "ops", casework.build(case, tmp_path / "ops")) == (0, [])


def test_base_repository_is_clean(tmp_path):
    assert casework.check(tmp_path / "ops", casework.build(None, tmp_path / "ops")) == (0, [])


def test_every_rule_has_an_invalid_case(tmp_path):
    covered = {p.parent.name for p in INVALID}
    generated = {rule for rule in RULES if casework.generated_case(rule, tmp_path) is not None}
    missing = set(RULES) - covered - casework.ONLINE_RULES
    assert missing == generated, sorted(missing - generated)


def test_a_git_aware_case_is_judged_against_the_committed_base(tmp_path):
    case = next(p for p in INVALID if p.parent.name == "record-deleted")
    root = tmp_path / "ops"
    assert casework.build(case, root) == ["--base", "main"]
    assert (root / ".git").is_dir()
    assert not (root / (case / "deleted.txt").read_text().strip()).exists()
