"""`held()`: Ctrl-C and SIGTERM wait while a few steps that belong together run.

Python raises KeyboardInterrupt wherever the main thread happens to be. Some
steps must not be cut in half: a child forked but not yet known (nobody would
end it), a child reaped but still listed (it would be killed again, or its pid
reused), a change of several files half moved into place. Around such steps the
two signals are blocked, not ignored: one that arrives meanwhile is delivered,
and handled as usual, when the block ends.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

HELD = frozenset({signal.SIGINT, signal.SIGTERM})


@contextlib.contextmanager
def held() -> Iterator[set[int | signal.Signals]]:
    """Block SIGINT and SIGTERM for the body; gives the signal mask it replaced (a child
    forked in the body restores it)."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX: nothing to block
        yield set()
        return
    # The mask is read first and restored whatever happens: Python handles a signal that
    # is already pending when the mask changes, so blocking may raise once it blocked.
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, ())
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, HELD)
        yield previous
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
