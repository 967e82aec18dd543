"""`maintain sla`: open obligations, their due times and states, at a chosen now."""

from __future__ import annotations

import json

import pytest

from maintain_repo.cli import main

SLA = """\
kind: SLAPolicy
name: test-sla
incident:
  acknowledge: {SEV1: 15m, SEV2: 30m}
  resolve: {SEV1: 4h, SEV2: 1bd}
  tiers:
    - tier: 1
      acknowledge: {SEV2: 10m}
  postmortem: {SEV1: 5bd, SEV2: 5bd}
improvement: {P2: 30d}
finding: {medium: 90d}
at_risk_after: 0.5
"""

OPEN_INCIDENT = """\
id: INC-20261127-AAAA
kind: incident
schema_version: 1
title: Checkout slow
status: triage
owner: alice
created_at: 2026-11-27T09:00:00Z
severity: SEV2
type: performance
services: [checkout-api]
reported_at: 2026-11-27T09:00:00Z
"""


@pytest.fixture
def repo(make_repo):
    return make_repo(
        {
            "policies/sla.yaml": SLA,
            "records/incidents/INC-20261127-AAAA.yaml": OPEN_INCIDENT,
        }
    )


def _sla(root, capsys, now, *args):
    code = main(["--root", str(root), "sla", "--format", "json", "--now", now, *args])
    assert code == 0
    return json.loads(capsys.readouterr().out)["obligations"]


def _by(items, kind, record):
    return next(i for i in items if i["kind"] == kind and i["record"] == record)


def test_states_move_from_ok_to_at_risk_to_breached(repo, capsys):
    # checkout-api is tier 1: SEV2 must be acknowledged within 10 minutes.
    states = [
        _by(_sla(repo, capsys, now), "acknowledge", "INC-20261127-AAAA")["state"]
        for now in ("2026-11-27T09:04:00Z", "2026-11-27T09:06:00Z", "2026-11-27T09:10:00Z")
    ]
    assert states == ["ok", "at_risk", "breached"]


def test_business_days_skip_the_weekend(repo, capsys):
    # Friday 09:00 + 1bd (SEV2 resolve; tier 1 sets no resolve target) = Monday 09:00 (Berlin).
    item = _by(_sla(repo, capsys, "2026-11-27T10:00:00Z"), "resolve", "INC-20261127-AAAA")
    assert (item["start"], item["due"]) == ("2026-11-27T09:00:00Z", "2026-11-30T09:00:00Z")


def test_met_obligations_are_not_listed(repo, capsys):
    items = _sla(repo, capsys, "2026-11-27T10:00:00Z")
    records = {i["record"] for i in items}
    # The base incident is closed with a reviewed postmortem; its improvement is done.
    assert "INC-20260301-7K2M" not in records
    assert "IMP-20260302-9ZT4" not in records
    # The waiver is active until 2026-06-30: at this now it is past due.
    waiver = _by(items, "waiver_expiry", "WV-20260311-8F9G")
    assert waiver["state"] == "breached"


def test_a_stated_earlier_due_date_wins(repo, capsys):
    path = repo / "records/findings/SF-20260310-5D6E.yaml"
    path.write_text(
        path.read_text()
        .replace("status: risk_accepted", "status: open")
        .replace(
            "waiver: WV-20260311-8F9G\n",
            "sla:\n  start: 2026-03-10T08:00:00Z\n  due: 2026-04-01T00:00:00Z\n",
        )
    )
    item = _by(_sla(repo, capsys, "2026-03-20T00:00:00Z"), "remediation", "SF-20260310-5D6E")
    assert (item["due"], item["basis"]) == ("2026-04-01T00:00:00Z", "the record's own due date")


def test_the_clock_comes_from_maintain_now(repo, capsys, monkeypatch):
    monkeypatch.setenv("MAINTAIN_NOW", "2026-11-27T09:04:00Z")
    assert main(["--root", str(repo), "sla"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("STATE")
    assert out.splitlines()[-1] == (
        "3 open obligations at 2026-11-27T09:04:00Z: 1 breached, 0 at risk, 2 ok"
    )


def test_bad_now_and_missing_policy_are_usage_errors(make_repo, repo, capsys):
    assert main(["--root", str(repo), "sla", "--now", "yesterday"]) == 2
    assert "--now: 'yesterday' is not an RFC 3339 timestamp" in capsys.readouterr().err
    assert main(["--root", str(make_repo()), "sla"]) == 2
    assert "no valid SLAPolicy in policies/" in capsys.readouterr().err
