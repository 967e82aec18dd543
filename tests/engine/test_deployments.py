"""Deployments complete change records: `maintain change deployed` in a working tree, and
`deployment_status` events through the change's record pull request (the emulator's
payloads validated against `@octokit/openapi-webhooks`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from emulated import client, validate_webhook
from githubops import REPOSITORY, actions_env, git, make_ops_repo, write_event
from maintain_repo.cli import main
from maintain_repo.engine.deployments import Deployed, record_deployment
from maintain_repo.errors import UsageError
from maintain_repo.report.measures import Item, Window, measure
from maintain_repo.store.roundtrip import load, plain
from maintain_repo.store.yaml import mapping_in

SHA = "3f4e5d6c7b8a99887766554433221100ffeeddcc"
CHANGE = "records/changes/CHG-20261127-DPX1.yaml"
APPROVED = f"""\
# yaml-language-server: $schema=../../schemas/change.schema.json
id: CHG-20261127-DPX1
kind: change
schema_version: 1
title: Raise the checkout timeout
status: approved  # the approval workflow wrote the block below
owner: dan
created_at: 2026-11-27T08:00:00Z
type: normal
risk: {{level: low}}
services: [checkout]
implementation_plan: [Raise the timeout to 5 s.]
test_evidence:
  - kind: ci
    ref: https://github.com/acme/shop/actions/runs/1
    commit_sha: {SHA}
    result: pass
    at: 2026-11-27T09:00:00Z
rollback: {{plan: Lower it again.}}
approval:
  pull_request: 7
  head_sha: {SHA}
  approvers: [{{login: alice, at: "2026-11-27T09:30:00Z"}}]
  evaluated_at: 2026-11-27T09:30:00Z
submitted_at: 2026-11-27T08:30:00Z
links:
  pull_requests: [7]
"""
SERVICE = """\
id: checkout
kind: service
schema_version: 1
title: Checkout
status: active
owner: dan
created_at: 2026-01-01T00:00:00Z
tier: 1
"""
NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def edited(text: str, deployed: Deployed) -> tuple[dict, str | None]:
    document = load(text)
    message = record_deployment(deployed, by="dan")(document.data)
    return plain(document.data), message


def test_success_writes_the_deployment_and_implements_the_change():
    data, message = edited(APPROVED, Deployed(SHA, "production", "success", NOW))
    assert data["status"] == "implemented"
    assert data["deployment"] == {
        "commit_sha": SHA,
        "environment": "production",
        "started_at": "2026-11-28T10:00:00Z",
        "finished_at": "2026-11-28T10:00:00Z",
        "result": "success",
    }
    assert data["implemented_at"] == "2026-11-28T10:00:00Z"
    assert data["timeline"][-1]["event"] == "deployed"
    assert message == (
        "CHG-20261127-DPX1: deployed 3f4e5d6c7b8a to production: success "
        "(status approved -> implemented)"
    )


def test_in_progress_then_success_keeps_the_start():
    started = datetime(2026, 11, 28, 9, 50, tzinfo=UTC)
    document = load(APPROVED)
    record_deployment(Deployed(SHA, "production", "in_progress", started), by="dan")(document.data)
    assert document.data["status"] == "implementing"
    assert "implemented_at" not in document.data
    record_deployment(Deployed(SHA, "production", "success", NOW), by="dan")(document.data)
    data = plain(document.data)
    assert data["deployment"]["started_at"] == "2026-11-28T09:50:00Z"
    assert data["deployment"]["finished_at"] == "2026-11-28T10:00:00Z"
    assert data["status"] == "implemented"


def test_a_replay_changes_nothing_and_comments_stay():
    document = load(APPROVED)
    change = record_deployment(Deployed(SHA, "production", "success", NOW), by="dan")
    assert change(document.data) is not None
    once = document.dump()
    assert change(document.data) is None
    assert document.dump() == once
    assert "# the approval workflow wrote the block below" in once


def test_failure_after_success_fails_the_change():
    document = load(APPROVED)
    record_deployment(Deployed(SHA, "production", "success", NOW), by="dan")(document.data)
    later = datetime(2026, 11, 28, 10, 30, tzinfo=UTC)
    message = record_deployment(Deployed(SHA, "production", "failure", later), by="dan")(
        document.data
    )
    data = plain(document.data)
    assert data["status"] == "failed"
    assert data["outcome"] == "failed"
    assert data["deployment"]["result"] == "failure"
    assert data["implemented_at"] == "2026-11-28T10:00:00Z"  # the deployment that happened
    assert "status implemented -> failed" in (message or "")


def test_a_status_the_record_cannot_take_is_left_and_said():
    draft = APPROVED.replace("status: approved", "status: draft").replace(
        "submitted_at: 2026-11-27T08:30:00Z\n", ""
    )
    data, message = edited(draft, Deployed(SHA, "production", "success", NOW))
    assert data["status"] == "draft"
    assert data["deployment"]["result"] == "success"
    assert "status left at draft: implemented needs submitted_at" in (message or "")


def test_a_closed_change_is_not_edited():
    closed = APPROVED.replace("status: approved", "status: cancelled")
    with pytest.raises(UsageError, match="a cancelled change is not edited"):
        edited(closed, Deployed(SHA, "production", "success", NOW))


# -- maintain change deployed, in a working tree ---------------------------------------------


def deployed(repo, sha: str = SHA, *extra: str) -> int:
    """`maintain change deployed` of the test's change at 10:00."""
    change = ["change", "deployed", "CHG-20261127-DPX1", "--sha", sha, "--by", "dan"]
    when = ["--environment", "production", "--now", "2026-11-28T10:00:00Z"]
    return main(["--root", str(repo.root), *change, *when, *extra])


def check_change(repo) -> int:
    """The pre-commit hook's check of the change, an hour later."""
    return main(
        [
            "--root",
            str(repo.root),
            "check",
            "--now",
            "2026-11-28T11:00:00Z",
            str(repo.root / CHANGE),
        ]
    )


def test_change_deployed_edits_the_working_tree(tmp_path, capsys):
    repo = make_ops_repo(tmp_path, {CHANGE: APPROVED, "records/services/checkout.yaml": SERVICE})
    assert deployed(repo, SHA, "--dry-run") == 0
    assert "would write: CHG-20261127-DPX1: deployed" in capsys.readouterr().out
    assert (repo.root / CHANGE).read_text() == APPROVED
    assert deployed(repo) == 0
    text = (repo.root / CHANGE).read_text()
    assert re.search(r"status: implemented +# the approval workflow wrote the block below", text)
    assert check_change(repo) == 0
    capsys.readouterr()
    assert deployed(repo) == 0
    assert "already records this deployment" in capsys.readouterr().out


def test_an_untested_commit_is_recorded_and_reported(tmp_path, capsys):
    repo = make_ops_repo(tmp_path, {CHANGE: APPROVED, "records/services/checkout.yaml": SERVICE})
    other = "a" * 40
    assert deployed(repo, other) == 0
    assert f"commit_sha: {other}" in (repo.root / CHANGE).read_text()
    assert check_change(repo) == 1
    assert "change-tested-commit" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["CHG-20261127-DPX1", "--sha", "xyz", "--environment", "production"], "--sha"),
        (["CHG-20261127-DPX1", "--sha", SHA, "--environment", "Prod!"], "--environment"),
        (["INC-20261127-DPX1", "--sha", SHA, "--environment", "production"], "not a change id"),
        (["CHG-20261127-ZZZZ", "--sha", SHA, "--environment", "production"], "no change"),
    ],
)
def test_change_deployed_refuses_bad_input(tmp_path, capsys, args, message):
    repo = make_ops_repo(tmp_path, {CHANGE: APPROVED, "records/services/checkout.yaml": SERVICE})
    assert main(["--root", str(repo.root), "change", "deployed", *args, "--by", "dan"]) == 2
    assert message in capsys.readouterr().err
    assert (repo.root / CHANGE).read_text() == APPROVED


# -- deployment_status events against the emulator -------------------------------------------


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    repo = make_ops_repo(tmp_path, {CHANGE: APPROVED, "records/services/checkout.yaml": SERVICE})
    emu = make_github(
        users={"alice": "admin", "bob": "write", "dan": "write"},
        git_dir=repo.origin,
        clock=lambda: NOW,
    )
    actions_env(monkeypatch, emu)
    return repo, emu


def sync(repo, tmp_path, payload, name):
    validate_webhook("deployment_status", "created", payload)
    event = write_event(tmp_path, payload, name)
    return main(
        [
            "--root",
            str(repo.root),
            "github",
            "sync",
            "--event",
            str(event),
            "--event-name",
            "deployment_status",
        ]
    )


def test_success_then_failure_through_the_record_pull_request(world, tmp_path, capsys):
    repo, emu = world
    deployment = emu.seed_deployment(SHA, "production", state="success", creator="dan")
    assert (
        sync(
            repo,
            tmp_path,
            emu.webhook("deployment_status", "created", deployment=deployment),
            "ok.json",
        )
        == 0
    )
    assert "CHG-20261127-DPX1: deployment written (pull request #" in capsys.readouterr().out
    (pull,) = emu.pulls
    branch = pull["head"]["ref"]
    assert branch == "maintain/CHG-20261127-DPX1"
    record = mapping_in(repo.read(branch, CHANGE))
    assert record["status"] == "implemented"
    assert record["deployment"]["result"] == "success"
    assert record["timeline"][-1]["source"].startswith("github:deployment_status:")

    # The same event again changes nothing; then the deployment fails.
    assert (
        sync(
            repo,
            tmp_path,
            emu.webhook("deployment_status", "created", deployment=deployment),
            "again.json",
        )
        == 0
    )
    assert "already says so" in capsys.readouterr().out
    emu.deployment_status(deployment, "failure")
    assert (
        sync(
            repo,
            tmp_path,
            emu.webhook("deployment_status", "created", deployment=deployment),
            "failed.json",
        )
        == 0
    )
    assert len(emu.pulls) == 1  # the open pull request took the new commit
    record = mapping_in(repo.read(branch, CHANGE))
    assert (record["status"], record["outcome"]) == ("failed", "failed")
    assert record["deployment"]["result"] == "failure"
    window = Window(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
    dora = measure([Item(CHANGE, record)], window, now=NOW)["dora"]
    assert (dora["deployments"], dora["change_failure_rate"]) == (1, 1.0)


def test_the_change_is_found_by_the_pull_request_merged_as_the_commit(world, tmp_path, capsys):
    repo, emu = world
    # The record names pull request #7's head, not the squash commit that was deployed.
    git(repo.root, "checkout", "-q", "-b", "feature")
    merged = repo.commit_and_push({"app.txt": "v2\n"}, "the feature", branch="feature")
    pull = (
        client(emu, "dan")
        .get_repo(REPOSITORY)
        .create_pull(base="main", head="feature", title="Feature", body="")
    )
    record_text = APPROVED.replace("pull_requests: [7]", f"pull_requests: [{pull.number}]")
    record_text = record_text.replace("pull_request: 7", f"pull_request: {pull.number}")
    record_text = record_text.replace(SHA, "b" * 40)
    git(repo.root, "checkout", "-q", "main")
    repo.commit_and_push({CHANGE: record_text}, "the change record")
    deployment = emu.seed_deployment(merged, "production", state="success")
    code = sync(
        repo,
        tmp_path,
        emu.webhook("deployment_status", "created", deployment=deployment),
        "ok.json",
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "CHG-20261127-DPX1: deployment written" in out
    record = mapping_in(repo.read("maintain/CHG-20261127-DPX1", CHANGE))
    assert record["deployment"]["commit_sha"] == merged


def test_the_payload_can_name_the_change_and_staging_is_skipped(world, tmp_path, capsys):
    repo, emu = world
    staging = emu.seed_deployment(
        "c" * 40, "staging", state="success", payload={"change": "CHG-20261127-DPX1"}
    )
    assert (
        sync(
            repo,
            tmp_path,
            emu.webhook("deployment_status", "created", deployment=staging),
            "staging.json",
        )
        == 0
    )
    assert "staging is not where it is implemented; skipped" in capsys.readouterr().out
    assert emu.pulls == []
    unknown = emu.seed_deployment("d" * 40, "production", state="success")
    assert (
        sync(
            repo,
            tmp_path,
            emu.webhook("deployment_status", "created", deployment=unknown),
            "unknown.json",
        )
        == 0
    )
    assert "no change record names it; nothing to do" in capsys.readouterr().out
    inactive = emu.seed_deployment(SHA, "production", state="inactive")
    assert (
        sync(
            repo,
            tmp_path,
            emu.webhook("deployment_status", "created", deployment=inactive),
            "inactive.json",
        )
        == 0
    )
    assert "inactive: not a deployment's progress" in capsys.readouterr().out
    assert emu.pulls == []


def test_an_older_status_never_rewinds_the_deployment():
    document = load(APPROVED)
    started = datetime(2026, 11, 28, 9, 50, tzinfo=UTC)
    record_deployment(Deployed(SHA, "production", "success", NOW), by="dan")(document.data)
    once = document.dump()
    # The in_progress status of the same deployment, delivered late (or replayed).
    late = record_deployment(Deployed(SHA, "production", "in_progress", started), by="dan")
    assert late(document.data) is None
    # A replay of the in_progress status stamped after the success: still not a rewind.
    replay = record_deployment(
        Deployed(SHA, "production", "in_progress", datetime(2026, 11, 28, 11, tzinfo=UTC)),
        by="dan",
    )
    assert replay(document.data) is None
    # A status of an older deployment, reached before this one finished.
    older = record_deployment(Deployed("e" * 40, "production", "failure", started), by="dan")
    assert older(document.data) is None
    assert document.dump() == once


def test_deploy_matching_ignores_values_of_the_wrong_shape():
    from maintain_repo.engine.deploy_sync import DeploymentEvent, changes_deployed
    from maintain_repo.report.measures import Item

    event = DeploymentEvent(1, SHA, "production", "success", NOW, None, True, None, None)
    odd = Item(
        "records/changes/CHG-20261127-ODD1.yaml",
        {
            "id": "CHG-20261127-ODD1",
            "kind": "change",
            "test_evidence": 5,
            "links": {"pull_requests": [[1], "2", True, 3]},
        },
    )
    assert changes_deployed([odd], event, [1, 2]) == []
    assert changes_deployed([odd], event, [3]) == [odd]
    assert changes_deployed([odd], event, [], ["records/changes/CHG-20261127-ODD1.yaml"]) == [odd]
