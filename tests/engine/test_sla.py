"""`maintain sla`: open obligations, their due times and states, at a chosen now."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

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


ACKNOWLEDGED = OPEN_INCIDENT.replace("status: triage", "status: active") + (
    "acknowledged_at: {at}\n"
)
RESOLVED = ACKNOWLEDGED.replace("status: active", "status: resolved") + (
    "resolved_at: {resolved}\nresolution: Rolled back.\n"
)
REVIEWED = RESOLVED.format(at="2026-11-27T09:05:00Z", resolved="2026-11-27T10:00:00Z") + (
    "postmortem:\n  status: reviewed\n  owner: alice\n  reviewed_at: {reviewed}\n"
)
DONE = """\
id: IMP-20261127-BBBB
kind: improvement
schema_version: 1
title: Alert on pool saturation
status: done
owner: bob
created_at: 2026-11-27T09:00:00Z
source:
  kind: product
category: detect
priority: P2
done_at: {done}
verification: Fired in staging.
"""


@pytest.mark.parametrize(
    ("rel", "text", "kind", "record", "met"),
    [
        (
            "records/incidents/INC-20261127-AAAA.yaml",
            ACKNOWLEDGED.format(at="2026-11-27T09:30:00Z"),  # due 09:10 (tier 1, SEV2)
            "acknowledge",
            "INC-20261127-AAAA",
            "2026-11-27T09:30:00Z",
        ),
        (
            "records/incidents/INC-20261127-AAAA.yaml",
            RESOLVED.format(at="2026-11-27T09:05:00Z", resolved="2026-12-01T09:00:00Z"),
            "resolve",  # due Monday 2026-11-30T09:00 (1bd from Friday)
            "INC-20261127-AAAA",
            "2026-12-01T09:00:00Z",
        ),
        (
            "records/incidents/INC-20261127-AAAA.yaml",
            REVIEWED.format(reviewed="2026-12-10T09:00:00Z"),  # 5bd from Friday 10:00
            "postmortem",
            "INC-20261127-AAAA",
            "2026-12-10T09:00:00Z",
        ),
        (
            "records/improvements/IMP-20261127-BBBB.yaml",
            DONE.format(done="2026-12-30T09:00:00Z"),  # P2: 30d
            "action_item",
            "IMP-20261127-BBBB",
            "2026-12-30T09:00:00Z",
        ),
    ],
    ids=["acknowledge", "resolve", "postmortem", "action-item"],
)
def test_an_obligation_met_late_is_a_breach(make_repo, capsys, rel, text, kind, record, met):
    root = make_repo({"policies/sla.yaml": SLA, rel: text})
    now = (datetime.fromisoformat(met) + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    item = _by(_sla(root, capsys, now), kind, record)
    assert (item["state"], item["met_at"]) == ("breached", met)
    assert main(["--root", str(root), "sla", "--now", now]) == 0
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if record in line and kind in line)
    assert line.startswith("breached ")
    assert line.endswith(f"[met late at {met}]")
    assert out.splitlines()[-1].endswith("; 1 met late (breached) in the last 30 days")
    # Listed for 30 days after it was met, then it is history.
    later = (datetime.fromisoformat(met) + timedelta(days=31)).isoformat().replace("+00:00", "Z")
    assert not [i for i in _sla(root, capsys, later) if (i["kind"], i["record"]) == (kind, record)]


def test_an_obligation_met_in_time_is_not_listed(make_repo, capsys):
    text = ACKNOWLEDGED.format(at="2026-11-27T09:05:00Z")
    root = make_repo({"policies/sla.yaml": SLA, "records/incidents/INC-20261127-AAAA.yaml": text})
    items = _sla(root, capsys, "2026-11-27T10:00:00Z")
    assert not [i for i in items if i["kind"] == "acknowledge"]


def test_an_acknowledgement_dated_ahead_has_not_happened(make_repo, capsys):
    text = ACKNOWLEDGED.format(at="2026-12-04T09:00:00Z")
    root = make_repo({"policies/sla.yaml": SLA, "records/incidents/INC-20261127-AAAA.yaml": text})
    item = _by(_sla(root, capsys, "2026-11-27T10:00:00Z"), "acknowledge", "INC-20261127-AAAA")
    assert (item["state"], item["met_at"]) == ("breached", None)


def _never_acknowledged(resolved: str) -> str:
    """A probe's incident: resolved when the probe recovered, acknowledged by nobody."""
    text = RESOLVED.format(at="", resolved=resolved)
    return text.replace("acknowledged_at: \n", "")


def test_an_incident_resolved_that_nobody_acknowledged_breached_its_acknowledgement(
    make_repo, capsys
):
    rel = "records/incidents/INC-20261127-AAAA.yaml"
    root = make_repo({"policies/sla.yaml": SLA, rel: _never_acknowledged("2026-11-27T09:40:00Z")})
    item = _by(_sla(root, capsys, "2026-11-28T09:00:00Z"), "acknowledge", "INC-20261127-AAAA")
    assert (item["state"], item["met_at"], item["never_met"]) == (
        "breached",
        "2026-11-27T09:40:00Z",
        True,
    )
    assert main(["--root", str(root), "sla", "--now", "2026-11-28T09:00:00Z"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "acknowledge" in x)
    assert line.endswith("[never met; ended at 2026-11-27T09:40:00Z]")


def test_an_incident_resolved_before_its_acknowledgement_was_due_owes_nothing(make_repo, capsys):
    rel = "records/incidents/INC-20261127-AAAA.yaml"
    root = make_repo({"policies/sla.yaml": SLA, rel: _never_acknowledged("2026-11-27T09:08:00Z")})
    items = _sla(root, capsys, "2026-11-28T09:00:00Z")
    assert not [i for i in items if i["kind"] == "acknowledge"]
