"""`python -m maintain_repo` and the `maintain` console script.

Ctrl-C can arrive while Python is still importing maintain, before the
command line's error handling exists; Python's default handler would then
print a traceback. So the first thing this module does is take SIGINT over:
until a command runs (and again once it has finished) an interrupt ends the
process at once with "maintain: interrupted" and exit code 130. Nothing is
written before a command runs, so there is nothing to clean up. Only this
entry module does it: importing `maintain_repo.cli` (as tests do) leaves the
process's handlers alone.
"""

from __future__ import annotations

import os

TYPE_CHECKING = False  # `typing` is not loaded yet; mypy knows this name
if TYPE_CHECKING:
    import signal as _signal
else:
    # `_signal`, not `signal`: the latter builds enums on import, long enough for an
    # early Ctrl-C to land in it. `os` is loaded by the interpreter already.
    import _signal

INTERRUPTED = 130


def _interrupted(signum: int, frame: object) -> None:
    os.write(2, b"maintain: interrupted\n")
    os._exit(INTERRUPTED)


_signal.signal(_signal.SIGINT, _interrupted)


def main() -> int:
    """The console script: `maintain ARGS...`."""
    from maintain_repo.cli import main as run

    return run(on_interrupt=_interrupted)


if __name__ == "__main__":
    raise SystemExit(main())
