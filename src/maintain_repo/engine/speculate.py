"""Check the files a run was limited to in a forked child, while the parent scans.

A pre-commit run passes the few files a commit touches. Checking them needs
the models (pydantic, ruamel.yaml: most of the start-up time); scanning the
repository for the repository-wide rules needs only stat calls and the cache.
On a POSIX system with two or more CPUs the two run side by side: a child
process checks the named files, judges them by the policies that read the
clock or other records (`engine.dynamic.prejudge`), and hands its results back
through a pipe.

The console script starts that child before it imports anything else
(`prefork`, when the command line may be a check of named files), so that the
child imports the models while the parent still imports the command line; the
parent then sends it the files to check (`Speculation`). Without a child
started that way, `Speculation` forks one.

Anything unusual (no fork, a child that fails, a file or a policy that changed
in between, `lookup()` answers that are not the repository's now) falls back
to checking in the parent, so results never differ.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from maintain_repo.sandbox.machine import cpus, fork_safe

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from datetime import datetime
    from pathlib import Path

    from maintain_repo.store.repo import Selection

# Forking is worth it for a handful of files; many files use the process pool.
MAX_FILES = 16

# What checking one file gives: path, sha256, stat signature, mtime, result.
Computed = tuple[str, str, tuple[int, int, int, int], int, dict[str, Any]]


class _Worker:
    """A child forked at start-up, waiting for the files to check."""

    def __init__(self, pid: int, jobs: int, results: int) -> None:
        self.pid, self.jobs, self.results = pid, jobs, results


_WORKER: list[_Worker] = []  # the start-up child, until a check takes or releases it


def prefork(argv: Sequence[str]) -> None:
    """At start-up, before the command line is imported: when `argv` may be a check of
    named files, fork the child that will check them; it imports the models meanwhile."""
    if _WORKER or not _may_name_files(argv) or not fork_safe() or cpus() < 2:
        return
    parent = os.getpid()
    jobs_in, jobs_out = os.pipe()
    results_in, results_out = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(jobs_out)
        os.close(results_in)
        _serve(parent, jobs_in, results_out)
    os.close(jobs_in)
    os.close(results_out)
    _WORKER.append(_Worker(pid, jobs_out, results_in))


def release() -> None:
    """End the start-up child if no check took it (a command without files, --help)."""
    while _WORKER:
        worker = _WORKER.pop()
        os.close(worker.jobs)
        os.close(worker.results)
        import signal

        try:
            os.kill(worker.pid, signal.SIGKILL)
            os.waitpid(worker.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


def _may_name_files(argv: Sequence[str]) -> bool:
    """`check` followed by something that is not an option: a path, or an option's value
    (then the child is started for nothing and released)."""
    words = list(argv)
    if "check" not in words:
        return False
    return any(not word.startswith("-") for word in words[words.index("check") + 1 :])


def _serve(parent: int, jobs: int, results: int) -> None:
    """The start-up child: import what checking needs, wait for the job, do it, leave."""
    status = 1
    try:
        _short_lived()
        if TYPE_CHECKING:
            import signal as _signal
        else:
            import _signal  # `signal` builds enums on import: this child starts in a hurry

        # Ctrl-C reaches the whole process group: the parent says it, this child
        # ends quietly. Nothing here writes to the terminal, and the parent's
        # output pipes are not held open (a caller reading them would wait for us).
        _signal.signal(_signal.SIGINT, _signal.SIG_DFL)
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        import maintain_repo.engine.files  # noqa: F401  # the models: most of the time

        with os.fdopen(jobs, "rb") as pipe:
            raw = pipe.read()
        if not raw:  # released, or the parent is gone
            status = 0
            return
        job = json.loads(raw)
        payload = _work(
            parent, job["base"], job["rels"], job["now"], job["fingerprint"], cached=job["cached"]
        )
        with os.fdopen(results, "wb") as out:
            out.write(payload)
        status = 0
    finally:
        os._exit(status)


def _short_lived() -> None:
    """This child checks a handful of files and ends without cleanup: collecting cycles
    (a fifth of its time, mostly while it imports) would only return memory it is about
    to give back whole."""
    import gc

    gc.disable()


def begin(
    root: Path, paths: Sequence[Path], now: datetime | None = None, *, cached: bool = True
) -> tuple[Selection | None, Speculation]:
    """Resolve the named paths and start checking them ahead (a no-op without paths)."""
    from maintain_repo.store.repo import select

    if not paths:
        release()
        return None, Speculation(str(root), [])
    selection = select(root, paths)
    return selection, Speculation(str(root), sorted(selection.files), now, cached=cached)


class Speculation:
    """Results computed ahead of time by a child process, if any."""

    def __init__(
        self, base: str, rels: list[str], now: datetime | None = None, *, cached: bool = True
    ) -> None:
        self.now = now
        self._pid = 0
        self._fd = -1
        self._results: dict[str, Computed] = {}
        self._verdict: dict[str, Any] | None = None
        self._policies = ""
        if not rels or len(rels) > MAX_FILES:
            release()
            return
        from maintain_repo.store.cache import fingerprint  # the run needs it anyway

        job: dict[str, Any] = {
            "base": base,
            "rels": rels,
            "now": now.isoformat() if now is not None else None,
            "cached": cached,
            "fingerprint": fingerprint() if cached else "",
        }
        if _WORKER:
            worker = _WORKER.pop()
            with os.fdopen(worker.jobs, "wb") as pipe:
                pipe.write(json.dumps(job).encode())
            self._pid, self._fd = worker.pid, worker.results
            return
        if not fork_safe() or cpus() < 2:
            return
        parent = os.getpid()
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: check, report, and leave without cleanup
            os.close(read_fd)
            status = 1
            try:
                payload = _work(parent, base, rels, job["now"], job["fingerprint"], cached=cached)
                with os.fdopen(write_fd, "wb") as out:
                    out.write(payload)
                status = 0
            finally:
                os._exit(status)
        os.close(write_fd)
        self._pid, self._fd = pid, read_fd

    def pending(self) -> bool:
        """Whether a child is (or was) checking and its results are not read yet."""
        return self._pid != 0

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
                payload = json.loads(raw)
                self._results = {
                    rel: (rel, sha, (stat[0], stat[1], stat[2], stat[3]), mtime_ns, result)
                    for rel, sha, stat, mtime_ns, result in payload["files"]
                }
                self._policies = payload["policies"]
                verdict = payload["verdict"]
                self._verdict = verdict if isinstance(verdict, dict) else None
            except (ValueError, TypeError, IndexError, KeyError):
                self._results, self._verdict = {}, None
        return self._results

    def discard(self) -> None:
        """Use nothing the child computed."""
        self.results()
        self._results, self._verdict = {}, None

    def policies(self) -> str:
        """The key of the policy documents the child checked by (`context.policy_key`)."""
        self.results()
        return self._policies

    def verdict(
        self, judged: list[str], sha: Callable[[str], str], lookup_key: Callable[[], str]
    ) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
        """The findings (as JSON) of the policies reading the clock or other records on
        the `judged` records, and their memos by path, as the child judged them; None
        unless it judged these very bytes (`sha(rel)`) with the `lookup()` answers of
        the repository as it is now (`lookup_key()`, asked only when they were read)."""
        self.results()
        verdict = self._verdict
        if verdict is None:
            return None
        try:
            shas, key = verdict["shas"], verdict["key"]
            if not all(shas.get(rel) == sha(rel) for rel in judged):
                return None
            if key is not None and key != lookup_key():
                return None
            wanted = set(judged)
            findings = [f for f in verdict["findings"] if f["path"] in wanted]
            memos = {rel: memo for rel, memo in verdict["memos"].items() if rel in wanted}
        except (TypeError, KeyError, AttributeError):
            return None
        return findings, memos


def _work(
    parent: int, base: str, rels: list[str], now: str | None, tool: str, *, cached: bool
) -> bytes:
    """In the child: check `rels` and judge them, as JSON for the parent (`tool`: the
    parent's `cache.fingerprint()`, the same code's)."""
    _short_lived()
    from maintain_repo.sandbox.guard import become_sandbox, limits_from

    # Policies are evaluated here, limited. A child stopped by a limit fails, and the
    # parent checks again in a pool that reports which evaluation was stopped. Not
    # killed with the parent (ctypes costs this early child 5 ms): it checks a handful
    # of files, each evaluation on its timer, and then finds the pipe gone.
    guard = become_sandbox(parent, limits_from(os.environ), killed_with=False)

    from pathlib import Path

    from maintain_repo.engine.context import policy_key, use_documents
    from maintain_repo.engine.files import check_path
    from maintain_repo.engine.load import worktree_documents
    from maintain_repo.store.cache import CheckCache, cache_dir, cache_key, fingerprint

    # The working tree's policies as they are now (a process that checked before
    # may hold others), and their key: the parent uses nothing checked by others.
    documents = worktree_documents(Path(base))
    policies = policy_key(documents)
    # The cache, for the policies as an earlier run validated them and for the
    # answers `lookup()` gives; its index is the parent's to read.
    directory = cache_dir(Path(base), enabled=cached)
    secret = cache_key() if directory is not None else None
    cache = (
        CheckCache(directory, f"{tool or fingerprint()}:{policies}", secret, index=False)
        if secret is not None
        else None
    )
    use_documents(base, documents, cache)
    done = []
    for rel in rels:
        guard.item = rel
        computed = check_path(base, rel)
        if computed is not None:
            done.append(computed)
    verdict = None
    if now is not None:
        from datetime import datetime

        from maintain_repo.engine.dynamic import prejudge

        verdict = prejudge(Path(base), cache, done, datetime.fromisoformat(now))
    payload = {"files": done, "policies": policies, "verdict": verdict}
    return json.dumps(payload).encode()
