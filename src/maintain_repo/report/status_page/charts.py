"""The inline SVG graphics of a probe: the response-time chart (`_chart`, from `downsample`)
and the 90-day strip (`_strip`, from `daily`). No script, no external asset."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from maintain_repo.model.monitoring import ProbeStatus
from maintain_repo.report.status_page.escape import _t
from maintain_repo.report.status_page.series import Day, Point, daily, downsample
from maintain_repo.report.status_page.states import STATE_LABELS, Shown, format_uptime
from maintain_repo.report.status_page.times import _short

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


def _n(value: float) -> str:
    """A coordinate: whole user units are finer than a pixel at any size the page uses."""
    return str(round(value))
