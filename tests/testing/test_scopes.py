"""A workflow job's GITHUB_TOKEN against the emulator: what its permissions grant, and
nothing more (GitHub answers 403 "Resource not accessible by integration")."""

from __future__ import annotations

import pytest

import github
from emulated import client
from maintain_repo.testing.github.routes import all_routes
from maintain_repo.testing.github.scopes import allows, job_permissions, needed


def test_every_route_of_the_emulator_knows_its_permission():
    for route in all_routes():
        needed(route.method, route.template)  # raises for a route nobody mapped
    with pytest.raises(KeyError):
        needed("GET", "/repos/{owner}/{repo}/contents/{path}")


@pytest.mark.parametrize(
    ("granted", "method", "template", "allowed"),
    [
        ({"issues": "read"}, "GET", "/repos/{owner}/{repo}/issues", True),
        ({"issues": "read"}, "POST", "/repos/{owner}/{repo}/issues", False),
        (
            {"pull_requests": "write"},
            "POST",
            "/repos/{owner}/{repo}/issues/{issue_number}/comments",
            True,
        ),
        ({"statuses": "write"}, "GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", True),
        ({"statuses": "write"}, "GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", False),
        (
            {"contents": "write"},
            "GET",
            "/orgs/{org}/teams/{team_slug}/memberships/{username}",
            False,
        ),
        ({}, "GET", "/repos/{owner}/{repo}", True),
        ({}, "GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", True),
        (
            {"security_events": "read"},
            "PATCH",
            "/repos/{owner}/{repo}/dependabot/alerts/{alert_number}",
            False,
        ),
        ({"pull_requests": "write"}, "POST", "/repos/{owner}/{repo}/issues", False),
        ({"pull_requests": "write"}, "PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", True),
        (
            {"pull_requests": "write"},
            "PUT",
            "/repos/{owner}/{repo}/pulls/{pull_number}/merge",
            False,
        ),
        ({"contents": "write"}, "PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", True),
        ({"contents": "write"}, "GET", "/repos/{owner}/{repo}/commits/{commit_sha}/pulls", False),
        (dict.fromkeys(("contents", "issues"), "write"), "GET", "/user", False),
    ],
)
def test_reads_need_read_and_everything_else_write(granted, method, template, allowed):
    assert allows(granted, method, template) is allowed


def test_a_permissions_block_as_actions_reads_it():
    assert job_permissions(None) is None  # not said: the repository's default token
    assert job_permissions({}) == {}
    assert job_permissions({"pull-requests": "write", "contents": "read"}) == {
        "pull_requests": "write",
        "contents": "read",
    }
    assert job_permissions("read-all")["issues"] == "read"
    with pytest.raises(ValueError, match="is not read, write or none"):
        job_permissions({"issues": "admin"})


def test_a_scoped_token_is_refused_what_it_was_not_given(make_github):
    emu = make_github()
    token = emu.job_token({"issues": "read"})
    repo = client(emu, token=token).get_repo(emu.repo)
    assert repo.get_issues(state="all").totalCount == 0
    with pytest.raises(github.GithubException) as refused:
        repo.create_issue(title="not allowed")
    assert refused.value.status == 403
    assert refused.value.data["message"] == "Resource not accessible by integration"
    # The repository's default token (no permissions block) is not scoped.
    unscoped = client(emu, token=emu.job_token(None)).get_repo(emu.repo)
    assert unscoped.create_issue(title="allowed").number == 1
