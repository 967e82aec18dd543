"""Forked worker processes for sandboxed work: `imap(work, count)`.

Children are forked, so `work` (any closure) and the data it reads are
inherited, never pickled: only item numbers go down a pipe, and results
come back up another (pickled, length-prefixed). Idle children are handed
the next chunk of items.

A child that ends while an item is in flight (its CPU timer fired, the
engine aborted, something killed it) is noticed by the end of its result
pipe. The label it wrote to shared memory says which evaluation was
running; that evaluation is marked as stopped for the rest of the run
(`Guard.stopped`: the children are told with their next batch; one that hit
the memory cap reports it with its result) and the item runs again in a
fresh child, so its other results are kept and the stopped evaluation is
reported as such. An item that raises a `MaintainError` raises it in the
parent; a child that ends outside any evaluation, or an item that raises
anything else, is a bug in maintain: `WorkerFailed`.

Children end with the parent: on Linux the kernel kills them when it dies
(PR_SET_PDEATHSIG), and anywhere they stop at the end of their task pipe.
When the parent leaves early (Ctrl-C, SIGTERM, an error) it kills and reaps
them before going on.

Without fork, or with other threads running (forking is unsafe then), the
items run in this process, without limits.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import mmap
import os
import pickle
import selectors
import signal
import sys
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from maintain_repo.errors import MaintainError
from maintain_repo.sandbox import guard as guards
from maintain_repo.sandbox.guard import SLOT_BYTES, Guard, Limits, become_sandbox, stopped
from maintain_repo.sandbox.held import held
from maintain_repo.sandbox.machine import fork_safe

R = TypeVar("R")
_HEADER = 8


class WorkerFailed(Exception):
    """A worker failed outside any limited evaluation: a bug, with the child's story."""


def imap(
    work: Callable[[int], R],
    count: int,
    *,
    workers: int = 1,
    chunk: int = 1,
    limits: Limits | None = None,
    name: Callable[[int], str] = str,
) -> Iterator[tuple[int, R]]:
    """`(i, work(i))` for every i in range(count), in the order they finish, computed
    in sandboxed children (or here, where forking is not possible). `name(i)` says what
    item i is (a record's path), in the words of an evaluation stopped on it."""
    if count <= 0:
        return
    limits = limits or guards.limits_from(os.environ)  # a bad setting is said either way
    if not fork_safe():
        _unlimited()
        for index in range(count):
            yield index, work(index)
        return
    pool = _Pool(
        work,
        count,
        workers=max(1, min(workers, count)),
        chunk=max(1, chunk),
        limits=limits,
        name=name,
    )
    yield from pool.run()


_SAID: list[bool] = []


def _unlimited() -> None:
    """Say (once) that expressions run without limits here: never silently."""
    if not _SAID:
        _SAID.append(True)
        print(
            "maintain: note: other threads are running in this process, so repository "
            "expressions are evaluated without the sandbox's time and memory limits",
            file=sys.stderr,
        )


@dataclass
class _Child:
    pid: int
    tasks: int  # our end of its task pipe
    results: int  # our end of its result pipe
    slot: int
    inflight: collections.deque[int] = field(default_factory=collections.deque)
    # The stopped evaluations it was told about with its current batch.
    told: frozenset[str] = frozenset()


class _Pool(Generic[R]):
    def __init__(
        self,
        work: Callable[[int], R],
        count: int,
        *,
        workers: int,
        chunk: int,
        limits: Limits,
        name: Callable[[int], str],
    ) -> None:
        self.work = work
        self.name = name
        self.workers = workers
        self.chunk = chunk
        self.limits = limits
        self.pending: collections.deque[int] = collections.deque(range(count))
        # Evaluations stopped by a limit in this run (label -> why): not run again.
        self.stopped: dict[str, str] = {}
        self.children: dict[int, _Child] = {}  # by result fd
        self.labels = mmap.mmap(-1, SLOT_BYTES * workers)
        self.selector = selectors.DefaultSelector()
        self.parent = os.getpid()

    def run(self) -> Iterator[tuple[int, R]]:
        finished = False
        try:
            while self.pending or any(child.inflight for child in self.children.values()):
                self._hand_out()
                for key, _ in self.selector.select():
                    child = self.children[key.fd]
                    yield from self._receive(child)
            finished = True
        finally:
            try:
                self._stop(kill=not finished)
            finally:
                if self.children:  # an interrupt landed on the way into _stop
                    self._stop(kill=True)

    # -- the parent's side ---------------------------------------------------

    def _hand_out(self) -> None:
        while self.pending and len(self.children) < self.workers:
            self._fork()
        for child in list(self.children.values()):
            if child.inflight or not self.pending:
                continue
            take = min(self.chunk, max(1, len(self.pending) // len(self.children)))
            batch = [self.pending.popleft() for _ in range(min(take, len(self.pending)))]
            child.inflight.extend(batch)
            child.told = frozenset(self.stopped)
            message = (batch, self.stopped, [self.name(i) for i in batch])
            # A child that died meanwhile refuses: its result pipe ends, and _ended puts
            # the batch back.
            with contextlib.suppress(BrokenPipeError):
                write_frame(child.tasks, pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    def _receive(self, child: _Child) -> Iterator[tuple[int, R]]:
        frame = read_frame(child.results)
        if frame is None:
            self._ended(child)
            return
        index, ok, value, found = pickle.loads(frame)  # noqa: S301  # our child's pipe
        expected = child.inflight.popleft()
        if index != expected:
            raise WorkerFailed(f"a worker answered item {index} instead of {expected}")
        if not ok:
            raise raised(value, "a worker failed")
        for label, why in found.items():
            self.stopped.setdefault(label, why)
        yield index, value

    def _ended(self, child: _Child) -> None:
        """A child's result pipe ended: reap it; put its unfinished items back, the one it
        was on with the evaluation it was running marked as stopped."""
        with held():  # reaped and forgotten together: never killed again once reaped
            _, status = os.waitpid(child.pid, 0)
            self._forget(child)
        label = guards.read_label(self._slot(child.slot))
        if not child.inflight:
            return
        culprit = child.inflight[0]
        if label is None or label in child.told:
            raise WorkerFailed(f"a worker {_how(status)} while working on item {culprit}")
        # (Another child may have been stopped on the same evaluation meanwhile.)
        self.stopped.setdefault(label, self._why(status, self.name(culprit)))
        self.pending.extendleft(reversed(child.inflight))

    def _why(self, status: int, on: str) -> str:
        if os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGPROF:
            return self.limits.time_exceeded(on)
        # Killed by the system's out-of-memory killer, or the engine gave up on an
        # allocation where it could not report it: most likely, not surely.
        return stopped(f"ended its process ({_how(status)}; out of memory, most likely)", on)

    def _fork(self) -> None:
        used = {child.slot for child in self.children.values()}
        slot = next(n for n in range(self.workers) if n not in used)
        self._slot(slot)[:] = bytes(SLOT_BYTES)
        # Ctrl-C or SIGTERM waits until the child is known (its pid, its pipes): landing
        # in between would leave a child nobody ends, or bookkeeping half done.
        with held() as previous:
            task_read, task_write = os.pipe()
            result_read, result_write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: serve, and leave without any of the parent's cleanup
                code = 1
                try:
                    # Not the parent's held handlers: a signal waiting here ends the child.
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    signal.signal(signal.SIGTERM, signal.SIG_DFL)
                    signal.pthread_sigmask(signal.SIG_SETMASK, previous)
                    os.close(task_write)
                    os.close(result_read)
                    for other in self.children.values():
                        os.close(other.tasks)
                        os.close(other.results)
                    guard = become_sandbox(self.parent, self.limits, self._slot(slot))
                    _serve(self.work, guard, task_read, result_write)
                    code = 0
                finally:
                    os._exit(code)
            os.close(task_read)
            os.close(result_write)
            child = _Child(pid, task_write, result_read, slot)
            self.selector.register(result_read, selectors.EVENT_READ)
            self.children[result_read] = child

    def _slot(self, slot: int) -> memoryview:
        return memoryview(self.labels)[slot * SLOT_BYTES : (slot + 1) * SLOT_BYTES]

    def _forget(self, child: _Child) -> None:
        with held():
            self.selector.unregister(child.results)
            del self.children[child.results]
            for fd in (child.tasks, child.results):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def _stop(self, *, kill: bool) -> None:
        """End every child: at the end of their input, or at once when leaving early. Can
        be called again (what is already ended is not ended twice)."""
        with held():  # a second Ctrl-C while ending them would leave some running
            for child in list(self.children.values()):
                if kill:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(child.pid, signal.SIGKILL)
                self._forget(child)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(child.pid, 0)
            self.selector.close()


# -- the child's side ----------------------------------------------------------


def _serve(work: Callable[[int], Any], guard: Guard, tasks: int, results: int) -> None:
    while True:
        frame = read_frame(tasks)
        if frame is None:
            return  # the parent is done with us (or gone)
        batch, refused, names = pickle.loads(frame)  # noqa: S301  # our parent, through a pipe
        guard.poisoned.update(refused)
        for index, name in zip(batch, names, strict=True):
            guard.item = name
            write_frame(results, answer_frame(index, functools.partial(work, index), guard))


def answer_frame(ident: int, call: Callable[[], Any], guard: Guard) -> bytes:
    """The pickled answer to one call: (ident, ok, value, stopped evaluations found). A
    `MaintainError` (a file that cannot be read...) travels as itself, to be raised in the
    parent as if it had happened there; any other exception as its traceback (a bug)."""
    try:
        answer = (ident, True, call(), guard.take_found())
    except MaintainError as e:
        answer = (ident, False, e, guard.take_found())
    except Exception:
        answer = (ident, False, traceback.format_exc(), guard.take_found())
    try:
        return pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
    except Exception:
        failed = (ident, False, traceback.format_exc(), answer[3])
        return pickle.dumps(failed, pickle.HIGHEST_PROTOCOL)


def raised(value: Any, what: str) -> BaseException:
    """What to raise in the parent for a failed call's `value`."""
    if isinstance(value, MaintainError):
        return value
    return WorkerFailed(f"{what}:\n{value}")


# -- framing (the evaluator service speaks it too) -----------------------------------


def write_frame(fd: int, data: bytes) -> None:
    view = memoryview(len(data).to_bytes(_HEADER, "little") + data)
    while view:
        view = view[os.write(fd, view) :]


def read_frame(fd: int) -> bytes | None:
    header = _read_exactly(fd, _HEADER)
    if header is None:
        return None
    return _read_exactly(fd, int.from_bytes(header, "little"))


def _read_exactly(fd: int, size: int) -> bytes | None:
    """`size` bytes, or None at the end of the pipe (a child that died mid-frame too)."""
    parts = []
    while size:
        part = os.read(fd, min(size, 1 << 20))
        if not part:
            return None
        parts.append(part)
        size -= len(part)
    return b"".join(parts)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"was ended by {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exited with status {os.waitstatus_to_exitcode(status)}"
