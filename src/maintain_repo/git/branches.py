"""Records proposed on open record branches (`maintain/<id>` on origin), read-only.

Every automated change to a record (a probe-opened incident, a slash command's
edit) lands on branch `maintain/<id>` and reaches the default branch through a
pull request. Until that is merged, the record is only on its branch: the
commands that track records in flight (`maintain sla`, `maintain status build`,
`maintain history`) read these branches too.

Git plumbing, whatever the number of branches: `fetch_proposals` is one
`git fetch` of `refs/heads/maintain/*` into `refs/remotes/origin/maintain/*`
(pruning branches deleted on origin, e.g. after their pull request was merged);
`proposed_records` is one `git for-each-ref` and one `git cat-file --batch` for
the record blobs. Nothing is checked out; only remote-tracking refs are written.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from maintain_repo.errors import GitError, redact
from maintain_repo.git.remote import remote_environment
from maintain_repo.model.kinds import KINDS

PREFIX = "maintain/"  # the branch of record <id> is maintain/<id> (engine.proposals)
_REFS = f"refs/remotes/origin/{PREFIX}"
_REFSPEC = f"+refs/heads/{PREFIX}*:{_REFS}*"
_PATTERN = _REFS.rstrip("/")  # for-each-ref: every ref under it
# A fetch that hangs (a dead remote) must not hold a scheduled run for its whole timeout.
FETCH_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class Proposed:
    """A record as the tip of its record branch holds it."""

    branch: str  # maintain/<id>
    sha: str  # the branch's tip commit
    path: str  # root-relative: records/<folder>/<id>.yaml
    content: bytes


@dataclass(frozen=True, slots=True)
class _Clone:
    top: Path  # the git working tree's top
    prefix: str  # the ops repository's path in it ("" or "ops/")


def fetch_proposals(root: Path, token: str | None = None) -> str | None:
    """Fetch the record branches from origin; None when done (or there is no origin to
    fetch from), else why it failed, to show as a note (what the clone has is still read)."""
    return _fetch(root, token, ["--prune", _REFSPEC], "the record branches")


def fetch_pull_head(root: Path, number: int, token: str | None = None) -> str | None:
    """Fetch a pull request's head (`refs/pull/N/head`, which holds a fork's commits too)
    into `refs/remotes/origin/pull/N`; None when done, else why not."""
    refspec = f"+refs/pull/{int(number)}/head:refs/remotes/origin/pull/{int(number)}"
    return _fetch(root, token, [refspec], f"pull request #{number}'s head")


def _fetch(root: Path, token: str | None, args: list[str], what: str) -> str | None:
    clone = _clone(root)
    if clone is None or "origin" not in _git(clone, "remote").split():
        return None
    url = _git(clone, "remote", "get-url", "origin").strip()
    env = _credentials(url, token)
    try:
        done = subprocess.run(
            ["git", "fetch", "--quiet", "--no-tags", "origin", *args],
            cwd=clone.top,
            env=env,
            capture_output=True,
            text=True,
            timeout=FETCH_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return f"fetching {what} from origin took over {FETCH_TIMEOUT:.0f} s"
    except OSError as e:
        return f"could not run git to fetch {what}: {e.strerror}"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["unknown error"])[-1]
        return redact(f"could not fetch {what} from origin: {reason}")
    return None


def record_branches(root: Path) -> dict[str, str]:
    """The record branches this clone knows from origin (`maintain/<id>`) and their tips."""
    clone = _clone(root)
    if clone is None:
        return {}
    listing = _git(clone, "for-each-ref", "--format=%(objectname) %(refname)", _PATTERN)
    tips = {}
    for line in listing.splitlines():
        sha, _, ref = line.partition(" ")
        tips[ref.removeprefix("refs/remotes/origin/")] = sha
    return tips


def proposed_records(root: Path) -> list[Proposed]:
    """The record on the tip of each `origin/maintain/<id>` branch this clone knows,
    sorted by branch; branches whose record is not there (or not a file) are left out."""
    clone = _clone(root)
    if clone is None:
        return []
    wanted: list[tuple[str, str, str]] = []  # (branch, tip, root-relative path)
    for branch, sha in sorted(record_branches(root).items()):
        path = _record_path(branch.removeprefix(PREFIX))
        if path is not None:
            wanted.append((branch, sha, path))
    if not wanted:
        return []
    blobs = _cat_file(clone, [f"{sha}:{clone.prefix}{path}" for _, sha, path in wanted])
    return [
        Proposed(branch, sha, path, content)
        for (branch, sha, path), content in zip(wanted, blobs, strict=True)
        if content is not None
    ]


def _record_path(record_id: str) -> str | None:
    """Where the record with `record_id` lives: its kind's folder (a slug: a service)."""
    if not record_id or "/" in record_id or record_id.startswith("."):
        return None
    prefix = record_id.split("-", 1)[0]
    kind = next((k for k in KINDS.values() if k.prefix == prefix), KINDS["service"])
    return f"records/{kind.folder}/{record_id}.yaml"


def _cat_file(clone: _Clone, objects: list[str]) -> list[bytes | None]:
    """The content of each `<commit>:<path>` (None: missing, or not a file)."""
    request = "".join(f"{name}\n" for name in objects).encode()
    out, at = _run(clone, ["cat-file", "--batch"], request), 0
    found: list[bytes | None] = []
    for _ in objects:
        end = out.index(b"\n", at)
        header = out[at:end].split()
        at = end + 1
        if len(header) != 3:  # "<name> missing" / "ambiguous"
            found.append(None)
            continue
        size = int(header[2])
        found.append(out[at : at + size] if header[1] == b"blob" else None)
        at += size + 1  # the content, then a newline
    return found


def _clone(root: Path) -> _Clone | None:
    """The git clone holding `root` (None: not inside one)."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (subprocess.CalledProcessError, OSError):
        return None
    relative = root.resolve().relative_to(Path(top).resolve()).as_posix()
    return _Clone(Path(top), "" if relative == "." else relative + "/")


def _git(clone: _Clone, *args: str) -> str:
    return _run(clone, list(args)).decode("utf-8", "replace")


def _run(clone: _Clone, args: list[str], request: bytes | None = None) -> bytes:
    try:
        done = subprocess.run(
            ["git", *args], cwd=clone.top, input=request, capture_output=True, check=False
        )
    except OSError as e:
        raise GitError(f"could not run git {args[0]}: {e.strerror}") from None
    if done.returncode != 0:
        text = done.stderr.decode("utf-8", "replace").strip()
        raise GitError(redact(f"git {args[0]} failed reading the record branches: {text}"))
    return done.stdout


def _credentials(url: str, token: str | None) -> dict[str, str]:
    """The environment of the fetch (`git.remote`: the token, a bounded wait)."""
    return {**os.environ, **remote_environment(url, token)}
