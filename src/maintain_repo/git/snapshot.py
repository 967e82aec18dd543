"""The ops repository as it is on a base ref (a pull request's target branch).

Gathered with git plumbing through GitPython: the base tree's listing of
`records/` and `policies/`, the paths that differ between the base and the
working tree (`git diff --name-only`, which uses git's own stat cache, plus
untracked files), and base blob contents on demand through one long-lived
`git cat-file --batch`. Nothing walks history commit by commit.

Only record files (`store.repo.is_record_file`, stored as regular blobs) and
regular policy documents count: a `.gitkeep`, a note, a symbolic link or a
file in an unknown folder was never a record, so it can be neither deleted
nor reused. A base that this clone holds only in part (a shallow clone
without the base commit, a missing object) is an error that says so, never
a crash.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from maintain_repo.errors import ConfigError, GitError, UsageError
from maintain_repo.store.repo import POLICIES, RECORDS, is_record_file

# Git modes of regular files (not symbolic links, 120000, or submodules, 160000).
_REGULAR = (0o100644, 0o100755)
_SHA = re.compile(r"\b[0-9a-f]{40}\b")
_INCOMPLETE_HINT = (
    "fetch the whole history first: actions/checkout with fetch-depth: 0, or "
    "`git fetch --unshallow`; in a clone that should be complete, run `git fsck`"
)


@dataclass
class Snapshot:
    """What the base ref holds, and which working-tree files differ from it."""

    ref: str
    sha: str
    # Root-relative paths of record files on the base, and their blobs.
    records: dict[str, Any]
    # Root-relative paths of policy documents on the base, and their blobs.
    policies: dict[str, Any]
    # Working-tree record files added or modified since the base.
    changed: set[str] = field(default_factory=set)

    def deleted(self, present: set[str]) -> list[str]:
        """Base record files that are gone from the working tree."""
        return sorted(rel for rel in self.records if rel not in present)

    def read(self, rel: str) -> bytes:
        """The content of `rel` on the base (a record or a policy document)."""
        blob = self.records.get(rel) or self.policies.get(rel)
        if blob is None:
            raise KeyError(rel)
        with _complete(f"--base {self.ref}: {rel} on {self.sha[:12]}"):
            data: bytes = blob.data_stream.read()
        return data


def snapshot(root: Path, ref: str) -> Snapshot:
    """The base `ref` of the git repository holding the ops repository at `root`."""
    repo, commit, prefix = _commit(
        root,
        ref,
        ConfigError(
            f"{root} is not inside a git repository; --base needs one",
            hint="run without --base, or inside a git clone",
        ),
        UsageError(
            f"--base {ref}: no such commit, branch or tag",
            hint="in a shallow CI checkout, fetch the base branch first (fetch-depth: 0)",
        ),
    )
    with _complete(f"--base {ref}: commit {commit.hexsha[:12]}"):
        records = {
            rel: blob
            for rel, blob in _blobs(commit.tree, prefix, RECORDS, recursive=True).items()
            if is_record_file(rel)
        }
        policies = {
            rel: blob
            for rel, blob in _blobs(commit.tree, prefix, POLICIES, recursive=False).items()
            if rel.endswith((".yaml", ".yml")) and not rel.rsplit("/", 1)[-1].startswith(".")
        }
        changed = _changed(repo, commit.hexsha, prefix)
    return Snapshot(ref, commit.hexsha, records, policies, changed)


def _blobs(tree: Any, prefix: str, folder: str, *, recursive: bool) -> dict[str, Any]:
    """The regular files in `folder` of `tree` (symbolic links and submodules left out)."""
    try:
        subtree = tree / (prefix + folder)
    except KeyError:
        return {}
    if subtree.type != "tree":
        return {}
    items = subtree.traverse() if recursive else subtree.blobs
    cut = len(prefix)
    return {
        item.path[cut:]: item for item in items if item.type == "blob" and item.mode in _REGULAR
    }


def _changed(repo: Any, sha: str, prefix: str) -> set[str]:
    """Record files that differ from the base in the working tree (or are new)."""
    where = prefix + RECORDS
    diff = repo.git.diff("--name-only", "-z", "--no-renames", sha, "--", where)
    untracked = repo.git.ls_files("--others", "--exclude-standard", "-z", "--", where)
    cut = len(prefix)
    paths = (PurePosixPath(path).as_posix()[cut:] for path in (diff + "\0" + untracked).split("\0"))
    return {rel for rel in paths if is_record_file(rel)}


@contextlib.contextmanager
def _complete(what: str) -> Iterator[None]:
    """Turn git's "object missing" failures into an error that says what to do."""
    import git

    try:
        yield
    except (ValueError, git.BadObject, git.GitCommandError) as e:
        text = e.stderr if isinstance(e, git.GitCommandError) else str(e)
        missing = _SHA.search(str(text))
        detail = f"object {missing.group(0)} is missing" if missing else "objects are missing"
        raise GitError(
            f"{what} is not complete in this clone ({detail}; a shallow or partial clone "
            "lacks part of the history)",
            hint=_INCOMPLETE_HINT,
        ) from None


def files_at(root: Path, ref: str, rels: list[str]) -> dict[str, bytes]:
    """The content at commit `ref` of the root-relative files that exist there."""
    _, commit, prefix = _commit(
        root,
        ref,
        ConfigError(f"{root} is not inside a git repository"),
        UsageError(
            f"commit {ref} is not in this clone",
            hint="check out the pull request with fetch-depth: 0 (or fetch its head) first",
        ),
    )
    found: dict[str, bytes] = {}
    with _complete(f"commit {commit.hexsha[:12]}"):
        for rel in rels:
            try:
                blob = commit.tree / f"{prefix}{rel}"
            except KeyError:
                continue
            if blob.type == "blob" and blob.mode in _REGULAR:
                found[rel] = blob.data_stream.read()
    return found


def _commit(root: Path, ref: str, no_repo: ConfigError, no_ref: UsageError) -> tuple[Any, Any, str]:
    """The repository holding `root`, its commit `ref`, and `root`'s path prefix in it."""
    import git  # GitPython is slow to import; only some commands need it

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise no_repo from None
    try:
        commit = repo.commit(ref)
    except (git.BadName, git.BadObject, ValueError):
        raise no_ref from None
    with _complete(f"{ref} (commit {commit.hexsha[:12]})"):
        commit.tree  # noqa: B018  # a shallow clone may name a commit it does not hold
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    return repo, commit, "" if prefix == "." else prefix + "/"
