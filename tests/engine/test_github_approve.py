"""Change approvals, end to end: `maintain approve` and `check --online` against the emulator."""

from __future__ import annotations

import pytest

from emulated import client, validate_webhook
from githubops import REPOSITORY, actions_env, git, make_ops_repo, write_event
from maintain_repo.cli import main

USERS = {"alice": "admin", "bob": "write", "carol": "triage", "dan": "write", "erin": "write"}
TEAMS = {"acme/sre": ["alice", "bob"]}
POLICY = """\
kind: ApprovalPolicy
name: change-approval
policy:
  approval:
    - peer-review
    - high-risk-needs-sre
  disapproval:
    requires: {teams: [acme/sre]}
rules:
  - name: peer-review
    requires: {count: 1, permissions: [write]}
  - name: high-risk-needs-sre
    if:
      change: {risk: [high, critical]}
    requires: {count: 1, teams: [acme/sre]}
"""
CHANGE = "records/changes/CHG-20261127-RSK1.yaml"
RISKY = """\
id: CHG-20261127-RSK1
kind: change
schema_version: 1
title: Move payments to the new database cluster
status: submitted
owner: dan
created_at: 2026-11-27T08:00:00Z
type: normal
risk: {level: high}
services: [payments]
implementation_plan: [Switch the connection string.]
rollback: {plan: Switch it back.}
submitted_at: 2026-11-27T08:30:00Z
"""


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    repo = make_ops_repo(tmp_path, {"policies/approval.yaml": POLICY})
    emu = make_github(users=USERS, teams=TEAMS, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    git(repo.root, "checkout", "-q", "-b", "risky")
    repo.commit_and_push({CHANGE: RISKY}, "a risky change", branch="risky")
    pull = (
        client(emu, "dan")
        .get_repo(REPOSITORY)
        .create_pull(
            base="main", head="risky", title="Move payments to the new cluster", body="<b>hi</b>"
        )
    )
    return repo, emu, pull.number


def _approve(repo, number):
    git(repo.root, "fetch", "-q", "origin")
    return main(["--root", str(repo.root), "approve", "--pr", str(number)])


def _review(emu, login, number, event):
    pull = client(emu, login).get_repo(REPOSITORY).get_pull(number)
    return pull.create_review(event=event, body="" if event == "APPROVE" else "please fix")


def _state(emu, number):
    head = emu.pull(number)["head"]["sha"]
    mine = [s for s in emu.statuses(head) if s["context"] == "maintain/approval"]
    return mine[0]["state"] if mine else None  # newest first, as GitHub lists them


def _verdicts(emu, number):
    return [c for c in emu.comments(number) if "maintain:approval" in c["body"]]


def test_the_verdict_follows_reviews_on_the_head_commit(world, capsys):
    repo, emu, number = world
    assert _approve(repo, number) == 0
    assert _state(emu, number) == "pending"
    (comment,) = _verdicts(emu, number)
    assert "peer-review" in comment["body"]
    assert "high-risk-needs-sre" in comment["body"]

    _review(emu, "erin", number, "APPROVE")  # write, but not in acme/sre
    assert _approve(repo, number) == 0
    assert _state(emu, number) == "pending"

    _review(emu, "bob", number, "APPROVE")  # write and acme/sre
    assert _approve(repo, number) == 0
    assert _state(emu, number) == "success"
    assert len(_verdicts(emu, number)) == 1  # edited in place
    assert "approved" in capsys.readouterr().out

    # A new push: approvals of the older commit no longer count.
    git(repo.root, "checkout", "-q", "risky")
    repo.commit_and_push({CHANGE: RISKY.replace("Switch it back.", "Switch back.")}, "fix", "risky")
    assert _approve(repo, number) == 0
    assert _state(emu, number) == "pending"
    assert "given before the push of" in _verdicts(emu, number)[0]["body"]


def test_a_veto_from_the_team_wins(world):
    repo, emu, number = world
    _review(emu, "bob", number, "APPROVE")
    _review(emu, "alice", number, "REQUEST_CHANGES")
    assert _approve(repo, number) == 0
    assert _state(emu, number) == "failure"


def test_a_review_event_runs_the_check_through_sync(world, tmp_path):
    repo, emu, number = world
    review = _review(emu, "bob", number, "APPROVE")
    payload = emu.webhook("pull_request_review", "submitted", review=review.id, sender="bob")
    validate_webhook("pull_request_review", "submitted", payload)
    path = write_event(tmp_path, payload)
    git(repo.root, "fetch", "-q", "origin")
    args = ["--root", str(repo.root), "github", "sync", "--event", str(path)]
    assert main([*args, "--event-name", "pull_request_review"]) == 0
    assert _state(emu, number) == "success"


def test_faults_still_leave_one_verdict_comment(world):
    from maintain_repo.testing.github import Fault

    repo, emu, number = world
    emu.inject(Fault(method="POST", path=r"/comments$", status=502, times=1, when="after"))
    emu.inject(Fault(method="POST", path=r"/statuses/", status=500, times=1, when="before"))
    emu.inject(Fault(method="GET", path=r"/reviews$", status=502, times=2))
    assert _approve(repo, number) == 0
    assert _approve(repo, number) == 0
    assert len(_verdicts(emu, number)) == 1
    assert _state(emu, number) == "pending"


def test_check_online_finds_a_hand_written_approval(world, capsys):
    repo, emu, number = world
    _review(emu, "bob", number, "APPROVE")
    assert _approve(repo, number) == 0
    head = emu.pull(number)["head"]["sha"]
    honest = RISKY + (
        f"approval:\n  pull_request: {number}\n  head_sha: {head}\n  approvers:\n"
        "    - login: bob\n      at: 2026-11-27T09:00:00Z\n  evaluated_at: 2026-11-27T09:01:00Z\n"
    )
    forged = honest.replace("login: bob", "login: erin")
    target = repo.root / CHANGE
    for text, expected in ((honest, set()), (forged, {"erin"})):
        target.write_text(text, encoding="utf-8")
        main(["--root", str(repo.root), "check", "--no-cache", "--online", "--format", "json"])
        out = capsys.readouterr().out
        assert ("erin is listed as approver" in out) == bool(expected), out
    # The base repository's own hand-written approval (pull request #88) is found too.
    assert "pull request #88 does not exist" in out


def test_a_head_the_clone_lacks_is_fetched(world, tmp_path):
    # A run on a comment checks out the default branch only: the head commit (and the
    # change record it holds) is fetched from refs/pull/N/head.
    repo, emu, number = world
    lean = tmp_path / "lean"
    git(tmp_path, "clone", "-q", "--single-branch", "--branch", "main", str(repo.origin), str(lean))
    _review(emu, "erin", number, "APPROVE")  # write, not SRE
    assert main(["--root", str(lean), "approve", "--pr", str(number)]) == 0
    # The change record's high risk was read: the SRE rule applies and waits.
    assert _state(emu, number) == "pending"
    assert "high-risk-needs-sre: needs 1 more approval" in _verdicts(emu, number)[0]["body"]


JOB = {"contents": "read", "pull_requests": "write", "statuses": "write", "checks": "read"}


def test_a_team_the_jobs_token_cannot_read_is_never_approved_over(world, monkeypatch):
    """Actions' GITHUB_TOKEN may not read team members, and GitHub answers 404 as for a
    non-member: a rule that needs the team is not judged (an error naming the permission),
    never approved over, and never taken for "not a member"."""
    repo, emu, number = world
    monkeypatch.setenv("GITHUB_TOKEN", emu.job_token(JOB))
    _review(emu, "bob", number, "APPROVE")  # write and acme/sre: enough for a token that reads it
    assert _approve(repo, number) == 1
    assert _state(emu, number) == "error"
    (verdict,) = _verdicts(emu, number)
    assert "the token may not read the members of acme/sre" in verdict["body"]
    assert "members: read" in verdict["body"]
    # With a token that may read the team (a GitHub App's), the same facts are approved.
    monkeypatch.setenv("GITHUB_TOKEN", emu.bot_token)
    assert _approve(repo, number) == 0
    assert _state(emu, number) == "success"


ORG_POLICY = """\
kind: ApprovalPolicy
name: change-approval
policy:
  approval: [staff-review]
rules:
  - name: staff-review
    requires: {count: 1, organizations: [acme]}
"""


def test_an_organization_the_jobs_token_cannot_read_is_never_approved_over(
    tmp_path, make_github, monkeypatch
):
    """For organization membership GitHub redirects (302) a token that is not the
    organization's to the public members: that is "cannot tell", not "not a member"."""
    repo = make_ops_repo(tmp_path, {"policies/approval.yaml": ORG_POLICY})
    emu = make_github(users=USERS, teams=TEAMS, orgs={"acme": ["dan"]}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    git(repo.root, "checkout", "-q", "-b", "risky")
    repo.commit_and_push({CHANGE: RISKY}, "a risky change", branch="risky")
    pull = (
        client(emu, "erin").get_repo(REPOSITORY).create_pull(base="main", head="risky", title="t")
    )
    _review(emu, "dan", pull.number, "APPROVE")
    monkeypatch.setenv("GITHUB_TOKEN", emu.job_token(JOB))
    assert _approve(repo, pull.number) == 1
    assert _state(emu, pull.number) == "error"
    (verdict,) = _verdicts(emu, pull.number)
    assert "the token may not read the members of the organization acme" in verdict["body"]
    monkeypatch.setenv("GITHUB_TOKEN", emu.bot_token)
    assert _approve(repo, pull.number) == 0
    assert _state(emu, pull.number) == "success"
