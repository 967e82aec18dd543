"""`maintain rules`: the rules as a check of this repository applies them, and its policies."""

from __future__ import annotations

import json

from maintain_repo.cli import main
from maintain_repo.rules.catalog import RULES

SETTINGS = """\
kind: Settings
schema_version: 1
rules:
  timestamp-order: {severity: warning}
  change-tested-commit: {enabled: false}
"""
POLICY = """\
kind: RecordPolicy
name: major-incidents-need-commander
description: A SEV1 or SEV2 incident past triage has an incident commander.
severity: warning
match: {kinds: [incident]}
validations:
  - expression: "has(record.roles)"
"""


def _rules(root, capsys, *args):
    code = main(["rules", "--root", str(root), *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_settings_levels_and_switches_are_shown(make_repo, capsys):
    root = make_repo({"policies/settings.yaml": SETTINGS, "policies/commander.yaml": POLICY})
    code, out, err = _rules(root, capsys, "--format", "json")
    assert (code, err) == (0, "")
    rows = {row["id"]: row for row in json.loads(out)["rules"]}
    assert set(rows) == set(RULES)
    assert rows["timestamp-order"] | {"summary": ""} == {
        "id": "timestamp-order",
        "scope": "file",
        "default": "error",
        "severity": "warning",
        "enabled": True,
        "summary": "",
        "configured": True,
    }
    assert rows["change-tested-commit"]["enabled"] is False
    assert rows["schema"]["severity"] == "error"
    assert rows["schema"]["configured"] is False
    assert json.loads(out)["policies"] == [
        {
            "name": "major-incidents-need-commander",
            "severity": "warning",
            "path": "policies/commander.yaml",
            "description": "A SEV1 or SEV2 incident past triage has an incident commander.",
        }
    ]

    code, out, _ = _rules(root, capsys)
    lines = out.splitlines()
    assert any(line.split()[:4] == ["timestamp-order", "file", "warning*", "on"] for line in lines)
    assert any(
        line.split()[:4] == ["change-tested-commit", "file", "error", "off"] for line in lines
    )
    assert lines[-2].split() == ["POLICY", "SEVERITY", "FILE"]
    assert lines[-1].split() == [
        "major-incidents-need-commander",
        "warning",
        "policies/commander.yaml",
    ]


def test_outside_a_repository_the_defaults_are_listed(tmp_path, capsys, chdir):
    chdir(tmp_path)
    assert main(["rules"]) == 0
    out = capsys.readouterr().out
    assert len([line for line in out.splitlines() if line.split()[0] in RULES]) == len(RULES)
    assert "not in an ops repository" in out
    # An explicit --root that is no repository is still an error.
    assert main(["rules", "--root", str(tmp_path)]) == 2


def test_broken_settings_are_said_and_the_defaults_shown(make_repo, capsys):
    root = make_repo({"policies/settings.yaml": SETTINGS.replace("warning}", "warning")})
    code, out, err = _rules(root, capsys, "--format", "json")
    assert code == 0
    assert err.startswith("maintain: policies/settings.yaml:")
    assert "showing the default rule levels" in err
    rows = {row["id"]: row for row in json.loads(out)["rules"]}
    assert rows["timestamp-order"]["severity"] == "error"
