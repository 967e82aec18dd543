"""The inline SVG graphics of a probe: the response-time chart (`_chart`, from `downsample`)
and the 90-day strip (`_strip`, from `daily`). No script, no external asset."""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
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
    scale = latency_axis(max(latencies, default=0.0))

    def x(point: Point) -> float:
        return _W / 2 if span <= 0 else (point.at.timestamp() - first) / span * _W

    segments: list[list[tuple[float, float]]] = [[]]
    gap = _GAP * _typical_interval(points)
    previous: Point | None = None
    for point in points:
        if previous is not None and point.at.timestamp() - previous.at.timestamp() > gap:
            segments.append([])
        if point.latency_ms is None:
            segments.append([])
        else:
            segments[-1].append((x(point), _y(point.latency_ms, scale.top)))
        previous = point
    line = "".join(_subpath(seg) for seg in segments if seg)
    down = "".join(f"M{_n(x(p))} 0V{_H}" for p in points if p.state == "down")
    paused = "".join(f"M{_n(x(p))} 0V{_H}" for p in points if p.maintenance and p.state != "down")
    label = f"Response time of {name}, last {len(probe.samples)} samples"
    last_latency = probe.samples[-1].latency_ms
    stat = f"last {_ms(last_latency)}" if last_latency is not None else "no response"
    if latencies:
        stat += f" · avg {_ms(sum(latencies) / len(latencies))}"
    grid = "".join(f"M0 {_y(tick, scale.top):g}H{_W}" for tick in scale.ticks)
    # Each label sits at its grid line: the plot box and the SVG have the same height.
    ticks = "".join(
        f'<span style="top:{_y(tick, scale.top) / _H * 100:.2f}%">{text}</span>'
        for tick, text in zip(scale.ticks, scale.labels, strict=True)
    )
    return (
        '<figure class="latency">'
        f'<figcaption><span>Response time</span><span class="muted">{stat}</span></figcaption>'
        f'<div class="plot"><div class="yaxis" aria-hidden="true">{ticks}</div>'
        f'<svg class="chart" role="img" aria-label="{_t(label)}" viewBox="0 0 {_W} {_H}" '
        'preserveAspectRatio="none" xmlns="http://www.w3.org/2000/svg">'
        f'<path class="grid" d="{grid}"/>'
        + (f'<path class="tick-maintenance" d="{paused}"/>' if paused else "")
        + (f'<path class="tick-down" d="{down}"/>' if down else "")
        + (f'<path class="line" d="{line}"/>' if line else "")
        + "</svg></div>"
        '<div class="xaxis" aria-hidden="true">'
        f"<span>{_short(points[0].at)}</span><span>{_short(points[-1].at)}</span></div>"
        + _legend(down=bool(down), maintenance=bool(paused))
        + "</figure>"
    )


@dataclass(frozen=True, slots=True)
class Axis:
    """The response-time axis: from 0 to `top`, a label at each of `ticks`."""

    top: float
    ticks: tuple[float, ...]  # bottom (0) first
    labels: tuple[str, ...]


def latency_axis(highest: float) -> Axis:
    """Round ticks from 0 ms to just above `highest` (2 to 5 steps of 1, 2 or 5 times a
    power of ten), labelled as finely as the step needs (`0.5 ms`) and in seconds from 2 s
    up. Starting at zero, a flat series is a level line at its height, not a line in the
    middle of an axis whose ends read the same; with nothing measured the axis is 0-1 ms."""
    measured = math.isfinite(highest) and highest > 0
    basis = highest if measured else 1.0
    raw = basis / 4
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    # Room above the highest point, so it never sits on the frame.
    steps = math.floor(basis / step + 1e-9) + (1 if measured else 0)
    ticks = tuple(step * i for i in range(steps + 1))
    seconds = ticks[-1] >= 2000
    unit, size = ("s", 1000.0) if seconds else ("ms", 1.0)
    places = _places(step / size)
    labels = tuple(f"{tick / size:.{places}f} {unit}" for tick in ticks)
    return Axis(ticks[-1], ticks, labels)


def _places(step: float) -> int:
    """The decimal places that write every multiple of `step` exactly."""
    for places in range(7):
        scaled = step * 10**places
        if abs(scaled - round(scaled)) < 1e-6 * max(scaled, 1):
            return places
    return 6


def _y(value: float, top: float) -> float:
    return _PAD + (top - value) / top * (_H - 2 * _PAD)


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


def _ms(value: float) -> str:
    """A response time as text: `120 ms`, `3.2 ms`, `0.4 ms` (history keeps tenths)."""
    return f"{value:.0f} ms" if value >= 10 else f"{value:.1f} ms"


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
