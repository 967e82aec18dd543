"""What the page says: the banner (`overall_state`), a service's state (`service_state`),
what an open incident says (`incident_state`), their labels, the order of probe states,
and uptime as text (`format_uptime`, `describe_uptime`)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import timedelta
from typing import Literal

from maintain_repo.model.monitoring import IncidentLink, ServiceStatus, State, StatusPage, Uptime
from maintain_repo.model.timestamps import rough_duration

# The whole page at a glance.
Overall = Literal[
    "operational", "degraded", "partial_outage", "major_outage", "maintenance", "unknown"
]
# A state as the page shows it: a probe's, or "maintenance" when only maintenance is known.
Shown = Literal["up", "degraded", "down", "unknown", "maintenance"]

OVERALL_LABELS: dict[Overall, str] = {
    "operational": "All systems operational",
    "degraded": "Degraded performance",
    "partial_outage": "Partial outage",
    "major_outage": "Major outage",
    "maintenance": "Under maintenance",
    "unknown": "Status unknown",
}
_OVERALL_CLASS: dict[Overall, Shown] = {
    "operational": "up",
    "degraded": "degraded",
    "partial_outage": "down",
    "major_outage": "down",
    "maintenance": "maintenance",
    "unknown": "unknown",
}
# How bad each banner is: an open incident's banner replaces the probes' when worse.
_OVERALL_RANK: dict[Overall, int] = {
    "unknown": 0,
    "maintenance": 0,
    "operational": 0,
    "degraded": 1,
    "partial_outage": 2,
    "major_outage": 3,
}
# What an open incident says, by severity: unknown severity (still in triage) is taken
# seriously, as the SLA does; a mitigated incident has a workaround in place.
_INCIDENT_OVERALL: dict[str, Overall] = {
    "SEV1": "major_outage",
    "SEV2": "partial_outage",
    "SEV3": "degraded",
    "SEV4": "degraded",
}
STATE_LABELS: dict[Shown, str] = {
    "up": "Operational",
    "degraded": "Degraded",
    "down": "Down",
    "maintenance": "Maintenance",
    "unknown": "No data",
}
_RANK: dict[State, int] = {"unknown": 0, "up": 1, "degraded": 2, "down": 3}
# An uptime window this full of data is shown without saying how much data it has.
FULL_COVERAGE = 0.99


# -- what the page says ------------------------------------------------------------------


def service_state(service: ServiceStatus) -> Shown:
    """The worst state of the service's probes outside maintenance; "maintenance" when only
    probes inside a window say anything, "unknown" when nothing is known."""
    known = [p.state for p in service.probes if not p.in_maintenance and p.state != "unknown"]
    if known:
        return max(known, key=_RANK.__getitem__)
    return "maintenance" if any(p.in_maintenance for p in service.probes) else "unknown"


def incident_state(incident: IncidentLink) -> Overall:
    """What one open incident says about the whole page."""
    if incident.status == "mitigated":
        return "degraded"
    return _INCIDENT_OVERALL.get(incident.severity, "partial_outage")


def worst_incident(incidents: Iterable[IncidentLink]) -> IncidentLink | None:
    """The open incident that says the most (the first of equals: the newest)."""
    ranked = [(_OVERALL_RANK[incident_state(i)], -n, i) for n, i in enumerate(incidents)]
    return max(ranked, key=lambda r: r[:2])[2] if ranked else None


def overall_state(page: StatusPage) -> Overall:
    """The banner: the worse of what the probes say and what the worst open incident says.

    The probes, outside maintenance and with a known state: major outage when all of them
    are down, or every known probe of a tier-1 service is; partial outage when some are
    down; degraded when some are degraded; operational otherwise. With no such probe:
    "maintenance" if some probe is in a window, else unknown. An open incident: major
    outage for SEV1, partial for SEV2 (and unknown severity), degraded for SEV3 and SEV4
    or once mitigated.
    """
    probes = _probe_overall(page)
    worst = worst_incident(page.incidents)
    if worst is None:
        return probes
    said = incident_state(worst)
    return said if _OVERALL_RANK[said] > _OVERALL_RANK[probes] else probes


def _probe_overall(page: StatusPage) -> Overall:
    known = [
        p.state
        for s in page.services
        for p in s.probes
        if not p.in_maintenance and p.state != "unknown"
    ]
    if not known:
        in_window = any(p.in_maintenance for s in page.services for p in s.probes)
        return "maintenance" if in_window else "unknown"
    if "down" in known:
        critical_down = any(s.tier == 1 and _all_down(s) for s in page.services)
        return "major_outage" if critical_down or set(known) == {"down"} else "partial_outage"
    return "degraded" if "degraded" in known else "operational"


def _all_down(service: ServiceStatus) -> bool:
    known = [p.state for p in service.probes if not p.in_maintenance and p.state != "unknown"]
    return bool(known) and all(state == "down" for state in known)


def format_uptime(value: float | None) -> str:
    """`99.95%`, never rounded up (99.999 is not 100%); `—` without data."""
    if value is None or not math.isfinite(value):
        return "—"
    if value >= 100:
        return "100%"
    return f"{math.floor(max(value, 0.0) * 100 + 1e-6) / 100:.2f}%"


def describe_uptime(uptime: Uptime | None) -> tuple[str, str | None]:
    """Uptime as (value, how much data it is over): `("99.20%", "over 3 d 4 h of data")`;
    the second is None when (nearly) the whole window has data; `("—", "no data")`."""
    if uptime is None or uptime.percent is None or uptime.measured <= timedelta(0):
        return "—", "no data"
    shown = format_uptime(uptime.percent)
    if uptime.coverage >= FULL_COVERAGE:
        return shown, None
    return shown, f"over {rough_duration(uptime.measured)} of data"
