"""The GitHub adapter (`github.client.Client`) against the emulator, with real PyGithub.

Every response the emulator sends is validated against GitHub's OpenAPI description by the
`github` fixture.
"""

from __future__ import annotations

import pytest

from maintain_repo.github.client import Client
from maintain_repo.github.config import GitHubConfig
from maintain_repo.testing.github import Emulator, Fault

WRITES = ("POST", "PATCH", "PUT", "DELETE")


def _client(emu: Emulator, *, dry_run: bool = False, said: list[str] | None = None) -> Client:
    return Client(
        GitHubConfig(
            api_url=emu.base_url,
            repository="acme/shop",
            token=emu.bot_token,
            dry_run=dry_run,
            backoff=0.01,
            pace=False,
            say=(said.append if said is not None else lambda _: None),
        )
    )


def _labels(emu: Emulator, number: int) -> list[str]:
    return [label["name"] for label in emu.issue(number)["labels"]]


def test_labels_are_added_and_removed_one_by_one_keeping_the_others(github: Emulator) -> None:
    number = github.seed_issue("alice", "Down", labels=["incident", "db"])
    api = _client(github)
    api.add_labels(number, ["SEV2", "status:triage", "SEV2"])
    assert _labels(github, number) == ["incident", "db", "SEV2", "status:triage"]
    api.remove_label(number, "status:triage")  # a name with a colon, as a path segment
    api.remove_label(number, "status:triage")  # gone already: GitHub's 404 is the wanted end
    assert _labels(github, number) == ["incident", "db", "SEV2"]
    api.add_labels(number, [])  # nothing to add: no request
    sent = [(x.method, x.path) for x in github.exchanges if x.method in WRITES]
    assert sent == [
        ("POST", f"/repos/acme/shop/issues/{number}/labels"),
        ("DELETE", f"/repos/acme/shop/issues/{number}/labels/status%3Atriage"),
        ("DELETE", f"/repos/acme/shop/issues/{number}/labels/status%3Atriage"),
    ]
    assert [x.request_body for x in github.exchanges if x.method == "POST"] == [
        ["SEV2", "status:triage"]
    ]


def test_removing_a_label_from_an_issue_that_is_not_there_is_an_error(github: Emulator) -> None:
    """Only "the label is not on the issue" is the wanted end; a 404 for the issue itself
    (or a repository the token cannot see) is a failure, said."""
    from maintain_repo.errors import GitHubError

    with pytest.raises(GitHubError, match=r"remove label 'SEV2' from #999 failed: HTTP 404"):
        _client(github).remove_label(999, "SEV2")


def test_adding_labels_survives_a_lost_answer(github: Emulator) -> None:
    number = github.seed_issue("alice", "Down", labels=["incident"])
    github.inject(Fault(method="POST", path=r"/labels$", status=502, times=1, when="after"))
    _client(github).add_labels(number, ["SEV1"])
    assert _labels(github, number) == ["incident", "SEV1"]


def test_a_dry_run_plans_label_changes_and_writes_nothing(github: Emulator) -> None:
    number = github.seed_issue("alice", "Down", labels=["incident", "SEV3"])
    said: list[str] = []
    api = _client(github, dry_run=True, said=said)
    api.add_labels(number, ["SEV1"])
    api.remove_label(number, "SEV3")
    assert said == [
        f"dry run: would add label(s) SEV1 to #{number}",
        f"dry run: would remove label 'SEV3' from #{number}",
    ]
    assert [x for x in github.exchanges if x.method in WRITES] == []
    assert _labels(github, number) == ["incident", "SEV3"]


def test_a_dry_run_reads_nothing_of_the_issue_it_only_planned(github: Emulator) -> None:
    said: list[str] = []
    api = _client(github, dry_run=True, said=said)
    issue, created = api.ensure_issue("<!-- maintain:incident:INC-1 -->", "Down", "b", [], "x")
    assert (issue.number, created) == (0, True)
    assert api.issue(0).number == 0
    assert api.our_comments(0) == []
    assert api.upsert_comment(0, "<!-- maintain:record:INC-1 -->", "text") == 0
    assert [x.status for x in github.exchanges if x.status >= 400] == []
    assert [x for x in github.exchanges if x.method in WRITES] == []


@pytest.mark.parametrize("dry_run", [False, True])
def test_issue_zero_is_read_from_github_unless_a_dry_run_planned_it(
    github: Emulator, dry_run: bool
) -> None:
    from maintain_repo.errors import GitHubError

    api = _client(github, dry_run=dry_run)
    if dry_run:
        assert api.issue(0).number == 0
    else:
        with pytest.raises(GitHubError):
            api.issue(0)
