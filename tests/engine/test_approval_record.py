"""After a change's pull request merges, its change record gets the `approval` block,
through the record's pull request (against the emulator; payloads checked against
GitHub's webhook schemas)."""

from __future__ import annotations

import pytest

from emulated import client, validate_webhook
from githubops import REPOSITORY, actions_env, git, make_ops_repo, write_event
from maintain_repo.cli import main
from maintain_repo.store.yaml import mapping_in

USERS = {"alice": "admin", "bob": "write", "dan": "write"}
POLICY = """\
kind: ApprovalPolicy
name: change-approval
policy:
  approval:
    - peer-review
rules:
  - name: peer-review
    requires: {count: 1, permissions: [write]}
"""
CHANGE = "records/changes/CHG-20261127-APR1.yaml"
SUBMITTED = """\
id: CHG-20261127-APR1
kind: change
schema_version: 1
title: Raise the checkout timeout
status: submitted
owner: dan
created_at: 2026-03-27T08:00:00Z
type: normal
risk: {level: low}
services: [checkout-api]
implementation_plan: [Raise the timeout.]
rollback: {plan: Lower it again.}
submitted_at: 2026-03-27T08:30:00Z
"""
NOW = "2026-03-28T10:00:00Z"


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    return change_pull(tmp_path, make_github, monkeypatch, POLICY)


def change_pull(tmp_path, make_github, monkeypatch, policy):
    """An ops repository with `policy`, and dan's pull request adding a change record."""
    repo = make_ops_repo(tmp_path, {"policies/approval.yaml": policy})
    emu = make_github(users=USERS, teams={}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    git(repo.root, "checkout", "-q", "-b", "timeout")
    repo.commit_and_push({CHANGE: SUBMITTED}, "raise the timeout", branch="timeout")
    pull = (
        client(emu, "dan")
        .get_repo(REPOSITORY)
        .create_pull(base="main", head="timeout", title="Raise the timeout", body="")
    )
    return repo, emu, pull.number


def merge(repo, emu, number):
    client(emu, "alice").get_repo(REPOSITORY).get_pull(number).merge()
    # What the merge leaves on the default branch (the emulator's merge commit is not in
    # git): the workflow's checkout of main holds the change record.
    git(repo.root, "push", "-q", "origin", "timeout:main")
    git(repo.root, "checkout", "-q", "main")
    git(repo.root, "pull", "-q", "origin", "main")


def sync(repo, tmp_path, name, payload):
    path = write_event(tmp_path, payload, f"{name}.json")
    argv = ["--root", str(repo.root), "github", "sync", "--event", str(path)]
    return main([*argv, "--event-name", name, "--now", NOW])


def test_a_merged_pull_request_writes_the_approval_block(world, tmp_path, capsys):
    repo, emu, number = world
    review = (
        client(emu, "bob")
        .get_repo(REPOSITORY)
        .get_pull(number)
        .create_review(event="APPROVE", body="")
    )
    merge(repo, emu, number)
    payload = emu.webhook("pull_request", "closed", number=number)
    validate_webhook("pull_request", "closed", payload)
    assert sync(repo, tmp_path, "pull_request", payload) == 0
    assert "CHG-20261127-APR1: approval written (pull request #" in capsys.readouterr().out
    head = emu.pull(number)["head"]["sha"]
    record = mapping_in(repo.read("maintain/CHG-20261127-APR1", CHANGE))
    assert record["status"] == "approved"
    assert record["approval"] == {
        "pull_request": number,
        "head_sha": head,
        "approvers": [{"login": "bob", "at": review.submitted_at.strftime("%Y-%m-%dT%H:%M:%SZ")}],
        "policy": "change-approval",
        "evaluated_at": NOW,
    }
    assert record["timeline"][-1]["event"] == "approved"

    # The push the merge made finds the same pull request: nothing new is written.
    push = {
        "ref": "refs/heads/main",
        "after": emu.pull(number)["merge_commit_sha"],
        "repository": {"default_branch": "main"},
    }  # a push payload by hand: the emulator builds none (only what this handler reads)
    assert sync(repo, tmp_path, "push", push) == 0
    assert "already says so" in capsys.readouterr().out
    assert len(emu.pulls) == 2  # the change's pull request and the record pull request


def test_a_merge_without_an_approving_verdict_writes_nothing(world, tmp_path, capsys):
    repo, emu, number = world
    merge(repo, emu, number)  # an administrator merged it unreviewed
    payload = emu.webhook("pull_request", "closed", number=number)
    assert sync(repo, tmp_path, "pull_request", payload) == 0
    assert "merged without an approving verdict (pending" in capsys.readouterr().out
    assert len(emu.pulls) == 1


def test_pushes_that_merge_nothing_do_nothing(world, tmp_path, capsys):
    repo, _emu, _number = world
    other = {
        "ref": "refs/heads/feature",
        "after": "a" * 40,
        "repository": {"default_branch": "main"},
    }
    assert sync(repo, tmp_path, "push", other) == 0
    assert "push: no merged pull request; nothing to do" in capsys.readouterr().out


NOBODY = """\
kind: ApprovalPolicy
name: standard-changes
policy:
  approval:
    - catalogued
rules:
  - name: catalogued
    requires: {count: 0}
"""


def test_a_merge_that_needed_no_approver_writes_nothing_and_succeeds(
    tmp_path, make_github, monkeypatch, capsys
):
    repo, emu, number = change_pull(tmp_path, make_github, monkeypatch, NOBODY)
    merge(repo, emu, number)
    payload = emu.webhook("pull_request", "closed", number=number)
    assert sync(repo, tmp_path, "pull_request", payload) == 0
    assert "needed no approver; no approval block is written" in capsys.readouterr().out
    assert len(emu.pulls) == 1
