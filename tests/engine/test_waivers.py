"""Waivers cover named violations until they expire: judged at a chosen --now."""

from __future__ import annotations

import json

import pytest

from maintain_repo.cli import main

IMPROVEMENT = "records/improvements/IMP-20260302-9ZT4.yaml"
WAIVER = "records/waivers/WV-20260315-7JQ2.yaml"

STRICT_SLA = "kind: SLAPolicy\nname: strict\nimprovement: {P2: 7d}\nwaiver: {policy: 90d}\n"
POLICY_WAIVER = """\
id: WV-20260315-7JQ2
kind: waiver
schema_version: 1
title: The pool alert needs the load-test rig, which arrives on 18 March
status: active
owner: bob
created_at: 2026-03-15T09:00:00Z
covers:
  policies:
    - policy: sla-due
      records: [IMP-20260302-9ZT4]
justification: The alert cannot be verified before the load-test rig arrives.
approver: erin
expires: 2026-05-01T00:00:00Z
"""


@pytest.fixture
def repo(make_repo):
    return make_repo({"policies/sla.yaml": STRICT_SLA, WAIVER: POLICY_WAIVER})


def _check(root, capsys, now):
    code = main(["--root", str(root), "check", "--format", "json", "--now", now])
    return code, json.loads(capsys.readouterr().out)


def test_a_waiver_covers_before_it_expires_and_not_after(repo, capsys):
    code, before = _check(repo, capsys, "2026-04-30T23:59:59Z")
    assert code == 0
    assert before["findings"] == []
    assert before["summary"]["waived"] == 1
    assert [(w["rule"], w["path"], w["waiver"]) for w in before["waived"]] == [
        ("sla-due", IMPROVEMENT, "WV-20260315-7JQ2")
    ]

    code, after = _check(repo, capsys, "2026-05-01T00:00:00Z")
    assert code == 1
    assert after["summary"]["waived"] == 0
    by_rule = {f["rule"]: f for f in after["findings"]}
    assert by_rule["sla-due"]["path"] == IMPROVEMENT
    assert by_rule["sla-due"]["message"].endswith(
        "(waiver WV-20260315-7JQ2 expired on 2026-05-01T00:00:00Z)"
    )
    assert (by_rule["waiver-expired"]["path"], by_rule["waiver-expired"]["line"]) == (WAIVER, 14)


def test_text_summary_counts_waived_results_separately(repo, capsys):
    assert main(["--root", str(repo), "check", "--now", "2026-04-01T00:00:00Z"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"{IMPROVEMENT}:14:1: waived sla-due due is 2026-03-20T17:00:00Z")
    assert lines[0].endswith("(waiver WV-20260315-7JQ2)")
    assert lines[-1] == "11 files checked (9 records): 11 passed, 0 failed, 1 waived"


def test_sarif_marks_waived_results_as_suppressed(repo, capsys):
    assert main(["--root", str(repo), "check", "--format", "sarif"]) == 0
    results = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    [waived] = [r for r in results if r["ruleId"] == "sla-due"]
    assert waived["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "waiver WV-20260315-7JQ2"}
    ]


def test_a_waiver_longer_than_the_sla_allows(make_repo, capsys):
    root = make_repo(
        {
            "policies/sla.yaml": STRICT_SLA,
            WAIVER: POLICY_WAIVER.replace("2026-05-01T00:00:00Z", "2026-09-01T00:00:00Z"),
        }
    )
    code, report = _check(root, capsys, "2026-04-01T00:00:00Z")
    assert code == 1
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("waiver-too-long", 14)]


def test_a_waiver_dated_ahead_covers_nothing_until_its_date(make_repo, capsys):
    """Else a future created_at would stretch a waiver past the longest the SLA allows."""
    root = make_repo(
        {
            "policies/sla.yaml": STRICT_SLA,
            WAIVER: POLICY_WAIVER.replace("2026-03-15T09:00:00Z", "2026-04-20T09:00:00Z"),
        }
    )
    code, report = _check(root, capsys, "2026-04-01T00:00:00Z")
    assert code == 1
    assert report["summary"]["waived"] == 0
    [finding] = report["findings"]
    assert finding["rule"] == "sla-due"
    assert finding["message"].endswith("(waiver WV-20260315-7JQ2 starts on 2026-04-20T09:00:00Z)")
    code, report = _check(root, capsys, "2026-04-20T09:00:00Z")
    assert (code, report["summary"]["waived"]) == (0, 1)


def test_a_revoked_waiver_says_so(make_repo, capsys):
    revoked = POLICY_WAIVER.replace("status: active", "status: revoked").replace(
        "expires:", "revoked_at: 2026-03-20T09:00:00Z\nexpires:"
    )
    root = make_repo({"policies/sla.yaml": STRICT_SLA, WAIVER: revoked})
    code, report = _check(root, capsys, "2026-04-01T00:00:00Z")
    assert code == 1
    [finding] = report["findings"]
    assert finding["message"].endswith("(waiver WV-20260315-7JQ2 was revoked)")


def test_findings_of_a_disabled_rule_are_not_waived(make_repo, capsys):
    root = make_repo(
        {
            "policies/sla.yaml": STRICT_SLA,
            WAIVER: POLICY_WAIVER,
            "policies/settings.yaml": "kind: Settings\nschema_version: 1\n"
            "rules:\n  sla-due: {enabled: false}\n",
        }
    )
    code, report = _check(root, capsys, "2026-04-01T00:00:00Z")
    assert report["summary"]["waived"] == 0
    # The waiver now covers nothing: it can go.
    assert [(f["rule"], f["path"]) for f in report["findings"]] == [("waiver-orphaned", WAIVER)]
    assert code == 1
