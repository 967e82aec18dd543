"""`maintain status build`: what the status page shows, gathered from records and state.

Services and their probes come from the service records; each probe's state
and history from the state directory (the state branch's checkout), with
uptime over each window computed over that window alone and saying how much of
it has data; open incidents from the incident records of the checkout, then
those proposed on open record pull requests (engine.in_flight: marked as
proposed), then incidents the probes opened whose record is on neither yet;
maintenance from the services' windows that have not ended.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from maintain_repo.engine.load import load_records
from maintain_repo.model.incident import Incident
from maintain_repo.model.monitoring import (
    UPTIME_WINDOWS,
    IncidentLink,
    MaintenanceNotice,
    ProbeStatus,
    Sample,
    ServiceStatus,
    StatusPage,
    Uptime,
)
from maintain_repo.model.service import Service
from maintain_repo.model.timestamps import shift
from maintain_repo.probes.history import hold_for, measure
from maintain_repo.probes.store import StateDir

if TYPE_CHECKING:
    from maintain_repo.engine.in_flight import Proposals
    from maintain_repo.model.common import Record
    from maintain_repo.model.settings import Settings

OPEN = ("triage", "active", "mitigated")
HISTORY = timedelta(days=90)


def build_page(
    root: Path,
    state: Path | None,
    settings: Settings,
    now: datetime,
    proposals: Proposals | None = None,
) -> StatusPage:
    store = StateDir(state) if state is not None else None
    # A sample stands for the time until the next one, but not across a gap in the runs.
    hold = hold_for(settings.monitoring.history_interval())
    services = sorted(
        (record for _, record in load_records(root, ["service"]) if isinstance(record, Service)),
        key=lambda service: (service.tier, service.id),
    )
    shown = [s for s in services if s.status != "retired" and any(p.enabled for p in s.probes)]
    repository = settings.github.repository if settings.github else None
    page_services = tuple(_service(service, store, now, hold) for service in shown)
    incidents = _incidents(load_records(root, ["incident"]), repository, proposed=False)
    if proposals is not None:
        flying = [(item.path, item.record) for item in proposals.of(["incident"])]
        incidents += _incidents(flying, repository, proposed=True)
    known = {incident.id for incident in incidents}
    incidents += [i for i in _probe_incidents(shown, store, repository) if i.id not in known]
    incidents.sort(key=lambda i: i.started_at or now, reverse=True)
    notes = () if store is not None else ("No probe has run yet: the state branch is empty.",)
    return StatusPage(
        title=settings.monitoring.page_title
        or (f"{repository} status" if repository else "Status"),
        generated_at=now,
        services=page_services,
        incidents=tuple(incidents),
        maintenance=tuple(_maintenance(shown, now)),
        notes=notes,
    )


def _service(
    service: Service, store: StateDir | None, now: datetime, hold: timedelta
) -> ServiceStatus:
    probes = []
    for probe in service.probes:
        if not probe.enabled:
            continue
        state = store.state(service.id, probe.name) if store else None
        since = shift(now, -HISTORY)
        samples = store.samples(service.id, probe.name, since=since) if store else []
        probes.append(
            ProbeStatus(
                service=service.id,
                probe=probe.name,
                type=probe.type,
                target=probe.target(),
                state=state.status if state else "unknown",
                since=state.since if state else None,
                checked_at=samples[-1].at if samples else None,
                uptime={
                    name: uptime_over(samples, now, timedelta(hours=hours), hold)
                    for name, hours in UPTIME_WINDOWS.items()
                },
                samples=tuple(samples),
                in_maintenance=any(w.covers(probe.name, now) for w in service.maintenance),
            )
        )
    return ServiceStatus(service.id, service.title, service.tier, tuple(probes))


def uptime_over(samples: list[Sample], now: datetime, window: timedelta, hold: timedelta) -> Uptime:
    """Uptime over the `window` before `now`, from that window's samples alone."""
    since = shift(now, -window)
    passing, measured = measure(samples, since, now, hold)
    percent = 100.0 * passing / measured if measured else None
    return Uptime(percent, timedelta(seconds=measured), now - since)


def _incidents(
    records: Iterable[tuple[str, Record]], repository: str | None, *, proposed: bool
) -> list[IncidentLink]:
    found = []
    for _, incident in records:
        if not isinstance(incident, Incident) or incident.status not in OPEN:
            continue
        started = (
            incident.impact_started_at
            or incident.detected_at
            or incident.reported_at
            or incident.created_at
        )
        found.append(
            IncidentLink(
                id=incident.id,
                title=incident.title,
                severity=str(incident.severity),
                status=incident.status,
                started_at=started,
                url=_issue_url(repository, incident.links.github_issue),
                services=tuple(incident.services),
                proposed=proposed,
            )
        )
    return found


def _probe_incidents(
    services: list[Service], store: StateDir | None, repository: str | None
) -> list[IncidentLink]:
    """Incidents the probes opened whose record is on no branch we could read."""
    if store is None:
        return []
    found = []
    for service in services:
        for probe in service.probes:
            state = store.state(service.id, probe.name)
            if state.incident is None:
                continue
            found.append(
                IncidentLink(
                    id=state.incident.id,
                    title=f"{service.title}: {probe.name} is down",
                    severity=probe.severity,
                    status="triage",
                    started_at=state.failing_since or state.incident.opened_at,
                    url=_issue_url(repository, state.incident.issue or None),
                    services=(service.id,),
                    proposed=True,
                )
            )
    return found


def _maintenance(services: list[Service], now: datetime) -> list[MaintenanceNotice]:
    notices = [
        MaintenanceNotice(
            service=service.id,
            probes=tuple(window.probes),
            start=window.start,
            end=window.end,
            reason=window.reason,
            ongoing=window.start <= now < window.end,
        )
        for service in services
        for window in service.maintenance
        if window.end > now
    ]
    return sorted(notices, key=lambda notice: (notice.start, notice.service))


def _issue_url(repository: str | None, number: int | None) -> str | None:
    if not repository or not number:
        return None
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com").rstrip("/")
    return f"{server}/{repository}/issues/{number}"
