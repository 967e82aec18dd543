"""What the page says: the banner (`overall_state`), a service's state (`service_state`),
their labels, the order of probe states, and uptime as text (`format_uptime`)."""

from __future__ import annotations

import math
from typing import Literal

from maintain_repo.model.monitoring import ServiceStatus, State, StatusPage

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
STATE_LABELS: dict[Shown, str] = {
    "up": "Operational",
    "degraded": "Degraded",
    "down": "Down",
    "maintenance": "Maintenance",
    "unknown": "No data",
}
_RANK: dict[State, int] = {"unknown": 0, "up": 1, "degraded": 2, "down": 3}


# -- what the page says ------------------------------------------------------------------


def service_state(service: ServiceStatus) -> Shown:
    """The worst state of the service's probes outside maintenance; "maintenance" when only
    probes inside a window say anything, "unknown" when nothing is known."""
    known = [p.state for p in service.probes if not p.in_maintenance and p.state != "unknown"]
    if known:
        return max(known, key=_RANK.__getitem__)
    return "maintenance" if any(p.in_maintenance for p in service.probes) else "unknown"


def overall_state(page: StatusPage) -> Overall:
    """The banner, from the probes outside maintenance whose state is known:

    major outage when all of them are down, or every known probe of a tier-1 service is;
    partial outage when some are down; degraded when some are degraded; operational
    otherwise. With no such probe: "maintenance" if some probe is in a window, else unknown.
    """
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
