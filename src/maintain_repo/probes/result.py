"""What a probe attempt saw, and what a probe run concluded."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from maintain_repo.model.monitoring import State


class ProbeConfigError(Exception):
    """The probe cannot run as written here (e.g. a secret it names is not set)."""


@dataclass(frozen=True, slots=True)
class Observation:
    """One attempt's answer, before the condition judges it.

    `error` set: no answer at all (refused, timed out, handshake failed); the
    probe is down whatever its condition says.
    """

    variables: dict[str, Any]
    latency_ms: float | None
    code: str
    summary: str  # a few words on the answer, e.g. "HTTP 503 in 812 ms"
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """A probe's verdict for this run (after its in-run retries)."""

    service: str
    probe: str
    state: State
    at: datetime
    latency_ms: float | None
    code: str
    detail: str
    attempts: int
    problem: bool = False  # the probe could not run as configured (not an outage)
    # What the condition read, without the response body.
    variables: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def key(self) -> str:
        return f"{self.service}/{self.probe}"
