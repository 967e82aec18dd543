"""`maintain report --month` and the monthly "Ops review YYYY-MM" issue (`--issue`), against
the emulator: opened once, updated in place, never twice."""

from __future__ import annotations

import pytest

from githubops import actions_env, make_ops_repo
from maintain_repo.cli import main


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    repo = make_ops_repo(tmp_path)
    emu = make_github(users={"alice": "admin"}, teams={})
    actions_env(monkeypatch, emu)
    return repo, emu


def report(repo, *args: str) -> int:
    return main(["--root", str(repo.root), "report", "--now", "2026-04-10T00:00:00Z", *args])


def test_month_last_is_the_calendar_month_before_now(world, capsys):
    repo, _emu = world
    assert report(repo, "--month", "last", "--format", "json") == 0
    out = capsys.readouterr().out
    assert '"since": "2026-03-01T00:00:00Z"' in out
    assert '"until": "2026-04-01T00:00:00Z"' in out
    assert report(repo, "--month", "2025-12", "--format", "json") == 0
    assert '"until": "2026-01-01T00:00:00Z"' in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--month", "2026-13"], "a month like 2026-11, or last"),
        (["--month", "last", "--since", "2026-01-01"], "without --since and --until"),
        (["--issue"], "--issue writes one month's review: give --month"),
    ],
)
def test_bad_months_are_usage_errors(world, capsys, args, message):
    repo, _emu = world
    assert report(repo, *args) == 2
    assert message in capsys.readouterr().err


def test_the_review_issue_is_opened_once_and_kept_up_to_date(world, capsys):
    repo, emu = world
    assert report(repo, "--month", "last", "--issue") == 0
    assert "ops review 2026-03: issue #1 opened" in capsys.readouterr().err
    (issue,) = emu.issues
    assert issue["title"] == "Ops review 2026-03"
    assert {label["name"] for label in issue["labels"]} == {"ops-review", "maintain"}
    assert "### Delivery (DORA)" in issue["body"]
    assert "<!-- maintain:review:2026-03 -->" in issue["body"]

    assert report(repo, "--month", "last", "--issue") == 0
    assert "issue #1 already up to date" in capsys.readouterr().err
    # A later run for the same month finds the same issue.
    assert (
        main(
            [
                "--root",
                str(repo.root),
                "report",
                "--now",
                "2026-04-17T00:00:00Z",
                "--month",
                "2026-03",
                "--issue",
            ]
        )
        == 0
    )
    assert len(emu.issues) == 1
    assert report(repo, "--month", "last", "--issue", "--dry-run") == 0
    assert len(emu.issues) == 1
