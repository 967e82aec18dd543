"""`maintain doctor`: offline on a repository `maintain init` made, and `--online` against the
emulator (every answer checked against GitHub's OpenAPI description): a missing permission
and missing labels are reported with their fix, and `--fix` creates the labels."""

from __future__ import annotations

import json

import pytest

from githubops import actions_env, published
from maintain_repo.cli import main

USERS = {"alice": "admin", "bob": "write", "mallory": "read"}


@pytest.fixture
def world(tmp_path, make_github, monkeypatch):
    root = tmp_path / "checkout"
    assert main(["init", str(root), "--repo", "acme/shop", "--team", "sre"]) == 0
    repo = published(tmp_path, root)
    emu = make_github(users=USERS, teams={"acme/sre": ["alice", "bob"]}, git_dir=repo.origin)
    actions_env(monkeypatch, emu)
    return repo, emu


def doctor(repo, capsys, *args):
    capsys.readouterr()
    code = main(["--root", str(repo.root), "doctor", "--format", "json", *args])
    return code, {c["check"]: c for c in json.loads(capsys.readouterr().out)}


def test_offline_a_new_repository_is_ready(world, capsys):
    repo, _ = world
    code, checks = doctor(repo, capsys)
    assert code == 0
    assert {name: c["ok"] for name, c in checks.items()} == {
        "python": True,
        "git": True,
        "yaml": True,
        "settings": True,
        "schemas": True,
        "clone": True,
    }


def test_offline_problems_come_with_their_fix(world, capsys):
    repo, _ = world
    (repo.root / "schemas/incident.schema.json").write_text("{}\n")
    (repo.root / "policies/settings.yaml").write_text("kind: Settings\nschema_version: 1\nx: 1\n")
    code, checks = doctor(repo, capsys)
    assert code == 1
    assert checks["schemas"]["fix"] == "maintain schema export, and commit schemas/"
    assert checks["settings"]["ok"] is False
    assert checks["settings"]["detail"].startswith("policies/settings.yaml:3:1:")


def test_online_reports_a_missing_permission_and_labels(world, capsys, monkeypatch):
    repo, emu = world
    monkeypatch.setenv("GITHUB_TOKEN", emu.token("mallory"))  # read only
    code, checks = doctor(repo, capsys, "--online")
    assert code == 1
    assert checks["permissions"]["ok"] is False
    assert "contents: write" in checks["permissions"]["fix"]
    assert checks["labels"]["ok"] is False
    assert "SEV1" in checks["labels"]["detail"]
    assert checks["labels"]["fix"] == "maintain doctor --online --fix creates them"
    # Settings a read-only token cannot see are unknown, never fine.
    assert checks["actions"]["ok"] is None
    assert "allow GitHub Actions to create" in checks["actions"]["fix"]
    assert checks["protection"]["ok"] is None
    assert checks["pages"]["ok"] is False
    assert checks["team acme/sre"]["ok"] is True
    assert emu.labels == []  # nothing was created


def test_online_fix_creates_the_labels_and_a_ready_repository_passes(world, capsys, monkeypatch):
    repo, emu = world
    monkeypatch.setenv("GITHUB_TOKEN", emu.token("alice"))
    code, checks = doctor(repo, capsys, "--online")
    assert code == 1
    assert checks["actions"]["ok"] is False
    assert checks["protection"]["detail"] == "main is not protected"
    code, checks = doctor(repo, capsys, "--online", "--fix")
    assert checks["labels"]["ok"] is True
    assert checks["labels"]["detail"].startswith("created ")
    assert {label["name"] for label in emu.labels} >= {"incident", "SEV1", "sla", "ops-review"}
    emu.configure(actions_create_pulls=True, pages="workflow", protect={"main": ["maintain check"]})
    code, checks = doctor(repo, capsys, "--online")
    assert code == 0, checks
    assert checks["state branch"]["ok"] is None  # made by the first probe run
    assert all(c["ok"] is not False for c in checks.values())


def test_fix_needs_online(world, capsys):
    repo, _ = world
    assert main(["--root", str(repo.root), "doctor", "--fix"]) == 2
    assert "--fix creates labels on GitHub: give it with --online" in capsys.readouterr().err
