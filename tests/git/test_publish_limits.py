"""Talking to origin is bounded: a remote that never answers ends the command with a clear
error, not a hang. The remote here is git's `ext::` transport running a command that sleeps,
a real git process on the other end that never says anything."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

from maintain_repo.errors import GitError
from maintain_repo.git import publish


def _git(root: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def silent_origin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ops"
    (root / "records").mkdir(parents=True)
    (root / "records" / ".keep").write_text("")
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "start")
    _git(root, "remote", "add", "origin", "ext::sleep 60")
    # Let this test's git use the ext transport (off by default).
    monkeypatch.setenv("GIT_CONFIG_COUNT", "1")
    monkeypatch.setenv("GIT_CONFIG_KEY_0", "protocol.ext.allow")
    monkeypatch.setenv("GIT_CONFIG_VALUE_0", "always")
    monkeypatch.setattr(publish, "NETWORK_SECONDS", 1)
    return root


def test_an_origin_that_never_answers_ends_the_read_at_the_limit(silent_origin):
    started = time.monotonic()
    with (
        pytest.raises(GitError, match="no answer from origin within 1 s"),
        publish.read_branch(silent_origin, "maintain-state"),
    ):
        pass
    assert time.monotonic() - started < 30  # not the remote's 60 s


def test_an_origin_that_never_answers_ends_a_publish_at_the_limit(silent_origin):
    def edit(tree: Path) -> str | None:
        (tree / "x").write_text("x")
        return "x"

    with pytest.raises(GitError, match="no answer from origin within 1 s"):
        publish.publish(silent_origin, "maintain-state", None, edit, continue_branch=True)
