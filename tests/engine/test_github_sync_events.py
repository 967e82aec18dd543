"""`maintain github sync` against the emulator: labels people own stay, an event applies once,
a late event rewinds nothing, and what people get wrong is answered with a green run.

Every response the emulator sends is validated against GitHub's OpenAPI description, and
every payload built from its state against the webhook schemas.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from emulated import client
from githubops import FORM_BODY, git, label_replacements, write_event
from incidentops import (
    comment,
    form_incident,
    incident_world,
    labels,
    open_incident,
    record_of,
    sync,
    sync_raw,
    writes,
)
from maintain_repo.cli import main


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    return incident_world(tmp_path, make_github, monkeypatch)


def _issue_number(emu):
    (issue,) = [i for i in emu.issues if "pull_request" not in i]
    return issue["number"]


def test_labels_people_added_survive_every_edit(world, tmp_path):
    repo, emu = world
    assert open_incident(repo) == 0
    number = _issue_number(emu)
    issue = client(emu, "alice").get_repo("acme/shop").get_issue(number)
    issue.add_to_labels("customer-facing", "db", "status:needs-info")
    # The team's own status label is theirs: labelling with it asks maintain for nothing.
    team = emu.webhook("issues", "labeled", issue=number, label="status:needs-info", sender="alice")
    assert sync(repo, tmp_path, "issues", team) == 0
    assert not [c for c in emu.comments(number) if "Could not" in c["body"]]
    # A snapshot taken before those labels: maintain must not set the issue's labels from it.
    stale = comment(emu, number, "alice", "/severity SEV1")
    stale["issue"]["labels"] = [{"name": "incident"}]
    assert sync_raw(repo, tmp_path, "issue_comment", stale) == 0
    theirs = {"incident", "maintain", "customer-facing", "db", "status:needs-info"}
    assert labels(emu, number) == theirs | {"SEV1", "status:triage"}
    for text in ("/ack", "/mitigate Rolled back.", "/resolve Pool size fixed."):
        assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "carol", text)) == 0
    assert labels(emu, number) == theirs | {"SEV1", "status:resolved"}
    assert label_replacements(emu) == []  # added and removed one by one, never replaced
    body = emu.issue(number)["body"]
    assert body.startswith("**Incident INC-")
    assert "· severity SEV1 · status resolved" in body.splitlines()[0]


def test_an_issue_from_the_form_keeps_its_labels(world, tmp_path):
    repo, emu = world
    number = emu.seed_issue(
        "carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident", "team:payments"]
    )
    assert sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number)) == 0
    assert labels(emu, number) == {"incident", "team:payments", "SEV2", "status:triage"}
    assert label_replacements(emu) == []
    assert emu.issue(number)["body"] == FORM_BODY  # a person's text is theirs


COMMANDS = [
    "/note Customers informed.",
    "/mitigate Rolled back to the previous release.",
    "/ack",
    "/severity SEV1",
    "/commander @alice",
    "/resolve Fixed the pool size.",
]


@pytest.mark.parametrize("text", COMMANDS, ids=lambda t: t.split()[0])
def test_a_replayed_command_changes_nothing(world, tmp_path, text):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    record_id, _ = record_of(repo, emu)
    branch = f"maintain/{record_id}"
    payload = comment(emu, number, "carol", text)
    assert sync(repo, tmp_path, "issue_comment", payload) == 0
    commits = repo.commits(branch)
    _, record = record_of(repo, emu)
    (reply,) = [c for c in emu.comments(number) if "maintain:reply:" in c["body"]]
    assert reply["body"].startswith(f"Done: `{text.split()[0]}`")
    label_set = labels(emu, number)
    before = len(writes(emu))
    for _ in range(2):
        assert sync(repo, tmp_path, "issue_comment", payload) == 0
    assert repo.commits(branch) == commits
    assert record_of(repo, emu)[1] == record
    assert [c for c in emu.comments(number) if "maintain:reply:" in c["body"]] == [reply]
    assert labels(emu, number) == label_set
    assert len(writes(emu)) == before  # not one write


def test_a_command_applied_by_a_run_that_died_before_answering_is_not_applied_twice(
    world, tmp_path
):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    record_id, _ = record_of(repo, emu)
    payload = comment(emu, number, "carol", "/note Customers informed.")
    assert sync(repo, tmp_path, "issue_comment", payload) == 0
    # The answer is lost (the run died after pushing): the replay answers, adds nothing.
    (reply,) = [c for c in emu.comments(number) if "maintain:reply:" in c["body"]]
    client(emu).get_repo("acme/shop").get_issue(number).get_comment(reply["id"]).delete()
    commits = repo.commits(f"maintain/{record_id}")
    assert sync(repo, tmp_path, "issue_comment", payload) == 0
    assert repo.commits(f"maintain/{record_id}") == commits
    notes = [e for e in record_of(repo, emu)[1]["timeline"] if e["event"] == "note"]
    assert len(notes) == 1
    (again,) = [c for c in emu.comments(number) if "maintain:reply:" in c["body"]]
    assert again["body"].startswith("Done: `/note`")


def test_a_replayed_opened_event_does_not_rewind_labels(world, tmp_path):
    repo, emu = world
    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident"])
    opened = emu.webhook("issues", "opened", issue=number, sender="carol")
    assert sync(repo, tmp_path, "issues", opened) == 0
    for text in ("/severity SEV1", "/mitigate Rolled back."):
        assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "alice", text)) == 0
    assert {"SEV1", "status:mitigated"} <= labels(emu, number)
    record = record_of(repo, emu)[1]
    before = len(writes(emu))
    assert sync(repo, tmp_path, "issues", opened) == 0
    assert {"SEV1", "status:mitigated"} <= labels(emu, number)
    assert not {"SEV2", "status:triage"} & labels(emu, number)
    assert record_of(repo, emu)[1] == record
    assert len(writes(emu)) == before


def test_a_late_label_event_does_not_undo_a_later_change(world, tmp_path):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    issue = client(emu, "alice").get_repo("acme/shop").get_issue(number)
    issue.add_to_labels("SEV3")
    labelled = emu.webhook("issues", "labeled", issue=number, label="SEV3", sender="alice")
    # The label event is delivered late: a later command was applied first.
    labelled["issue"]["updated_at"] = "2026-01-01T00:00:00Z"
    assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "alice", "/ack")) == 0
    record = record_of(repo, emu)[1]
    assert sync_raw(repo, tmp_path, "issues", labelled) == 0
    assert record_of(repo, emu)[1] == record
    assert record["severity"] == "SEV2"


def test_a_replayed_close_after_a_reopen_leaves_the_incident_open(world, tmp_path):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    issue = client(emu, "alice").get_repo("acme/shop").get_issue(number)
    issue.edit(state="closed", state_reason="completed")
    closed = emu.webhook("issues", "closed", issue=number, sender="alice")
    assert sync(repo, tmp_path, "issues", closed) == 0
    issue.edit(state="open")
    assert sync(repo, tmp_path, "issues", emu.webhook("issues", "reopened", issue=number)) == 0
    record = record_of(repo, emu)[1]
    assert record["status"] == "active"
    assert sync(repo, tmp_path, "issues", closed) == 0
    assert record_of(repo, emu)[1] == record


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("/severity SEV9", "expected one of SEV1, SEV2, SEV3, SEV4"),
        ("/mitigate", "/mitigate needs the workaround in place"),
        ("/resolve   ", "/resolve needs what fixed it"),
        ("/commander not a login", "`/commander` needs a GitHub login"),
    ],
    ids=["severity-typo", "mitigate-without-text", "resolve-without-text", "bad-commander"],
)
def test_a_typo_is_answered_and_the_run_succeeds(world, tmp_path, text, answer):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    _, record = record_of(repo, emu)
    label_set = labels(emu, number)
    assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "carol", text)) == 0
    (reply,) = [c for c in emu.comments(number) if "maintain:reply:" in c["body"]]
    assert answer in reply["body"]
    assert record_of(repo, emu)[1] == record
    assert labels(emu, number) == label_set


@pytest.mark.parametrize("status", ["resolved", "mitigated", "closed"])
def test_a_status_label_that_cannot_set_the_status_is_answered_and_taken_off(
    world, tmp_path, status
):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    _, record = record_of(repo, emu)
    issue = client(emu, "alice").get_repo("acme/shop").get_issue(number)
    issue.add_to_labels(f"status:{status}", "keep-me")
    event = emu.webhook("issues", "labeled", issue=number, label=f"status:{status}", sender="alice")
    assert sync(repo, tmp_path, "issues", event) == 0
    (reply,) = [c for c in emu.comments(number) if "maintain:reply:" in c["body"]]
    assert f"the label status:{status} cannot set the status alone" in reply["body"]
    assert record_of(repo, emu)[1] == record
    assert labels(emu, number) == {"incident", "keep-me", "SEV2", "status:triage"}


def test_a_command_on_an_issue_without_a_record_is_answered(world, tmp_path):
    repo, emu = world
    number = emu.seed_issue("carol", "Something else", "text", labels=["incident"])
    assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "carol", "/ack")) == 0
    (reply,) = [c for c in emu.comments(number) if "maintain:reply:" in c["body"]]
    assert f"issue #\u200d{number} has no incident record yet" in reply["body"]
    assert repo.branches() == ["main"]


def test_resolving_by_closing_acknowledges_only_for_a_person(world, tmp_path):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    issue = client(emu, "alice").get_repo("acme/shop").get_issue(number)
    issue.edit(state="closed", state_reason="completed")
    assert sync(repo, tmp_path, "issues", emu.webhook("issues", "closed", issue=number)) == 0
    record = record_of(repo, emu)[1]
    assert record["status"] == "resolved"
    assert record["acknowledged_at"] == record["resolved_at"]  # alice saw it: she closed it

    # The same close by another app (a bot) acknowledges nothing.
    other = form_incident(repo, tmp_path, emu, FORM_BODY.replace("SEV2", "SEV3"))
    client(emu, "alice").get_repo("acme/shop").get_issue(other).edit(state="closed")
    event = emu.webhook("issues", "closed", issue=other, sender="alice")
    event["sender"] = {**event["sender"], "login": "stale-bot[bot]", "type": "Bot"}
    assert sync_raw(repo, tmp_path, "issues", event) == 0
    branches = [b for b in repo.branches() if b.startswith("maintain/")]
    bot_closed = [
        b
        for b in branches
        if "severity: SEV3" in repo.read(b, f"records/incidents/{b.split('/', 1)[1]}.yaml")
    ]
    (branch,) = bot_closed
    text = repo.read(branch, f"records/incidents/{branch.split('/', 1)[1]}.yaml")
    assert "status: resolved" in text
    assert "acknowledged_at" not in text


def test_the_branch_of_a_synced_incident_passes_check(world, tmp_path):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    for text in ("/severity SEV1", "/note Informed.", "/resolve Fixed."):
        assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "carol", text)) == 0
    record_id, _ = record_of(repo, emu)
    git(repo.root, "fetch", "-q", "origin")
    git(repo.root, "checkout", "-q", f"origin/maintain/{record_id}")
    args = ["--root", str(repo.root), "check", "--no-cache", "--base", "origin/main"]
    # The emulator dates comments, and so the record's times, by the clock.
    args += ["--now", datetime.now(UTC).isoformat()]
    assert main([*args, str(repo.root / f"records/incidents/{record_id}.yaml")]) == 0


def test_a_command_older_than_the_record_is_answered_not_applied(world, tmp_path):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    # Alice labelled the issue SEV1 at a time later than the comment below, and that was
    # synced first (had the comment been there, that run would have answered it first).
    client(emu, "alice").get_repo("acme/shop").get_issue(number).add_to_labels("SEV1")
    labelled = emu.webhook("issues", "labeled", issue=number, label="SEV1", sender="alice")
    labelled["issue"]["updated_at"] = "2099-01-01T00:00:00Z"
    assert sync_raw(repo, tmp_path, "issues", labelled) == 0
    assert record_of(repo, emu)[1]["severity"] == "SEV1"
    late = comment(emu, number, "carol", "/severity SEV3")
    assert sync(repo, tmp_path, "issue_comment", late) == 0
    assert record_of(repo, emu)[1]["severity"] == "SEV1"
    (reply,) = [c for c in emu.comments(number) if "maintain:reply:" in c["body"]]
    assert "Not applied" in reply["body"]
    assert "changed at 2099-01-01T00:00:00Z" in reply["body"]
    assert labels(emu, number) == {"incident", "SEV1", "status:triage"}

    # A late note is answered too: the timeline only goes forward.
    note = comment(emu, number, "carol", "/note Still watching.")
    assert sync(repo, tmp_path, "issue_comment", note) == 0
    assert "Still watching." not in str(record_of(repo, emu)[1]["timeline"])
    replies = [c["body"] for c in emu.comments(number) if "maintain:reply:" in c["body"]]
    assert "If `/note` still holds, comment it again." in replies[-1]


def test_two_events_in_the_same_second_are_two_events(world, tmp_path):
    """Close-with-comment: the close and the `/note` are stamped the same second by the same
    person; each is applied (a replay is known by its event's own identity, not by who and
    when), and a replay of either still changes nothing."""
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    note = comment(emu, number, "alice", "/note Pool size raised to 40.")
    issue = client(emu, "alice").get_repo("acme/shop").get_issue(number)
    issue.edit(state="closed", state_reason="completed")
    closed = emu.webhook("issues", "closed", issue=number, sender="alice")
    closed["issue"]["updated_at"] = note["comment"]["created_at"]  # the very same second
    assert sync(repo, tmp_path, "issues", closed) == 0
    assert sync(repo, tmp_path, "issue_comment", note) == 0
    record = record_of(repo, emu)[1]
    entries = [(e["event"], e["by"], e["at"], e.get("text")) for e in record["timeline"]]
    stamp = note["comment"]["created_at"]
    assert ("resolved", "alice", stamp, "issue closed") in entries
    assert ("note", "alice", stamp, "Pool size raised to 40.") in entries
    sources = {e.get("source", "") for e in record["timeline"][-2:]}
    assert f"github:comment:{note['comment']['id']}" in sources
    assert any(s.startswith("github:issues.closed:") for s in sources)
    for name, payload in (("issues", closed), ("issue_comment", note)):
        assert sync(repo, tmp_path, name, payload) == 0
        assert record_of(repo, emu)[1] == record


def _dry_sync(repo, tmp_path, name, payload):
    path = write_event(tmp_path, payload, f"dry-{name}.json")
    args = ["--root", str(repo.root), "github", "sync", "--event", str(path)]
    return main([*args, "--event-name", name, "--dry-run"])


@pytest.mark.parametrize("kind", ["opened", "labeled", "closed", "comment"])
def test_a_dry_run_without_a_token_reads_and_writes_nothing_and_succeeds(
    world, tmp_path, monkeypatch, capsys, kind
):
    repo, emu = world
    number = emu.seed_issue("carol", "[Incident]: Checkout is slow", FORM_BODY, labels=["incident"])
    payloads = {
        "opened": ("issues", emu.webhook("issues", "opened", issue=number)),
        "labeled": ("issues", emu.webhook("issues", "labeled", issue=number, label="incident")),
        "closed": ("issues", emu.webhook("issues", "closed", issue=number, sender="alice")),
        "comment": ("issue_comment", comment(emu, number, "alice", "/note Looking.")),
    }
    name, payload = payloads[kind]
    before = len(emu.exchanges)
    monkeypatch.delenv("GITHUB_TOKEN")
    capsys.readouterr()
    code = _dry_sync(repo, tmp_path, name, payload)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Bad credentials" not in captured.err
    assert len(emu.exchanges) == before  # not one request: there is no token to send


def test_approve_as_a_dry_run_without_a_token_says_it_needs_one(world, capsys, monkeypatch):
    repo, _ = world
    monkeypatch.delenv("GITHUB_TOKEN")
    code = main(["--root", str(repo.root), "approve", "--pr", "1", "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2
    assert "a dry run without a token cannot read pull request #1" in err
    assert "hint: set GITHUB_TOKEN" in err


@pytest.mark.parametrize(
    ("reason", "status", "words"),
    [
        ("completed", "resolved", "Resolved: issue closed by alice"),
        ("not_planned", "declined", "Declined: issue closed as not planned by alice"),
        ("duplicate", "declined", "Declined: issue closed as a duplicate by alice"),
    ],
)
def test_how_the_issue_was_closed_decides_the_status(world, tmp_path, reason, status, words):
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    closed = emu.webhook("issues", "closed", issue=number, sender="alice")
    closed["issue"]["state"] = "closed"
    closed["issue"]["state_reason"] = reason  # as GitHub sends it for each way of closing
    assert sync_raw(repo, tmp_path, "issues", closed) == 0
    record = record_of(repo, emu)[1]
    assert (record["status"], record["resolution"]) == (status, words)


def test_commands_whose_runs_were_cancelled_are_answered_by_the_next_run(world, tmp_path):
    """Three commands in a burst: Actions cancels the pending run of the second when the
    third queues. The third's run answers the second first, in order."""
    repo, emu = world
    number = form_incident(repo, tmp_path, emu, FORM_BODY)
    first = comment(emu, number, "alice", "/ack")
    comment(emu, number, "alice", "/severity SEV1")  # its run never starts
    third = comment(emu, number, "alice", "/note Paging the database team.")
    assert sync(repo, tmp_path, "issue_comment", first) == 0
    assert sync(repo, tmp_path, "issue_comment", third) == 0
    record = record_of(repo, emu)[1]
    assert record["severity"] == "SEV1"
    assert [e["event"] for e in record["timeline"]][-3:] == [
        "acknowledged",
        "severity_changed",
        "note",
    ]
    assert "SEV1" in labels(emu, number)
    replies = [c["body"] for c in emu.comments(number) if c["body"].startswith("Done:")]
    assert len(replies) == 3
    # Everything is answered: the next run has nothing to catch up, and a replay of the
    # third changes nothing.
    assert sync(repo, tmp_path, "issue_comment", third) == 0
    assert record_of(repo, emu)[1] == record
