"""The GitHub emulator, driven through real PyGithub; the `github` fixture checks every
exchange against GitHub's OpenAPI description at teardown."""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from emulated import (
    OpenAPI,
    check_exchanges,
    client,
    report,
    validate_webhook,
    webhook_problems,
)
from github import (
    BadCredentialsException,
    GithubException,
    GithubRetry,
    RateLimitExceededException,
    UnknownObjectException,
)
from maintain_repo.testing.github import Emulator, Exchange, Fault


def call(
    emu: Emulator,
    method: str,
    path: str,
    token: str | None = None,
    body: Any = None,
    raw: bytes | None = None,
) -> tuple[int, dict[str, str], Any]:
    """A plain HTTP request (no PyGithub): status, lower-case headers, parsed JSON body."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(emu.base_url + path, data=data, method=method)
    if token is not None:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, headers, payload = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, headers, payload = error.code, dict(error.headers), error.read()
        error.close()
    return (
        status,
        {k.lower(): v for k, v in headers.items()},
        json.loads(payload) if payload else None,
    )


# -- issues, labels, comments ---------------------------------------------------------------


def test_issues_are_created_listed_and_filtered(github: Emulator) -> None:
    repo = client(github, "alice").get_repo("acme/shop")
    bug = repo.create_issue(
        "Crash on save", body="It crashes", labels=["bug", "p1"], assignees=["bob"]
    )
    repo.create_issue("Slow search", labels=["bug"])
    mine = client(github, "mallory").get_repo("acme/shop").create_issue("Typo", labels=["docs"])

    assert (bug.number, bug.user.login, [a.login for a in bug.assignees]) == (1, "alice", ["bob"])
    assert [label.name for label in bug.labels] == ["bug", "p1"]
    assert mine.labels == []  # without triage access GitHub drops labels silently
    assert [i.number for i in repo.get_issues()] == [3, 2, 1]
    assert [i.number for i in repo.get_issues(labels=["bug", "p1"])] == [1]
    assert [i.number for i in repo.get_issues(creator="mallory")] == [3]
    assert [i.number for i in repo.get_issues(sort="created", direction="asc")] == [1, 2, 3]

    bug.edit(state="closed", state_reason="not_planned")
    assert [i.number for i in repo.get_issues()] == [3, 2]
    assert [i.number for i in repo.get_issues(state="closed")] == [1]
    closed = repo.get_issue(1)
    assert (closed.state, closed.state_reason, closed.closed_by.login) == (
        "closed",
        "not_planned",
        "alice",
    )
    assert closed.closed_at is not None
    assert github.issue(1)["state"] == "closed"


def test_issue_filters_since_and_validation(make_github: Callable[..., Emulator]) -> None:
    now = [datetime(2026, 4, 1, tzinfo=UTC)]
    emu = make_github(clock=lambda: now[0])
    emu.seed_issue("alice", "old")
    now[0] += timedelta(days=2)
    emu.seed_issue("bob", "new")
    repo = client(emu, "bob").get_repo("acme/shop")
    assert [i.title for i in repo.get_issues(since=datetime(2026, 4, 2, tzinfo=UTC))] == ["new"]
    with pytest.raises(GithubException) as missing:
        repo.create_issue("")
    assert missing.value.status == 422
    assert missing.value.data["errors"] == [
        {"resource": "Issue", "field": "title", "code": "missing_field"}
    ]
    with pytest.raises(UnknownObjectException):
        repo.get_issue(99)


def test_issue_list_paginates_with_link_headers(github: Emulator) -> None:
    for n in range(7):
        github.seed_issue("alice", f"issue {n}")
    gh = client(github, "bob", per_page=3)
    issues = gh.get_repo("acme/shop").get_issues(state="all")
    assert [i.title for i in issues] == [f"issue {n}" for n in range(6, -1, -1)]
    assert issues.totalCount == 7
    pages = [e for e in github.exchanges if e.path == "/repos/acme/shop/issues"]
    assert [e.query.get("page") for e in pages[:3]] == [None, "2", "3"]
    first, middle = pages[0].headers["link"], pages[1].headers["link"]
    assert 'rel="next"' in first
    assert 'rel="last"' in first
    assert 'rel="prev"' not in first
    assert all(f'rel="{rel}"' in middle for rel in ("prev", "next", "last", "first"))
    assert "page=3" in first.split('rel="last"')[0].rsplit("<", 1)[1]
    assert "link" not in pages[2].headers or 'rel="next"' not in pages[2].headers["link"]


def test_per_page_is_capped_at_100(github: Emulator) -> None:
    for n in range(101):
        github.seed_issue("alice", f"issue {n}")
    status, headers, body = call(
        github, "GET", "/repos/acme/shop/issues?per_page=500", github.token("bob")
    )
    assert (status, len(body)) == (200, 100)
    assert "page=2" in headers["link"]


def test_labels(github: Emulator) -> None:
    gh = client(github, "bob")
    repo = gh.get_repo("acme/shop")
    label = repo.create_label("needs review", "ff0000", "Someone should look")
    assert repo.get_label("needs review").color == "ff0000"
    label.edit("needs-review", "00ff00", "Renamed")
    assert [x.name for x in repo.get_labels()] == ["needs-review"]
    with pytest.raises(GithubException) as clash:
        repo.create_label("Needs-Review", "000000")
    assert clash.value.status == 422
    assert clash.value.data["errors"][0]["code"] == "already_exists"

    issue = repo.create_issue("Labelled")
    issue.add_to_labels("needs-review", "new one")
    assert [x.name for x in issue.get_labels()] == ["needs-review", "new one"]
    issue.remove_from_labels("new one")
    issue.set_labels("a", "b")
    assert [x.name for x in repo.get_issue(issue.number).labels] == ["a", "b"]
    with pytest.raises(GithubException) as gone:
        issue.remove_from_labels("zzz")
    assert gone.value.status == 404
    issue.delete_labels()
    assert github.issue(issue.number)["labels"] == []
    repo.get_label("a").delete()
    assert "a" not in [x["name"] for x in github.labels]


def test_triage_labels_but_read_cannot(github: Emulator) -> None:
    issue = client(github, "mallory").get_repo("acme/shop").create_issue("From mallory")
    with pytest.raises(GithubException) as denied:
        issue.add_to_labels("bug")
    assert denied.value.status == 403
    with pytest.raises(GithubException) as denied_label:
        client(github, "carol").get_repo("acme/shop").create_label("x", "000000")
    assert denied_label.value.status == 403
    client(github, "carol").get_repo("acme/shop").get_issue(issue.number).add_to_labels("bug")
    client(github, "carol").get_repo("acme/shop").get_issue(issue.number).edit(state="closed")
    assert github.issue(issue.number)["labels"][0]["name"] == "bug"
    other = client(github, "bob").get_repo("acme/shop").create_issue("From bob")
    with pytest.raises(GithubException) as not_theirs:
        client(github, "mallory").get_repo("acme/shop").get_issue(other.number).edit(state="closed")
    assert not_theirs.value.status == 403


def test_comments(make_github: Callable[..., Emulator]) -> None:
    now = [datetime(2026, 4, 1, tzinfo=UTC)]
    emu = make_github(clock=lambda: now[0])
    number = emu.seed_issue("alice", "Discuss")
    issue = client(emu, "mallory").get_repo("acme/shop").get_issue(number)
    first = issue.create_comment("first")
    now[0] += timedelta(hours=1)
    second = issue.create_comment("second")
    first.edit("first, edited")
    assert [c.body for c in issue.get_comments()] == ["first, edited", "second"]
    assert [c.body for c in issue.get_comments(since=now[0])] == ["first, edited", "second"]
    now[0] += timedelta(hours=1)
    second.edit("second, edited")
    assert [c.body for c in issue.get_comments(since=now[0])] == ["second, edited"]
    assert client(emu, "bob").get_repo("acme/shop").get_issue(number).comments == 2
    other = client(emu, "bob").get_repo("acme/shop").get_issue(number).create_comment("bob's")
    with pytest.raises(GithubException) as denied:
        client(emu, "mallory").get_repo("acme/shop").get_issue(number).get_comment(other.id).edit(
            "x"
        )
    assert denied.value.status == 403
    first.delete()
    assert [c["body"] for c in emu.comments(number)] == ["second, edited", "bob's"]
    assert emu.comments(number)[0]["author_association"] == "COLLABORATOR"


# -- search ---------------------------------------------------------------------------------


def test_search_issues(github: Emulator) -> None:
    github.seed_issue(
        "alice", "Deploy failed", "the deploy of v1.2 failed at step 3", labels=["incident"]
    )
    github.seed_issue("bob", "Deploy docs", "how to roll back", labels=["docs"], state="closed")
    github.seed_pull(
        "bob", "fix-deploy", title="Fix deploy", body="fixes the deploy", labels=["incident"]
    )
    gh = client(github, "mallory")

    def numbers(q: str) -> list[int]:
        return sorted(i.number for i in gh.search_issues(q))

    assert numbers("repo:acme/shop is:issue") == [1, 2]
    assert numbers("repo:acme/shop is:pr label:incident") == [3]
    assert numbers("repo:acme/shop is:open label:incident") == [1, 3]
    assert numbers("repo:acme/shop state:closed") == [2]
    assert numbers('repo:acme/shop in:body "failed at step"') == [1]
    assert numbers("repo:acme/shop in:title deploy docs") == [2]
    assert numbers("repo:acme/shop in:body deploy") == [1, 3]
    assert numbers("repo:acme/shop author:bob") == [2, 3]
    result = gh.search_issues("repo:acme/shop deploy")
    assert result.totalCount == 3
    with pytest.raises(GithubException) as other_repo:
        list(gh.search_issues("repo:someone/else bug"))
    assert other_repo.value.status == 422
    assert [e.headers["x-ratelimit-resource"] for e in github.exchanges][-1] == "search"


# -- pull requests --------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


@pytest.fixture
def bare_repo(tmp_path: Path) -> tuple[Path, Path]:
    """A bare repository (the emulated repository's contents) and a clone to push from."""
    bare, work = tmp_path / "shop.git", tmp_path / "work"
    _git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(bare))
    _git(tmp_path, "init", "--quiet", "-b", "main", str(work))
    (work / "README.md").write_text("shop\n")
    (work / "old.txt").write_text("one\ntwo\n")
    (work / "gone.txt").write_text("bye\n")
    _git(work, "add", ".")
    _git(work, "commit", "--quiet", "-m", "initial")
    _git(work, "remote", "add", "origin", str(bare))
    _git(work, "push", "--quiet", "origin", "main")
    return bare, work


def test_pushes_show_in_the_repository_activity_with_commit_accounts(
    make_github: Callable[..., Emulator], bare_repo: tuple[Path, Path]
) -> None:
    bare, work = bare_repo
    ticks = iter(range(10_000))
    start = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    emu = make_github(git_dir=bare, clock=lambda: start + timedelta(seconds=next(ticks)))
    _git(work, "checkout", "--quiet", "-b", "feature/x")
    (work / "new.txt").write_text("a\n")
    _git(work, "add", ".")
    bob_wrote = "--author=Bob <bob@users.noreply.github.com>"
    _git(work, "commit", "--quiet", bob_wrote, "-m", "bob's commit")
    _git(work, "push", "--quiet", "origin", "feature/x")
    first = _git(work, "rev-parse", "HEAD")
    _git(work, "commit", "--quiet", "--amend", "-m", "rewritten")
    _git(work, "push", "--quiet", "--force", "origin", "feature/x")
    second = _git(work, "rev-parse", "HEAD")

    bob = emu.token("bob")
    status, _, items = call(emu, "GET", "/repos/acme/shop/activity?ref=feature/x", bob)
    assert status == 200
    assert [(a["activity_type"], a["before"][:7], a["after"]) for a in items] == [
        ("force_push", first[:7], second),
        ("branch_creation", "0000000", first),
    ]
    assert items[0]["timestamp"] > items[1]["timestamp"]
    status, _, pushes = call(
        emu, "GET", "/repos/acme/shop/activity?ref=refs/heads/feature/x&activity_type=push", bob
    )
    assert (status, pushes) == (200, [])

    repo = client(emu, "bob").get_repo("acme/shop")
    pr = repo.create_pull(base="main", head="feature/x", title="X")
    (listed,) = pr.get_commits()
    # The author's no-reply address is bob's account; the committer's is nobody's.
    assert (listed.sha, listed.author.login, listed.committer) == (second, "bob", None)


def test_organization_membership(make_github: Callable[..., Emulator]) -> None:
    emu = make_github(orgs={"partner": ["mallory"]})
    token = emu.token("bob")
    assert call(emu, "GET", "/orgs/partner/members/mallory", token)[0] == 204
    assert call(emu, "GET", "/orgs/partner/members/bob", token)[0] == 404
    assert call(emu, "GET", "/orgs/acme/members/alice", token)[0] == 204  # a team of acme's
    assert call(emu, "GET", "/orgs/nowhere/members/alice", token)[0] == 404
    with pytest.raises(ValueError, match="members must be users"):
        make_github(orgs={"partner": ["ghost"]})


def test_pull_request_follows_pushes_to_git(
    make_github: Callable[..., Emulator], bare_repo: tuple[Path, Path]
) -> None:
    bare, work = bare_repo
    emu = make_github(git_dir=bare)
    _git(work, "checkout", "--quiet", "-b", "feature/x")
    (work / "new.txt").write_text("a\nb\nc\n")
    (work / "old.txt").write_text("one\n2\nthree\n")
    _git(work, "rm", "--quiet", "gone.txt")
    _git(work, "add", ".")
    _git(work, "commit", "--quiet", "-m", "change things")
    _git(work, "push", "--quiet", "origin", "feature/x")

    repo = client(emu, "bob").get_repo("acme/shop")
    with pytest.raises(GithubException) as missing:
        repo.create_pull(base="main", head="nope", title="Nothing")
    assert missing.value.status == 422
    pr = repo.create_pull(
        base="main", head="feature/x", title="Feature X", body="Adds X", draft=True
    )
    first_head = _git(work, "rev-parse", "HEAD")
    assert (pr.number, pr.head.sha, pr.head.ref, pr.base.ref, pr.draft) == (
        1,
        first_head,
        "feature/x",
        "main",
        True,
    )
    assert pr.base.sha == _git(work, "rev-parse", "main")
    files = {f.filename: (f.status, f.additions, f.deletions) for f in pr.get_files()}
    assert files == {
        "gone.txt": ("removed", 0, 1),
        "new.txt": ("added", 3, 0),
        "old.txt": ("modified", 2, 1),
    }
    assert [c.sha for c in pr.get_commits()] == [first_head]

    _git(work, "mv", "README.md", "README.rst")
    _git(work, "commit", "--quiet", "-m", "rename")
    _git(work, "push", "--quiet", "origin", "feature/x")
    second_head = _git(work, "rev-parse", "HEAD")
    again = repo.get_pull(1)
    assert again.head.sha == second_head != first_head
    assert (again.commits, again.changed_files, again.additions, again.deletions) == (2, 4, 5, 2)
    renamed = next(f for f in again.get_files() if f.status == "renamed")
    assert (renamed.filename, renamed.previous_filename) == ("README.rst", "README.md")
    assert [p.number for p in repo.get_pulls(head="acme:feature/x")] == [1]
    assert list(again.get_review_comments()) == []
    again.create_issue_comment("on the conversation")
    assert [c.body for c in again.get_issue_comments()] == ["on the conversation"]
    assert again.as_issue().pull_request is not None
    assert list(repo.get_pulls(base="other")) == []
    assert repo.get_commit(second_head).commit.message == "rename"
    with pytest.raises(GithubException) as duplicate:
        repo.create_pull(base="main", head="feature/x", title="Again")
    assert duplicate.value.status == 422


def test_seeded_pulls_reviews_and_merge(github: Emulator) -> None:
    number = github.seed_pull(
        "alice",
        "fix",
        head_sha="a" * 40,
        files=["app.py", {"filename": "new.py", "status": "added", "additions": 4}],
        labels=["bugfix"],
    )
    alice_pr = client(github, "alice").get_repo("acme/shop").get_pull(number)
    assert (alice_pr.head.sha, alice_pr.changed_files, alice_pr.additions) == ("a" * 40, 2, 4)
    with pytest.raises(GithubException) as own:
        alice_pr.create_review(event="APPROVE")
    assert own.value.status == 422
    assert own.value.data["errors"] == ["Review Can not approve your own pull request"]

    bob_pr = client(github, "bob").get_repo("acme/shop").get_pull(number)
    changes = (
        client(github, "carol")
        .get_repo("acme/shop")
        .get_pull(number)
        .create_review(event="REQUEST_CHANGES", body="Please add a test")
    )
    approval = bob_pr.create_review(event="APPROVE", body="LGTM")
    assert (approval.state, approval.commit_id, approval.user.login) == (
        "APPROVED",
        "a" * 40,
        "bob",
    )
    bob_pr.get_review(changes.id).dismiss("Addressed")
    assert [r.state for r in bob_pr.get_reviews()] == ["DISMISSED", "APPROVED"]
    github.seed_push(number, head_sha="b" * 40)
    assert bob_pr.update()
    assert bob_pr.head.sha == "b" * 40

    assert not bob_pr.is_merged()
    result = bob_pr.merge()
    assert result.merged
    assert len(result.sha) == 40
    merged = github.pull(number)
    assert (merged["merged"], merged["state"], merged["merged_by"]["login"]) == (
        True,
        "closed",
        "bob",
    )
    assert bob_pr.is_merged()
    with pytest.raises(GithubException) as twice:
        bob_pr.merge()
    assert twice.value.status == 405
    issue_view = github.issue(number)
    assert issue_view["pull_request"]["merged_at"] == merged["merged_at"]


def test_pull_edit_and_close(github: Emulator) -> None:
    number = github.seed_pull("alice", "topic", title="Topic")
    repo = client(github, "bob").get_repo("acme/shop")
    pr = repo.get_pull(number)
    pr.edit(title="Better topic", body="Details", state="closed")
    assert [p.number for p in repo.get_pulls(state="closed")] == [number]
    assert repo.get_pulls().totalCount == 0
    pr.edit(state="open")
    assert repo.get_pull(number).title == "Better topic"
    with pytest.raises(GithubException) as bad:
        pr.edit(state="merged")
    assert bad.value.status == 422


# -- statuses, checks, permissions, teams ---------------------------------------------------


def test_statuses_and_combined_status(github: Emulator) -> None:
    sha = "c" * 40
    commit = client(github).get_repo("acme/shop").get_commit(sha)
    commit.create_status("pending", context="ci/test", description="running")
    commit.create_status("success", target_url="https://ci.example/1", context="ci/test")
    commit.create_status("success", context="maintain/check")
    combined = commit.get_combined_status()
    assert (combined.state, combined.total_count) == ("success", 2)
    assert [s.state for s in commit.get_statuses()] == ["success", "success", "pending"]
    commit.create_status("failure", context="maintain/check")
    assert commit.get_combined_status().state == "failure"
    assert github.statuses(sha)[0]["creator"]["login"] == "github-actions[bot]"
    with pytest.raises(GithubException) as too_long:
        commit.create_status("success", description="x" * 141)
    assert too_long.value.status == 422
    with pytest.raises(GithubException) as read_only:
        client(github, "mallory").get_repo("acme/shop").get_commit(sha).create_status("success")
    assert read_only.value.status == 403


def test_check_runs(github: Emulator) -> None:
    sha = "d" * 40
    github.seed_pull("bob", "checked", head_sha=sha)
    github.seed_check_run(sha, "test", "completed", "success")
    github.seed_check_run(sha, "lint", "in_progress", None)
    runs = client(github).get_repo("acme/shop").get_commit(sha).get_check_runs()
    assert sorted((r.name, r.status, r.conclusion) for r in runs) == [
        ("lint", "in_progress", None),
        ("test", "completed", "success"),
    ]
    assert github.check_runs(sha)[0]["pull_requests"][0]["number"] == 1


def test_permissions_and_collaborators(github: Emulator) -> None:
    repo = client(github, "mallory").get_repo("acme/shop")
    assert repo.permissions.pull
    assert not repo.permissions.push
    assert repo.get_collaborator_permission("carol") == "read"  # triage reads as read
    assert repo.get_collaborator_permission("bob") == "write"
    status, _, body = call(
        github, "GET", "/repos/acme/shop/collaborators/carol/permission", github.token("bob")
    )
    assert (status, body["role_name"], body["user"]["login"]) == (200, "triage", "carol")
    assert repo.has_in_collaborators("alice")
    with pytest.raises(UnknownObjectException):
        repo.get_collaborator_permission("nobody")
    assert (
        call(github, "GET", "/repos/acme/shop/collaborators/nobody", github.token("bob"))[0] == 404
    )
    with pytest.raises(GithubException) as denied:
        repo.create_pull(base="main", head="x", title="no")
    assert denied.value.status == 403
    gh = client(github, "carol")
    assert gh.get_user().login == "carol"
    assert gh.get_user("alice").login == "alice"
    with pytest.raises(UnknownObjectException):
        gh.get_user("nobody")


def test_team_membership(github: Emulator) -> None:
    gh = client(github, "carol")
    team = gh.get_organization("acme").get_team_by_slug("sre")
    assert [m.login for m in team.get_members()] == ["alice", "bob"]
    assert team.get_team_membership("bob").state == "active"
    with pytest.raises(UnknownObjectException):
        team.get_team_membership("carol")
    status, _, body = call(
        github, "GET", "/orgs/acme/teams/sre/memberships/alice", github.bot_token
    )
    assert (status, body["role"], body["state"]) == (200, "member", "active")
    assert (
        call(github, "GET", "/orgs/acme/teams/nope/memberships/alice", github.bot_token)[0] == 404
    )


def test_authentication_and_unknown_repositories(github: Emulator) -> None:
    status, headers, body = call(github, "GET", "/repos/acme/shop")
    assert (status, body["message"]) == (401, "Bad credentials")
    assert headers["content-type"] == "application/json; charset=utf-8"
    assert call(github, "GET", "/repos/acme/shop", "ghu_wrong")[0] == 401
    assert call(github, "GET", "/repos/acme/shop", github.token("alice"))[0] == 200
    bearer = urllib.request.Request(
        github.base_url + "/user", headers={"Authorization": f"Bearer {github.bot_token}"}
    )
    with urllib.request.urlopen(bearer, timeout=10) as response:
        assert json.loads(response.read())["type"] == "Bot"
    status, _, body = call(github, "GET", "/repos/other/repo", github.token("alice"))
    assert (status, body["message"]) == (404, "Not Found")
    status, _, body = call(
        github, "POST", "/repos/acme/shop/issues", github.token("alice"), raw=b"{nope"
    )
    assert (status, body["message"]) == (400, "Problems parsing JSON")
    with pytest.raises(BadCredentialsException):
        _anonymous(github)


def _anonymous(emu: Emulator) -> Any:
    """PyGithub without a token."""
    import github as pygithub

    gh = pygithub.Github(
        base_url=emu.base_url,
        retry=None,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    try:
        return gh.get_repo("acme/shop")
    finally:
        gh.close()


def test_rate_limit_headers_count_down(github: Emulator) -> None:
    gh = client(github, "bob")
    gh.get_repo("acme/shop")
    gh.get_repo("acme/shop")
    first, second = github.exchanges[-2:]
    assert int(first.headers["x-ratelimit-remaining"]) - 1 == int(
        second.headers["x-ratelimit-remaining"]
    )
    assert second.headers["x-ratelimit-used"] == "2"
    assert second.headers["x-ratelimit-limit"] == "5000"
    assert first.headers["x-github-request-id"] != second.headers["x-github-request-id"]
    limits = gh.get_rate_limit()
    assert limits.resources.core.remaining == 4998


def test_error_answers_are_shaped_as_github_s(github: Emulator) -> None:
    pull = github.seed_pull("alice", "topic", files=["x.py"])
    issue = github.seed_issue("bob", "An issue")
    bob, mallory = github.token("bob"), github.token("mallory")
    expected = [
        ("GET", "/repos/acme/shop/issues?state=bogus", bob, None, 422),
        ("GET", "/repos/acme/shop/issues?since=yesterday", bob, None, 422),
        ("PATCH", f"/repos/acme/shop/issues/{issue}", bob, {"state": "weird"}, 422),
        ("PATCH", f"/repos/acme/shop/issues/{issue}", bob, {"assignees": ["nobody"]}, 422),
        ("POST", "/repos/acme/shop/labels", bob, {"name": "x", "color": "zzz"}, 422),
        ("GET", "/repos/acme/shop/labels/nope", bob, None, 404),
        ("POST", f"/repos/acme/shop/issues/{issue}/comments", bob, {}, 422),
        ("GET", "/repos/acme/shop/issues/comments/999", bob, None, 404),
        ("GET", "/search/issues", bob, None, 422),
        ("POST", f"/repos/acme/shop/pulls/{pull}/reviews", bob, {"event": "COMMENT"}, 422),
        ("POST", f"/repos/acme/shop/pulls/{pull}/reviews", bob, {"event": "MAYBE"}, 422),
        ("PUT", f"/repos/acme/shop/pulls/{pull}/merge", bob, {"sha": "0" * 40}, 409),
        ("PUT", f"/repos/acme/shop/pulls/{pull}/merge", mallory, {}, 403),
        ("GET", f"/repos/acme/shop/pulls/{pull}/merge", bob, None, 404),
        ("GET", f"/repos/acme/shop/pulls/{issue}", bob, None, 404),
        ("PATCH", f"/repos/acme/shop/pulls/{pull}", bob, {"base": "nope"}, 422),
        ("POST", "/repos/acme/shop/statuses/" + "a" * 40, bob, {"state": "fine"}, 422),
        ("POST", "/repos/acme/shop/statuses/not-a-sha", bob, {"state": "success"}, 422),
        ("GET", "/repos/acme/shop/commits/not-a-sha/status", bob, None, 404),
        ("GET", "/repos/acme/shop/commits/not-a-sha", bob, None, 422),
        ("GET", "/orgs/nope", bob, None, 404),
        ("GET", "/nonexistent", bob, None, 404),
    ]
    got = [call(github, m, path, token, body)[0] for m, path, token, body, _ in expected]
    assert got == [status for *_, status in expected]
    pending = call(
        github, "POST", f"/repos/acme/shop/pulls/{pull}/reviews", bob, {"body": "draft"}
    )[2]
    assert pending["state"] == "PENDING"
    assert "submitted_at" not in pending
    assert call(github, "GET", f"/repos/acme/shop/pulls/{pull}/reviews", mallory)[2] == []
    _, headers, _ = call(github, "GET", "/repos/acme/shop")
    assert headers["x-ratelimit-limit"] == "60"


# -- faults ---------------------------------------------------------------------------------


def test_fault_before_has_no_effect_after_is_a_lost_response(github: Emulator) -> None:
    repo = client(github, "bob").get_repo("acme/shop")
    github.inject(
        Fault(method="POST", path=r"^/repos/acme/shop/issues$", status=502, when="before")
    )
    with pytest.raises(GithubException) as before:
        repo.create_issue("one")
    assert before.value.status == 502
    assert github.issues == []

    github.inject(Fault(method="POST", path=r"^/repos/acme/shop/issues$", status=500, when="after"))
    with pytest.raises(GithubException) as after:
        repo.create_issue("two")
    assert after.value.status == 500
    assert [i["title"] for i in github.issues] == ["two"]  # performed, though the answer was lost
    assert repo.create_issue("three").number == 2
    assert [e.faulted for e in github.exchanges if e.method == "POST"] == [True, True, False]
    assert github.faults == []


@pytest.mark.parametrize("status", [403, 429])
def test_secondary_rate_limit_is_retried_after_retry_after(github: Emulator, status: int) -> None:
    github.inject(Fault(method="GET", path=r"^/repos/acme/shop$", status=status, retry_after=1))
    gh = client(github, "bob", retry=GithubRetry(total=3, secondary_rate_wait=1))
    started = time.monotonic()
    assert gh.get_repo("acme/shop").full_name == "acme/shop"
    assert time.monotonic() - started >= 0.95
    limited, ok = github.exchanges[-2:]
    assert (limited.status, limited.headers["retry-after"], ok.status) == (status, "1", 200)
    assert "secondary rate limit" in limited.body["message"]


def test_secondary_rate_limit_without_retry_raises(github: Emulator) -> None:
    github.inject(
        Fault(method="POST", path="/comments$", status=403, retry_after=30, when="before")
    )
    number = github.seed_issue("alice", "x")
    with pytest.raises(GithubException) as limited:
        client(github, "bob").get_repo("acme/shop").get_issue(number).create_comment("hi")
    assert limited.value.status == 403
    assert github.comments(number) == []


def test_slow_response_times_out(github: Emulator) -> None:
    github.inject(Fault(method="GET", path=r"^/repos/acme/shop$", status=None, delay=3.0))
    with pytest.raises(requests.exceptions.Timeout):
        client(github, "bob", timeout=1).get_repo("acme/shop")
    assert client(github, "bob").get_repo("acme/shop").name == "shop"


def test_faults_can_repeat(github: Emulator) -> None:
    github.inject(Fault(method="GET", path=r"^/user$", status=503, times=2))
    gh = client(github, "bob")
    for _ in range(2):
        with pytest.raises(GithubException):
            gh.get_user().login  # noqa: B018 - the property makes the request
    assert client(github, "bob").get_user().login == "bob"
    with pytest.raises(ValueError):
        Fault(status=200)


def raw_get(emu: Emulator, path: str, login: str = "bob") -> tuple[int, dict[str, str], bytes]:
    """GET without a client that follows redirects: status, lower-case headers, raw body."""
    connection = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=30)
    try:
        connection.request("GET", path, headers={"Authorization": f"token {emu.token(login)}"})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"status": 301}, "location goes with a redirect status"),
        ({"status": 500, "location": "http://x/"}, "location goes with a redirect status"),
        ({"status": 500, "limit": "primary"}, "limit goes with status 403 or 429"),
        ({"status": 403, "limit": "tertiary"}, "limit is 'primary' or 'secondary'"),
        ({"status": None, "rate": 0}, "rate is a positive number"),
        ({"status": None, "pad": -1}, "pad are not negative"),
        ({"status": 304}, "an HTTP error (4xx, 5xx) or redirect status"),
    ],
)
def test_bad_faults_are_refused(fields: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(problem)):
        Fault(**fields)
    with pytest.raises(ValueError, match=re.escape(problem)):
        Fault.from_json(fields)


def test_a_primary_rate_limit_resets_when_the_fault_says(github: Emulator) -> None:
    github.inject(Fault(path=r"^/user$", status=403, limit="primary", reset_in=30 * 86400))
    status, headers, body = raw_get(github, "/user")
    assert (status, headers["x-ratelimit-remaining"]) == (403, "0")
    assert abs(int(headers["x-ratelimit-reset"]) - (time.time() + 30 * 86400)) < 5
    assert "retry-after" not in headers
    assert json.loads(body)["message"].startswith("API rate limit exceeded for installation")
    github.inject(Fault(path=r"^/user$", status=403, limit="primary"))
    with pytest.raises(RateLimitExceededException):
        client(github, "bob").get_user().login  # noqa: B018 - the property makes the request
    github.inject(Fault(path=r"^/user$", status=429, limit="secondary"))
    status, headers, body = raw_get(github, "/user")
    assert (status, "retry-after" in headers) == (429, False)
    assert "secondary rate limit" in json.loads(body)["message"]


def test_a_redirect_fault_points_elsewhere(github: Emulator) -> None:
    number = github.seed_issue("alice", "moved")
    path = f"/repos/acme/shop/issues/{number}"
    github.inject(Fault(path=f"^{path}$", status=301, location="http://127.0.0.1:9/x"))
    status, headers, body = raw_get(github, path)
    assert (status, headers["location"]) == (301, "http://127.0.0.1:9/x")
    assert json.loads(body)["message"] == "Moved Permanently"


@pytest.mark.parametrize("unsized", [False, True], ids=["content-length", "until-close"])
def test_padded_and_trickled_answers_parse_to_the_same_value(
    github: Emulator, unsized: bool
) -> None:
    plain = raw_get(github, "/repos/acme/shop")[2]
    github.inject(Fault(path="^/repos/acme/shop$", status=None, pad=3 * 65536 + 7, unsized=unsized))
    _, headers, padded = raw_get(github, "/repos/acme/shop")
    assert len(padded) == len(plain) + 3 * 65536 + 7
    assert json.loads(padded) == json.loads(plain)
    if unsized:
        assert ("content-length" not in headers, headers["connection"]) == (True, "close")
    else:
        assert headers["content-length"] == str(len(padded))
    github.inject(Fault(path="^/repos/acme/shop$", status=None, rate=len(plain) / 0.5))
    started = time.monotonic()
    assert json.loads(raw_get(github, "/repos/acme/shop")[2]) == json.loads(plain)
    assert time.monotonic() - started >= 0.45  # the whole body at that rate takes 0.5 s


# -- the standalone command, control endpoints ----------------------------------------------


def test_control_endpoints(github: Emulator) -> None:
    status, _, _ = call(
        github,
        "POST",
        "/_emulator/faults",
        body={"method": "GET", "path": "^/user$", "status": 500},
    )
    assert status == 201
    assert call(github, "GET", "/user", github.token("bob"))[0] == 500
    github.seed_issue("bob", "seen")
    status, _, state = call(github, "GET", "/_emulator/state")
    assert status == 200
    assert [i["title"] for i in state["issues"]] == ["seen"]
    assert call(github, "POST", "/_emulator/faults", body={"when": "never"})[0] == 422
    assert call(github, "DELETE", "/_emulator/faults")[0] == 204
    status, _, payload = call(
        github,
        "POST",
        "/_emulator/webhooks",
        body={"event": "issues", "action": "opened", "number": 1},
    )
    assert status == 200
    validate_webhook("issues", "opened", payload)
    assert call(github, "GET", "/_emulator/tokens")[2]["bob"] == github.token("bob")


def _read_banner(process: subprocess.Popen[str], until: str, timeout: float = 10) -> list[str]:
    """The lines the command prints, up to the one starting with `until`."""
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while not any(line.startswith(until) for line in seen):
        try:
            seen.append(lines.get(timeout=max(0.0, deadline - time.monotonic())))
        except queue.Empty:
            pytest.fail(f"no {until!r} line in time: {seen}")
    return seen


def test_standalone_command(openapi: OpenAPI, tmp_path: Path) -> None:
    argv = [
        *(
            sys.executable,
            "-m",
            "maintain_repo.testing.github",
            "--port",
            "0",
            "--repo",
            "acme/shop",
        ),
        *("--user", "alice:admin", "--user", "bob:write", "--team", "acme/sre:alice,bob"),
    ]
    process = subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ)
    )
    try:
        lines = _read_banner(process, "token github-actions[bot]")
        base_url = next(line.split(": ", 1)[1] for line in lines if line.startswith("base_url: "))
        tokens = {
            line.split()[1]: line.rsplit(": ", 1)[1] for line in lines if line.startswith("token ")
        }
        assert set(tokens) == {"alice", "bob", "github-actions[bot]"}
        import github as pygithub

        gh = pygithub.Github(
            base_url=base_url,
            auth=pygithub.Auth.Token(tokens["bob"]),
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        try:
            assert gh.get_repo("acme/shop").create_issue("over the wire").number == 1
        finally:
            gh.close()
        with urllib.request.urlopen(base_url + "/_emulator/exchanges", timeout=10) as response:
            exchanges = [Exchange(**e) for e in json.loads(response.read())]
        assert [e.status for e in exchanges] == [200, 201]
        assert check_exchanges(openapi, exchanges) == {}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


@pytest.mark.parametrize(
    "args",
    [
        ["--user", "alice"],
        ["--user", "alice:god"],
        ["--team", "acme"],
        ["--repo-typo"],
        ["--port", "99999"],
    ],
)
def test_standalone_command_rejects_bad_arguments(args: list[str]) -> None:
    argv = [sys.executable, "-m", "maintain_repo.testing.github", "--repo", "acme/shop", *args]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "error" in done.stderr


# -- webhooks -------------------------------------------------------------------------------


def test_webhook_payloads_match_github(github: Emulator) -> None:
    gh = client(github, "bob")
    repo = gh.get_repo("acme/shop")
    issue = repo.create_issue("Broken", body="details", labels=["bug"])
    comment = issue.create_comment("me too")
    comment.edit("me too, edited")
    issue.edit(state="closed")
    number = github.seed_pull("alice", "topic", files=["a.py"], labels=["feature"], draft=True)
    review = repo.get_pull(number).create_review(event="APPROVE", body="ok")
    dismissed = (
        client(github, "carol")
        .get_repo("acme/shop")
        .get_pull(number)
        .create_review(event="REQUEST_CHANGES", body="no")
    )
    repo.get_pull(number).get_review(dismissed.id).dismiss("stale")
    before = github.seed_push(number)
    github.set_draft(number, False)

    cases: list[tuple[str, str, dict[str, Any]]] = [
        ("issues", "opened", {"number": issue.number}),
        ("issues", "edited", {"number": issue.number, "changes": {"title": {"from": "Old"}}}),
        ("issues", "closed", {"number": issue.number}),
        ("issues", "reopened", {"number": issue.number}),
        ("issues", "labeled", {"number": issue.number, "label": "bug"}),
        ("issues", "unlabeled", {"number": issue.number, "label": "bug"}),
        ("issue_comment", "created", {"comment": comment.id}),
        ("issue_comment", "edited", {"comment": comment.id}),
        ("issue_comment", "created", {"comment": comment.id, "sender": "github-actions[bot]"}),
        ("pull_request", "opened", {"number": number}),
        ("pull_request", "synchronize", {"number": number, "before": before}),
        ("pull_request", "reopened", {"number": number}),
        ("pull_request", "labeled", {"number": number, "label": "feature"}),
        ("pull_request", "ready_for_review", {"number": number}),
        ("pull_request_review", "submitted", {"review": review.id}),
        ("pull_request_review", "dismissed", {"review": dismissed.id}),
    ]
    for event, action, ids in cases:
        payload = github.webhook(event, action, **ids)
        validate_webhook(event, action, payload)
    comment_hook = github.webhook("issue_comment", "created", comment=comment.id)
    assert (comment_hook["sender"]["login"], comment_hook["issue"]["number"]) == (
        "bob",
        issue.number,
    )
    assert (
        github.webhook(
            "issue_comment", "created", comment=comment.id, sender="github-actions[bot]"
        )["sender"]["type"]
        == "Bot"
    )

    repo.get_pull(number).merge()
    closed = github.webhook("pull_request", "closed", number=number)
    validate_webhook("pull_request", "closed", closed)
    assert closed["pull_request"]["merged"] is True
    assert closed["sender"]["login"] == "bob"
    with pytest.raises(ValueError):
        github.webhook("issues", "exploded", number=1)
    with pytest.raises(TypeError):
        github.webhook("issues", "opened", numbr=1)


def test_an_emulator_bug_is_answered_500_and_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    from maintain_repo.testing.github.render import View

    def broken(self: View, viewer: object = None) -> dict[str, Any]:
        raise RuntimeError("boom")

    monkeypatch.setattr(View, "repository", broken)
    with Emulator(users={"bob": "write"}) as emu:
        status, _, body = call(emu, "GET", "/repos/acme/shop", emu.token("bob"))
    assert (status, body["status"]) == (500, "500")
    assert "RuntimeError: boom" in emu.errors[0]
    assert emu.exchanges[0].request_headers["authorization"] == "token <redacted>"


# -- the judge ------------------------------------------------------------------------------


def test_the_openapi_check_is_not_a_toy(github: Emulator, openapi: OpenAPI) -> None:
    client(github, "bob").get_repo("acme/shop").create_issue("Real")
    good = github.exchanges[-1]
    assert openapi.check(good) == []
    body = json.loads(json.dumps(good.body))
    del body["number"]
    body["user"]["id"] = "42"
    body["created_at"] = "2026-04-01 00:00:00"
    body["labels"] = [{"name": 7}]
    bad = Exchange(
        good.method, good.path, good.query, good.request_body, good.status, good.headers, body
    )
    problems = check_exchanges(openapi, [bad])
    text = report(problems)
    assert "body: 'number' is a required property" in text
    assert "body.user.id: '42' is not of type 'integer'" in text
    assert "body.created_at" in text
    assert "POST /repos/acme/shop/issues -> 201" in text
    headerless = Exchange(good.method, good.path, good.query, None, good.status, {}, good.body)
    assert any("x-ratelimit-remaining" in p for p in openapi.check(headerless))
    assert openapi.check(
        Exchange("GET", "/repos/acme/shop/frobnicate", {}, None, 200, good.headers, {})
    )
    undocumented = Exchange("GET", "/repos/acme/shop", {}, None, 201, good.headers, {})
    assert any("not documented" in p for p in openapi.check(undocumented))
    assert webhook_problems("issues", "opened", {"action": "opened"})
