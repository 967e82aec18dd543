"""Data-driven cases: each folder under cases/invalid/<rule>/ is a regression.

A case folder holds files laid over a copy of the valid base repository
(cases/base) and `expected.txt`, one `path:line[:column]: rule` per finding.
The check must report exactly those findings: no more, no fewer. Folders
under cases/valid/ must report nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maintain_repo.cli import main

CASES = Path(__file__).parent / "cases"
INVALID = sorted(p for p in (CASES / "invalid").glob("*/*") if p.is_dir())
VALID = sorted(p for p in (CASES / "valid").glob("*") if p.is_dir())


def _findings(root: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[dict]]:
    code = main(["--root", str(root), "check", "--no-cache", "--format", "json"])
    return code, json.loads(capsys.readouterr().out)["findings"]


def _expected(case: Path) -> set[tuple[str, int, int | None, str]]:
    expected = set()
    for line in (case / "expected.txt").read_text().splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        place, rule = line.rsplit(": ", 1)
        path, line_no, *column = place.split(":")
        expected.add((path, int(line_no), int(column[0]) if column else None, rule.strip()))
    return expected


@pytest.mark.parametrize("case", INVALID, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_invalid_case_reports_exactly_the_expected_findings(case, make_repo, capsys):
    root = make_repo(case)
    code, findings = _findings(root, capsys)
    expected = _expected(case)
    with_columns = {(p, ln, c, r) for p, ln, c, r in expected if c is not None}
    got = {(f["path"], f["line"], None, f["rule"]) for f in findings}
    got_columns = {(f["path"], f["line"], f["column"], f["rule"]) for f in findings}
    assert got == {(p, ln, None, r) for p, ln, _, r in expected}, findings
    assert with_columns <= got_columns, findings
    if case.parent.name != "record-policy":  # those are named after the policy they test
        assert case.parent.name in {f["rule"] for f in findings}, "the folder names its rule"
    assert code == 1


@pytest.mark.parametrize("case", VALID, ids=lambda p: p.name)
def test_valid_case_reports_nothing(case, make_repo, capsys):
    root = make_repo(case)
    code, findings = _findings(root, capsys)
    assert findings == []
    assert code == 0


def test_base_repository_is_clean(make_repo, capsys):
    code, findings = _findings(make_repo(), capsys)
    assert (code, findings) == (0, [])


def test_every_rule_has_an_invalid_case():
    from maintain_repo.rules.catalog import RULES

    covered = {p.parent.name for p in INVALID} | {"yaml-too-large"}  # generated: see test_store
    # Rules that compare with a git base are tested on real repositories (engine/test_base.py).
    needed = {rule.id for rule in RULES.values() if rule.scope != "base"}
    assert needed <= covered, sorted(needed - covered)
