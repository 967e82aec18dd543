"""A record's versions in git history, commit by commit (newest last).

One `git log` over the record's possible paths (`records/*/<id>.yaml`, so a
record moved between folders is followed, and shown as a move) gives the
commits; each version's bytes come from the long-lived `git cat-file --batch`
GitPython keeps.
"""

from __future__ import annotations

from pathlib import Path

from maintain_repo.errors import ConfigError
from maintain_repo.model.history import Version

_RECORD = "\x1e"
_FIELD = "\x1f"


def versions(root: Path, record_id: str) -> list[Version]:
    """Every commit that touched the record with `record_id`, oldest first."""
    import git  # GitPython is slow to import

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise ConfigError(f"{root} is not inside a git repository; history needs one") from None
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    prefix = "" if prefix == "." else prefix + "/"
    if not repo.head.is_valid():
        return []
    log = repo.git.log(
        f"--format={_RECORD}%H{_FIELD}%an{_FIELD}%ae{_FIELD}%aI{_FIELD}%s",
        "--name-status",
        "--no-renames",
        "--reverse",
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
            found.append(Version(sha, author, email, date, subject, path, content, moved_from))
            continue
        for status, _, path in changed:
            content = None if status == "D" else (commit.tree / path).data_stream.read()
            found.append(Version(sha, author, email, date, subject, path[len(prefix) :], content))
    return found
