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
    import gc
    import sys

    # As `cli.main` sets it, but before the imports: they allocate many small objects and
    # few cycles, and the default threshold collects every 700 allocations.
    gc.set_threshold(50_000, 20, 20)
    # maintain validates with its own models: pydantic plugins that other packages of
    # the same environment register are not loaded, and their discovery (reading every
    # installed distribution's entry points, on each start) is not paid for. Set the
    # variable to anything else to load them.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    from maintain_repo.engine import speculate

    # A check of named files (the pre-commit hook) starts checking them in a child
    # that imports the models while this process imports the command line.
    speculate.prefork(sys.argv[1:])
    try:
        from maintain_repo.cli import main as run

        code = run(on_interrupt=_interrupted)
    finally:
        speculate.release()
    _leave(code)
    return code


def _leave(code: int) -> None:
    """End the process now when nothing is left to do at exit: tearing down the
    interpreter (freeing every object of a 10,000-record run) takes longer than some
    commands do. Not when exit handlers are registered or other threads run: they
    get the normal exit. What was printed is flushed first; files are closed by
    then (every write is atomic: written, closed, renamed)."""
    import atexit
    import sys

    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    pending = getattr(atexit, "_ncallbacks", None)  # CPython's count of exit handlers
    if pending is None or pending() != 0:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return  # let the normal exit say what went wrong
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(main())
