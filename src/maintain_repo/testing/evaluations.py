"""Functions the sandbox tests call in a sandboxed evaluator (by name, in the child)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

from maintain_repo.policy.cel import CelError, Context, compile_expression, evaluate


def echo(value: Any) -> Any:
    return value


def pid() -> int:
    return os.getpid()


def fail(message: str) -> None:
    raise ValueError(message)


def judge(source: str, fields: dict[str, Any], label: str) -> str:
    """An expression's value on a record, or why it failed ("stopped: ..." past a limit)."""
    context = Context.of(fields, datetime(2026, 1, 1, tzinfo=UTC), {}, lambda _: None)
    try:
        return repr(evaluate(compile_expression(source), context, label))
    except CelError as e:
        return f"{'stopped' if e.stopped else 'error'}: {e.message}"


def environment() -> dict[str, str]:
    return dict(os.environ)


def path() -> list[str]:
    import sys

    return list(sys.path)
