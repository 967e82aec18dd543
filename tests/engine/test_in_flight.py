"""Incidents in flight: a record whose pull request is not merged yet is tracked by
`maintain sla`, shown on the status page and told by `maintain history`, marked as proposed.

The incident is opened for real (`maintain incident open` against the emulator, which
pushes `maintain/<id>` to a bare origin); the commands then run in a fresh single-branch
clone, as an Actions checkout is, so they must fetch the record branches themselves.
"""

from __future__ import annotations

import json

import pytest

from githubops import actions_env, git, make_ops_repo
from maintain_repo.cli import main
from maintain_repo.engine.proposals import branch_of
from maintain_repo.git import branches
from maintain_repo.report.status_page import PROPOSED

SLA = """\
kind: SLAPolicy
name: response
incident:
  acknowledge: {SEV1: 15m}
  resolve: {SEV1: 4h}
"""


@pytest.fixture
def flight(tmp_path, make_github, monkeypatch, capsys):
    """An incident opened at 10:00 whose record pull request is open; a fresh clone of main."""
    repo = make_ops_repo(tmp_path, {"policies/sla.yaml": SLA})
    emu = make_github(users={"alice": "admin"}, teams={}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    monkeypatch.setenv("MAINTAIN_NOW", "2026-11-27T10:00:00Z")
    opened = main(
        ["--root", str(repo.root), "incident", "open", "--title", "Checkout is down",
         "--severity", "SEV1", "--service", "checkout-api", "--owner", "alice"]
    )  # fmt: skip
    assert opened == 0
    (pull,) = emu.pulls
    branch = pull["head"]["ref"]
    capsys.readouterr()
    checkout = tmp_path / "fresh"
    git(tmp_path, "clone", "-q", "--single-branch", "--branch", "main", str(repo.origin), "fresh")
    assert not git(checkout, "for-each-ref", "refs/remotes/origin/maintain").strip()
    return repo, checkout, branch, branch.removeprefix(branches.PREFIX), emu


def _run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == 0, out + err
    return out, err


def test_sla_tracks_the_deadlines_of_an_incident_not_merged_yet(flight, capsys):
    _, checkout, branch, record_id, _ = flight
    root = ["--root", str(checkout)]
    out, _ = _run(capsys, *root, "sla", "--format", "json", "--now", "2026-11-27T10:20:00Z")
    (ack,) = [o for o in json.loads(out)["obligations"] if o["kind"] == "acknowledge"]
    assert (ack["record"], ack["state"], ack["proposed"]) == (record_id, "breached", branch)
    assert ack["due"] == "2026-11-27T10:15:00Z"
    out, _ = _run(capsys, *root, "sla", "--now", "2026-11-27T10:20:00Z")
    line = next(line for line in out.splitlines() if "acknowledge" in line)
    assert line.endswith(f"[proposed, pull request not merged: {branch}]")
    # Only what the checkout holds, when asked.
    out, _ = _run(capsys, *root, "sla", "--no-proposed", "--format", "json")
    assert record_id not in out


def test_the_status_page_shows_it_and_its_severity(flight, capsys, tmp_path):
    _, checkout, _, record_id, _ = flight
    site = tmp_path / "site"
    _run(capsys, "--root", str(checkout), "status", "build", "--out", str(site),
         "--state-dir", str(tmp_path / "no-state"))  # fmt: skip
    page = json.loads((site / "status.json").read_text())
    (incident,) = page["incidents"]
    assert (incident["id"], incident["proposed"], incident["severity"]) == (record_id, True, "SEV1")
    assert page["state"] == "major_outage"
    assert PROPOSED in (site / "index.html").read_text()


def test_history_tells_the_commits_of_the_open_pull_request(flight, capsys):
    _, checkout, branch, record_id, _ = flight
    out, _ = _run(capsys, "--root", str(checkout), "history", record_id)
    assert out.startswith(f"{record_id}: 1 commit\n")
    assert f"[proposed, pull request not merged: {branch}]" in out
    out, _ = _run(capsys, "--root", str(checkout), "history", record_id, "--format", "json")
    (commit,) = json.loads(out)["commits"]
    assert commit["proposed"] == branch


def test_once_merged_the_default_branch_wins(flight, capsys):
    repo, checkout, branch, record_id, _ = flight
    git(checkout, "fetch", "-q", "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
    git(checkout, "merge", "-q", "--no-edit", f"origin/{branch}")
    git(checkout, "push", "-q", "origin", "HEAD:main")
    # The branch moves on after the merge (a later edit): the checkout's record still wins.
    rel = f"records/incidents/{record_id}.yaml"
    text = (checkout / rel).read_text()
    git(repo.root, "fetch", "-q", "origin")
    git(repo.root, "checkout", "-q", "-B", "later", f"origin/{branch}")
    repo.commit_and_push({rel: text.replace("Checkout is down", "Checkout is flaky")},
                         "retitle", branch=branch)  # fmt: skip
    out, _ = _run(capsys, "--root", str(checkout), "sla", "--format", "json")
    (ack,) = [o for o in json.loads(out)["obligations"] if o["kind"] == "acknowledge"]
    assert (ack["title"], ack["proposed"]) == ("Checkout is down", None)
    out, _ = _run(capsys, "--root", str(checkout), "history", record_id)
    lines = out.splitlines()
    assert lines[0] == f"{record_id}: 2 commits"  # merged, then the newer proposed edit
    assert "proposed" not in lines[2]
    assert lines[-1].endswith('"Checkout is down" -> "Checkout is flaky"')


def test_a_record_branch_that_does_not_validate_is_left_out_with_a_note(flight, capsys):
    repo, checkout, branch, record_id, _ = flight
    git(repo.root, "fetch", "-q", "origin")
    git(repo.root, "checkout", "-q", "-B", "broken", f"origin/{branch}")
    rel = f"records/incidents/{record_id}.yaml"
    text = (repo.root / rel).read_text()
    repo.commit_and_push({rel: text.replace("severity: SEV1", "severity: SEV9")}, "break",
                         branch=branch)  # fmt: skip
    out, err = _run(capsys, "--root", str(checkout), "sla", "--format", "json")
    assert record_id not in out
    assert f"note: {rel} on branch {branch} does not pass its schema; left out" in err


def test_without_origin_what_the_clone_has_is_read_with_a_note(flight, capsys):
    _, checkout, branch, record_id, _ = flight
    git(checkout, "fetch", "-q", "origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
    git(checkout, "remote", "set-url", "origin", str(checkout.parent / "gone.git"))
    out, err = _run(capsys, "--root", str(checkout), "sla", "--format", "json")
    assert "note: could not fetch the record branches from origin" in err
    assert record_id in out  # the branch this clone fetched before


def test_many_branches_are_read_with_plumbing(tmp_path):
    repo = make_ops_repo(tmp_path)
    incident = (repo.root / "records/incidents/INC-20260301-7K2M.yaml").read_text()
    git(repo.root, "checkout", "-q", "-b", "work")
    ids = [f"INC-20261127-{n:04d}".replace("0", "A") for n in range(1, 41)]
    for record_id in ids:
        rel = f"records/incidents/{record_id}.yaml"
        (repo.root / rel).write_text(incident.replace("INC-20260301-7K2M", record_id))
        git(repo.root, "add", rel)
        git(repo.root, "commit", "-qm", record_id)
        git(repo.root, "push", "-q", "origin", f"HEAD:refs/heads/maintain/{record_id}")
        git(repo.root, "rm", "-q", rel)
        git(repo.root, "commit", "-qm", f"not on the next branch: {record_id}")
    git(repo.root, "push", "-q", "origin", "HEAD:refs/heads/maintain/checkout-api")  # a slug
    assert branches.fetch_proposals(repo.root) is None
    found = branches.proposed_records(repo.root)
    expected = sorted(f"maintain/{i}" for i in ids)
    assert [p.branch for p in found] == [*expected, "maintain/checkout-api"]
    first = found[0]
    assert first.path == f"records/incidents/{first.branch.removeprefix('maintain/')}.yaml"
    assert first.content.decode().startswith("# yaml-language-server")
    assert branch_of(first.branch.removeprefix(branches.PREFIX)) == first.branch


def test_a_reminder_for_an_incident_in_flight_says_so(flight, capsys):
    _, checkout, branch, record_id, emu = flight
    out, _ = _run(capsys, "--root", str(checkout), "sla", "remind", "--now", "2026-11-27T10:20:00Z")
    assert "2 opened" in out  # and the base repository's expired waiver
    (issue,) = [i for i in emu.issues if i["title"] == f"SLA breached: acknowledge of {record_id}"]
    assert f"- Proposed in `{branch}`: its pull request is not merged yet" in issue["body"]
    assert [user["login"] for user in issue["assignees"]] == ["alice"]
