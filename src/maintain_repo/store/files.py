"""Atomic file writes: a file is either the old bytes or the new, never half.

New records are created with a hard link from a fully written temporary
file, so two writers racing for one name cannot overwrite each other.

Every temporary file is named `.<name>.<random>.maintain-tmp` (`TEMP_SUFFIX`),
next to its target: the `.gitignore` that `maintain init` writes ignores that
pattern, so a run killed mid-write (SIGKILL skips every cleanup) never leaves
something `git add -A` would commit. The next write in that folder removes
such leftovers once they are old enough not to belong to a running writer.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from maintain_repo.errors import StoreError
from maintain_repo.sandbox.held import held

TEMP_SUFFIX = ".maintain-tmp"
# The line of a .gitignore that keeps temporary files out of git.
TEMP_PATTERN = f"*{TEMP_SUFFIX}"
# A temporary file older than this belongs to no running writer (a write takes
# milliseconds); the next write in its folder removes it.
STALE_AFTER_S = 60.0

# Folders already swept by this process: one sweep per folder is enough.
_swept: set[str] = set()


def write_atomic(
    path: Path,
    text: str | bytes,
    *,
    overwrite: bool,
    durable: bool = True,
    mode: int | None = None,
) -> None:
    """Write `text` (or bytes) to `path` atomically; with `overwrite=False` never replace
    a file.

    `durable=False` skips the fsyncs: still never half-written, but a power cut may
    lose the write. For files that are committed to git right after (probe state).
    `mode` sets the permissions of the file (default: those of the file replaced,
    else the usual ones for a new file).
    """
    staged = _stage(path, text, overwrite, durable, mode)
    try:
        _place(staged, path, overwrite)
    finally:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
    if durable:
        _sync_directory(path.parent)


def write_all(files: Sequence[tuple[Path, str, bool]]) -> None:
    """Write several files as one change: each (path, text, overwrite) goes to a temporary
    file next to it first, and only when every one is written and synced are they moved
    into place. An error before that leaves every path as it was; a new file
    (`overwrite=False`) never replaces one that appeared meanwhile."""
    staged: list[Path] = []
    try:
        for path, text, overwrite in files:
            if not overwrite and path.exists():
                raise StoreError(f"{path} already exists; it was left untouched")
            staged.append(_stage(path, text, overwrite, True, None))
        # Ctrl-C waits for the renames: the change lands whole or not at all.
        with held():
            for temporary, (path, _, overwrite) in zip(staged, files, strict=True):
                _place(temporary, path, overwrite)
    finally:
        for temporary in staged:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    for directory in {path.parent for path, _, _ in files}:
        _sync_directory(directory)


def _stage(path: Path, text: str | bytes, overwrite: bool, durable: bool, mode: int | None) -> Path:
    """`text` written to a temporary file next to `path`, with the mode `path` will have."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep(path.parent)
        fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=TEMP_SUFFIX)
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from e
    staged = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8") if isinstance(text, str) else text)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.chmod(staged, mode if mode is not None else _mode_for(path, overwrite))
    except OSError as e:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from e
    return staged


def _place(staged: Path, path: Path, overwrite: bool) -> None:
    """Move a staged file into place; a new file never replaces one that exists."""
    try:
        if overwrite:
            os.replace(staged, path)
        else:
            os.link(staged, path)
    except FileExistsError:
        raise StoreError(
            f"{path} already exists; it was left untouched",
            hint="records are never overwritten; pick another id",
        ) from None
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from e


def is_temporary(name: str) -> bool:
    """Whether a file name is one of `write_atomic`'s temporary files."""
    return name.startswith(".") and name.endswith(TEMP_SUFFIX)


def _mode_for(path: Path, overwrite: bool) -> int:
    """Keep the mode of the file we replace; new files get the usual mode."""
    if overwrite:
        with contextlib.suppress(FileNotFoundError):
            return path.stat().st_mode & 0o7777
    return 0o666 & ~_umask()


def _sweep(folder: Path) -> None:
    """Remove temporary files that killed writers left in `folder` (once per process)."""
    key = str(folder)
    if key in _swept:
        return
    _swept.add(key)
    cutoff = time.time() - STALE_AFTER_S
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            if not is_temporary(entry.name):
                continue
            with contextlib.suppress(OSError):
                info = entry.stat(follow_symlinks=False)
                if info.st_mtime < cutoff and not entry.is_dir(follow_symlinks=False):
                    os.unlink(entry.path)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
