"""Check the files a run was limited to in a forked child, while the parent scans.

A pre-commit run passes the few files a commit touches. Checking them needs
the models (pydantic, ruamel.yaml: most of the start-up time); scanning the
repository for the repository-wide rules needs only stat calls and the cache.
On a POSIX system with two or more CPUs the two run side by side: a child
process checks the named files and hands its results back through a pipe.
Anything unusual (no fork, a child that fails, a file that changed in
between) falls back to checking in the parent, so results never differ.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from maintain_repo.sandbox.machine import cpus, fork_safe

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path

    from maintain_repo.store.repo import Selection

# Forking is worth it for a handful of files; many files use the process pool.
MAX_FILES = 16

# What checking one file gives: path, sha256, stat signature, mtime, result.
Computed = tuple[str, str, tuple[int, int, int, int], int, dict[str, Any]]


def begin(root: Path, paths: Sequence[Path]) -> tuple[Selection | None, Speculation]:
    """Resolve the named paths and start checking them ahead (a no-op without paths)."""
    from maintain_repo.store.repo import select

    if not paths:
        return None, Speculation(str(root), [])
    selection = select(root, paths)
    return selection, Speculation(str(root), sorted(selection.files))


class Speculation:
    """Results computed ahead of time by a child process, if any."""

    def __init__(self, base: str, rels: list[str]) -> None:
        self._pid = 0
        self._fd = -1
        self._results: dict[str, Computed] = {}
        if not rels or len(rels) > MAX_FILES or not fork_safe() or cpus() < 2:
            return
        from maintain_repo.sandbox.guard import become_sandbox, limits_from

        limits = limits_from(os.environ)
        parent = os.getpid()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: check, report, and leave without cleanup
            os.close(read_fd)
            status = 1
            try:
                # Policies are evaluated here, limited. A child stopped by a limit fails,
                # and the parent checks again in a pool that reports which evaluation was
                # stopped. Not killed with the parent (ctypes costs this early child 5 ms):
                # it checks a handful of files, each evaluation on its timer, and then
                # finds the pipe gone.
                guard = become_sandbox(parent, limits, killed_with=False)

                from maintain_repo.engine.files import check_path

                done = []
                for rel in rels:
                    guard.item = rel
                    done.append(check_path(base, rel))
                payload = json.dumps([item for item in done if item is not None]).encode()
                with os.fdopen(write_fd, "wb") as out:
                    out.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        self._pid, self._fd = pid, read_fd

    def results(self) -> dict[str, Computed]:
        """The child's results by path (waits for it); empty when it failed or never ran."""
        if not self._pid:
            return self._results
        with os.fdopen(self._fd, "rb") as pipe:
            raw = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = 0
        if status == 0:
            try:
                self._results = {
                    rel: (rel, sha, (stat[0], stat[1], stat[2], stat[3]), mtime_ns, result)
                    for rel, sha, stat, mtime_ns, result in json.loads(raw)
                }
            except (ValueError, TypeError, IndexError):
                self._results = {}
        return self._results
