"""`held()`: Ctrl-C and SIGTERM wait while a few steps that belong together run.

Python raises KeyboardInterrupt wherever the main thread happens to be. Some
steps must not be cut in half: a child forked but not yet known (nobody would
end it), a child reaped but still listed (it would be killed again, or its pid
reused), a change of several files half moved into place. Around such steps the
two signals wait: one that arrives meanwhile is delivered, and handled as usual,
when the block ends.

Two things make them wait. The signal mask of the calling thread blocks them (a
child forked in the block inherits it, and restores the mask it is given). But a
signal sent to the process (a terminal's Ctrl-C, `kill`) goes to any thread that
does not block it, and Python then runs its handler in the main thread whatever
that thread's mask says: so in the main thread the Python-level handlers are
replaced too, by one that notes the signal, and it is raised again as the block
ends, under the handlers that were there before.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

HELD = frozenset({signal.SIGINT, signal.SIGTERM})


@contextlib.contextmanager
def held() -> Iterator[set[int | signal.Signals]]:
    """Hold SIGINT and SIGTERM for the body; gives the signal mask it replaced (a child
    forked in the body restores it)."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: nothing to block
        yield set()
        return
    caught: list[int] = []
    handlers = _defer(caught) if threading.current_thread() is threading.main_thread() else {}
    # The mask is read first and restored whatever happens: Python handles a signal that
    # is already pending when the mask changes, so blocking may raise once it blocked.
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, ())
        try:
            signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
            yield previous
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # pending ones: noted now
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):  # each once, in the order they came
            signal.raise_signal(signum)


def _defer(caught: list[int]) -> dict[int, Any]:
    """Replace the handlers of the held signals by one that notes them; the old ones."""

    def note(signum: int, _frame: object) -> None:
        caught.append(signum)

    previous: dict[int, Any] = {}
    for signum in HELD:
        handler = signal.getsignal(signum)
        if handler in (signal.SIG_IGN, None):
            continue  # ignored (or not set from Python): nothing to wait for
        previous[signum] = handler
        signal.signal(signum, note)
    return previous
