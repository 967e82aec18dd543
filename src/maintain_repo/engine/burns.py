"""SLO burn alerts of `maintain probe run`: an SLO that asks for it
(`incident_on_fast_burn`) gets an incident when its error budget burns at least 14.4 times
too fast over the last hour and five minutes (`probes.slo`), while one of its probes fails
in the run. The incident becomes its failing probes' own (`probes.state.opened`), so the
probe path resolves it when they recover and opens no second one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from maintain_repo.engine.monitor import ProbeItem, RunOptions, RunReport, tell
from maintain_repo.errors import MaintainError
from maintain_repo.model.monitoring import Sample
from maintain_repo.model.service import Service
from maintain_repo.model.timestamps import format_timestamp
from maintain_repo.probes.state import OpenIncident, ProbeState, opened
from maintain_repo.probes.store import StateDir

if TYPE_CHECKING:
    from maintain_repo.engine.incidents import Ops


def fast_burns(
    options: RunOptions,
    ops: Ops | None,
    store: StateDir | None,
    chosen: Sequence[ProbeItem],
    report: RunReport,
    say: Callable[[str], None],
) -> None:
    """The SLOs that ask for it (`incident_on_fast_burn`) get an incident when their error
    budget burns at least 14.4 times too fast over the last hour and five minutes
    (`probes.slo`), unless one of their probes has an incident open already. The incident
    becomes their failing probes' incident, so it is resolved when they recover and no
    second one opens when they cross their failure threshold."""
    from maintain_repo.probes.history import hold_for
    from maintain_repo.probes.slo import FAST_LONG, Objective, fast_burn

    now = options.now
    hold = hold_for(options.settings.monitoring.history_interval())
    rows = {
        (row.outcome.service, row.outcome.probe): index for index, row in enumerate(report.rows)
    }
    services = {item.service.id: item.service for item in chosen}
    for service in services.values():
        for slo in service.slos:
            keys = [(service.id, name) for name in slo.probes]
            # Only while one of its probes fails in this run: a burn measured over the
            # minutes before a passing run is over, and its incident would have no probe
            # to resolve it.
            failing = [
                key
                for key in keys
                if key in rows and report.rows[rows[key]].outcome.state == "down"
            ]
            if not slo.incident_on_fast_burn or not failing:
                continue
            since = now - FAST_LONG - hold
            histories = [_recent(store, report, rows, key, since, now) for key in keys]
            objective = Objective(
                service.id, slo.name, slo.objective, FAST_LONG, slo.window, tuple(slo.probes)
            )
            if not fast_burn(objective, histories, now, hold):
                continue
            states = {key: _state_of(store, report, rows, key) for key in keys}
            open_ = next((s.incident for s in states.values() if s.incident is not None), None)
            if open_ is not None:
                continue  # already an incident: the probes' own, or this burn's
            key = f"{service.id}/{slo.name}"
            try:
                incident, note = _open_burn(ops, service, slo, states, now)
            except MaintainError as e:
                report.problems.append(f"SLO {key}: could not open the incident: {e.message}")
                continue
            say(f"SLO {key}: {note}")
            if incident is None:
                continue
            for probe_key in failing:
                index = rows[probe_key]
                row = report.rows[index]
                report.rows[index] = dataclasses.replace(
                    row, state=opened(row.state, incident), note=note
                )


def _recent(
    store: StateDir | None,
    report: RunReport,
    rows: Mapping[tuple[str, str], int],
    key: tuple[str, str],
    since: datetime,
    now: datetime,
) -> list[Sample]:
    """A probe's history since `since`, with this run's result at `now` (as its history
    row will say it; not written yet)."""
    samples = store.samples(key[0], key[1], since=since) if store is not None else []
    index = rows.get(key)
    if index is not None:
        row = report.rows[index]
        outcome = row.outcome
        if outcome.state != "unknown":
            samples.append(
                Sample(now, outcome.state, outcome.latency_ms, outcome.code, row.maintenance)
            )
    return samples


def _state_of(
    store: StateDir | None,
    report: RunReport,
    rows: Mapping[tuple[str, str], int],
    key: tuple[str, str],
) -> ProbeState:
    index = rows.get(key)
    if index is not None:
        return report.rows[index].state
    return store.state(*key) if store is not None else ProbeState()


def _open_burn(
    ops: Ops | None,
    service: Service,
    slo: Any,
    states: Mapping[tuple[str, str], ProbeState],
    now: datetime,
) -> tuple[OpenIncident | None, str]:
    from maintain_repo.engine.incidents import open_incident

    if ops is None:
        return None, "burning its error budget fast: would open an incident (no GitHub token)"
    starts = [s.failing_since for s in states.values() if s.failing_since is not None]
    since = min(starts) if starts else now
    severities = [p.severity for p in service.probes if p.name in slo.probes]
    severity = min(severities) if severities else "SEV2"  # SEV1 sorts first
    made = open_incident(
        ops,
        title=f"{service.title}: the {slo.name} SLO is burning its error budget fast",
        severity=severity,
        services=[service.id],
        summary=(
            f"The SLO **{slo.name}** ({slo.objective:g} % over {slo.window}, probes "
            f"{', '.join(slo.probes)}) burned its error budget at least 14.4 times as fast as "
            "it allows over the last hour and the last five minutes."
        ),
        owner=service.on_call or service.owner,
        now=now,
        dedupe_key=f"slo:{service.id}/{slo.name}:{format_timestamp(since)}",
        detection={"source": "probe", "probe": f"{service.id}/{slo.probes[0]}"},
        impact_started_at=since,
        next_step="maintain resolves this incident and closes the issue when the SLO's "
        "failing probes pass again.",
    )
    if not made.issue.number:
        return None, f"burning its error budget fast: would open incident {made.record_id}"
    verb = "opened" if made.issue_created else "found again"
    incident = OpenIncident(made.record_id, made.issue.number, now)
    tell(
        ops,
        "slo.fast_burn",
        incident,
        f"{service.title}: the {slo.name} SLO is burning its error budget fast",
        f"Incident {made.record_id} opened.",
        service,
        severity,
    )
    return incident, (
        f"burning its error budget fast: incident {made.record_id} {verb} (#{made.issue.number})"
    )
