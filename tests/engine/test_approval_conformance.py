"""Approval conformance with policy-bot, end to end: each case is a fresh ops repository
on the emulator (a real bare git repository behind it), a pull request with pushes,
reviews and comments made through the real PyGithub client, `maintain approve --pr N`,
and the commit status it posts, compared with policy-bot's verdict for the same events.

The emulator's clock moves a second at every reading, so that pushes, reviews and
comments are ordered as they happen (GitHub's own times are to the second).
"""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from emulated import client
from githubops import REPOSITORY, actions_env, git, make_ops_repo
from maintain_repo.cli import main

USERS = {
    "alice": "admin",
    "bob": "write",
    "carol": "write",
    "dan": "write",
    "erin": "write",
    "frank": "read",
}
TEAMS = {"acme/sre": ["alice", "bob"]}
ORGS = {"partner": ["erin"]}
FILE = "records/changes/notes.txt"


def _clock():
    ticks = count()
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    return lambda: start + timedelta(seconds=next(ticks))


class Case:
    """One pull request by carol, from branch `work`, under an approval policy."""

    def __init__(self, tmp_path: Path, make_github: Any, monkeypatch: Any, files: dict[str, str]):
        self.repo = make_ops_repo(tmp_path, files)
        self.emu = make_github(
            users=USERS, teams=TEAMS, orgs=ORGS, git_dir=self.repo.origin, clock=_clock()
        )
        actions_env(monkeypatch, self.emu)
        git(self.repo.root, "checkout", "-q", "-b", "work")
        self.push("carol", "the change")
        self.number = self.open("carol", "Rotate the certificate")

    def push(self, login: str, text: str) -> str:
        """A commit authored and committed by `login` (their no-reply address), pushed."""
        target = self.repo.root / FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text + "\n", encoding="utf-8")
        email = f"{login}@users.noreply.github.com"
        env = {
            **os.environ,
            "GIT_AUTHOR_NAME": login,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": login,
            "GIT_COMMITTER_EMAIL": email,
        }
        root = self.repo.root
        for argv in (["add", "-A"], ["commit", "-q", "-m", text]):
            subprocess.run(["git", *argv], cwd=root, env=env, check=True, capture_output=True)
        git(root, "push", "-q", "origin", "HEAD:refs/heads/work")
        return git(root, "rev-parse", "HEAD").strip()

    def open(self, login: str, title: str) -> int:
        repo = client(self.emu, login).get_repo(REPOSITORY)
        return repo.create_pull(base="main", head="work", title=title, body="").number

    def pull(self, login: str) -> Any:
        return client(self.emu, login).get_repo(REPOSITORY).get_pull(self.number)

    def review(self, login: str, event: str, commit: str | None = None, body: str = "") -> None:
        pull = self.pull(login)
        extra: dict[str, Any] = {}
        if commit is not None:
            extra["commit"] = client(self.emu, login).get_repo(REPOSITORY).get_commit(commit)
        text = body or ("" if event == "APPROVE" else "please change this")
        pull.create_review(event=event, body=text, **extra)

    def comment(self, login: str, body: str) -> None:
        client(self.emu, login).get_repo(REPOSITORY).get_issue(self.number).create_comment(body)

    def verdict(self, exit_code: int = 0) -> tuple[str, str]:
        git(self.repo.root, "fetch", "-q", "origin")
        argv = ["--root", str(self.repo.root), "approve", "--pr", str(self.number)]
        assert main(argv) == exit_code
        head = self.emu.pull(self.number)["head"]["sha"]
        mine = [s for s in self.emu.statuses(head) if s["context"] == "maintain/approval"]
        return mine[0]["state"], mine[0]["description"]


def policy(rules: str, approval: str = "[review]", disapproval: str = "") -> dict[str, str]:
    text = f"kind: ApprovalPolicy\nname: approval\npolicy:\n  approval: {approval}\n"
    if disapproval:
        text += f"  disapproval: {disapproval}\n"
    return {"policies/approval.yaml": text + "rules:\n" + rules}


ONE_REVIEW = """\
  - name: review
    requires: {count: 1}
"""


@pytest.fixture
def case(tmp_path, make_github, monkeypatch):
    def make(files: dict[str, str]) -> Case:
        return Case(tmp_path, make_github, monkeypatch, files)

    return make


# -- contributors ---------------------------------------------------------------------------


def test_a_contributor_cannot_approve_code_they_pushed(case):
    pr = case(policy(ONE_REVIEW))
    pr.push("bob", "bob's fix")
    pr.review("bob", "APPROVE")
    state, description = pr.verdict()
    assert state == "pending", description
    assert "approved by bob" not in description


def test_allow_contributor_counts_them(case):
    pr = case(
        policy(
            ONE_REVIEW.replace("{count: 1}", "{count: 1}\n    options: {allow_contributor: true}")
        )
    )
    pr.push("bob", "bob's fix")
    pr.review("bob", "APPROVE")
    assert pr.verdict() == ("success", "approved by bob")


# -- disapproval ----------------------------------------------------------------------------

VETO = "{requires: {teams: [acme/sre]}}"


def test_another_member_lifts_a_veto_by_approving_after_it(case):
    pr = case(policy(ONE_REVIEW, disapproval=VETO))
    pr.review("alice", "REQUEST_CHANGES")
    assert pr.verdict()[0] == "failure"
    pr.review("bob", "APPROVE")
    assert pr.verdict() == ("success", "approved by bob")


def test_a_later_request_for_changes_keeps_an_earlier_approval(case):
    pr = case(policy(ONE_REVIEW))
    pr.review("erin", "APPROVE")
    pr.review("erin", "REQUEST_CHANGES")
    assert pr.verdict() == ("success", "approved by erin")


def test_a_veto_by_comment(case):
    pr = case(policy(ONE_REVIEW, disapproval=VETO))
    pr.review("dan", "APPROVE")
    pr.comment("alice", ":-1: not during the freeze")
    state, description = pr.verdict()
    assert (state, description) == ("failure", "disapproved: disapproved by alice")


# -- pushes ---------------------------------------------------------------------------------


def test_push_time_decides_not_the_reviewed_sha(case):
    pr = case(policy(ONE_REVIEW))
    old = pr.emu.pull(pr.number)["head"]["sha"]
    pr.push("carol", "a second commit")
    pr.review("dan", "APPROVE", commit=old)  # after the push, tied to the older commit
    assert pr.verdict() == ("success", "approved by dan")


def test_an_approval_before_the_latest_push_does_not_count(case):
    pr = case(policy(ONE_REVIEW))
    pr.review("dan", "APPROVE")
    pr.push("carol", "a second commit")
    state, description = pr.verdict()
    assert state == "pending", description


# -- comments -------------------------------------------------------------------------------


def test_a_thumbs_up_comment_approves(case):
    pr = case(policy(ONE_REVIEW))
    pr.comment("dan", "Looks right to me :+1:")
    assert pr.verdict() == ("success", "approved by dan")


def test_custom_comment_patterns(case):
    custom = (
        ONE_REVIEW + "    options: {methods: {comments: [], comment_patterns: ['^(?i)ship it']}}\n"
    )
    pr = case(policy(custom))
    pr.comment("dan", ":+1:")
    assert pr.verdict()[0] == "pending"
    pr.comment("erin", "Ship it!")
    assert pr.verdict() == ("success", "approved by erin")


def test_allow_author_takes_effect_through_a_comment(case):
    pr = case(policy(ONE_REVIEW + "    options: {allow_author: true}\n"))
    pr.comment("carol", "\U0001f44d")
    assert pr.verdict() == ("success", "approved by carol")


def test_the_author_comment_does_not_count_without_allow_author(case):
    pr = case(policy(ONE_REVIEW))
    pr.comment("carol", ":+1:")
    assert pr.verdict()[0] == "pending"


# -- predicates and who ---------------------------------------------------------------------

HOTFIX = """\
  - name: hotfix
    if: {title: {matches: ['^hotfix:']}}
  - name: review
    requires: {count: 1}
"""


@pytest.mark.parametrize(
    ("title", "state"), [("hotfix: rotate now", "success"), ("Rotate the certificate", "pending")]
)
def test_title(case, title, state):
    pr = case(policy(HOTFIX, approval="[{or: [hotfix, review]}]"))
    pr.pull("carol").edit(title=title)
    assert pr.verdict()[0] == state


def test_organizations(case):
    pr = case(policy("  - name: review\n    requires: {count: 1, organizations: [partner]}\n"))
    pr.review("dan", "APPROVE")
    assert pr.verdict()[0] == "pending"
    pr.review("erin", "APPROVE")
    assert pr.verdict() == ("success", "approved by erin")


# -- a broken policy says what is wrong -------------------------------------------------------


def test_an_unknown_key_is_named_in_the_status_and_the_comment(case):
    pr = case(policy("  - name: review\n    requires: {count: 1, permisions: [write]}\n"))
    state, description = pr.verdict(exit_code=1)  # a policy that cannot judge fails the run
    assert state == "error"
    assert "policies/approval.yaml:7:26: unknown field 'permisions'" in description
    assert "'permisions'" in description
    (comment,) = [c for c in pr.emu.comments(pr.number) if "maintain:approval" in c["body"]]
    assert "did you mean 'permissions'?" in comment["body"]


# -- policy-bot's own file --------------------------------------------------------------------

POLICY_BOT = """\
policy:
  approval:
    - one review
approval_rules:
  - name: one review
    requires:
      count: 1
      permissions: [write]
"""


def test_a_policy_bot_file_is_read_as_it_is(case):
    pr = case({".policy.yml": POLICY_BOT})
    pr.review("dan", "APPROVE")
    pr.push("carol", "a later commit")
    # policy-bot does not invalidate on push by default: dan's approval still counts.
    assert pr.verdict() == ("success", "approved by dan")
