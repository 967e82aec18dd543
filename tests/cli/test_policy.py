"""`maintain policy validate|test` on this repository and on broken copies."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from maintain_repo.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def ops(tmp_path):
    root = tmp_path / "ops"
    for folder in ("records", "policies", "schemas"):
        shutil.copytree(ROOT / folder, root / folder)
    return root


def test_this_repositorys_policy_tests_pass(capsys):
    assert main(["--root", str(ROOT), "policy", "test"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[-1] == "5 policy tests: 5 passed, 0 failed"
    assert all(line.startswith("PASS ") for line in out.splitlines()[:-1])


def test_a_wrong_expectation_fails_with_a_readable_diff(ops, capsys):
    case = ops / "policies/tests/major-incidents-need-commander.yaml"
    case.write_text(case.read_text().replace("but names no commander", "has no commander"))
    assert main(["--root", str(ops), "policy", "test"]) == 1
    out = capsys.readouterr().out
    assert "FAIL policies/tests/major-incidents-need-commander.yaml: a SEV2 incident loses" in out
    assert (
        "    -major-incidents-need-commander INC-20260311-YHBJ: "
        "INC-20260311-YHBJ is SEV2 and closed has no commander"
    ) in out
    assert (
        "    +major-incidents-need-commander INC-20260311-YHBJ: "
        "INC-20260311-YHBJ is SEV2 and closed but names no commander"
    ) in out
    assert out.splitlines()[-1] == "5 policy tests: 4 passed, 1 failed"


def test_a_missing_finding_fails(ops, capsys):
    case = ops / "policies/tests/year-end-freeze.yaml"
    case.write_text(case.read_text().replace("type: normal", "type: emergency", 1))
    assert main(["--root", str(ops), "policy", "test"]) == 1
    assert "    -freeze-window CHG-20261210-FRZ1" in capsys.readouterr().out


def test_unexpected_findings_show_their_messages(ops, capsys):
    case = ops / "policies/tests/major-incidents-need-commander.yaml"
    case.write_text(case.read_text().replace("roles: {deputy: jonas-berg}", "severity: SEV9"))
    assert main(["--root", str(ops), "policy", "test"]) == 1
    out = capsys.readouterr().out
    assert "    +schema INC-20260311-YHBJ: severity: " in out


def test_a_policy_that_does_not_compile_fails_the_run(ops, capsys):
    policy = ops / "policies/sev1-sev2-need-commander.yaml"
    policy.write_text(
        policy.read_text().replace(
            '"has(record.roles) && has(record.roles.commander)"', '"has(record.roles) &&"'
        )
    )
    assert main(["--root", str(ops), "policy", "test"]) == 1
    out = capsys.readouterr().out
    assert "policies/sev1-sev2-need-commander.yaml:14:5: error policy-error policy " in out
    assert "Syntax error" in out


def test_broken_test_files_are_reported_with_positions(ops, capsys):
    (ops / "policies/tests/broken.yaml").write_text("kind: PolicyTest\nname: x\nrecords: []\n")
    assert main(["--root", str(ops), "policy", "test"]) == 1
    assert "policies/tests/broken.yaml:3:1: error schema records:" in capsys.readouterr().out


def test_validate_passes_on_this_repository(capsys):
    assert main(["--root", str(ROOT), "policy", "validate"]) == 0
    assert capsys.readouterr().out == "policies are valid\n"


def test_validate_reports_broken_expressions_duplicates_and_unknown_names(ops, capsys):
    policy = ops / "policies/customer-impact-described.yaml"
    policy.write_text(
        policy.read_text().replace("size(record.customer_impact.scope) >= 20", "size(record.)")
    )
    twin = ops / "policies/twin.yaml"
    twin.write_text((ops / "policies/triage-within-a-day.yaml").read_text())
    case = ops / "policies/tests/triage-within-a-day.yaml"
    case.write_text(case.read_text().replace("rule: triage-within-a-day", "rule: triage-in-a-day"))
    assert main(["--root", str(ops), "policy", "validate"]) == 1
    out = capsys.readouterr().out
    assert "policies/customer-impact-described.yaml:10:5: error policy-error policy " in out
    assert "Syntax error" in out
    assert (
        "policies/twin.yaml:3:1: error policy-conflict another record policy is named "
        "'triage-within-a-day' (policies/triage-within-a-day.yaml); names are unique"
    ) in out
    assert (
        "policies/tests/triage-within-a-day.yaml:18:5: error policy-error no policy or rule is "
        "called 'triage-in-a-day'"
    ) in out


def test_validate_reports_second_sla_policies_shadowed_rules_and_unknown_waiver_names(ops, capsys):
    (ops / "policies/a-laxer-sla.yaml").write_text(
        "kind: SLAPolicy\nname: laxer\nimprovement: {P1: 365d}\n"
    )
    shadow = ops / "policies/shadow.yaml"
    shadow.write_text(
        (ops / "policies/triage-within-a-day.yaml")
        .read_text()
        .replace("name: triage-within-a-day", "name: sla-due")
    )
    waiver = next(
        p for p in (ops / "records/waivers").glob("*.yaml") if "policy: sla-due" in p.read_text()
    )
    waiver.write_text(waiver.read_text().replace("policy: sla-due", "policy: sla-duee", 1))
    assert main(["--root", str(ops), "policy", "validate"]) == 1
    out = capsys.readouterr().out
    assert (
        "policies/sla.yaml:4:1: error policy-conflict a second SLA policy "
        "(policies/a-laxer-sla.yaml is the first); a repository has one, so merge them"
    ) in out
    assert (
        "policies/shadow.yaml:3:1: error policy-conflict 'sla-due' is a built-in rule's id; "
        "give the policy its own"
    ) in out
    assert f"{waiver.relative_to(ops).as_posix()}:" in out
    assert "covers 'sla-duee', but no policy or rule is called that" in out
    # `maintain check` reports the conflicts too (a pull request adding a laxer SLA fails).
    assert main(["--root", str(ops), "check", "--format", "json"]) == 1
    rules = [f["rule"] for f in json.loads(capsys.readouterr().out)["findings"]]
    assert rules.count("policy-conflict") == 2
