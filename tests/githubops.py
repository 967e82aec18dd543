"""An ops repository wired to the GitHub emulator, as a workflow run sees it.

`origin` is a bare git repository (GitHub's copy of the repository: the
emulator reads pull request heads and files from it); `root` is a clone with
`origin` as its remote, like an Actions checkout. The environment is what
Actions provides: GITHUB_API_URL pointing at the emulator, GITHUB_REPOSITORY,
and GITHUB_TOKEN (the emulator's token of github-actions[bot]).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from casework import BASE

REPOSITORY = "acme/shop"
# `maintain incident open`, the command that writes the most to GitHub.
OPEN_INCIDENT = ("incident", "open", "--title=Down", "--severity=SEV2", "--service=checkout-api")
SETTINGS = """\
kind: Settings
schema_version: 1
github:
  repository: acme/shop
time_zone: Europe/Berlin
"""


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout


@dataclass
class OpsRepo:
    root: Path  # the clone maintain runs in
    origin: Path  # the bare repository GitHub holds

    def read(self, ref: str, rel: str) -> str:
        """A file as it is on a branch of origin."""
        return git(self.origin, "show", f"{ref}:{rel}")

    def branches(self) -> list[str]:
        out = git(self.origin, "for-each-ref", "--format=%(refname:short)", "refs/heads")
        return sorted(out.split())

    def commits(self, ref: str) -> int:
        return int(git(self.origin, "rev-list", "--count", ref).strip())

    def commit_and_push(self, files: dict[str, str], message: str, branch: str = "main") -> str:
        for rel, text in files.items():
            target = self.root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "-m", message)
        git(self.root, "push", "-q", "origin", f"HEAD:refs/heads/{branch}")
        return git(self.root, "rev-parse", "HEAD").strip()


def make_ops_repo(tmp_path: Path, files: dict[str, str] | None = None) -> OpsRepo:
    root = tmp_path / "checkout"
    shutil.copytree(BASE, root, copy_function=shutil.copy)
    (root / "policies/settings.yaml").write_text(SETTINGS, encoding="utf-8")
    for rel, text in (files or {}).items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return published(tmp_path, root)


def published(tmp_path: Path, root: Path, message: str = "the ops repository") -> OpsRepo:
    """`root` made a git repository, committed, and pushed to a new bare `origin.git` (what
    GitHub holds) in `tmp_path`."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    git(root, "remote", "add", "origin", str(origin))
    git(root, "push", "-q", "origin", "main")
    git(root, "fetch", "-q", "origin")
    return OpsRepo(root, origin)


def actions_env(monkeypatch: Any, emu: Any) -> None:
    """The environment a workflow step gets, pointed at the emulator; fast retries."""
    monkeypatch.setenv("GITHUB_API_URL", emu.base_url)
    monkeypatch.setenv("GITHUB_REPOSITORY", REPOSITORY)
    monkeypatch.setenv("GITHUB_TOKEN", emu.bot_token)
    monkeypatch.setenv("MAINTAIN_GITHUB_BACKOFF", "0.01")
    monkeypatch.setenv("MAINTAIN_GITHUB_PACE", "0")
    monkeypatch.setenv("MAINTAIN_GITHUB_TIMEOUT", "5")


def write_event(tmp_path: Path, payload: dict[str, Any], name: str = "event.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(payload), encoding="utf-8")
    return path


FORM_BODY = """\
### Severity

SEV2

### Affected services

checkout-api

### What is happening?

Checkout returns 502 for about a third of requests.

### Are customers affected?

yes

### Impact started at

_No response_
"""


def label_replacements(emu) -> list[tuple[str, str]]:
    """Requests that set an issue's whole label set (PUT labels, PATCH with labels): maintain
    never sends one (it would drop the labels people added)."""
    return [
        (x.method, x.path)
        for x in emu.exchanges
        if (x.method == "PUT" and x.path.endswith("/labels"))
        or (x.method == "PATCH" and isinstance(x.request_body, dict) and "labels" in x.request_body)
    ]
