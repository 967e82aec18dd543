"""A probe's verdict from its answer and its conditions: what the evaluator child runs.

`probes.run` sends each observation here through `sandbox.service.Evaluator`,
so conditions (repository code) are evaluated off the event loop and within
the sandbox's limits. Everything here is plain data in, plain data out.
"""

from __future__ import annotations

from typing import Any

from maintain_repo.policy.cel import (
    CelError,
    Context,
    compile_condition,
    evaluate,
    probe_context,
)

# A condition the sandbox stopped: not an outage, a probe that cannot run as written.
STOPPED = "stopped"


def label(probe_type: str, field: str, source: str) -> str:
    """Names one condition: the same expression on many probes is stopped once for all."""
    return f"{probe_type} {field}: {source}"


def verdict(
    probe_type: str, condition: str, degraded: str | None, variables: dict[str, Any], summary: str
) -> tuple[str, str]:
    """(state, detail): `up`, `degraded` or `down` with the reason; or (STOPPED, why)
    when a condition hit the sandbox's limits."""
    context = probe_context(probe_type, variables)
    try:
        passed = _value(probe_type, "condition", condition, context)
    except CelError as e:
        return "down", f"{summary}; the condition failed: {e.message}"
    except _Stopped as e:
        return STOPPED, e.detail
    if passed is not True:
        why = "is false" if passed is False else f"gave {passed!r}, not true or false"
        return "down", f"{summary}; condition {why}: {condition}"
    if degraded is None:
        return "up", summary
    try:
        slow = _value(probe_type, "degraded", degraded, context)
    except CelError as e:
        return "degraded", f"{summary}; the degraded expression failed: {e.message}"
    except _Stopped as e:
        return STOPPED, e.detail
    if slow is True:
        return "degraded", f"{summary}; degraded: {degraded}"
    return "up", summary


class _Stopped(Exception):
    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


def _value(probe_type: str, field: str, source: str, context: Context) -> Any:
    """The expression's value; CelError when it fails, _Stopped past the sandbox's limits."""
    try:
        return evaluate(
            compile_condition(source, probe_type), context, label(probe_type, field, source)
        )
    except CelError as e:
        if e.stopped:
            raise _Stopped(f"{field} {e.message}") from None
        raise
