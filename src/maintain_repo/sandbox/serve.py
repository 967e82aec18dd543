"""The child side of `sandbox.service.Evaluator`: `python -m maintain_repo.sandbox.serve
SLOT_FD PARENT_PID SECONDS MEMORY_BYTES [MODULE...]` (the modules are imported
before the memory cap).

Reads calls from stdin, answers on stdout (both pickled frames from and to
the parent that started it, and nothing else); runs each under the sandbox's
limits, with the label slot in the file the parent passed as SLOT_FD.
"""

from __future__ import annotations

import importlib
import mmap
import os
import pickle
import sys
from collections.abc import Callable, Sequence
from typing import Any

from maintain_repo.sandbox.guard import SLOT_BYTES, Limits, become_sandbox
from maintain_repo.sandbox.pool import answer_frame, read_frame, write_frame


def main(argv: Sequence[str]) -> int:
    slot_fd, parent = int(argv[0]), int(argv[1])
    limits = Limits(float(argv[2]), int(argv[3]))
    # What the calls use is imported before memory is capped: the cap is for evaluations.
    for module in argv[4:]:
        importlib.import_module(_ours(module))
    answers = os.dup(sys.stdout.fileno())
    # Only frames go to the parent's pipe: anything printed goes to stderr instead.
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    slot = memoryview(mmap.mmap(slot_fd, SLOT_BYTES))
    guard = become_sandbox(parent, limits, slot)
    functions: dict[str, Callable[..., Any]] = {}
    while True:
        frame = read_frame(sys.stdin.fileno())
        if frame is None:
            return 0  # the parent is done (or gone)
        ident, payload, refused = pickle.loads(frame)  # noqa: S301  # our parent's pipe
        guard.poisoned.update(refused)

        def call(payload: bytes = payload) -> Any:
            target, args, name = pickle.loads(payload)  # noqa: S301  # our parent's pipe
            guard.item = name
            function = functions.get(target) or functions.setdefault(target, _resolve(target))
            return function(*args)

        write_frame(answers, answer_frame(ident, call, guard))


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    function: Callable[..., Any] = getattr(importlib.import_module(_ours(module)), name)
    return function


def _ours(module: str) -> str:
    if not module.startswith("maintain_repo."):
        raise ValueError(f"not a maintain function: {module!r}")
    return module


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
