"""The limits one sandboxed process puts on each evaluation it runs.

Inside a child of `sandbox.pool`:

- the address space is capped (`RLIMIT_AS`, the process's size when it
  starts plus `Limits.memory`), so an allocation past it fails: the C++
  engine's `std::bad_alloc` arrives as `MemoryError`, which the evaluation
  reports;
- each evaluation is armed with a CPU timer (`ITIMER_PROF`) whose signal
  keeps its default action: past `Limits.seconds` the kernel ends the process
  wherever it is, C++ code included, which nothing inside the process could
  do. Before arming, the evaluation's label goes into the process's slot of
  memory shared with the parent, so the parent knows what was running and
  runs the item again with that evaluation marked as stopped
  (`Guard.stopped`), for the rest of the run: an expression that ran out of
  time on one record would on the next, and ten thousand records at two
  seconds each are hours.

Outside a sandbox (`active()` is None) evaluation is not limited.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from maintain_repo.errors import UsageError

SLOT_BYTES = 512  # a label's share of the shared memory (length prefix included)
_LENGTH = 4
_EMPTY = bytes(_LENGTH)
SECONDS_VARIABLE = "MAINTAIN_EVAL_SECONDS"
MEMORY_VARIABLE = "MAINTAIN_EVAL_MEMORY_MB"


@dataclass(frozen=True, slots=True)
class Limits:
    """What one evaluation may use: CPU seconds, and bytes of memory beyond the
    process's own size."""

    seconds: float = 1.0
    memory: int = 512 << 20

    def time_exceeded(self, on: str = "") -> str:
        return stopped(
            f"used more than {self.seconds:g} s of CPU time, the limit for one evaluation "
            f"({SECONDS_VARIABLE})",
            on,
        )

    def memory_exceeded(self, on: str = "") -> str:
        return stopped(
            f"needed more than {self.memory >> 20} MiB of memory, the limit for one "
            f"evaluation ({MEMORY_VARIABLE})",
            on,
        )


def stopped(what: str, on: str = "") -> str:
    """The words for an evaluation stopped on `on` (the record or probe that cost that
    much): the same for every record, the first one to hit the limit and the others,
    where the expression is not evaluated again (on most, it would cost as much)."""
    where = f" on {on}" if on else ""
    return f"was stopped: it {what}{where}; it is not evaluated again in this run; simplify it"


def limits_from(environ: Mapping[str, str]) -> Limits:
    """The limits, from MAINTAIN_EVAL_SECONDS and MAINTAIN_EVAL_MEMORY_MB when set."""
    default = Limits()
    seconds = _number(environ, SECONDS_VARIABLE, default.seconds, 0.01, 600.0)
    megabytes = _number(environ, MEMORY_VARIABLE, default.memory >> 20, 64.0, 65536.0)
    return Limits(seconds, int(megabytes) << 20)


def _number(
    environ: Mapping[str, str], name: str, default: float, low: float, high: float
) -> float:
    text = environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not low <= value <= high:  # also refuses nan
        raise UsageError(f"{name}={text!r}: expected a number from {low:g} to {high:g}")
    return value


@dataclass
class Guard:
    """This process's limits, its label slot, and the evaluations stopped so far."""

    limits: Limits
    slot: memoryview
    # label -> why: evaluations that hit a limit in this run (here or in another process);
    # they are not run again.
    poisoned: dict[str, str] = field(default_factory=dict)
    # Those that hit a limit here since the parent last heard (see `take_found`).
    found: dict[str, str] = field(default_factory=dict)
    # How many evaluations were refused: a result that has some depends on the run.
    hits: int = 0
    # What is being worked on (a record's path, a probe): named in a stop's words.
    item: str = ""

    def stopped(self, label: str) -> str | None:
        """Why `label` must not be evaluated (None: go ahead)."""
        if not self.poisoned:
            return None
        why = self.poisoned.get(clip(label))
        if why is not None:
            self.hits += 1
        return why

    def exceeded(self, label: str, why: str) -> None:
        """An evaluation here hit a limit it could report itself (memory)."""
        self.poisoned[clip(label)] = why
        self.found[clip(label)] = why
        self.hits += 1

    def take_found(self) -> dict[str, str]:
        found, self.found = self.found, {}
        return found

    # label -> what `start` writes to the slot (a policy's labels recur on every record).
    frames: dict[str, bytes] = field(default_factory=dict)

    def start(self, label: str) -> None:
        frame = self.frames.get(label)
        if frame is None:
            frame = self.frames[label] = _frame(label)
        self.slot[: len(frame)] = frame
        _timer(self.limits.seconds)

    def stop(self) -> None:
        _timer(0)
        self.slot[:_LENGTH] = _EMPTY


_ACTIVE: Guard | None = None


def active() -> Guard | None:
    """The guard of this process, when it is a sandbox."""
    return _ACTIVE


def install(guard: Guard) -> None:
    """Make this (freshly forked) process a sandbox: cap its memory, let SIGPROF end it."""
    import signal  # here: a check that forks nothing never imports it

    global _ACTIVE, _timer
    signal.signal(signal.SIGPROF, signal.SIG_DFL)
    _timer = functools.partial(signal.setitimer, signal.ITIMER_PROF)
    _cap_memory(guard.limits.memory)
    _ACTIVE = guard


def _unset(seconds: float) -> Any:
    raise AssertionError("a guard runs only in a sandbox (install)")


_timer: Callable[[float], Any] = _unset


def _cap_memory(extra: int) -> None:
    """RLIMIT_AS at the current size plus `extra` (Linux; elsewhere the timer alone)."""
    import resource

    try:
        with open("/proc/self/statm", "rb") as statm:
            size = int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    wanted = size + extra
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft == resource.RLIM_INFINITY or wanted < soft:
        resource.setrlimit(resource.RLIMIT_AS, (wanted, hard))


def clip(label: str) -> str:
    """The label as the slot holds it: a long one cut, with a digest of the whole, so two
    labels that differ only past the cut (two long conditions) stay two."""
    data = label.encode("utf-8", "replace")
    if len(data) <= SLOT_BYTES - _LENGTH:
        return label
    digest = hashlib.sha256(data).hexdigest()[:16]
    head = data[: SLOT_BYTES - _LENGTH - 20].decode("utf-8", "ignore")
    return f"{head}...#{digest}"


def write_label(slot: memoryview, label: str) -> None:
    frame = _frame(label)
    slot[: len(frame)] = frame


def _frame(label: str) -> bytes:
    """The label as the slot holds it: its length, then its (clipped) UTF-8 bytes."""
    data = clip(label).encode("utf-8")
    return len(data).to_bytes(_LENGTH, "little") + data


def read_label(slot: memoryview) -> str | None:
    """The label a process wrote before it was ended (None: it was not evaluating)."""
    length = int.from_bytes(slot[:_LENGTH], "little")
    if not 0 < length <= SLOT_BYTES - _LENGTH:
        return None
    return bytes(slot[_LENGTH : _LENGTH + length]).decode("utf-8", "replace")


_PR_SET_PDEATHSIG = 1


def become_sandbox(
    parent: int, limits: Limits, slot: memoryview | None = None, *, killed_with: bool = True
) -> Guard:
    """Make this freshly forked child of `parent` a sandbox that ends with its parent (on
    Linux, at once when it dies, if `killed_with`); its guard (labels go to `slot`, else
    to memory of its own)."""
    _end_with(parent, killed_with)
    guard = Guard(limits, slot if slot is not None else memoryview(bytearray(SLOT_BYTES)))
    install(guard)
    return guard


def _end_with(parent: int, killed_with: bool) -> None:
    """End with the parent, whatever ends it; Ctrl-C and SIGTERM end us quietly."""
    import signal
    import sys

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if killed_with and sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before the line above took effect
        os._exit(1)
