"""A sandboxed evaluator process for an asyncio program: `Evaluator`.

Probe conditions are judged while probes are in flight, so evaluating them
on the event loop would stall every other probe (the engine holds the
interpreter lock), and a runaway condition would stall the run. Instead an
`Evaluator` keeps one child process (`python -m maintain_repo.sandbox.serve`,
started with the loop running, so no fork among threads) to which calls are
sent as pickled frames over its stdin; answers come back on its stdout, in
order. The child is a sandbox (`sandbox.guard`): limited memory, a CPU timer
per evaluation, and a label slot in a small file both processes map.

When the child ends with calls unanswered, the first of them was being
worked on: the label in the slot names the evaluation, which is refused for
the rest of the run (the call gets the "stopped" answer when sent again); a
fresh child takes over and the unanswered calls are sent again. The child
sees none of the environment's secrets, and not the working directory (the
repository) on its import path.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import mmap
import os
import pickle
import signal
import sys
import tempfile
from dataclasses import dataclass, field
from typing import Any

from maintain_repo.sandbox import guard as guards
from maintain_repo.sandbox.guard import SLOT_BYTES, Limits, stopped
from maintain_repo.sandbox.pool import WorkerFailed, raised

_HEADER = 8


@dataclass
class _Call:
    ident: int
    payload: bytes  # (target, args, name), pickled when the call is made
    name: str
    future: asyncio.Future[Any] = field(repr=False)
    sent_to: int = 0  # the generation of the child it was sent to (0: none yet)


# What the child may see of the environment: nothing secret (a workflow's GITHUB_TOKEN,
# a probe's MAINTAIN_PROBE_* secrets); it evaluates expressions and needs none of it.
_ENVIRONMENT = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "PYTHONPATH")


class Evaluator:
    """Calls `module:function(*args)` in a sandboxed child, one at a time, in order."""

    def __init__(self, limits: Limits | None = None, preload: tuple[str, ...] = ()) -> None:
        self.limits = limits or guards.limits_from(os.environ)
        # Modules the child imports before its memory is capped (what the calls use).
        self.preload = preload
        self.stopped: dict[str, str] = {}  # label -> why: refused for the rest of the run
        self._slot_file = tempfile.TemporaryFile()  # noqa: SIM115  # closed in close()
        self._slot_file.write(bytes(SLOT_BYTES))
        self._slot_file.flush()
        self._slot = mmap.mmap(self._slot_file.fileno(), SLOT_BYTES)
        self._process: asyncio.subprocess.Process | None = None
        self._generation = 0  # of the current child
        self._reader: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()  # one child starts at a time
        self._unanswered: collections.OrderedDict[int, _Call] = collections.OrderedDict()
        self._next = 0
        self._failure: BaseException | None = None

    async def call(self, target: str, *args: Any, name: str = "") -> Any:
        """`target(*args)` in the child (`target` is `package.module:function`); `name` says
        what the call is about (a probe), for the words of an evaluation stopped on it."""
        if self._failure is not None:
            raise WorkerFailed(str(self._failure))
        # Pickled here, so that arguments that cannot be (an answer nested too deep) fail
        # this call alone, never another one sent with it.
        payload = pickle.dumps((target, args, name), pickle.HIGHEST_PROTOCOL)
        self._next += 1
        call = _Call(self._next, payload, name, asyncio.get_running_loop().create_future())
        self._unanswered[call.ident] = call
        async with self._lock:
            if self._process is None and self._failure is None:
                await self._start()
        await self._send_unsent()
        return await call.future

    async def close(self) -> None:
        process, reader = self._process, self._reader
        self._process = self._reader = None
        if process is not None:
            if process.stdin is not None:
                process.stdin.close()
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
                await process.wait()
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        self._slot.close()
        self._slot_file.close()

    # -- the child -------------------------------------------------------------

    async def _start(self) -> None:
        self._slot[:] = bytes(SLOT_BYTES)
        self._generation += 1
        fd = self._slot_file.fileno()
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-P",  # the working directory (the repository) is not on its import path
            "-m",
            "maintain_repo.sandbox.serve",
            str(fd),
            str(os.getpid()),
            repr(self.limits.seconds),
            str(self.limits.memory),
            *self.preload,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            pass_fds=(fd,),
            env={key: os.environ[key] for key in _ENVIRONMENT if key in os.environ},
        )
        self._reader = asyncio.create_task(self._read(self._process))

    async def _send_unsent(self) -> None:
        """Send the current child every unanswered call it has not been sent, in order (a
        child that is starting or gone gets them when the next one is up)."""
        process, generation = self._process, self._generation
        if process is None or process.stdin is None:
            return
        for call in list(self._unanswered.values()):
            if call.sent_to == generation or call.future.done():
                continue
            call.sent_to = generation
            frame = pickle.dumps((call.ident, call.payload, self.stopped))
            process.stdin.write(len(frame).to_bytes(_HEADER, "little") + frame)
        with contextlib.suppress(ConnectionError):
            await process.stdin.drain()

    async def _read(self, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        try:
            while True:
                header = await process.stdout.readexactly(_HEADER)
                frame = await process.stdout.readexactly(int.from_bytes(header, "little"))
                ident, ok, value, found = pickle.loads(frame)  # noqa: S301  # our child
                for label, why in found.items():
                    self.stopped.setdefault(label, why)
                call = self._unanswered.pop(ident, None)
                if call is None or call.future.done():
                    continue  # its caller gave up (a probe cancelled at the deadline)
                if ok:
                    call.future.set_result(value)
                else:
                    call.future.set_exception(raised(value, "the evaluator failed"))
        except asyncio.IncompleteReadError:
            pass
        status = await process.wait()
        if self._process is process:
            await self._ended(status)

    async def _ended(self, status: int) -> None:
        """The child ended: mark what it was evaluating, start another, send again."""
        self._process = None
        pending = [c for c in self._unanswered.values() if not c.future.done()]
        if not pending:
            return  # ended between calls; the next call starts a child
        label = guards.read_label(memoryview(self._slot))
        if label is None or label in self.stopped:
            # Not a limit (it stops only what it was told to stop before): a bug.
            self._fail(f"the evaluator ended ({_how(status)}) outside any limited evaluation")
            return
        # The first unanswered call was being worked on. Each stop refuses one more label
        # for the rest of the run, so fresh children are bounded by the distinct runaway
        # expressions (and the run's own deadline).
        self.stopped[label] = self._why(status, pending[0].name)
        async with self._lock:
            await self._start()
        await self._send_unsent()

    def _fail(self, message: str) -> None:
        self._failure = WorkerFailed(message)
        for call in self._unanswered.values():
            if not call.future.done():
                call.future.set_exception(WorkerFailed(message))
        self._unanswered.clear()

    def _why(self, status: int, on: str) -> str:
        if status == -signal.SIGPROF:
            return self.limits.time_exceeded(on)
        return stopped(f"ended its process ({_how(status)}; out of memory, most likely)", on)


def _how(status: int) -> str:
    if status < 0:
        return f"ended by {signal.Signals(-status).name}"
    return f"exit status {status}"
