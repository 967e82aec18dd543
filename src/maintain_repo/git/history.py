"""A record's versions in git history, commit by commit (newest last).

One `git log` over the record's possible paths (`records/*/<id>.yaml`, so a
record moved between folders is followed, and shown as a move) gives the
commits; each version's bytes come from the long-lived `git cat-file --batch`
GitPython keeps. Given the remote-tracking ref of the record's branch (an
open record pull request), the commits on it that HEAD lacks follow, marked
as proposed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from maintain_repo.errors import ConfigError
from maintain_repo.model.history import Version

_RECORD = "\x1e"
_FIELD = "\x1f"


def versions(root: Path, record_id: str, proposed: str | None = None) -> list[Version]:
    """Every commit of HEAD that touched the record with `record_id`, oldest first; then,
    with `proposed` (a record branch `maintain/<id>`, read from its remote-tracking ref),
    those on that branch that HEAD does not have."""
    import git  # GitPython is slow to import

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ConfigError(f"{root} is not inside a git repository; history needs one") from None
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    head = repo.head.is_valid()
    found = _log(repo, prefix, record_id, ["HEAD"]) if head else []
    if proposed is not None:
        ref = f"refs/remotes/origin/{proposed}"
        ahead = _log(repo, prefix, record_id, [f"HEAD..{ref}" if head else ref], proposed)
        # A pull request merged by squash or rebase leaves its commits off HEAD: once the
        # checkout holds what the branch holds, there is nothing proposed any more.
        if ahead and not (found and found[-1].content == ahead[-1].content):
            found += ahead
    return found


def _log(
    repo: Any, prefix: str, record_id: str, revisions: list[str], proposed: str | None = None
) -> list[Version]:
    log = repo.git.log(
        f"--format={_RECORD}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%s",
        "--name-status",
        "--no-renames",
        "--reverse",
        *revisions,
        "--",
        f":(glob){prefix}records/*/{record_id}.yaml",
    )
    found: list[Version] = []
    for chunk in log.split(_RECORD)[1:]:
        head, _, files = chunk.partition("\n")
        sha, author, email, date, subject = head.split(_FIELD, 4)
        commit = repo.commit(sha)
        changed = [line.partition("\t") for line in filter(None, files.strip().splitlines())]
        gone = [path for status, _, path in changed if status == "D"]
        kept = [path for status, _, path in changed if status != "D"]
        if len(gone) == 1 and len(kept) == 1:  # one file deleted, one written: a move
            content = (commit.tree / kept[0]).data_stream.read()
            path, moved_from = kept[0][len(prefix) :], gone[0][len(prefix) :]
            found.append(
                Version(sha, author, email, date, subject, path, content, moved_from, proposed)
            )
            continue
        for status, _, path in changed:
            content = None if status == "D" else (commit.tree / path).data_stream.read()
            rel = path[len(prefix) :]
            found.append(Version(sha, author, email, date, subject, rel, content, None, proposed))
    return found
