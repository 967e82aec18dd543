"""Turning exceptions into messages and exit codes, in one place."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from maintain_repo import __version__
from maintain_repo.errors import MaintainError, redact

USAGE = 2
BUG = 3
INTERRUPTED = 130
TERMINATED = 143  # 128 + SIGTERM


class Terminated(BaseException):
    """SIGTERM arrived (a CI job cancelled, `kill`): stop as cleanly as for Ctrl-C."""


@dataclass(slots=True)
class Outcome:
    code: int = 0


@contextlib.contextmanager
def handle_errors() -> Iterator[Outcome]:
    outcome = Outcome()
    try:
        with _terminable():
            yield outcome
    except MaintainError as e:
        print(f"maintain: error: {e.diagnostics()}", file=sys.stderr)
        outcome.code = USAGE
    except KeyboardInterrupt:
        print("maintain: interrupted", file=sys.stderr)
        outcome.code = INTERRUPTED
    except Terminated:
        print("maintain: terminated", file=sys.stderr)
        outcome.code = TERMINATED
    except BrokenPipeError:
        # The reader went away (e.g. `| head`); nothing more to say to it.
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        outcome.code = USAGE
    except Exception:  # anything else is a bug in maintain
        import traceback

        log = _write_log(traceback.format_exc())
        print(
            "maintain: internal error; this is a bug in maintain, please report it"
            + (f" with the log at {log}" if log else ""),
            file=sys.stderr,
        )
        outcome.code = BUG


@contextlib.contextmanager
def _terminable() -> Iterator[None]:
    """SIGTERM raises `Terminated` here, so `finally` blocks run (worker processes are
    ended, temporary files removed) as they do for Ctrl-C."""

    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    try:
        previous = signal.signal(signal.SIGTERM, terminate)
    except ValueError:  # not the main thread: signals are not ours to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _write_log(trace: str) -> Path | None:
    import platform
    import tempfile

    text = redact(
        f"### maintain {__version__} crashed\n\n"
        f"- python: {sys.version.split()[0]} ({platform.platform()})\n"
        f"- argv: {sys.argv!r}\n\n```\n{trace}```\n"
    )
    try:
        fd, name = tempfile.mkstemp(prefix="maintain-crash-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        return Path(name)
    except OSError:
        sys.stderr.write(text)
        return None
