"""Incident work on the emulator, as the tests of `incident open` and `github sync` do it.

`incident_world` is an ops repository (tests/githubops.py) wired to an emulator of
acme/shop with alice admin, bob write, carol triage, mallory read. The helpers run
the CLI (`main([...])`) the way a workflow step does, and read what it made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulated import client, validate_webhook
from githubops import OpsRepo, actions_env, make_ops_repo, write_event
from maintain_repo.cli import main
from maintain_repo.store.yaml import mapping_in
from maintain_repo.testing.github import Emulator

USERS = {"alice": "admin", "bob": "write", "carol": "triage", "mallory": "read"}
WRITES = ("POST", "PATCH", "PUT", "DELETE")


def incident_world(tmp_path: Path, make_github: Any, monkeypatch: Any) -> tuple[OpsRepo, Emulator]:
    repo = make_ops_repo(tmp_path)
    emu = make_github(users=USERS, teams={"acme/sre": ["alice", "bob"]}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    monkeypatch.setenv("MAINTAIN_NOW", "2026-11-27T10:00:00Z")
    return repo, emu


def open_incident(repo: OpsRepo, *extra: str) -> int:
    return main(
        [
            "--root",
            str(repo.root),
            "incident",
            "open",
            "--title",
            "Checkout is down",
            "--severity",
            "SEV2",
            "--service",
            "checkout-api",
            "--owner",
            "alice",
            *extra,
        ]
    )


def record_of(repo: OpsRepo, emu: Emulator) -> tuple[str, dict[str, Any]]:
    """The one record pull request's record: (id, content on its branch)."""
    (pull,) = emu.pulls
    branch = pull["head"]["ref"]
    record_id = branch.removeprefix("maintain/")
    return record_id, mapping_in(repo.read(branch, f"records/incidents/{record_id}.yaml"))


def sync(repo: OpsRepo, tmp_path: Path, name: str, payload: dict[str, Any]) -> int:
    """`maintain github sync` on a payload GitHub would send (checked against its schema)."""
    validate_webhook(name, payload["action"], payload)
    return sync_raw(repo, tmp_path, name, payload)


def sync_raw(repo: OpsRepo, tmp_path: Path, name: str, payload: Any) -> int:
    """`maintain github sync` on any payload (hand-written, damaged)."""
    path = write_event(tmp_path, payload, f"{name}.json")
    return main(
        ["--root", str(repo.root), "github", "sync", "--event", str(path), "--event-name", name]
    )


def comment(emu: Emulator, number: int, login: str, body: str) -> dict[str, Any]:
    """`login` comments `body` on issue `number`; the issue_comment.created payload."""
    made = client(emu, login).get_repo("acme/shop").get_issue(number).create_comment(body)
    return emu.webhook("issue_comment", "created", comment=made.id, sender=login)


def labels(emu: Emulator, number: int) -> set[str]:
    return {label["name"] for label in emu.issue(number)["labels"]}


def writes(emu: Emulator) -> list[tuple[str, str]]:
    """Every write request the emulator answered so far: (method, path)."""
    return [(x.method, x.path) for x in emu.exchanges if x.method in WRITES]


def form_incident(
    repo: OpsRepo, tmp_path: Path, emu: Emulator, body: str, login: str = "carol"
) -> int:
    """An issue opened from the incident form and synced: its number."""
    number = emu.seed_issue(login, "[Incident]: Checkout is slow", body, labels=["incident"])
    assert sync(repo, tmp_path, "issues", emu.webhook("issues", "opened", issue=number)) == 0
    return number
