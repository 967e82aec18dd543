"""`maintain findings accept` and `dismiss`: a person's decision on a finding, written
with its waiver so that `maintain check` passes; and risk acceptances that come in with
a report (a Dependabot alert dismissed as a tolerable risk)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maintain_repo.cli import main
from scans import CVE, DAY1, DAY2, GHSA, checks_clean, dependabot, record, run, tree, trivy

ME = "ana-costa"


@pytest.fixture
def ops(own_ops):
    return own_ops


def _one_open(root: Path) -> tuple[str, str]:
    """A new open high finding (the SLA policy lets a waiver run 90 days), its id and file."""
    outcome = run(root, DAY1, ("trivy.json", trivy("Django", "3.2.9", CVE)))
    [rel] = outcome.records
    assert record(root, rel)["severity"] == "high"
    return record(root, rel)["id"], rel


def cli(root: Path, *argv: str) -> int:
    return main(["--root", str(root), "findings", *argv, "--by", ME, "--now", DAY2])


def test_accepting_writes_the_finding_and_its_waiver_and_check_passes(ops, capsys):
    ident, rel = _one_open(ops)
    assert cli(ops, "accept", ident, "--until", "2027-01-31", "--reason", "Not reachable.") == 0
    finding = record(ops, rel)
    assert finding["status"] == "risk_accepted"
    waiver_rel = f"records/waivers/{finding['waiver']}.yaml"
    waiver = record(ops, waiver_rel)
    assert waiver["covers"] == {"findings": [ident]}
    assert (waiver["status"], waiver["approver"], waiver["owner"]) == ("active", ME, ME)
    assert waiver["expires"] == "2027-01-31T23:59:59Z"
    assert waiver["justification"] == "Not reachable."
    assert finding["timeline"][-1]["event"] == "risk_accepted"
    assert list(finding)[-1] == "timeline"  # the new key goes before the timeline
    checks_clean(ops, DAY2, capsys)


def test_an_acceptance_longer_than_the_sla_policy_allows_is_refused_and_writes_nothing(ops, capsys):
    ident, _ = _one_open(ops)
    before = tree(ops)
    assert cli(ops, "accept", ident, "--until", "2027-12-31", "--reason", "Later.") == 2
    err = capsys.readouterr().err
    assert "later than the SLA policy allows for a high finding (90d" in err
    assert "at most 2027-03-11T10:00:00Z" in err  # DAY2 + 90 days
    assert tree(ops) == before


@pytest.mark.parametrize(
    ("until", "says"),
    [("2026-12-01", "is not after now"), ("31/01/2027", "--until"), ("2027-02-30", "not a date")],
)
def test_a_bad_end_date_is_refused(ops, capsys, until, says):
    ident, _ = _one_open(ops)
    before = tree(ops)
    assert cli(ops, "accept", ident, "--until", until, "--reason", "x") == 2
    assert says in capsys.readouterr().err
    assert tree(ops) == before


def test_dismissing_an_accepted_finding_revokes_the_waiver_that_covered_only_it(ops, capsys):
    ident, rel = _one_open(ops)
    cli(ops, "accept", ident, "--until", "2027-01-31", "--reason", "Not reachable.")
    waiver_id = record(ops, rel)["waiver"]
    assert cli(ops, "dismiss", ident, "--as", "false_positive", "--reason", "Not ours.") == 0
    finding = record(ops, rel)
    assert (finding["status"], finding["justification"], finding["decided_by"]) == (
        "false_positive",
        "Not ours.",
        ME,
    )
    waiver = record(ops, f"records/waivers/{waiver_id}.yaml")
    assert (waiver["status"], waiver["revoked_at"]) == ("revoked", DAY2)
    assert finding["waiver"] == waiver_id  # the history stays linked, both ways
    checks_clean(ops, DAY2, capsys)


def test_dismissing_keeps_the_records_comments(ops, capsys):
    ident, rel = _one_open(ops)
    path = ops / rel
    path.write_text(path.read_text().replace("severity: high", "severity: high  # triaged", 1))
    assert cli(ops, "dismiss", ident, "--as", "out_of_scope", "--reason", "Test code.") == 0
    assert "severity: high  # triaged\n" in path.read_text()
    checks_clean(ops, DAY2, capsys)


def test_a_decided_finding_is_not_decided_again(ops, capsys):
    ident, _ = _one_open(ops)
    cli(ops, "dismiss", ident, "--as", "out_of_scope", "--reason", "Test code.")
    before = tree(ops)
    assert cli(ops, "accept", ident, "--until", "2027-01-31", "--reason", "x") == 2
    assert "the finding is out_of_scope" in capsys.readouterr().err
    assert cli(ops, "dismiss", ident, "--as", "out_of_scope", "--reason", "again") == 2
    assert "already out_of_scope" in capsys.readouterr().err
    assert tree(ops) == before


def test_an_unknown_finding_is_named(ops, capsys):
    assert cli(ops, "dismiss", "SF-20990101-ZZZZ", "--as", "false_positive", "--reason", "x") == 2
    assert "no finding SF-20990101-ZZZZ" in capsys.readouterr().err


def test_dry_run_writes_nothing(ops, capsys):
    ident, _ = _one_open(ops)
    before = tree(ops)
    argv = ["accept", ident, "--until", "2027-01-31", "--reason", "x", "--dry-run"]
    assert cli(ops, *argv) == 0
    assert "would write 2 file(s)" in capsys.readouterr().out
    assert tree(ops) == before


def _dismissed_alert(reason: str) -> bytes:
    [alert] = json.loads(dependabot("Django", GHSA, CVE))
    alert.update(
        state="dismissed",
        dismissed_reason=reason,
        dismissed_comment="Only used by the admin tool.",
        dismissed_by={"login": "jo-lee"},
        dismissed_at="2026-12-09T10:00:00Z",
    )
    return json.dumps([alert]).encode()


def test_a_risk_acceptance_in_a_report_comes_in_with_its_waiver(ops, capsys):
    outcome = run(ops, DAY1, ("alerts.json", _dismissed_alert("tolerable_risk")))
    assert outcome.new == 1
    finding_rel = next(r for r in outcome.records if r.startswith("records/findings/"))
    waiver_rel = next(r for r in outcome.records if r.startswith("records/waivers/"))
    finding, waiver = record(ops, finding_rel), record(ops, waiver_rel)
    assert finding["status"] == "risk_accepted"
    assert finding["waiver"] == waiver["id"]
    assert waiver["covers"] == {"findings": [finding["id"]]}
    assert waiver["approver"] == "jo-lee"
    assert waiver["justification"] == "Only used by the admin tool."
    assert waiver["expires"] == "2027-06-08T10:00:00Z"  # medium: the 180 days the policy allows
    checks_clean(ops, DAY1, capsys)
    again = run(ops, DAY1, ("alerts.json", _dismissed_alert("tolerable_risk")))
    assert (again.new, again.records) == (0, [])  # no second waiver


def test_an_open_finding_accepted_in_a_later_report_gets_its_waiver(ops, capsys):
    first = run(ops, DAY1, ("alerts.json", dependabot("Django", GHSA, CVE)))
    [rel] = first.records
    later = run(ops, DAY2, ("alerts.json", _dismissed_alert("no_bandwidth")))
    assert rel in later.records
    finding = record(ops, rel)
    assert finding["status"] == "risk_accepted"
    assert record(ops, f"records/waivers/{finding['waiver']}.yaml")["status"] == "active"
    checks_clean(ops, DAY2, capsys)


def test_an_alert_github_reports_fixed_marks_its_finding_mitigated(ops, capsys):
    first = run(ops, DAY1, ("alerts.json", dependabot("Django", GHSA, CVE)))
    [rel] = first.records
    [alert] = json.loads(dependabot("Django", GHSA, CVE))
    alert.update(state="fixed", fixed_at="2026-12-10T12:00:00Z")
    fixed = run(ops, DAY2, ("alerts.json", json.dumps([alert]).encode()))
    assert (fixed.mitigated, fixed.updated, fixed.records) == (1, 0, [rel])
    finding = record(ops, rel)
    assert (finding["status"], finding["mitigated_at"]) == ("mitigated", DAY2)
    assert finding["last_seen"] == DAY1  # fixed: not seen again
    assert finding["timeline"][-1]["text"] == "fixed, as dependabot reports"
    checks_clean(ops, DAY2, capsys)
