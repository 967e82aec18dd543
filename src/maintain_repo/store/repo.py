"""The ops repository on disk: where it is and which files it holds.

An ops repository is a directory with a `records/` folder (and usually
`policies/`, `schemas/` and a `.git`). Paths inside it are handled as
POSIX-style strings relative to its root, as git and reports show them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from maintain_repo.errors import ConfigError, UsageError
from maintain_repo.model.kinds import FOLDERS
from maintain_repo.store.source import unreadable

RECORDS = "records"
POLICIES = "policies"
SCHEMAS = "schemas"
SETTINGS = "policies/settings.yaml"


def find_root(start: Path) -> Path:
    """The nearest directory at or above `start` that holds `records/`."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if (candidate / RECORDS).is_dir():
            return candidate
    raise ConfigError(
        f"no ops repository at or above {start} (no records/ directory found)",
        hint="run inside an ops repository, pass --root DIR, or create one with `maintain init`",
    )


def record_files(root: Path) -> list[str]:
    """Every file under records/, relative to `root`, sorted; dotfiles are skipped.

    A folder that cannot be listed is an error, never skipped: the records in it
    would be missing from every link check (and reported as broken links)."""
    found: list[str] = []
    base = root / RECORDS
    for directory, subdirs, files in os.walk(base, onerror=_unlistable(root)):
        subdirs[:] = sorted(d for d in subdirs if not d.startswith("."))
        rel_dir = Path(directory).relative_to(root).as_posix()
        found.extend(f"{rel_dir}/{name}" for name in files if not name.startswith("."))
        # os.walk does not descend into linked directories; list the link so
        # it is reported instead of silently skipped.
        found.extend(
            f"{rel_dir}/{name}" for name in subdirs if os.path.islink(os.path.join(directory, name))
        )
    found.sort()
    return found


def _unlistable(root: Path) -> Callable[[OSError], None]:
    def fail(error: OSError) -> None:
        where = Path(error.filename or root).relative_to(root).as_posix()
        raise unreadable(f"{where}/", error)

    return fail


def is_record_file(rel: str) -> bool:
    """Whether root-relative `rel` names a record file: `records/<kind folder>/<name>.yaml`,
    not a dotfile. The one definition both sides of `--base` use (the working tree's
    listing and the base tree's); anything else under records/ (`.gitkeep`, notes, files
    in unknown folders) is never a record that could be deleted, moved or reused."""
    parts = rel.split("/")
    return (
        len(parts) == 3
        and parts[0] == RECORDS
        and parts[1] in FOLDERS
        and parts[2].endswith(".yaml")
        and not parts[2].startswith(".")
    )


def is_checked(rel: str) -> bool:
    """True for the files `maintain check` checks: anything under records/, and
    the YAML documents directly in policies/."""
    parts = rel.split("/")
    if parts[0] == RECORDS:
        return len(parts) > 1
    return len(parts) == 2 and parts[0] == POLICIES and parts[1].endswith((".yaml", ".yml"))


def policy_files(root: Path) -> list[str]:
    """The YAML documents directly in policies/ (tests live in policies/tests/).

    Anything by such a name that is not a folder is listed, named pipes and links
    included, so that checking it reports what it is instead of skipping it."""
    base = root / POLICIES
    if not base.is_dir():
        return []
    try:
        entries = list(os.scandir(base))
    except OSError as e:
        raise unreadable(f"{POLICIES}/", e) from None
    return sorted(
        f"{POLICIES}/{entry.name}"
        for entry in entries
        if not entry.is_dir(follow_symlinks=False)
        and entry.name.endswith((".yaml", ".yml"))
        and not entry.name.startswith(".")
    )


@dataclass(frozen=True, slots=True)
class Selection:
    """The files a run was limited to: exact files, and everything under `dirs`."""

    files: frozenset[str]
    dirs: tuple[str, ...]  # root-relative prefixes ending in "/" ("" is the root)

    def __contains__(self, rel: object) -> bool:
        return isinstance(rel, str) and (
            rel in self.files or (bool(self.dirs) and rel.startswith(self.dirs))
        )

    def pick(self, rels: Iterable[str]) -> list[str]:
        """Those of `rels` in the selection, in their order (a pre-commit run asks this
        of every file of the repository)."""
        if not self.dirs:
            return [rel for rel in rels if rel in self.files]
        return [rel for rel in rels if rel in self.files or rel.startswith(self.dirs)]


def select(root: Path, paths: Iterable[Path]) -> Selection:
    """The given paths as a selection of root-relative files and directories."""
    files: set[str] = set()
    dirs: list[str] = []
    for path in paths:
        # Resolve the directory but not the file itself: a symbolic link inside
        # the repository is reported as such, not followed out of it.
        given = Path(os.path.normpath(path if path.is_absolute() else Path.cwd() / path))
        absolute = given.parent.resolve() / given.name if given.name else given.resolve()
        try:
            rel = absolute.relative_to(root)
        except ValueError:
            raise UsageError(f"{path} is outside the ops repository {root}") from None
        if absolute.is_dir() and not absolute.is_symlink():
            dirs.append(f"{rel.as_posix()}/" if rel.parts else "")
        elif absolute.is_file() or absolute.is_symlink():
            if not is_checked(rel.as_posix()):
                raise UsageError(
                    f"{path} is neither a record (under {RECORDS}/) nor a policy file "
                    f"({POLICIES}/*.yaml)"
                )
            files.add(rel.as_posix())
        else:
            raise UsageError(f"{path}: no such file")
    return Selection(frozenset(files), tuple(dirs))
