"""`maintain policy validate|test` on this repository and on broken copies."""

from __future__ import annotations

import json
import re
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


def test_a_policy_file_with_a_yaml_error_fails_at_its_position(ops, capsys):
    (ops / "policies/broken.yaml").write_text(
        "kind: RecordPolicy\nname: broken\nmatch: {kinds: [incident]\n"
    )
    assert main(["--root", str(ops), "policy", "test"]) == 1
    out = capsys.readouterr().out
    assert "policies/broken.yaml:4:1: error yaml-syntax invalid YAML: expected ','" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("kind: [RecordPolicy]\nname: x\n", "policies/bad.yaml:1:1: error schema kind must be"),
        ("kind: RecordPolicy\nname: x\n", "policies/bad.yaml:1:1: error schema missing required"),
        (b"kind: Settings\xff\n", "policies/bad.yaml:1:15: error yaml-encoding invalid UTF-8"),
    ],
    ids=["kind is a list", "schema", "not UTF-8"],
)
def test_every_broken_policy_document_fails_the_run(ops, capsys, content, expected):
    target = ops / "policies/bad.yaml"
    target.write_bytes(content) if isinstance(content, bytes) else target.write_text(content)
    assert main(["--root", str(ops), "policy", "test"]) == 1
    assert expected in capsys.readouterr().out


def test_a_named_pipe_for_settings_fails_the_run(ops, capsys):
    import os

    (ops / "policies/settings.yaml").unlink()
    os.mkfifo(ops / "policies/settings.yaml")
    assert main(["--root", str(ops), "policy", "test"]) == 1
    assert (
        "policies/settings.yaml:1:1: error record-location a named pipe is not a policy document"
        in capsys.readouterr().out
    )


SECRET = "root:x:0:0:the-secret-value"


def _escape_case(ops, path):
    (ops / "policies/tests/escape.yaml").write_text(
        f"kind: PolicyTest\nname: reads elsewhere\nrecords:\n  - path: {json.dumps(path)}\n"
        "expect: []\n"
    )


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("ABSOLUTE", "is absolute"),
        ("../../secret.yaml", "has a '..', '.' or empty part"),
        ("records/../../secret.yaml", "has a '..', '.' or empty part"),
        ("records/services/../../../secret.yaml", "has a '..', '.' or empty part"),
        ("records//services/x.yaml", "has a '..', '.' or empty part"),
        ("policies/settings.yaml", "is not a record file"),
        ("records/services/notes.txt", "is not a record file"),
        ("records/services/bad\u0001.yaml", "SCHEMA"),  # a test file's Line refuses it
        ("records/services/link.yaml", "goes through a symbolic link"),
        ("records/services/dirlink/x.yaml", "is not a record file"),
    ],
)
def test_a_policy_test_reads_records_of_the_repository_only(ops, tmp_path, capsys, path, why):
    secret = tmp_path / "secret.yaml"
    secret.write_text(f"id: x\nkind: service\nsecret: {SECRET}\n")
    (ops / "records/services/link.yaml").symlink_to(secret)
    (ops / "records/services/dirlink").symlink_to(tmp_path)
    shutil.copy(secret, tmp_path / "x.yaml")
    _escape_case(ops, str(secret) if path == "ABSOLUTE" else path)
    for fmt in ("text", "json", "junit"):
        assert main(["--root", str(ops), "policy", "test", "--format", fmt]) == 1
        out = capsys.readouterr().out
        assert SECRET not in out
        assert "the-secret-value" not in out
    assert main(["--root", str(ops), "policy", "test"]) == 1
    out = capsys.readouterr().out
    if why == "SCHEMA":
        assert "policies/tests/escape.yaml:4:5: error schema records[0].path: expected one" in out
        return
    assert "FAIL policies/tests/escape.yaml: reads elsewhere" in out
    assert "policies/tests/escape.yaml:4:5: error policy-error path " in out
    assert why in out


def test_a_symlinked_tests_folder_is_refused(ops, tmp_path, capsys):
    elsewhere = tmp_path / "tests"
    shutil.move(ops / "policies/tests", elsewhere)
    (ops / "policies/tests").symlink_to(elsewhere)
    assert main(["--root", str(ops), "policy", "test"]) == 1
    assert "policies/tests is a symbolic link" in capsys.readouterr().out


def test_json_output(ops, capsys):
    case = ops / "policies/tests/year-end-freeze.yaml"
    case.write_text(case.read_text().replace("type: normal", "type: emergency", 1))
    assert main(["--root", str(ops), "policy", "test", "--format", "json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["summary"] == {"tests": 5, "passed": 4, "failed": 1, "problems": 0}
    failed = [t for t in document["tests"] if not t["passed"]]
    assert [t["path"] for t in failed] == ["policies/tests/year-end-freeze.yaml"]
    assert failed[0]["diff"].startswith("--- expected\n+++ actual\n")
    assert any(line.startswith("freeze-window CHG-20261210-FRZ1") for line in failed[0]["expected"])


def test_junit_output_is_what_ci_systems_read(ops, capsys, tmp_path):
    import xml.etree.ElementTree as ET

    case = ops / "policies/tests/year-end-freeze.yaml"
    case.write_text(case.read_text().replace("type: normal", "type: emergency", 1))
    (ops / "policies/broken.yaml").write_text("kind: RecordPolicy\nname: [\n")
    # A test name with characters XML cannot carry as they are.
    named = ops / "policies/tests/commander-not-needed-in-triage.yaml"
    named.write_text(re.sub("(?m)^name: (.*)$", r'name: "<&> \\ufffe \1"', named.read_text()))
    report = tmp_path / "junit.xml"
    args = ["--root", str(ops), "policy", "test", "--format", "junit", "--output", str(report)]
    assert main(args) == 1
    assert capsys.readouterr().out == ""
    root = ET.fromstring(report.read_bytes())  # well-formed XML, or this raises
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    cases = [case for suite in suites for case in suite.findall("testcase")]
    assert all(case.get("name") and case.get("classname") for case in cases)
    for suite in suites:
        found = suite.findall("testcase")
        assert int(suite.get("tests")) == len(found)
        assert int(suite.get("failures")) == sum(c.find("failure") is not None for c in found)
        assert int(suite.get("errors")) == sum(c.find("error") is not None for c in found)
    assert int(root.get("tests")) == len(cases) == 6  # five tests, one broken document
    assert (root.get("failures"), root.get("errors")) == ("1", "1")
    failure = next(c for c in cases if c.find("failure") is not None).find("failure")
    assert "-freeze-window CHG-20261210-FRZ1" in failure.text
    error = next(c for c in cases if c.find("error") is not None)
    assert error.get("name") == "policies/broken.yaml"
    assert "yaml-syntax" in error.find("error").text
    assert any(c.get("name").startswith("<&> \\ufffe ") for c in cases)
