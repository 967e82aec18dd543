"""`maintain sla remind` against the emulator: one issue per late obligation, closed when met."""

from __future__ import annotations

import pytest

from githubops import actions_env, make_ops_repo
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
    emu = make_github(users={"alice": "admin"}, teams={}, git_dir=repo.origin)
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
    assert "@acme/sre" not in issue["body"]

    # Later runs: nothing new while it stays late.
    code, out = _remind(repo, "2026-11-27T10:03:00Z", capsys)
    assert "0 opened, 0 updated, 0 closed, 2 unchanged" in out
    assert len(emu.issues) == 2

    # Acknowledged: the reminder is closed, with one comment saying why.
    repo.commit_and_push({RECORD: ACKNOWLEDGED}, "acknowledge")
    code, out = _remind(repo, "2026-11-27T10:10:00Z", capsys)
    assert "0 opened, 0 updated, 1 closed, 1 unchanged" in out
    issue = emu.issue(issue["number"])
    assert issue["state"] == "closed"
    assert len(emu.comments(issue["number"])) == 1
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
