"""Incident issues and record pull requests, end to end: the CLI, PyGithub, the emulator, git.

Every response the emulator sends here is validated against GitHub's OpenAPI
description by the `make_github` fixture, and every event payload against
the webhook schemas.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from githubops import FORM_BODY
from incidentops import comment as _comment
from incidentops import incident_world
from incidentops import open_incident as _open
from incidentops import record_of as _record
from incidentops import sync as _sync
from incidentops import writes as _writes
from maintain_repo.cli import main
from maintain_repo.store.yaml import mapping_in
from maintain_repo.testing.github import Fault

HOSTILE = (
    "$(touch /tmp/pwned) `id` ${{ secrets.GITHUB_TOKEN }} @acme/sre <img src=x onerror=alert(1)> #1"
)


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    return incident_world(tmp_path, make_github, monkeypatch)


def test_incident_open_makes_one_issue_and_one_record_pull_request(world, capsys):
    repo, emu = world
    assert _open(repo, "--dedupe-key", "checkout-down") == 0
    (issue,) = [i for i in emu.issues if "pull_request" not in i]
    record_id, record = _record(repo, emu)
    assert {label["name"] for label in issue["labels"]} == {
        "incident",
        "maintain",
        "SEV2",
        "status:triage",
    }
    assert f"<!-- maintain:incident:{record_id} -->" in issue["body"]
    assert record["links"]["github_issue"] == issue["number"]
    assert record["severity"] == "SEV2"
    assert record["services"] == ["checkout-api"]
    assert record["status"] == "triage"
    (pull,) = emu.pulls
    assert pull["base"]["ref"] == "main"
    assert [f["filename"] for f in emu_files(emu, pull["number"])] == [
        f"records/incidents/{record_id}.yaml"
    ]
    # The record pull request passes `maintain check` on its own branch.
    out = capsys.readouterr().out
    assert f"{record_id}: issue #{issue['number']} (opened), pull request #{pull['number']}" in out

    # A rerun (the same key) finds everything again and makes nothing new.
    assert _open(repo, "--dedupe-key", "checkout-down") == 0
    assert "(found again)" in capsys.readouterr().out
    assert len([i for i in emu.issues if "pull_request" not in i]) == 1
    assert len(emu.pulls) == 1
    assert repo.commits(pull["head"]["ref"]) == repo.commits("main") + 1
    assert len(emu.comments(issue["number"])) == 1


def emu_files(emu, number):
    from emulated import client

    gh = client(emu)
    return [{"filename": f.filename} for f in gh.get_repo("acme/shop").get_pull(number).get_files()]


@pytest.mark.parametrize(
    "faults",
    [
        # GitHub created the issue, the pull request and the comment, but the answers were lost.
        [
            Fault(method="POST", path=r"/issues$", status=502, times=1, when="after"),
            Fault(method="POST", path=r"/pulls$", status=502, times=1, when="after"),
            Fault(method="POST", path=r"/comments$", status=500, times=1, when="after"),
        ],
        # Throttled before anything happened; and flaky reads.
        [
            Fault(method="POST", path=r"/issues$", status=403, times=1, retry_after=1),
            Fault(method="GET", path=r"/issues$", status=503, times=2, when="before"),
            Fault(method="POST", path=r"/pulls$", status=429, times=1, retry_after=1),
        ],
    ],
    ids=["lost-responses", "rate-limits-and-flaky-reads"],
)
def test_faults_still_end_with_exactly_one_of_each(world, faults):
    repo, emu = world
    for fault in faults:
        emu.inject(fault)
    assert _open(repo, "--dedupe-key", "checkout-down") == 0
    assert _open(repo, "--dedupe-key", "checkout-down") == 0
    issues = [i for i in emu.issues if "pull_request" not in i]
    assert len(issues) == 1
    assert len(emu.pulls) == 1
    assert len(emu.comments(issues[0]["number"])) == 1
    assert any(x.faulted for x in emu.exchanges), "the faults were injected"


def test_dry_run_prints_and_changes_nothing(world, capsys, monkeypatch):
    repo, emu = world
    monkeypatch.delenv("GITHUB_TOKEN")
    assert _open(repo, "--dry-run") == 0
    out = capsys.readouterr().out
    assert "dry run: would open issue 'Checkout is down'" in out
    assert "dry run: would push to maintain/INC-" in out
    assert "dry run: would open pull request" in out
    assert emu.issues == []
    assert emu.pulls == []
    assert repo.branches() == ["main"]


def test_the_token_never_appears_in_output_even_on_errors(world, capsys, monkeypatch):
    repo, emu = world
    token = emu.bot_token
    emu.inject(Fault(method="POST", path=r"/issues$", status=500, times=100, when="before"))
    assert _open(repo) == 2
    captured = capsys.readouterr()
    assert "open issue 'Checkout is down' failed: HTTP 500" in captured.err
    assert token not in captured.out + captured.err

    emu.clear_faults()
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrongwrongwrongwrong")
    assert _open(repo) == 2
    captured = capsys.readouterr()
    assert "HTTP 401" in captured.err
    assert "check GITHUB_TOKEN" in captured.err
    assert "ghp_wrongwrongwrongwrong" not in captured.out + captured.err


def test_a_hostile_title_round_trips_as_inert_text(world):
    repo, emu = world
    assert (
        main(
            [
                "--root",
                str(repo.root),
                "incident",
                "open",
                "--title",
                HOSTILE,
                "--severity",
                "SEV3",
                "--summary",
                HOSTILE,
                "--owner",
                "alice",
            ]
        )
        == 0
    )
    (issue,) = [i for i in emu.issues if "pull_request" not in i]
    assert issue["title"] == HOSTILE  # stored as the very same text
    _, record = _record(repo, emu)
    assert record["title"] == HOSTILE
    assert record["description"] == HOSTILE
    body = issue["body"]
    assert "<img" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;" in body
    assert "@acme/sre" not in body
    assert "@\u200dacme/sre" in body
    assert not (repo.root.parent / "pwned").exists()


def test_an_issue_from_the_form_becomes_a_record_pull_request(world, tmp_path, capsys):
    repo, emu = world
    number = emu.seed_issue("mallory", f"[Incident]: {HOSTILE}", FORM_BODY, labels=["incident"])
    payload = emu.webhook("issues", "opened", issue=number, sender="mallory")
    assert _sync(repo, tmp_path, "issues", payload) == 0
    record_id, record = _record(repo, emu)
    assert record["title"] == HOSTILE
    assert record["severity"] == "SEV2"
    assert record["services"] == ["checkout-api"]
    assert record["roles"]["reporter"] == "mallory"
    assert record["links"]["github_issue"] == number
    assert record["customer_impact"] == {"impacted": True}
    labels = {label["name"] for label in emu.issue(number)["labels"]}
    assert {"incident", "SEV2", "status:triage"} <= labels
    (tracking,) = emu.comments(number)
    assert record_id in tracking["body"]

    # The same event again (a rerun): nothing new.
    assert _sync(repo, tmp_path, "issues", payload) == 0
    assert len(emu.pulls) == 1
    assert len(emu.comments(number)) == 1
    assert repo.commits(f"maintain/{record_id}") == repo.commits("main") + 1


def test_slash_commands_update_the_record_from_people_with_triage(world, tmp_path):
    repo, emu = world
    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident"])
    assert (
        _sync(
            repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number, sender="carol")
        )
        == 0
    )
    record_id, _ = _record(repo, emu)
    branch = f"maintain/{record_id}"

    for login, text in [
        ("carol", "/ack"),
        ("bob", "/commander @alice"),
        ("carol", "/mitigate Rolled back to the previous release."),
        ("alice", "/severity SEV1"),
        ("carol", "/note Customers informed on the status page."),
        ("alice", "/resolve Fixed the connection pool size."),
    ]:
        assert _sync(repo, tmp_path, "issue_comment", _comment(emu, number, login, text)) == 0

    record = mapping_in(repo.read(branch, f"records/incidents/{record_id}.yaml"))
    assert record["status"] == "resolved"
    assert record["severity"] == "SEV1"
    assert record["roles"]["commander"] == "alice"
    assert record["workaround"] == "Rolled back to the previous release."
    assert record["resolution"] == "Fixed the connection pool size."
    events = [(e["by"], e["event"]) for e in record["timeline"]]
    assert events[-6:] == [
        ("carol", "acknowledged"),
        ("bob", "commander_assigned"),
        ("carol", "mitigated"),
        ("alice", "severity_changed"),
        ("carol", "note"),
        ("alice", "resolved"),
    ]
    assert len(emu.pulls) == 1  # every update went onto the one pull request
    # The commander is assigned to the issue too, so GitHub notifies them.
    assert "alice" in [user["login"] for user in emu.issue(number)["assignees"]]
    labels = {label["name"] for label in emu.issue(number)["labels"]}
    assert {"SEV1", "status:resolved"} <= labels
    assert "SEV2" not in labels

    # The branch passes `maintain check` against main (status moves included).
    from githubops import git

    git(repo.root, "fetch", "-q", "origin")
    git(repo.root, "checkout", "-q", f"origin/{branch}")
    record_file = str(repo.root / f"records/incidents/{record_id}.yaml")
    args = ["--root", str(repo.root), "check", "--no-cache", "--base", "origin/main", record_file]
    # Judged now: the emulator dates the comments (and so the record's times) by the clock.
    assert main([*args, "--now", datetime.now(UTC).isoformat()]) == 0


def test_commands_from_people_without_triage_are_politely_refused(world, tmp_path):
    repo, emu = world
    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident"])
    _sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number, sender="carol"))
    _record_id, before = _record(repo, emu)
    payload = _comment(emu, number, "mallory", "/resolve <b>nothing</b> @acme/sre")
    assert _sync(repo, tmp_path, "issue_comment", payload) == 0
    assert _sync(repo, tmp_path, "issue_comment", payload) == 0  # replayed: still one answer
    replies = [c for c in emu.comments(number) if "maintain:reply" in c["body"]]
    assert len(replies) == 1
    assert "needs triage permission or more" in replies[0]["body"]
    assert "read" in replies[0]["body"]
    _, after = _record(repo, emu)
    assert after == before


def test_a_command_the_record_cannot_take_is_answered_not_applied(world, tmp_path):
    repo, emu = world
    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident"])
    _sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number, sender="carol"))
    _, before = _record(repo, emu)
    assert _sync(repo, tmp_path, "issue_comment", _comment(emu, number, "carol", "/mitigate")) == 0
    (reply,) = [c for c in emu.comments(number) if "maintain:reply" in c["body"]]
    assert "/mitigate needs the workaround in place" in reply["body"]
    assert _record(repo, emu)[1] == before


def test_labels_close_and_reopen_follow_the_issue(world, tmp_path):
    repo, emu = world
    from emulated import client

    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident"])
    _sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number, sender="carol"))
    _record_id, _ = _record(repo, emu)
    issue = client(emu, "alice").get_repo("acme/shop").get_issue(number)
    issue.add_to_labels("SEV1")
    assert (
        _sync(
            repo,
            tmp_path,
            "issues",
            emu.webhook("issues", "labeled", issue=number, label="SEV1", sender="alice"),
        )
        == 0
    )
    issue.edit(state="closed", state_reason="completed")
    assert (
        _sync(
            repo, tmp_path, "issues", emu.webhook("issues", "closed", issue=number, sender="alice")
        )
        == 0
    )
    record = _record(repo, emu)[1]
    assert (record["severity"], record["status"]) == ("SEV1", "resolved")
    issue.edit(state="open")
    assert (
        _sync(
            repo,
            tmp_path,
            "issues",
            emu.webhook("issues", "reopened", issue=number, sender="alice"),
        )
        == 0
    )
    record = _record(repo, emu)[1]
    assert record["status"] == "active"
    assert [e["event"] for e in record["timeline"]][-3:] == [
        "severity_changed",
        "resolved",
        "reopened",
    ]


def test_sync_with_lost_responses_still_makes_one_pull_request_and_one_reply(world, tmp_path):
    repo, emu = world
    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident"])
    emu.inject(Fault(method="POST", path=r"/pulls$", status=502, times=1, when="after"))
    emu.inject(Fault(method="POST", path=r"/comments$", status=504, times=1, when="after"))
    opened = emu.webhook("issues", "opened", issue=number, sender="carol")
    assert _sync(repo, tmp_path, "issues", opened) == 0
    emu.clear_faults()
    ack = _comment(emu, number, "carol", "/ack")
    emu.inject(Fault(method="POST", path=r"/comments$", status=502, times=1, when="after"))
    assert _sync(repo, tmp_path, "issue_comment", ack) == 0
    assert _sync(repo, tmp_path, "issue_comment", ack) == 0  # the event delivered twice
    assert len(emu.pulls) == 1
    bodies = [c["body"] for c in emu.comments(number)]
    assert sum("maintain:record:" in b for b in bodies) == 1
    assert sum("maintain:reply:" in b for b in bodies) == 1
    record = _record(repo, emu)[1]
    assert [e["event"] for e in record["timeline"]].count("acknowledged") == 1


def test_an_incident_of_unknown_severity_gets_no_severity_label(world):
    repo, emu = world
    args = ["--root", str(repo.root), "incident", "open", "--title", "Something is off"]
    assert main([*args, "--severity", "unknown", "--owner", "alice"]) == 0
    (issue,) = [i for i in emu.issues if "pull_request" not in i]
    assert {label["name"] for label in issue["labels"]} == {"incident", "maintain", "status:triage"}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            ["--service", "nope"],
            "ref-exists services[0] names nope, which does not exist",
        ),
        (["--owner", "not a login!"], "owner"),
        (["--service", "Checkout API"], "services[0]"),
    ],
    ids=["unknown-service", "bad-owner", "service-not-an-id"],
)
@pytest.mark.parametrize("dry_run", [False, True], ids=["real", "dry-run"])
def test_incident_open_refuses_a_record_that_would_fail_before_any_write(
    world, capsys, extra, message, dry_run
):
    repo, emu = world
    args = ["--root", str(repo.root), "incident", "open", "--title", "Checkout is down"]
    args += ["--severity", "SEV2", "--owner", "alice", *extra]
    assert main([*args, *(["--dry-run"] if dry_run else [])]) == 2
    err = capsys.readouterr().err
    assert "would not pass `maintain check`" in err
    assert message in err
    assert "records/incidents/INC-" in err  # where, as `maintain check` says it
    assert _writes(emu) == []
    assert emu.issues == []
    assert emu.labels == []
    assert repo.branches() == ["main"]


def test_a_dry_run_with_a_token_reads_but_writes_nothing_and_succeeds(world, capsys):
    repo, emu = world
    assert _open(repo, "--dry-run", "--dedupe-key", "checkout-down") == 0
    captured = capsys.readouterr()
    assert "dry run: would open issue 'Checkout is down'" in captured.out
    assert "dry run: would push to maintain/INC-" in captured.out
    assert "dry run: would open pull request" in captured.out
    assert captured.err == ""
    assert emu.exchanges, "a dry run with a token reads GitHub"
    assert _writes(emu) == []
    assert [x for x in emu.exchanges if x.status >= 400] == []  # nothing it did not make is read
    assert repo.branches() == ["main"]

    # With the incident open for real, a dry run of the same key plans nothing new.
    assert _open(repo, "--dedupe-key", "checkout-down") == 0
    before = len(_writes(emu))
    capsys.readouterr()
    assert _open(repo, "--dry-run", "--dedupe-key", "checkout-down") == 0
    assert "(found again)" in capsys.readouterr().out
    assert len(_writes(emu)) == before


def test_a_form_whose_record_would_fail_is_answered_and_can_be_retried(world, tmp_path):
    from emulated import client

    repo, emu = world
    body = FORM_BODY.replace("checkout-api", "chekout-api")
    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", body, labels=["incident"])
    opened = emu.webhook("issues", "opened", issue=number, sender="carol")
    assert _sync(repo, tmp_path, "issues", opened) == 0
    assert emu.pulls == []
    assert repo.branches() == ["main"]
    (reply,) = emu.comments(number)
    assert "services[0] names chekout-api, which does not exist" in reply["body"]
    assert "remove the `incident` label and add it again" in reply["body"]
    assert {label["name"] for label in emu.issue(number)["labels"]} == {"incident"}
    assert _sync(repo, tmp_path, "issues", opened) == 0  # replayed: the same one answer
    assert len(emu.comments(number)) == 1

    # The reporter fixes the form; adding the label again makes the record.
    issue = client(emu, "carol").get_repo("acme/shop").get_issue(number)
    issue.edit(body=FORM_BODY)
    issue.remove_from_labels("incident")
    issue.add_to_labels("incident")
    labeled = emu.webhook("issues", "labeled", issue=number, label="incident", sender="carol")
    assert _sync(repo, tmp_path, "issues", labeled) == 0
    _, record = _record(repo, emu)
    assert record["services"] == ["checkout-api"]
    assert {"incident", "SEV2", "status:triage"} <= {
        label["name"] for label in emu.issue(number)["labels"]
    }
