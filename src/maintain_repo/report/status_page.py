"""The public status page: one self-contained static HTML document, and its JSON twin.

Owns how a `StatusPage` (maintain_repo.model.monitoring) is shown to the world:

- `render_html`: an HTML5 document with inline CSS and inline SVG charts, no JavaScript and
  no asset from anywhere (a `default-src 'none'` Content-Security-Policy says so to the
  browser). Unlike Upptime's page, it never calls the GitHub API from the visitor's browser,
  so there is no rate limit to hit: everything it shows is in the file.
- `render_json`: the `maintain-status/1` document (see `render_json`).
- `write`: both, plus `.nojekyll` for GitHub Pages, each file replaced atomically.
- The pieces worth testing on their own: `overall_state`, `service_state`, `downsample`
  (response-time charts stay small however long the history) and `daily` (the 90-day strip).

All text that comes from data (titles, reasons, targets, codes) is untrusted: whitespace is
collapsed, control and bidi characters are shown as escapes, and the rest is HTML-escaped,
in text and attributes alike. Only `http(s)://` URLs become links.
"""

from __future__ import annotations

import html
import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from maintain_repo.model.monitoring import (
    UPTIME_WINDOWS,
    IncidentLink,
    MaintenanceNotice,
    ProbeStatus,
    Sample,
    ServiceStatus,
    State,
    StatusPage,
)
from maintain_repo.report.safe import printable
from maintain_repo.store.files import write_atomic

SCHEMA = "maintain-status/1"
CHART_POINTS = 300  # at most this many points per response-time chart
STRIP_DAYS = 90  # days in the per-probe strip
JSON_SAMPLE_WINDOW = timedelta(hours=24)  # raw samples status.json keeps, per probe
SAMPLE_FIELDS = ("at", "state", "latency_ms", "code", "maintenance")
DAY_FIELDS = ("date", "state", "uptime")
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "base-uri 'none'; form-action 'none'"
)

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


@dataclass(frozen=True, slots=True)
class Point:
    """One point of a response-time chart: a run of consecutive samples."""

    at: datetime  # the mean time of its samples
    latency_ms: float | None  # the mean of the latencies it has; None without any
    state: State  # the worst state outside maintenance ("unknown" if all were inside)
    maintenance: bool  # some sample was inside a maintenance window
    count: int


def downsample(samples: Sequence[Sample], limit: int = CHART_POINTS) -> list[Point]:
    """`samples` (oldest first) as at most `limit` points: runs of equal length, each
    averaged, keeping the worst state of the run."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    if not samples:
        return []
    size = -(-len(samples) // limit)
    return [_point(samples[i : i + size]) for i in range(0, len(samples), size)]


def _point(run: Sequence[Sample]) -> Point:
    base = _utc(run[0].at)
    offset = sum((_utc(s.at) - base).total_seconds() for s in run) / len(run)
    latencies = [s.latency_ms for s in run if s.latency_ms is not None]
    counted = [s.state for s in run if not s.maintenance]
    return Point(
        at=base + timedelta(seconds=offset),
        latency_ms=sum(latencies) / len(latencies) if latencies else None,
        state=max(counted, key=_RANK.__getitem__) if counted else "unknown",
        maintenance=len(counted) < len(run),
        count=len(run),
    )


@dataclass(frozen=True, slots=True)
class Day:
    """One UTC day of a probe's history."""

    date: date
    state: Shown  # the worst state outside maintenance; "maintenance", or "unknown" (no data)
    uptime: float | None  # percent up or degraded of the up/degraded/down samples outside
    samples: int


def daily(samples: Iterable[Sample], last: date, days: int = STRIP_DAYS) -> list[Day]:
    """The `days` UTC days ending with `last`, oldest first."""
    first = last - timedelta(days=days - 1)
    counts: dict[date, dict[str, int]] = {}
    for sample in samples:
        day = _utc(sample.at).date()
        if first <= day <= last:
            key = "maintenance" if sample.maintenance else sample.state
            tally = counts.setdefault(day, {})
            tally[key] = tally.get(key, 0) + 1
    return [
        _day(first + timedelta(days=i), counts.get(first + timedelta(days=i), {}))
        for i in range(days)
    ]


def _day(when: date, tally: dict[str, int]) -> Day:
    good = tally.get("up", 0) + tally.get("degraded", 0)
    measured = good + tally.get("down", 0)
    state: Shown = "unknown"
    for candidate in ("down", "degraded", "up", "maintenance"):
        if tally.get(candidate):
            state = candidate
            break
    return Day(
        date=when,
        state=state,
        uptime=100.0 * good / measured if measured else None,
        samples=sum(tally.values()),
    )


# -- HTML --------------------------------------------------------------------------------


def render_html(page: StatusPage) -> str:
    """The status page as one self-contained HTML5 document."""
    overall = overall_state(page)
    now = _utc(page.generated_at)
    probes = sum(len(s.probes) for s in page.services)
    titles = {s.id: s.title for s in page.services}
    parts = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        '<meta name="color-scheme" content="light dark">',
        f'<link rel="icon" href="{_favicon(_OVERALL_CLASS[overall])}">',
        f"<title>{_t(page.title)} — {OVERALL_LABELS[overall]}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        '<header class="top"><div class="wrap">',
        f"<h1>{_t(page.title)}</h1>",
        f'<p class="muted">Generated <time datetime="{_iso(now)}">{_iso(now)}</time></p>',
        "</div></header>",
        '<main class="wrap">',
        f'<section class="banner s-{_OVERALL_CLASS[overall]}" aria-labelledby="overall">',
        f'<h2 id="overall">{OVERALL_LABELS[overall]}</h2>',
        f"<p>{_summary(page)} · {probes} probe{_s(probes)}</p>",
        "</section>",
        _notes(page.notes),
        _incidents(page.incidents, now),
        _maintenance(page.maintenance, titles),
        '<section aria-labelledby="services-h">',
        '<h2 id="services-h">Services</h2>',
        *(_service(s, now) for s in page.services),
        "" if page.services else '<p class="muted">No services are monitored yet.</p>',
        "</section>",
        "</main>",
        '<footer class="wrap muted">Static page generated by maintain. '
        'Machine-readable: <a href="status.json">status.json</a>.</footer>',
        "</body>",
        "</html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _summary(page: StatusPage) -> str:
    states = [service_state(s) for s in page.services]
    up = sum(1 for state in states if state == "up")
    return f"{up} of {len(states)} service{_s(len(states))} operational"


def _notes(notes: Sequence[str]) -> str:
    if not notes:
        return ""
    items = "".join(f"<li>{_t(note)}</li>" for note in notes)
    return f'<aside class="notes" aria-label="Notes"><ul>{items}</ul></aside>'


def _incidents(incidents: Sequence[IncidentLink], now: datetime) -> str:
    head = '<section aria-labelledby="incidents-h"><h2 id="incidents-h">Open incidents</h2>'
    if not incidents:
        return f'{head}<p class="muted">No open incidents.</p></section>'
    items = []
    for incident in incidents:
        title = _t(incident.title)
        url = _safe_url(incident.url)
        if url is not None:
            title = f'<a href="{_t(url)}" rel="noopener noreferrer">{title}</a>'
        meta = [
            f'<span class="pill">{_t(incident.severity)}</span>',
            f'<span class="pill status">{_t(incident.status)}</span>',
            f"<code>{_t(incident.id)}</code>",
        ]
        if incident.started_at is not None:
            meta.append(f"started {_time(incident.started_at)} ({_for(incident.started_at, now)})")
        if incident.services:
            meta.append("affects " + ", ".join(f"<code>{_t(s)}</code>" for s in incident.services))
        items.append(
            f'<li class="card incident"><h3>{title}</h3><p class="meta">{" · ".join(meta)}</p></li>'
        )
    return f'{head}<ul class="cards">{"".join(items)}</ul></section>'


def _maintenance(notices: Sequence[MaintenanceNotice], titles: dict[str, str]) -> str:
    head = '<section aria-labelledby="maintenance-h"><h2 id="maintenance-h">Maintenance</h2>'
    if not notices:
        return f'{head}<p class="muted">No maintenance in progress or scheduled.</p></section>'
    items = []
    for notice in notices:
        when = "Ongoing" if notice.ongoing else "Upcoming"
        what = _t(titles.get(notice.service, notice.service))
        scope = ", ".join(_t(p) for p in notice.probes) if notice.probes else "all probes"
        items.append(
            f'<li class="card maint"><h3><span class="badge s-maintenance">{when}</span> '
            f'{what} <span class="muted">({scope})</span></h3>'
            f'<p class="meta">{_time(notice.start)} &ndash; {_time(notice.end)}</p>'
            f"<p>{_t(notice.reason)}</p></li>"
        )
    return f'{head}<ul class="cards">{"".join(items)}</ul></section>'


def _service(service: ServiceStatus, now: datetime) -> str:
    state = service_state(service)
    probes = "".join(_probe(service, p, now) for p in service.probes)
    body = f'<ul class="probes">{probes}</ul>' if probes else '<p class="muted">No probes.</p>'
    return (
        f'<section class="card service" aria-label="{_t(service.title)}">'
        f'<div class="service-head"><h3>{_t(service.title)} <code class="sid">{_t(service.id)}'
        f"</code></h3>{_badge(state)}</div>{body}</section>"
    )


def _probe(service: ServiceStatus, probe: ProbeStatus, now: datetime) -> str:
    name = f"{service.title}/{probe.probe}"
    badges = _badge(probe.state)
    if probe.in_maintenance:
        badges += " " + _badge("maintenance", "In maintenance")
    since = []
    if probe.since is not None:
        since.append(f"since {_time(probe.since)} ({_for(probe.since, now)})")
    if probe.checked_at is not None:
        since.append(f"checked {_time(probe.checked_at)}")
    cells = "".join(f'<th scope="col">{k}</th>' for k in UPTIME_WINDOWS)
    values = "".join(f"<td>{format_uptime(probe.uptime.get(k))}</td>" for k in UPTIME_WINDOWS)
    return (
        '<li class="probe"><div class="probe-info">'
        f'<div class="probe-head"><h4>{_t(probe.probe)}</h4><span>{badges}</span></div>'
        f'<p class="target"><span class="type">{_t(probe.type)}</span> '
        f"<code>{_t(probe.target)}</code></p>"
        + (f'<p class="meta">{" · ".join(since)}</p>' if since else "")
        + f'<table class="uptime"><caption>Uptime</caption><thead><tr>{cells}</tr></thead>'
        f"<tbody><tr>{values}</tr></tbody></table></div>"
        f'<div class="probe-charts">{_chart(probe, name)}{_strip(probe, name, now)}</div></li>'
    )


def _badge(state: Shown, label: str | None = None) -> str:
    return (
        f'<span class="badge s-{state}"><span class="dot" aria-hidden="true"></span>'
        f"{label or STATE_LABELS[state]}</span>"
    )


def format_uptime(value: float | None) -> str:
    """`99.95%`, never rounded up (99.999 is not 100%); `—` without data."""
    if value is None or not math.isfinite(value):
        return "—"
    if value >= 100:
        return "100%"
    return f"{math.floor(max(value, 0.0) * 100 + 1e-6) / 100:.2f}%"


# The chart's user space: the SVG stretches to its box (preserveAspectRatio="none") and
# strokes keep their width (vector-effect), so it fits 390 px and 1280 px alike.
_W, _H, _PAD = 1000, 100, 8
_GAP = 4  # a break in the line when points are this many typical intervals apart


def _chart(probe: ProbeStatus, name: str) -> str:
    points = downsample(probe.samples)
    if not points:
        return '<p class="nodata">No data yet</p>'
    first, last = points[0].at.timestamp(), points[-1].at.timestamp()
    span = last - first
    latencies = [p.latency_ms for p in points if p.latency_ms is not None]
    lo, hi = (min(latencies), max(latencies)) if latencies else (0.0, 0.0)

    def x(point: Point) -> float:
        return _W / 2 if span <= 0 else (point.at.timestamp() - first) / span * _W

    def y(value: float) -> float:
        return _H / 2 if hi == lo else _PAD + (hi - value) / (hi - lo) * (_H - 2 * _PAD)

    segments: list[list[tuple[float, float]]] = [[]]
    gap = _GAP * _typical_interval(points)
    previous: Point | None = None
    for point in points:
        if previous is not None and point.at.timestamp() - previous.at.timestamp() > gap:
            segments.append([])
        if point.latency_ms is None:
            segments.append([])
        else:
            segments[-1].append((x(point), y(point.latency_ms)))
        previous = point
    line = "".join(_subpath(seg) for seg in segments if seg)
    down = "".join(f"M{_n(x(p))} 0V{_H}" for p in points if p.state == "down")
    paused = "".join(f"M{_n(x(p))} 0V{_H}" for p in points if p.maintenance and p.state != "down")
    label = f"Response time of {name}, last {len(probe.samples)} samples"
    last_latency = probe.samples[-1].latency_ms
    stat = f"last {last_latency:.0f} ms" if last_latency is not None else "no response"
    if latencies:
        stat += f" · avg {sum(latencies) / len(latencies):.0f} ms"
    return (
        '<figure class="latency">'
        f'<figcaption><span>Response time</span><span class="muted">{stat}</span></figcaption>'
        '<div class="plot"><div class="yaxis" aria-hidden="true">'
        f"<span>{_ms(hi, latencies)}</span><span>{_ms(lo, latencies)}</span></div>"
        f'<svg class="chart" role="img" aria-label="{_t(label)}" viewBox="0 0 {_W} {_H}" '
        'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
        f'<path class="grid" d="M0 {_PAD}H{_W}M0 {_H / 2:g}H{_W}M0 {_H - _PAD}H{_W}"/>'
        + (f'<path class="tick-maintenance" d="{paused}"/>' if paused else "")
        + (f'<path class="tick-down" d="{down}"/>' if down else "")
        + (f'<path class="line" d="{line}"/>' if line else "")
        + "</svg></div>"
        '<div class="xaxis" aria-hidden="true">'
        f"<span>{_short(points[0].at)}</span><span>{_short(points[-1].at)}</span></div>"
        + _legend(down=bool(down), maintenance=bool(paused))
        + "</figure>"
    )


def _legend(*, down: bool, maintenance: bool) -> str:
    keys = [("down", "down")] if down else []
    keys += [("maintenance", "maintenance")] if maintenance else []
    if not keys:
        return ""
    items = "".join(f'<span class="key key-{k}"></span>{text}' for k, text in keys)
    return f'<p class="legend" aria-hidden="true">{items}</p>'


def _typical_interval(points: Sequence[Point]) -> float:
    """The median time between consecutive points (infinite for fewer than three)."""
    steps = sorted(b.at.timestamp() - a.at.timestamp() for a, b in itertools.pairwise(points))
    if len(steps) < 2:
        return math.inf
    return max(steps[len(steps) // 2], 1.0)


def _subpath(points: Sequence[tuple[float, float]]) -> str:
    (x0, y0), rest = points[0], points[1:]
    if not rest:  # a lone point: a zero-length line, drawn as a dot by its round cap
        return f"M{_n(x0)} {_n(y0)}h0"
    return f"M{_n(x0)} {_n(y0)}" + "".join(f"L{_n(x)} {_n(y)}" for x, y in rest)


def _ms(value: float, latencies: Sequence[float]) -> str:
    return f"{value:.0f} ms" if latencies else "—"


def _strip(probe: ProbeStatus, name: str, now: datetime) -> str:
    """The last 90 days, a bar a day coloured by its worst state; a run of like days is one
    element with one tooltip, so a quiet history costs a few bytes."""
    if not probe.samples:
        return ""
    days = daily(probe.samples, now.date())
    counts = Counter(d.state for d in days)
    summary = ", ".join(f"{counts[s]} {STATE_LABELS[s].lower()}" for s in STATE_LABELS if counts[s])
    marks, index = [], 0
    for (state, text), group in itertools.groupby(days, key=_day_label):
        run = list(group)
        bars = "".join(f"M{2 * (index + i) + 1} 0v1" for i in range(len(run)))
        when = f"{run[0].date}" + (f" to {run[-1].date}" if len(run) > 1 else "")
        marks.append(f'<path class="d-{state}" d="{bars}"><title>{when}: {text}</title></path>')
        index += len(run)
    label = f"Daily state of {name}, last {len(days)} days: {summary}"
    return (
        '<div class="strip">'
        f'<svg class="days" role="img" aria-label="{_t(label)}" viewBox="0 0 {2 * len(days)} 1" '
        f'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">{"".join(marks)}</svg>'
        f'<div class="xaxis" aria-hidden="true"><span>{len(days)} days ago</span>'
        "<span>today</span></div></div>"
    )


def _day_label(day: Day) -> tuple[Shown, str]:
    uptime = f", {format_uptime(day.uptime)} up" if day.uptime is not None else ""
    return day.state, STATE_LABELS[day.state] + uptime


def _favicon(state: Shown) -> str:
    colours = {
        "up": "%231a7f37",
        "degraded": "%239a6700",
        "down": "%23cf222e",
        "maintenance": "%230969da",
        "unknown": "%23818b98",
    }
    return (
        "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
        f"%3Ccircle cx='8' cy='8' r='7' fill='{colours[state]}'/%3E%3C/svg%3E"
    )


# -- JSON --------------------------------------------------------------------------------


def render_json(page: StatusPage) -> str:
    """The `maintain-status/1` document: stable keys, UTC timestamps ending in `Z`.

    Top level: `schema`, `title`, `generated_at`, `state` (an `Overall` value) and its
    `summary` text, `notes`, `incidents` (open, newest first: id, title, severity, status,
    started_at, url, services), `maintenance` (ongoing and upcoming: service, probes, start,
    end, reason, ongoing), `sample_fields` and `day_fields` (the column names of the rows
    below), and `services`: id, title, tier, state (a `Shown` value) and `probes`: name,
    type, target, state, in_maintenance, since, checked_at, `uptime` (percent per window,
    null without data), `latency_ms` and `code` of the newest sample, `samples` (the
    rows of the last 24 hours, oldest first) and `days` (the last 90 UTC days).
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
                "probes": [_probe_json(p, now) for p in s.probes],
            }
            for s in page.services
        ],
    }
    return _dump(document) + "\n"


def _probe_json(probe: ProbeStatus, now: datetime) -> dict[str, Any]:
    newest = probe.samples[-1] if probe.samples else None
    cutoff = now - JSON_SAMPLE_WINDOW
    recent = [s for s in probe.samples if _utc(s.at) > cutoff]
    return {
        "name": probe.probe,
        "type": probe.type,
        "target": probe.target,
        "state": probe.state,
        "in_maintenance": probe.in_maintenance,
        "since": _iso_or_none(probe.since),
        "checked_at": _iso_or_none(probe.checked_at),
        "uptime": {k: _number(probe.uptime.get(k)) for k in UPTIME_WINDOWS},
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


# -- files -------------------------------------------------------------------------------


def write(page: StatusPage, out: Path) -> list[Path]:
    """Write `index.html`, `status.json` and `.nojekyll` into `out` (created if missing),
    each replaced atomically; return their paths."""
    files = {
        out / "index.html": render_html(page),
        out / "status.json": render_json(page),
        out / ".nojekyll": "",  # GitHub Pages: serve the files as they are
    }
    for path, text in files.items():
        write_atomic(path, text, overwrite=True)
    return list(files)


# -- small helpers -----------------------------------------------------------------------


def _t(text: str) -> str:
    """Untrusted text, safe in HTML text and in a quoted attribute."""
    return html.escape(printable(" ".join(text.split())), quote=True)


_URL = re.compile(r"https?://[^\s\x00-\x1f\x7f-\x9f]+", re.IGNORECASE)


def _safe_url(url: str | None) -> str | None:
    """`url` if it is an absolute http(s) URL with a host, else None (no link)."""
    if url is None or not _URL.fullmatch(url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    return url if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def _utc(moment: datetime) -> datetime:
    """`moment` in UTC; a naive time is taken to be UTC already."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _iso(moment: datetime) -> str:
    return _utc(moment).isoformat(timespec="seconds").replace("+00:00", "Z")


def _iso_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else _iso(moment)


def _short(moment: datetime) -> str:
    return _utc(moment).strftime("%Y-%m-%d %H:%M UTC")


def _time(moment: datetime) -> str:
    return f'<time datetime="{_iso(moment)}">{_short(moment)}</time>'


def _for(since: datetime, now: datetime) -> str:
    """How long ago, roughly: `3 d 4 h`, `2 h 5 min`, `12 min`, `in 2 h` for the future."""
    seconds = int((_utc(now) - _utc(since)).total_seconds())
    ahead, seconds = seconds < 0, abs(seconds)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    if days:
        text = f"{days} d {hours} h"
    elif hours:
        text = f"{hours} h {minutes} min"
    else:
        text = f"{minutes} min"
    return f"in {text}" if ahead else f"for {text}"


def _n(value: float) -> str:
    """A coordinate: whole user units are finer than a pixel at any size the page uses."""
    return str(round(value))


def _s(count: int) -> str:
    return "" if count == 1 else "s"


_CSS = """
:root{color-scheme:light dark;--bg:#f6f8fa;--card:#fff;--fg:#1f2328;--muted:#59636e;
--line:#d1d9e0;--grid:#eaeef2;--up:#1a7f37;--degraded:#9a6700;--down:#cf222e;
--maintenance:#0969da;--unknown:#818b98;--chart:#0969da;--empty:#e6eaef}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--fg:#e6edf3;
--muted:#9198a1;--line:#3d444d;--grid:#262c36;--up:#3fb950;--degraded:#d29922;
--down:#f85149;--maintenance:#4493f8;--unknown:#9198a1;--chart:#4493f8;--empty:#262c36}}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.5;font-size:15px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue","Noto Sans",
"Liberation Sans","DejaVu Sans",Arial,sans-serif;font-variant-numeric:tabular-nums;
overflow-wrap:anywhere}
.wrap{max-width:64rem;margin:0 auto;padding:0 1rem}
.top{background:var(--card);border-bottom:1px solid var(--line);margin-bottom:1.5rem}
.top .wrap{display:flex;flex-wrap:wrap;align-items:baseline;justify-content:space-between;
gap:.25rem 1rem;padding-top:1rem;padding-bottom:1rem}
h1{font-size:1.375rem;margin:0;letter-spacing:-.01em}
h2{font-size:1.0625rem;margin:2rem 0 .75rem}
h3{font-size:1rem;margin:0}
h4{font-size:.9375rem;margin:0}
p{margin:.25rem 0}
a{color:var(--maintenance)}
code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"DejaVu Sans Mono",monospace;
font-size:.8125rem}
.muted,.meta{color:var(--muted)}
.meta{font-size:.8125rem}
.banner{border-radius:10px;padding:1rem 1.25rem;color:#fff;background:var(--unknown)}
@media (prefers-color-scheme:dark){.banner{color:#0d1117}}
.banner h2{margin:0;font-size:1.25rem}
.banner p{margin:.125rem 0 0;opacity:.92}
.banner.s-up{background:var(--up)}.banner.s-degraded{background:var(--degraded)}
.banner.s-down{background:var(--down)}.banner.s-maintenance{background:var(--maintenance)}
.notes{margin-top:1rem;border:1px solid var(--degraded);border-radius:8px;padding:.5rem 1rem;
background:var(--card)}
.notes ul{margin:0;padding-left:1.25rem}
.cards,.probes{list-style:none;margin:0;padding:0;display:grid;gap:.75rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:.875rem 1rem}
.service{margin-bottom:1rem}
.service-head,.probe-head{display:flex;flex-wrap:wrap;align-items:center;
justify-content:space-between;gap:.25rem .75rem}
.sid{color:var(--muted);font-weight:400;margin-left:.25rem}
.probes{margin-top:.75rem;gap:0}
.probe{display:grid;grid-template-columns:minmax(0,1fr);gap:.75rem;padding:.875rem 0 .25rem;
border-top:1px solid var(--line)}
@media (min-width:48rem){.probe{grid-template-columns:18rem minmax(0,1fr);gap:1.5rem}}
.target{font-size:.8125rem;color:var(--muted)}
.type{text-transform:uppercase;font-size:.6875rem;font-weight:600;letter-spacing:.04em;
border:1px solid var(--line);border-radius:4px;padding:0 .3rem;margin-right:.25rem}
.badge{display:inline-flex;align-items:center;gap:.375rem;font-size:.8125rem;font-weight:600;
white-space:nowrap;border-radius:999px;padding:.0625rem .625rem;color:var(--unknown);
background:color-mix(in srgb,currentColor 12%,transparent)}
.badge .dot{width:.5rem;height:.5rem;border-radius:50%;background:currentColor}
.badge.s-up{color:var(--up)}.badge.s-degraded{color:var(--degraded)}
.badge.s-down{color:var(--down)}.badge.s-maintenance{color:var(--maintenance)}
.pill{display:inline-block;border:1px solid var(--line);border-radius:999px;padding:0 .5rem;
font-weight:600;color:var(--fg)}
.pill.status{font-weight:400}
.incident h3 a{color:inherit}
.uptime{border-collapse:collapse;width:100%;margin-top:.5rem;font-size:.8125rem}
.uptime caption{text-align:left;color:var(--muted);font-size:.75rem;padding-bottom:.125rem}
.uptime th{font-weight:400;color:var(--muted);text-align:left;font-size:.75rem}
.uptime td{font-weight:600;text-align:left;padding-right:.5rem}
.latency{margin:0}
.latency figcaption,.xaxis{display:flex;justify-content:space-between;gap:.5rem;
font-size:.75rem}
.latency figcaption{margin-bottom:.25rem}
.plot{display:grid;grid-template-columns:auto minmax(0,1fr);gap:.375rem}
.yaxis{display:flex;flex-direction:column;justify-content:space-between;text-align:right;
font-size:.6875rem;color:var(--muted);min-width:3.25rem}
svg.chart{display:block;width:100%;height:88px;border-left:1px solid var(--line);
border-bottom:1px solid var(--line)}
svg.chart path{fill:none;vector-effect:non-scaling-stroke}
.chart .grid{stroke:var(--grid);stroke-width:1}
.chart .line{stroke:var(--chart);stroke-width:1.75;stroke-linejoin:round;stroke-linecap:round}
.chart .tick-down{stroke:var(--down);stroke-width:2;opacity:.55}
.chart .tick-maintenance{stroke:var(--unknown);stroke-width:2;opacity:.4}
.xaxis{color:var(--muted);font-size:.6875rem;margin-top:.125rem}
.latency .xaxis{margin-left:3.625rem}
.legend{font-size:.6875rem;color:var(--muted);margin:.125rem 0 0 3.625rem}
.key{display:inline-block;width:.5rem;height:.5rem;border-radius:2px;margin:0 .25rem 0 .5rem}
.key:first-child{margin-left:0}
.key-down{background:var(--down);opacity:.55}.key-maintenance{background:var(--unknown)}
.strip{margin-top:.75rem}
svg.days{display:block;width:100%;height:22px}
.days path{stroke:var(--empty);stroke-width:1.44}
.days .d-up{stroke:var(--up)}.days .d-degraded{stroke:var(--degraded)}
.days .d-down{stroke:var(--down)}.days .d-maintenance{stroke:var(--maintenance)}
.nodata{display:flex;align-items:center;justify-content:center;min-height:88px;margin:0;
border:1px dashed var(--line);border-radius:8px;color:var(--muted);font-size:.875rem}
footer{margin:2rem auto;font-size:.8125rem}
"""
