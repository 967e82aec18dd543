"""`render_json`: the `maintain-status/1` document, status.json, the page's JSON twin."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from typing import Any

from maintain_repo.model.monitoring import UPTIME_WINDOWS, ProbeStatus, StatusPage, Uptime
from maintain_repo.model.timestamps import shift
from maintain_repo.report.status_page.escape import _safe_url
from maintain_repo.report.status_page.series import daily
from maintain_repo.report.status_page.states import OVERALL_LABELS, overall_state, service_state
from maintain_repo.report.status_page.times import _iso, _iso_or_none, _utc

SCHEMA = "maintain-status/1"
JSON_SAMPLE_WINDOW = timedelta(hours=24)  # raw samples status.json keeps, per probe
SAMPLE_FIELDS = ("at", "state", "latency_ms", "code", "maintenance")
DAY_FIELDS = ("date", "state", "uptime")


def render_json(page: StatusPage) -> str:
    """The `maintain-status/1` document: stable keys, UTC timestamps ending in `Z`.

    Top level: `schema`, `title`, `generated_at`, `state` (an `Overall` value: the worse of
    the probes' and the worst open incident's) and its `summary` text, `notes`, `incidents`
    (open, newest first: id, title, severity, status, started_at, url, services, proposed:
    its record's pull request is not merged yet), `maintenance` (ongoing and upcoming:
    service, probes, start, end, reason, ongoing), `sample_fields` and `day_fields` (the
    column names of the rows below), and `services`: id, title, tier, state (a `Shown`
    value: its probes'), incidents (the ids of the open ones naming it) and `probes`: name,
    type, target, state, in_maintenance, since, checked_at, `uptime` (percent per window,
    null without data), `uptime_coverage` (the share of each window that has data, 0 to
    1), `latency_ms` and `code` of the newest sample, `samples` (the rows of the last 24
    hours, oldest first) and `days` (the last 90 UTC days).
    """
    now = _utc(page.generated_at)
    overall = overall_state(page)
    document = {
        "schema": SCHEMA,
        "title": page.title,
        "generated_at": _iso(now),
        "state": overall,
        "summary": OVERALL_LABELS[overall],
        "notes": list(page.notes),
        "incidents": [
            {
                "id": i.id,
                "title": i.title,
                "severity": i.severity,
                "status": i.status,
                "started_at": _iso_or_none(i.started_at),
                "url": _safe_url(i.url),
                "services": list(i.services),
                "proposed": i.proposed,
            }
            for i in page.incidents
        ],
        "maintenance": [
            {
                "service": m.service,
                "probes": list(m.probes),
                "start": _iso(m.start),
                "end": _iso(m.end),
                "reason": m.reason,
                "ongoing": m.ongoing,
            }
            for m in page.maintenance
        ],
        "sample_fields": list(SAMPLE_FIELDS),
        "day_fields": list(DAY_FIELDS),
        "services": [
            {
                "id": s.id,
                "title": s.title,
                "tier": s.tier,
                "state": service_state(s),
                "incidents": [i.id for i in page.incidents if s.id in i.services],
                "probes": [_probe_json(p, now) for p in s.probes],
            }
            for s in page.services
        ],
    }
    return _dump(document) + "\n"


def _probe_json(probe: ProbeStatus, now: datetime) -> dict[str, Any]:
    newest = probe.samples[-1] if probe.samples else None
    cutoff = shift(now, -JSON_SAMPLE_WINDOW)
    recent = [s for s in probe.samples if _utc(s.at) > cutoff]
    return {
        "name": probe.probe,
        "type": probe.type,
        "target": probe.target,
        "state": probe.state,
        "in_maintenance": probe.in_maintenance,
        "since": _iso_or_none(probe.since),
        "checked_at": _iso_or_none(probe.checked_at),
        "uptime": {k: _number(_percent(probe.uptime.get(k))) for k in UPTIME_WINDOWS},
        "uptime_coverage": {k: _coverage(probe.uptime.get(k)) for k in UPTIME_WINDOWS},
        "latency_ms": _number(newest.latency_ms if newest else None),
        "code": newest.code if newest else None,
        "samples": [
            [_iso(s.at), s.state, _number(s.latency_ms), s.code, s.maintenance] for s in recent
        ],
        "days": [
            [d.date.isoformat(), d.state, _number(d.uptime)]
            for d in daily(probe.samples, now.date())
        ]
        if probe.samples
        else [],
    }


def _percent(uptime: Uptime | None) -> float | None:
    return uptime.percent if uptime is not None else None


def _coverage(uptime: Uptime | None) -> float:
    return round(uptime.coverage, 4) if uptime is not None else 0.0


def _dump(value: Any, indent: str = "") -> str:
    """JSON with objects and nested lists laid out one item a line, and lists of plain
    values (a sample row, a list of names) on one line: readable and still small."""
    inner = indent + "  "
    if isinstance(value, dict) and value:
        items = (f"{inner}{json.dumps(k)}: {_dump(v, inner)}" for k, v in value.items())
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        return "[\n" + ",\n".join(inner + _dump(v, inner) for v in value) + f"\n{indent}]"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), allow_nan=False)


def _number(value: float | None) -> float | None:
    return round(value, 3) if value is not None and math.isfinite(value) else None
