"""The repository's contents, read from a bare git repository with real `git`.

Only fixed argument vectors are run (never a shell); refs given by clients are checked
before they reach git, and `--end-of-options` keeps them from being read as options.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import dataclass
from pathlib import Path

from maintain_repo.testing.github.state import CommitInfo, FileChange

_SHA = re.compile(r"^[0-9a-f]{40}$")
_BAD_REF = re.compile(r"(^-)|(\.\.)|(@\{)|[\x00-\x20~^:?*\[\\]")
_STATUS = {"A": "added", "D": "removed", "M": "modified", "R": "renamed", "C": "copied"}
_RECORD = "\x1e"
PUSH_LOG = "maintain-emulator-pushes.log"
ZERO = "0" * 40
_FIELD = "\x1f"


class GitError(Exception):
    """git failed, or was asked for something that is not there."""


@dataclass(frozen=True)
class GitRepo:
    path: Path

    def _run(self, *args: str) -> str:
        argv = ["git", "--git-dir", str(self.path), *args]
        done = subprocess.run(argv, capture_output=True, check=False, timeout=60)
        if done.returncode != 0:
            raise GitError(done.stderr.decode(errors="replace").strip() or " ".join(args))
        return done.stdout.decode(errors="surrogateescape")

    def check(self) -> None:
        """Fail unless the path is a git repository."""
        self._run("rev-parse", "--git-dir")

    # -- pushes: a post-receive hook appends "old new ref" lines to a log, which the
    # emulator reads before each request (so a push is stamped with the emulator's clock
    # before anything that follows it).

    @property
    def _log(self) -> Path:
        return self.path / PUSH_LOG

    def watch_pushes(self) -> bool:
        """Install the hook (unless the repository has its own); whether pushes are seen."""
        hook = self.path / "hooks" / "post-receive"
        script = f"#!/bin/sh\ncat >> {shlex.quote(str(self._log.resolve()))}\n"
        if hook.exists() and hook.read_text(errors="replace") != script:
            return False
        hook.parent.mkdir(exist_ok=True)
        hook.write_text(script)
        hook.chmod(0o755)
        return True

    def pushes(self, offset: int) -> tuple[list[tuple[str, str, str]], int]:
        """The (old, new, ref) updates logged after `offset`, and the new offset."""
        try:
            with self._log.open("rb") as log:
                log.seek(offset)
                data = log.read()
        except FileNotFoundError:
            return [], offset
        complete = data[: data.rfind(b"\n") + 1]  # a line being written waits for the next read
        updates = []
        for line in complete.decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 3:
                updates.append((parts[0], parts[1], parts[2]))
        return updates, offset + len(complete)

    def set_pull_head(self, number: int, sha: str) -> None:
        """`refs/pull/N/head`, as GitHub keeps one for every pull request."""
        self._run("update-ref", f"refs/pull/{int(number)}/head", sha)

    def is_ancestor(self, older: str, newer: str) -> bool:
        argv = ["git", "--git-dir", str(self.path), "merge-base", "--is-ancestor", older, newer]
        return subprocess.run(argv, capture_output=True, check=False, timeout=60).returncode == 0

    def resolve(self, ref: str) -> str | None:
        """The commit a branch name, tag or sha names, or None."""
        if not ref or _BAD_REF.search(ref):
            return None
        candidates = [ref] if _SHA.match(ref) else [f"refs/heads/{ref}", f"refs/tags/{ref}", ref]
        for name in candidates:
            try:
                out = self._run(
                    "rev-parse", "--verify", "--quiet", "--end-of-options", f"{name}^{{commit}}"
                )
            except GitError:
                continue
            return out.strip()
        return None

    def branch(self, name: str) -> str | None:
        """The tip of a branch, or None when there is no such branch."""
        if not name or _BAD_REF.search(name):
            return None
        try:
            out = self._run(
                "rev-parse", "--verify", "--quiet", "--end-of-options", f"refs/heads/{name}"
            )
        except GitError:
            return None
        return out.strip()

    def diff(self, base: str, head: str) -> list[FileChange]:
        """The files a pull request changes: `base...head` (from the merge base), with renames."""
        raw = self._run("diff", "--raw", "-z", "-M", "--no-abbrev", f"{base}...{head}", "--")
        counts = _numstat(self._run("diff", "--numstat", "-z", "-M", f"{base}...{head}", "--"))
        return [
            FileChange(
                filename=path,
                status=_STATUS.get(status[0], "changed"),
                additions=counts.get(path, (0, 0))[0],
                deletions=counts.get(path, (0, 0))[1],
                sha=old_sha if status[0] == "D" else new_sha,
                previous_filename=previous,
            )
            for status, old_sha, new_sha, path, previous in _raw_entries(raw)
        ]

    def commits(self, base: str, head: str) -> list[CommitInfo]:
        """The commits of `base..head`, oldest first."""
        fmt = (
            _FIELD.join(["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"])
            + _RECORD
        )
        out = self._run("log", "--reverse", f"--format={fmt}", f"{base}..{head}", "--")
        return [_commit(rec) for rec in out.split(_RECORD) if rec.strip("\n")]

    def commit(self, sha: str) -> CommitInfo:
        fmt = _FIELD.join(["%H", "%T", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B"])
        return _commit(self._run("log", "-1", f"--format={fmt}", sha, "--"))


def _commit(record: str) -> CommitInfo:
    parts = record.lstrip("\n").split(_FIELD)
    sha, tree, parents, an, ae, ad, cn, ce, cd, message = parts
    return CommitInfo(
        sha, tree, tuple(parents.split()), an, ae, ad, cn, ce, cd, message.rstrip("\n")
    )


def _raw_entries(raw: str) -> list[tuple[str, str, str, str, str | None]]:
    """(status, old blob, new blob, path, previous path) from `git diff --raw -z`."""
    fields = raw.split("\0")
    entries: list[tuple[str, str, str, str, str | None]] = []
    i = 0
    while i < len(fields) and fields[i].startswith(":"):
        _, _, old_sha, new_sha, status = fields[i][1:].split(" ")
        if status[0] in "RC":
            entries.append((status, old_sha, new_sha, fields[i + 2], fields[i + 1]))
            i += 3
        else:
            entries.append((status, old_sha, new_sha, fields[i + 1], None))
            i += 2
    return entries


def _numstat(out: str) -> dict[str, tuple[int, int]]:
    """path -> (additions, deletions) from `git diff --numstat -z` (binary files count 0)."""
    fields = out.split("\0")
    counts: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(fields) and fields[i]:
        added, deleted, path = fields[i].split("\t", 2)
        if path == "":  # a rename: the two paths follow
            path = fields[i + 2]
            i += 3
        else:
            i += 1
        counts[path] = (_count(added), _count(deleted))
    return counts


def _count(text: str) -> int:
    return int(text) if text.isdigit() else 0
