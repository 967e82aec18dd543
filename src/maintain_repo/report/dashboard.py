"""The report as a static dashboard: one HTML file, no external assets, no JavaScript,
charts as inline SVG (monthly trends, percentile bars, DORA tiers, SLO budgets). It is
published beside the status page (`/report/` of the same Pages site).

Every number comes from the report's JSON document; every text from records (ids,
names) is escaped.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from maintain_repo.report.ops_review import duration, number, percent, rows
from maintain_repo.report.status_page.escape import _t
from maintain_repo.report.status_page.html import CSP

Doc = Mapping[str, Any]
TIER_ORDER = ("elite", "high", "medium", "low")
DORA_NAMES = {
    "deployment_frequency": "Deployment frequency",
    "change_lead_time": "Change lead time",
    "change_failure_rate": "Change failure rate",
    "failed_deployment_recovery_time": "Failed deployment recovery",
}

_CSS = """
:root{color-scheme:light dark;--bg:#f6f8fa;--card:#fff;--fg:#1f2328;--muted:#59636e;
--line:#d1d9e0;--a:#0969da;--b:#8250df;--good:#1a7f37;--warn:#9a6700;--bad:#cf222e;
--empty:#e6eaef}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--card:#151b23;--fg:#e6edf3;
--muted:#9198a1;--line:#3d444d;--a:#4493f8;--b:#ab7df8;--good:#3fb950;--warn:#d29922;
--bad:#f85149;--empty:#262c36}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);line-height:1.5;font-size:15px;
font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","DejaVu Sans",Arial,
sans-serif;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.wrap{max-width:64rem;margin:0 auto;padding:0 1rem 2rem}
header{background:var(--card);border-bottom:1px solid var(--line);margin-bottom:1.25rem}
header .wrap{padding-top:1rem;padding-bottom:1rem}
h1{font-size:1.375rem;margin:0}
h2{font-size:1.0625rem;margin:1.75rem 0 .75rem}
a{color:var(--a)}
.meta{color:var(--muted);font-size:.8125rem;margin:.25rem 0 0}
.grid{display:grid;gap:.75rem;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr))}
.card{background:var(--card);border:1px solid var(--line);border-radius:10px;
padding:.75rem 1rem;min-width:0}
.card h3{font-size:.8125rem;font-weight:600;color:var(--muted);margin:0}
.big{font-size:1.5rem;font-weight:650;margin:.125rem 0}
.tier{display:inline-block;border-radius:999px;padding:0 .5rem;font-size:.75rem;
font-weight:600;color:#fff;background:var(--muted)}
.t-elite{background:var(--good)}.t-high{background:var(--a)}.t-medium{background:var(--warn)}
.t-low{background:var(--bad)}
svg{display:block;width:100%;height:auto}
svg text{fill:var(--muted);font-size:11px;font-family:inherit}
.bar-a{fill:var(--a)}.bar-b{fill:var(--b)}.track{fill:var(--empty)}
.ok{fill:var(--good)}.low{fill:var(--warn)}.out{fill:var(--bad)}
table{border-collapse:collapse;width:100%;font-size:.875rem}
td,th{text-align:left;padding:.25rem .5rem;border-top:1px solid var(--line);
vertical-align:top}
th{color:var(--muted);font-weight:600}
.legend{font-size:.75rem;color:var(--muted)}
.legend i{display:inline-block;width:.75rem;height:.75rem;border-radius:2px;
margin:0 .25rem 0 .75rem;vertical-align:-1px}
"""


def render_html(doc: Doc) -> str:
    window = doc["window"]
    scope = f" — {_t(str(doc['service']))}" if doc.get("service") else ""
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width,initial-scale=1">',
        '<meta name="referrer" content="no-referrer">',
        f"<title>Ops report{scope}</title>",
        f"<style>{_CSS}</style></head><body>",
        f'<header><div class="wrap"><h1>Ops report{scope}</h1>',
        f'<p class="meta">{_t(window["since"])} to {_t(window["until"])} '
        f"({window['days']:g} days) · generated {_t(doc['generated_at'])} · "
        '<a href="../">status page</a> · <a href="report.json">report.json</a></p>',
        "</div></header>",
        '<main class="wrap">',
        _headline(doc),
        _dora(doc["dora"]),
        _response(doc["incidents"]),
        _trends(doc),
        _slos(doc.get("slos") or []),
        _tables(doc),
        "</main></body></html>",
    ]
    return "\n".join(part for part in parts if part) + "\n"


def _card(title: str, value: str, note: str = "", tier: str | None = None) -> str:
    badge = f' <span class="tier t-{tier}">{tier}</span>' if tier else ""
    extra = f'<p class="meta">{note}</p>' if note else ""
    return f'<div class="card"><h3>{title}{badge}</h3><p class="big">{value}</p>{extra}</div>'


def _headline(doc: Doc) -> str:
    incidents, security = doc["incidents"], doc.get("security")
    cards = [
        _card("Incidents", str(incidents["count"]), _severities(incidents["by_severity"])),
        _card(
            "Time to resolve (p50)",
            duration(incidents["time_to_resolve"]["p50_minutes"], "minutes"),
            f"p90 {duration(incidents['time_to_resolve']['p90_minutes'], 'minutes')}",
        ),
        _card(
            "Postmortems reviewed",
            f"{incidents['postmortems']['reviewed']} / {incidents['postmortems']['required']}",
        ),
        _card(
            "Action items open",
            str(incidents["action_items"]["open"]),
            f"{incidents['action_items']['overdue']} overdue",
        ),
    ]
    if security:
        cards.append(
            _card(
                "Security SLA compliance",
                percent(security["sla_compliance"]),
                f"{security['open']} open, {security['overdue']} overdue",
            )
        )
    return '<h2>At a glance</h2><div class="grid">' + "".join(cards) + "</div>"


def _severities(counts: Mapping[str, int]) -> str:
    return " · ".join(f"{_t(k)} {v}" for k, v in counts.items() if v) or "none"


def _dora(dora: Doc) -> str:
    tiers = dora["tiers"]
    values = {
        "deployment_frequency": (
            f"{number(dora['deployment_frequency_per_week'])}/week",
            f"{dora['deployments']} deployments",
        ),
        "change_lead_time": (
            duration(dora["change_lead_time"]["p50_hours"], "hours"),
            f"p90 {duration(dora['change_lead_time']['p90_hours'], 'hours')}",
        ),
        "change_failure_rate": (
            percent(dora["change_failure_rate"]),
            f"{dora['failed_deployments']} of {dora['deployments']} deployments",
        ),
        "failed_deployment_recovery_time": (
            duration(dora["failed_deployment_recovery_time"]["p50_hours"], "hours"),
            f"n={dora['failed_deployment_recovery_time']['n']}",
        ),
    }
    cards = [
        _card(DORA_NAMES[key], value, note, tiers[key]) for key, (value, note) in values.items()
    ]
    return (
        '<h2>Delivery (DORA)</h2><div class="grid">'
        + "".join(cards)
        + "</div>"
        + _tier_strip(tiers)
    )


def _tier_strip(tiers: Mapping[str, str | None]) -> str:
    """One row per DORA measure: four cells, the reached tier filled."""
    width, row, label = 600, 26, 190
    cell = (width - label) / len(TIER_ORDER)
    out = [
        f'<svg viewBox="0 0 {width} {row * (len(tiers) + 1)}" role="img" '
        'aria-label="DORA performance tiers">'
    ]
    for index, name in enumerate(TIER_ORDER):
        x = label + index * cell + cell / 2
        out.append(f'<text x="{x:.0f}" y="14" text-anchor="middle">{name}</text>')
    for line, (key, reached) in enumerate(tiers.items(), start=1):
        y = line * row
        out.append(f'<text x="0" y="{y + 16}">{DORA_NAMES[key]}</text>')
        for index, name in enumerate(TIER_ORDER):
            style = f"tier-cell t-{name}" if name == reached else "track"
            fill = _tier_fill(name) if name == reached else ""
            out.append(
                f'<rect class="{style}" x="{label + index * cell + 2:.0f}" y="{y + 2}" '
                f'width="{cell - 4:.0f}" height="{row - 6}" rx="4"{fill}/>'
            )
    out.append("</svg>")
    return '<div class="card" style="margin-top:.75rem">' + "".join(out) + "</div>"


def _tier_fill(name: str) -> str:
    colour = {"elite": "good", "high": "a", "medium": "warn", "low": "bad"}[name]
    return f' style="fill:var(--{colour})"'


def _response(incidents: Doc) -> str:
    """p50 and p90 bars for the time to acknowledge, mitigate and resolve."""
    measures = [
        ("Acknowledge", incidents["time_to_acknowledge"]),
        ("Mitigate", incidents["time_to_mitigate"]),
        ("Resolve", incidents["time_to_resolve"]),
    ]
    highest = max([m.get("p90_minutes") or 0 for _, m in measures] + [1])
    width, label, row = 600, 110, 44
    out = [
        f'<svg viewBox="0 0 {width} {row * len(measures)}" role="img" '
        'aria-label="Incident response percentiles">'
    ]
    for index, (name, stat) in enumerate(measures):
        y = index * row
        out.append(f'<text x="0" y="{y + 22}">{name} (n={stat["n"]})</text>')
        for offset, key, cls in ((4, "p50_minutes", "bar-a"), (22, "p90_minutes", "bar-b")):
            value = stat.get(key)
            span = (width - label - 90) * (value or 0) / highest
            out.append(
                f'<rect class="{cls}" x="{label}" y="{y + offset}" width="{span:.1f}" '
                'height="14" rx="2"/>'
            )
            out.append(
                f'<text x="{label + span + 6:.1f}" y="{y + offset + 11}">'
                f"{key[:3]} {duration(value, 'minutes')}</text>"
            )
    out.append("</svg>")
    legend = '<p class="legend"><i class="bar-a" style="background:var(--a)"></i>p50'
    legend += '<i style="background:var(--b)"></i>p90</p>'
    return '<h2>Incident response</h2><div class="card">' + "".join(out) + legend + "</div>"


def _trends(doc: Doc) -> str:
    """Monthly bars: incidents reported; improvements opened and done."""
    incidents = doc["incidents"]["by_month"]
    improvements = doc["improvements"]
    charts = [
        _months("Incidents by month", [("reported", incidents, "bar-a")]),
        _months(
            "Improvements by month",
            [
                ("opened", improvements["opened_by_month"], "bar-a"),
                ("done", improvements["done_by_month"], "bar-b"),
            ],
        ),
    ]
    return '<h2>Trends</h2><div class="grid">' + "".join(charts) + "</div>"


def _months(title: str, series: Sequence[tuple[str, Mapping[str, int], str]]) -> str:
    months = sorted({month for _, counts, _ in series for month in counts})
    if not months:
        return f'<div class="card"><h3>{title}</h3><p class="meta">nothing in the window</p></div>'
    highest = max(max(counts.values(), default=0) for _, counts, _ in series) or 1
    width, height, base = 300, 140, 120
    slot = width / len(months)
    bar = max(2.0, slot / (len(series) + 1))
    out = [f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="{title}">']
    for index, month in enumerate(months):
        x0 = index * slot + (slot - bar * len(series)) / 2
        for offset, (name, counts, cls) in enumerate(series):
            value = counts.get(month, 0)
            tall = (base - 14) * value / highest
            out.append(
                f'<rect class="{cls}" x="{x0 + offset * bar:.1f}" y="{base - tall:.1f}" '
                f'width="{bar - 1:.1f}" height="{tall:.1f}"><title>{_t(month)} {name}: '
                f"{value}</title></rect>"
            )
            if value:
                out.append(
                    f'<text x="{x0 + offset * bar + bar / 2:.1f}" y="{base - tall - 3:.1f}" '
                    f'text-anchor="middle">{value}</text>'
                )
        out.append(
            f'<text x="{index * slot + slot / 2:.1f}" y="{height - 4}" '
            f'text-anchor="middle">{_t(month[2:])}</text>'
        )
    out.append("</svg>")
    legend = "".join(
        f'<i style="background:var(--{"a" if cls == "bar-a" else "b"})"></i>{name}'
        for name, _, cls in series
    )
    return f'<div class="card"><h3>{title}</h3>{"".join(out)}<p class="legend">{legend}</p></div>'


def _slos(slos: Sequence[Mapping[str, Any]]) -> str:
    if not slos:
        return ""
    cards = []
    for slo in slos:
        name = f"{_t(str(slo['service']))} / {_t(str(slo['name']))}"
        availability = slo.get("availability")
        budget = slo.get("error_budget_remaining")
        shown = "no data" if availability is None else f"{availability:.3f} %"
        left = 0.0 if budget is None else max(0.0, min(1.0, budget))
        cls = "ok" if left > 0.5 else "low" if left > 0 else "out"
        burns = " · ".join(
            f"{k} {number(v)}x" if v is not None else f"{k} -" for k, v in slo["burn_rates"].items()
        )
        fast = ' <span class="tier t-low">fast burn</span>' if slo.get("fast_burn") else ""
        bar = (
            '<svg viewBox="0 0 300 16" role="img" aria-label="error budget remaining">'
            '<rect class="track" x="0" y="2" width="300" height="12" rx="6"/>'
            f'<rect class="{cls}" x="0" y="2" width="{300 * left:.1f}" height="12" rx="6"/>'
            "</svg>"
        )
        cards.append(
            f'<div class="card"><h3>{name}{fast}</h3><p class="big">{shown}</p>'
            f'<p class="meta">objective {slo["objective"]:g} % over {_t(str(slo["window"]))}; '
            f'budget left {percent(budget)}</p>{bar}<p class="meta">burn rate {burns}</p></div>'
        )
    return '<h2>Service level objectives</h2><div class="grid">' + "".join(cards) + "</div>"


def _tables(doc: Doc) -> str:
    out = ["<h2>All measures</h2>"]
    for title, items in rows(doc):
        body = "".join(
            f"<tr><th>{_t(label)}</th><td>{_t(value)}</td></tr>" for label, value in items
        )
        out.append(
            f'<div class="card" style="margin-bottom:.75rem"><h3>{title}</h3>'
            f"<table>{body}</table></div>"
        )
    unknown = doc.get("unknown") or []
    if unknown:
        body = "".join(
            f"<tr><td>{_t(u['record'])}</td><td>{_t(u['metric'])}</td>"
            f"<td>{_t(u['field'])} {_t(u['reason'])}</td></tr>"
            for u in unknown[:500]
        )
        more = (
            f'<p class="meta">and {len(unknown) - 500} more in report.json</p>'
            if len(unknown) > 500
            else ""
        )
        out.append(
            f'<div class="card"><h3>Not counted: {len(unknown)} record(s) a measure could not '
            f"use</h3><table><tr><th>record</th><th>measure</th><th>field</th></tr>{body}"
            f"</table>{more}</div>"
        )
    return "".join(out)
