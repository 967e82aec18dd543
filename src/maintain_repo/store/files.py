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
import secrets
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
# From this many files on, one system-wide flush makes them durable faster than an
# fsync each (an import of a large scan writes thousands of records at once).
MANY_FILES = 256


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
            staged.append(_stage(path, text, overwrite, False, None))
        _sync_all(staged)
        # Ctrl-C waits for the renames: the change lands whole or not at all. New files
        # first: one that appeared meanwhile refuses the change before anything is
        # replaced, and the new files already linked are taken back.
        pairs = list(zip(staged, files, strict=True))
        pairs.sort(key=lambda pair: pair[1][2])  # overwrite=False first
        linked: list[Path] = []
        with held():
            try:
                for temporary, (path, _, overwrite) in pairs:
                    _place(temporary, path, overwrite)
                    if not overwrite:
                        linked.append(path)
            except StoreError:
                for path in linked:  # ours: linked from our staged copies just now
                    with contextlib.suppress(OSError):
                        path.unlink()
                raise
    finally:
        for temporary in staged:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
    for directory in {path.parent for path, _, _ in files}:
        _sync_directory(directory)


def _sync_all(paths: Sequence[Path]) -> None:
    """Make every staged file durable before any is moved into place: an fsync each, many
    at once (the disk commits them together), or for very many one flush of the system's
    buffers (`sync`), as one file at a time costs a journal commit each."""

    def sync(path: Path) -> None:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    try:
        if len(paths) < 8:
            for path in paths:
                sync(path)
            return
        if len(paths) >= MANY_FILES and hasattr(os, "sync"):
            os.sync()  # one flush of everything beats thousands of journal commits
            return
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=16) as pool:
            list(pool.map(sync, paths))
    except OSError as e:
        raise StoreError(f"cannot write {e.filename or 'a file'}: {e.strerror or e}") from e


def _stage(path: Path, text: str | bytes, overwrite: bool, durable: bool, mode: int | None) -> Path:
    """`text` written to a temporary file next to `path`, with the mode `path` will have."""
    try:
        _folder(path.parent)
        fd, staged = _create_temporary(path)
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from e
    try:
        try:
            view = memoryview(text.encode("utf-8") if isinstance(text, str) else text)
            while view:
                view = view[os.write(fd, view) :]
            wanted = mode if mode is not None else _kept_mode(path, overwrite)
            if wanted is not None:
                os.fchmod(fd, wanted)
            if durable:
                os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as e:
        with contextlib.suppress(FileNotFoundError):
            staged.unlink()
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from e
    return staged


def _folder(folder: Path) -> None:
    """Make `folder` (again, if something removed it since), and sweep it of stale
    temporary files once per process."""
    folder.mkdir(parents=True, exist_ok=True)
    if str(folder) not in _swept:
        _sweep(folder)


def _create_temporary(path: Path) -> tuple[int, Path]:
    """A new, empty temporary file next to `path` (created exclusively: never another's),
    open for writing; created with the usual mode (0666 less the umask)."""
    for _ in range(100):
        staged = path.parent / f".{path.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}"
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
            return os.open(staged, flags, 0o666), staged
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {path}")


def _kept_mode(path: Path, overwrite: bool) -> int | None:
    """The mode of the file an overwrite replaces (None: a new file keeps the usual mode
    its creation gave it)."""
    if overwrite:
        with contextlib.suppress(FileNotFoundError):
            return path.stat().st_mode & 0o7777
    return None


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


def _sync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
