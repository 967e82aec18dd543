"""`maintain findings list`: filters, the SLA state of each open finding, and SARIF of the
open ones that code scanning accepts."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from casework import sarif_schema
from maintain_repo.cli import main

NOW = "2026-12-02T00:00:00Z"
LATE = "2027-03-01T00:00:00Z"  # past the medium finding's deadline (2027-02-07)


@pytest.fixture
def ops(own_ops):
    return own_ops


def listing(root: Path, capsys, *args: str) -> dict:
    assert main(["--root", str(root), "findings", "list", "--format", "json", *args]) == 0
    return json.loads(capsys.readouterr().out)


def test_every_finding_is_listed_open_first_with_its_deadline(ops, capsys):
    found = listing(ops, capsys, "--now", NOW)["findings"]
    assert len(found) == 10
    assert [f["id"] for f in found[:2]] == ["SF-20261120-7PKT", "SF-20261109-A9KH"]
    assert {f["status"] for f in found[2:]} == {
        "duplicate",
        "out_of_scope",
        "false_positive",
        "mitigated",
        "risk_accepted",
    }
    first = found[0]
    assert (first["severity"], first["due"], first["sla_state"]) == (
        "high",
        "2026-12-20T04:20:00Z",
        "ok",
    )
    assert all(f["due"] is None for f in found if f["status"] != "open")


def test_filters_combine(ops, capsys):
    open_medium = listing(ops, capsys, "--now", NOW, "--status", "open", "--severity", "medium")
    assert [f["id"] for f in open_medium["findings"]] == ["SF-20261109-A9KH"]
    either = listing(ops, capsys, "--now", NOW, "--severity", "critical", "--severity", "medium")
    assert {f["severity"] for f in either["findings"]} == {"critical", "medium"}
    assert listing(ops, capsys, "--now", NOW, "--overdue")["findings"] == []
    late = listing(ops, capsys, "--now", LATE, "--overdue")["findings"]
    assert [(f["id"], f["sla_state"]) for f in late] == [
        ("SF-20261120-7PKT", "breached"),
        ("SF-20261109-A9KH", "breached"),
    ]


def test_the_table_says_how_many_are_open_and_late(ops, capsys):
    assert main(["--root", str(ops), "findings", "list", "--now", LATE]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["ID", "STATUS", "SEVERITY", "DUE", "SLA", "TITLE"]
    assert out.rstrip().endswith("10 findings at 2027-03-01T00:00:00Z: 2 open, 2 past their SLA")


def test_sarif_holds_the_open_findings_and_is_valid(ops, capsys):
    assert main(["--root", str(ops), "findings", "list", "--format", "sarif", "--now", NOW]) == 0
    document = json.loads(capsys.readouterr().out)
    jsonschema.Draft4Validator(sarif_schema()).validate(document)
    run = document["runs"][0]
    results = run["results"]
    assert [r["properties"]["record"] for r in results] == ["SF-20261120-7PKT", "SF-20261109-A9KH"]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert rules["py/full-ssrf"]["properties"]["security-severity"] == "8.0"
    assert {r["ruleId"] for r in results} == set(rules)
    # The finding's own fingerprint: the alert follows the finding, not a line.
    fingerprints = [r["partialFingerprints"]["maintain/finding"] for r in results]
    assert all(len(f) == 64 for f in fingerprints)
    ssrf = results[0]["locations"][0]["physicalLocation"]
    assert not ssrf["artifactLocation"]["uri"].startswith("/")


def test_titles_are_printed_inert(ops, capsys):
    """A title may hold a right-to-left override (a record's title forbids only control
    characters): the table shows it escaped, so the terminal cannot reorder the line."""
    record = ops / "records/findings/SF-20261109-A9KH.yaml"
    text = record.read_text()
    title = next(line for line in text.splitlines() if line.startswith("title:"))
    record.write_text(text.replace(title, 'title: "Django \\u202eevil"'))
    assert main(["--root", str(ops), "findings", "list", "--now", NOW]) == 0
    out = capsys.readouterr().out
    assert "\u202e" not in out
    assert "Django \\u202eevil" in out
