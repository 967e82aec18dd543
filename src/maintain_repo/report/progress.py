"""Progress of a long run, on stderr: a bar drawn by rich while a cold check goes through
thousands of files, and nothing at all when stderr is not a terminal (CI, a pipe, a
file) or the report is machine-readable (`--format json` or `sarif`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

MIN_ITEMS = 500  # fewer files than this finish before a bar would be worth drawing

Advance = Callable[[int], None]


def wanted(report_format: str) -> bool:
    """Whether a run with this report format may show progress (on a terminal)."""
    return report_format in ("text", "github") and _terminal()


def _terminal() -> bool:
    try:
        return os.isatty(sys.stderr.fileno()) and os.environ.get("TERM") != "dumb"
    except (AttributeError, OSError, ValueError):  # a replaced or closed stderr
        return False


@contextmanager
def progress(total: int, what: str, *, enabled: bool) -> Iterator[Advance]:
    """`advance(n)` for `total` items; draws a transient bar only when `enabled`, the run
    is long enough and stderr is still a terminal."""
    if not enabled or total < MIN_ITEMS or not _terminal():
        yield _nothing
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)


def _nothing(_: int) -> None:
    return None
