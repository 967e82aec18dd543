"""When results open and resolve incidents: the per-probe state machine.

A probe's state counts consecutive failing and passing runs. Counts stop at
the thresholds (more of the same changes nothing), so a steady probe leaves
its state untouched and nothing is committed. Crossing `failure_threshold`
with no incident open asks for one, unless a maintenance window covers the
probe; once an incident is open, `success_threshold` passing runs ask to
resolve it. `unknown` results (deadline, configuration problems) count
neither way. Degraded results pass: the condition held.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from maintain_repo.model.monitoring import STATES, State
from maintain_repo.model.timestamps import format_timestamp, parse_timestamp
from maintain_repo.probes.result import Outcome

Action = Literal["none", "open", "resolve"]


@dataclass(frozen=True, slots=True)
class OpenIncident:
    id: str  # the incident record
    issue: int  # its GitHub issue (0: unknown, e.g. opened in a dry run)
    opened_at: datetime


@dataclass(frozen=True, slots=True)
class ProbeState:
    status: State = "unknown"
    since: datetime | None = None  # when `status` began
    reason: str = ""  # what the result said when `status` began
    failures: int = 0  # consecutive failing runs, at most failure_threshold
    successes: int = 0  # consecutive passing runs, at most success_threshold
    failing_since: datetime | None = None  # the first failure of the current episode
    incident: OpenIncident | None = None

    def to_json(self) -> dict[str, Any]:
        incident = self.incident
        return {
            "status": self.status,
            "since": _stamp(self.since),
            "reason": self.reason,
            "failures": self.failures,
            "successes": self.successes,
            "failing_since": _stamp(self.failing_since),
            "incident": None
            if incident is None
            else {
                "id": incident.id,
                "issue": incident.issue,
                "opened_at": format_timestamp(incident.opened_at),
            },
        }

    @classmethod
    def from_json(cls, data: Any) -> ProbeState:
        """The state stored in `data`; a damaged state starts over rather than stopping runs."""
        if not isinstance(data, dict):
            return cls()
        try:
            status = data.get("status")
            incident = data.get("incident")
            return cls(
                status=status if status in STATES else "unknown",
                since=_time(data.get("since")),
                reason=str(data.get("reason") or ""),
                failures=_count(data.get("failures")),
                successes=_count(data.get("successes")),
                failing_since=_time(data.get("failing_since")),
                incident=None
                if not isinstance(incident, dict)
                else OpenIncident(
                    str(incident["id"]),
                    _count(incident.get("issue")),
                    parse_timestamp(str(incident["opened_at"])),
                ),
            )
        except (KeyError, TypeError, ValueError):
            return cls()


def advance(
    state: ProbeState,
    outcome: Outcome,
    *,
    failure_threshold: int,
    success_threshold: int,
    maintenance: bool,
) -> tuple[ProbeState, Action]:
    """The state after `outcome`, and what to do about incidents."""
    if outcome.state == "unknown":
        return state, "none"
    moved = outcome.state != state.status
    changes: dict[str, Any] = {}
    if moved:
        changes = {"status": outcome.state, "since": outcome.at, "reason": outcome.detail}
    if outcome.state == "down":
        new = dataclasses.replace(
            state,
            **changes,
            failures=min(state.failures + 1, failure_threshold),
            successes=0,
            failing_since=state.failing_since or outcome.at,
        )
        crossed = new.failures >= failure_threshold
        return new, "open" if crossed and new.incident is None and not maintenance else "none"
    new = dataclasses.replace(
        state,
        **changes,
        successes=min(state.successes + 1, success_threshold),
        failures=0,
        failing_since=state.failing_since if state.incident is not None else None,
    )
    if new.incident is not None and new.successes >= success_threshold:
        return new, "resolve"
    return new, "none"


def opened(state: ProbeState, incident: OpenIncident) -> ProbeState:
    return dataclasses.replace(state, incident=incident)


def resolved(state: ProbeState) -> ProbeState:
    return dataclasses.replace(state, incident=None, failing_since=None)


def _stamp(moment: datetime | None) -> str | None:
    return None if moment is None else format_timestamp(moment)


def _time(value: Any) -> datetime | None:
    return None if value in (None, "") else parse_timestamp(str(value))


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0
