"""`maintain sla remind` against the emulator: one issue per late obligation, assigned to its
owner (or mentioning the owning team), closed when met: as a breach when met late."""

from __future__ import annotations

import pytest

from emulated import client
from githubops import actions_env, label_replacements, make_ops_repo
from maintain_repo.cli import main
from maintain_repo.testing.github import Fault

SLA = """\
kind: SLAPolicy
name: response
incident:
  acknowledge: {SEV2: 15m}
  resolve: {SEV2: 4h}
"""
TRIAGE = """\
id: INC-20261127-AB12
kind: incident
schema_version: 1
title: Payments are slow <b>@acme/sre</b>
status: triage
owner: alice
created_at: 2026-11-27T09:00:00Z
severity: SEV2
type: performance
services: [payments]
reported_at: 2026-11-27T09:00:00Z
"""
ACKNOWLEDGED = TRIAGE.replace("status: triage", "status: active") + (
    "acknowledged_at: 2026-11-27T10:05:00Z\n"
)
RECORD = "records/incidents/INC-20261127-AB12.yaml"


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    repo = make_ops_repo(tmp_path, {"policies/sla.yaml": SLA, RECORD: TRIAGE})
    emu = make_github(users={"alice": "admin", "bob": "write"}, teams={}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    return repo, emu


def _remind(repo, now, capsys):
    code = main(["--root", str(repo.root), "sla", "remind", "--now", now])
    return code, capsys.readouterr().out


def test_one_issue_per_late_obligation_updated_then_closed(world, capsys):
    repo, emu = world
    code, out = _remind(repo, "2026-11-27T10:00:00Z", capsys)
    assert code == 0, out
    # The base repository's expired waiver is late too.
    assert "2 opened, 0 updated, 0 closed" in out
    (issue,) = [i for i in emu.issues if "INC-20261127-AB12" in i["title"]]
    assert issue["title"] == "SLA breached: acknowledge of INC-20261127-AB12"
    assert {x["name"] for x in issue["labels"]} == {"sla", "maintain", "sla:breached"}
    assert "<!-- maintain:sla:INC-20261127-AB12:acknowledge -->" in issue["body"]
    assert "<b>" not in issue["body"]
    assert "@acme/sre" not in issue["body"]  # the title's text mentions nobody
    # The owner is assigned, and mentioned: GitHub notifies her.
    assert [user["login"] for user in issue["assignees"]] == ["alice"]
    assert "- Owner: @alice\n" in issue["body"]

    # Later runs: nothing new while it stays late.
    code, out = _remind(repo, "2026-11-27T10:03:00Z", capsys)
    assert "0 opened, 0 updated, 0 closed, 2 unchanged" in out
    assert len(emu.issues) == 2

    # Acknowledged 50 minutes late: the reminder is closed as a breach, said and labelled so.
    repo.commit_and_push({RECORD: ACKNOWLEDGED}, "acknowledge")
    code, out = _remind(repo, "2026-11-27T10:10:00Z", capsys)
    assert "0 opened, 0 updated, 1 closed, 1 unchanged" in out
    issue = emu.issue(issue["number"])
    assert issue["state"] == "closed"
    assert {x["name"] for x in issue["labels"]} == {"sla", "maintain", "sla:breached"}
    (comment,) = emu.comments(issue["number"])
    assert comment["body"].startswith(
        "Met late: the acknowledge of INC-20261127-AB12 was met at 2026-11-27T10:05:00Z, "
        "50 min after it was due (2026-11-27T09:15:00Z). The deadline was breached"
    )
    code, out = _remind(repo, "2026-11-27T10:11:00Z", capsys)
    assert "0 opened, 0 updated, 0 closed, 1 unchanged" in out


def test_lost_responses_and_throttling_still_give_one_issue(world, capsys):
    repo, emu = world
    emu.inject(Fault(method="POST", path=r"/issues$", status=502, times=1, when="after"))
    emu.inject(Fault(method="GET", path=r"/issues$", status=403, times=1, retry_after=1))
    assert _remind(repo, "2026-11-27T10:00:00Z", capsys)[0] == 0
    assert _remind(repo, "2026-11-27T10:01:00Z", capsys)[0] == 0
    assert len(emu.issues) == 2  # the acknowledgement and the base repository's waiver


def test_dry_run_reminds_nobody(world, capsys, monkeypatch):
    repo, emu = world
    code = main(
        ["--root", str(repo.root), "sla", "remind", "--dry-run", "--now", "2026-11-27T10:00:00Z"]
    )
    assert code == 0
    assert "dry run: would open issue 'SLA breached: acknowledge of INC-20261127-AB12'" in (
        capsys.readouterr().out
    )
    assert emu.issues == []
    assert emu.labels == []


def test_met_in_time_closes_as_done(world, capsys):
    repo, emu = world
    # Due 09:15; at risk from 09:11:15 (75% of the time gone).
    assert "2 opened" in _remind(repo, "2026-11-27T09:12:00Z", capsys)[1]
    (issue,) = [i for i in emu.issues if "INC-20261127-AB12" in i["title"]]
    assert issue["title"] == "SLA at risk: acknowledge of INC-20261127-AB12"
    in_time = ACKNOWLEDGED.replace("10:05:00Z", "09:14:00Z")
    repo.commit_and_push({RECORD: in_time}, "acknowledge in time")
    assert "1 closed" in _remind(repo, "2026-11-27T09:20:00Z", capsys)[1]
    issue = emu.issue(issue["number"])
    assert (issue["state"], issue["state_reason"]) == ("closed", "completed")
    assert {x["name"] for x in issue["labels"]} == {"sla", "maintain", "sla:at_risk"}
    (comment,) = emu.comments(issue["number"])
    assert comment["body"].startswith("This obligation is no longer at risk or late")


@pytest.mark.parametrize(
    ("owner", "assignees", "named"),
    [
        ("alice", ["alice"], "@alice"),
        ('"@bob"', ["bob"], "@bob"),  # quoted: @ cannot start a plain YAML scalar
        ("acme/sre", [], "@acme/sre"),  # a team cannot be assigned: it is mentioned
        ("zed", [], "@zed"),  # no role on the repository: GitHub would refuse the assignment
    ],
)
def test_the_owner_is_assigned_or_mentioned(world, capsys, owner, assignees, named):
    repo, emu = world
    if owner != "alice":
        repo.commit_and_push({RECORD: TRIAGE.replace("owner: alice", f"owner: {owner}")}, "owner")
    assert _remind(repo, "2026-11-27T10:00:00Z", capsys)[0] == 0
    (issue,) = [i for i in emu.issues if "INC-20261127-AB12" in i["title"]]
    assert [user["login"] for user in issue["assignees"]] == assignees
    assert f"- Owner: {named}\n" in issue["body"]


@pytest.mark.parametrize("by_hand", [["alice", "bob"], ["bob"], []])
def test_assignees_set_by_hand_stay(world, capsys, by_hand):
    """The owner is assigned when the reminder is opened; after that people decide: added
    ones stay, and an owner who handed it on (or unassigned it) is not put back."""
    repo, emu = world
    _remind(repo, "2026-11-27T09:12:00Z", capsys)  # at risk: opened, assigned to alice
    (issue,) = [i for i in emu.issues if "INC-20261127-AB12" in i["title"]]
    client(emu, "alice").get_repo("acme/shop").get_issue(issue["number"]).edit(assignees=by_hand)
    assert "1 updated" in _remind(repo, "2026-11-27T09:20:00Z", capsys)[1]  # now breached
    assert {u["login"] for u in emu.issue(issue["number"])["assignees"]} == set(by_hand)


def test_labels_people_added_stay_through_updates_and_closing(world, capsys):
    repo, emu = world
    # At risk at 09:12: a reminder is opened; somebody files it under their team.
    assert "2 opened" in _remind(repo, "2026-11-27T09:12:00Z", capsys)[1]
    (issue,) = [i for i in emu.issues if "INC-20261127-AB12" in i["title"]]
    client(emu, "alice").get_repo("acme/shop").get_issue(issue["number"]).add_to_labels(
        "team:payments"
    )
    # Breached at 09:20: the reminder turns from at risk to breached.
    assert "1 updated" in _remind(repo, "2026-11-27T09:20:00Z", capsys)[1]
    labels = {x["name"] for x in emu.issue(issue["number"])["labels"]}
    assert labels == {"sla", "maintain", "sla:breached", "team:payments"}
    # Met late: closed, still labelled by the team and as the breach it was.
    repo.commit_and_push({RECORD: ACKNOWLEDGED}, "acknowledge")
    assert "1 closed" in _remind(repo, "2026-11-27T10:10:00Z", capsys)[1]
    closed = emu.issue(issue["number"])
    assert closed["state"] == "closed"
    assert {x["name"] for x in closed["labels"]} == labels
    assert label_replacements(emu) == []  # never the whole set at once


def test_resolved_with_nobody_acknowledging_is_closed_as_never_met(world, capsys):
    repo, emu = world
    assert "2 opened" in _remind(repo, "2026-11-27T10:00:00Z", capsys)[1]
    (issue,) = [i for i in emu.issues if "INC-20261127-AB12" in i["title"]]
    resolved = TRIAGE.replace("status: triage", "status: resolved") + (
        "resolved_at: 2026-11-27T10:05:00Z\nresolution: The probe recovered.\n"
    )
    repo.commit_and_push({RECORD: resolved}, "resolved by the probe")
    assert "1 closed" in _remind(repo, "2026-11-27T10:10:00Z", capsys)[1]
    closed = emu.issue(issue["number"])
    assert closed["state"] == "closed"
    assert "sla:breached" in {x["name"] for x in closed["labels"]}
    (comment,) = emu.comments(issue["number"])
    assert comment["body"].startswith(
        "Never met: the acknowledge of INC-20261127-AB12 did not happen; the record moved on "
        "at 2026-11-27T10:05:00Z, 50 min after it was due (2026-11-27T09:15:00Z)."
    )
