"""Two-way links the tool writes itself: `maintain check --fix`, and `/cause` on an incident
issue, whose record pull request lists the incident in the triggering change's
`caused_incidents` too."""

from __future__ import annotations

import pytest

from githubops import FORM_BODY, git, make_ops_repo
from incidentops import comment, incident_world, record_of, sync
from maintain_repo.cli import main
from maintain_repo.engine.backlinks import complete
from maintain_repo.store.yaml import mapping_in

CHANGE = "records/changes/CHG-20260228-4QX1.yaml"  # closed, in tests/cases/base
INCIDENT = "records/incidents/INC-20260320-5W2H.yaml"
NEW_INCIDENT = """\
id: INC-20260320-5W2H
kind: incident
schema_version: 1
title: Payments time out again
status: triage
owner: alice
created_at: 2026-03-20T10:00:00Z
type: availability
severity: SEV3
services: [payments]
reported_at: 2026-03-20T10:00:00Z
cause:
  summary: The pool change again.
  triggering_change: CHG-20260228-4QX1
problem: PRB-20260305-2B3C
"""
IMPROVEMENT = "records/improvements/IMP-20260321-3R8D.yaml"
FROM_INCIDENT = """\
id: IMP-20260321-3R8D
kind: improvement
schema_version: 1
title: Alert on pool saturation
status: open
owner: alice
created_at: 2026-03-21T10:00:00Z
source: {kind: incident, ref: INC-20260320-5W2H}
category: detect
priority: P2
"""
NOW = "2026-03-22T00:00:00Z"


def check(repo, *extra: str) -> int:
    return main(["--root", str(repo.root), "check", "--now", NOW, *extra])


def test_check_fix_writes_the_list_sides(tmp_path, capsys):
    repo = make_ops_repo(tmp_path, {INCIDENT: NEW_INCIDENT, IMPROVEMENT: FROM_INCIDENT})
    before = (repo.root / CHANGE).read_text()
    assert check(repo) == 1
    out = capsys.readouterr().out
    assert out.count("ref-backlink") == 3
    assert check(repo, "--fix") == 0
    err = capsys.readouterr().err
    assert (
        "fixed records/changes/CHG-20260228-4QX1.yaml: caused_incidents lists INC-20260320-5W2H"
        in err
    )
    assert "fixed records/problems/PRB-20260305-2B3C.yaml: incidents lists INC-20260320-5W2H" in err
    assert (
        "fixed records/incidents/INC-20260320-5W2H.yaml: action_items lists IMP-20260321-3R8D"
        in err
    )
    after = (repo.root / CHANGE).read_text()
    assert mapping_in(after)["caused_incidents"][-1] == "INC-20260320-5W2H"
    # Only the list grew: every other line of the closed change is as it was.
    assert [line for line in after.splitlines() if line not in before.splitlines()] == [
        "  - INC-20260320-5W2H"
    ]
    # A closed change may gain a caused incident in a pull request (the list only grows).
    assert check(repo, "--base", "HEAD") == 0
    assert check(repo, "--fix") == 0
    assert "fixed" not in capsys.readouterr().err  # nothing left to write


def test_a_closed_record_may_not_lose_a_caused_incident(tmp_path, capsys):
    repo = make_ops_repo(tmp_path)
    text = (repo.root / CHANGE).read_text()
    listed = mapping_in(text)["caused_incidents"]
    assert listed
    (repo.root / CHANGE).write_text(text.replace(f"  - {listed[0]}\n", ""))
    assert check(repo, "--base", "HEAD", str(repo.root / CHANGE)) == 1
    assert "closed-immutable caused_incidents changed" in capsys.readouterr().out


def test_a_waiver_is_never_extended(tmp_path):
    repo = make_ops_repo(tmp_path)
    finding = "records/findings/SF-20260310-5D6E.yaml"
    data = mapping_in((repo.root / finding).read_text())
    waiver = f"records/waivers/{data['waiver']}.yaml"
    before = (repo.root / waiver).read_text()
    assert complete(repo.root, [finding]) == []
    assert (repo.root / waiver).read_text() == before


def test_cause_on_the_issue_links_both_records_in_one_pull_request(
    tmp_path, make_github, monkeypatch
):
    repo, emu = incident_world(tmp_path, make_github, monkeypatch)
    number = emu.seed_issue(
        "carol", "[Incident]: Payments time out", FORM_BODY, labels=["incident"]
    )
    assert sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number)) == 0
    record_id, _ = record_of(repo, emu)
    text = "/cause CHG-20260228-4QX1 The pool size change halved the connections."
    assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "alice", text)) == 0
    (pull,) = emu.pulls
    branch = pull["head"]["ref"]
    record = mapping_in(repo.read(branch, f"records/incidents/{record_id}.yaml"))
    assert record["cause"] == {
        "triggering_change": "CHG-20260228-4QX1",
        "summary": "The pool size change halved the connections.",
    }
    change = mapping_in(repo.read(branch, CHANGE))
    assert change["caused_incidents"][-1] == record_id
    # The branch passes the check against main: the closed change's list only grew.
    git(repo.root, "fetch", "-q", "origin")
    git(repo.root, "checkout", "-q", f"origin/{branch}")
    from datetime import UTC, datetime

    now = datetime.now(UTC).isoformat()
    argv = ["--root", str(repo.root), "check", "--no-cache", "--base", "origin/main"]
    assert main([*argv, "--now", now, str(repo.root / CHANGE)]) == 0


@pytest.mark.parametrize(
    ("text", "reply"),
    [
        ("/cause", "`/cause` needs the change that triggered it"),
        ("/cause CHG-20991231-ZZZZ Nothing like it.", "CHG-20991231-ZZZZ"),
    ],
)
def test_cause_refusals_are_answered(tmp_path, make_github, monkeypatch, text, reply):
    repo, emu = incident_world(tmp_path, make_github, monkeypatch)
    number = emu.seed_issue(
        "carol", "[Incident]: Payments time out", FORM_BODY, labels=["incident"]
    )
    assert sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number)) == 0
    assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "alice", text)) == 0
    answers = [c["body"] for c in emu.comments(number) if "maintain:reply" in c["body"]]
    assert any(reply in body for body in answers), answers


def test_cause_does_not_silently_switch_the_triggering_change(tmp_path, make_github, monkeypatch):
    repo, emu = incident_world(tmp_path, make_github, monkeypatch)
    number = emu.seed_issue(
        "carol", "[Incident]: Payments time out", FORM_BODY, labels=["incident"]
    )
    assert sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number)) == 0
    first = "/cause CHG-20260228-4QX1 The pool change."
    assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "alice", first)) == 0
    other = "/cause CHG-20260301-0A1B Something else."
    assert sync(repo, tmp_path, "issue_comment", comment(emu, number, "alice", other)) == 0
    answers = [c["body"] for c in emu.comments(number) if "maintain:reply" in c["body"]]
    assert any("names CHG-20260228-4QX1 as the change that triggered it" in a for a in answers)
    _record_id, record = record_of(repo, emu)
    assert record["cause"]["triggering_change"] == "CHG-20260228-4QX1"
