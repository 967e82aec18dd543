"""Atomic file writes: a file is either the old bytes or the new, never half.

New records are created with a hard link from a fully written temporary
file, so two writers racing for one name cannot overwrite each other.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from maintain_repo.errors import StoreError


def write_atomic(path: Path, text: str, *, overwrite: bool, durable: bool = True) -> None:
    """Write `text` to `path` atomically; with `overwrite=False` never replace a file.

    `durable=False` skips the fsyncs: still never half-written, but a power cut may
    lose the write. For files that are committed to git right after (probe state).
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from e
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        try:  # keep the mode of the file we replace; new files get the usual mode
            mode = path.stat().st_mode & 0o7777 if overwrite else None
        except FileNotFoundError:
            mode = None
        os.chmod(tmp, mode if mode is not None else 0o666 & ~_umask())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)
            except FileExistsError:
                raise StoreError(
                    f"{path} already exists; it was left untouched",
                    hint="records are never overwritten; pick another id",
                ) from None
    except OSError as e:
        raise StoreError(f"cannot write {path}: {e.strerror or e}") from e
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    if durable:
        _sync_directory(path.parent)


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
