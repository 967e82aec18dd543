"""What monitoring knows, as plain values: probe states, history samples, the status page.

The probe runners produce these, the state branch stores them, and the status
page renders them; none of those parts needs another's code to read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

# up: the condition held; degraded: it held, but the `degraded` expression was
# true too; down: it failed (or the probe could not run); unknown: no result
# (the run's deadline came first, or the probe has never run).
State = Literal["up", "degraded", "down", "unknown"]
STATES: tuple[State, ...] = ("up", "degraded", "down", "unknown")

# The windows uptime is reported over on the status page, in hours.
UPTIME_WINDOWS: dict[str, int] = {"24h": 24, "7d": 24 * 7, "30d": 24 * 30, "90d": 24 * 90}


@dataclass(frozen=True, slots=True)
class Sample:
    """One history row: what a probe saw at one moment."""

    at: datetime
    state: State
    latency_ms: float | None  # None: no answer to time
    code: str  # HTTP status, DNS rcode, "connected", "timeout", ... ("" when none)
    maintenance: bool = False  # inside a maintenance window: not counted in uptime


@dataclass(frozen=True, slots=True)
class IncidentLink:
    """An incident as the status page shows it."""

    id: str
    title: str
    severity: str
    status: str
    started_at: datetime | None
    url: str | None  # the GitHub issue, when the repository is known
    services: tuple[str, ...] = ()
    # Its record is on an open record pull request, not merged yet (or, opened by a
    # probe, only in the probe's state so far).
    proposed: bool = False


@dataclass(frozen=True, slots=True)
class Uptime:
    """Uptime over one window, and how much of the window it knows about."""

    percent: float | None  # of the measured time, the share that passed; None: none measured
    measured: timedelta  # time in the window with data (known states, outside maintenance)
    window: timedelta

    @property
    def coverage(self) -> float:
        """The share of the window that has data, 0 to 1."""
        if self.window <= timedelta(0):
            return 0.0
        return min(max(self.measured / self.window, 0.0), 1.0)


@dataclass(frozen=True, slots=True)
class MaintenanceNotice:
    service: str
    probes: tuple[str, ...]  # empty: every probe of the service
    start: datetime
    end: datetime
    reason: str
    ongoing: bool


@dataclass(frozen=True, slots=True)
class ProbeStatus:
    service: str
    probe: str
    type: str  # http | tcp | tls | dns
    target: str  # what it checks, safe to publish (no credentials, no query string)
    state: State
    since: datetime | None  # when the current state began
    checked_at: datetime | None  # the newest sample
    uptime: dict[str, Uptime]  # UPTIME_WINDOWS key -> uptime over that window
    samples: tuple[Sample, ...]  # oldest first, for the response-time chart
    in_maintenance: bool = False


@dataclass(frozen=True, slots=True)
class ServiceStatus:
    id: str
    title: str
    tier: int
    probes: tuple[ProbeStatus, ...]

    @property
    def state(self) -> State:
        """The worst state of its probes (unknown only when nothing is known)."""
        known = [p.state for p in self.probes if p.state != "unknown"]
        for state in ("down", "degraded", "up"):
            if state in known:
                return state
        return "unknown"


@dataclass(frozen=True, slots=True)
class StatusPage:
    title: str
    generated_at: datetime
    services: tuple[ServiceStatus, ...]
    incidents: tuple[IncidentLink, ...] = ()  # open ones, newest first
    maintenance: tuple[MaintenanceNotice, ...] = ()  # ongoing and upcoming
    notes: tuple[str, ...] = field(default=())  # e.g. "state branch not found"
