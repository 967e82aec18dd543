"""The report (`report.measures`' document) as text for a terminal and as Markdown for a
job summary (`$GITHUB_STEP_SUMMARY`) or the monthly ops review issue.

Both show the same numbers, from the JSON document alone. Ids and names from records
are untrusted text: shown with control characters escaped in text, and made inert in
Markdown (`safe.markdown`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from maintain_repo.report.safe import markdown, printable

Doc = Mapping[str, Any]


def duration(value: float | None, unit: str) -> str:
    """A percentile in its unit (`minutes`, `hours`, `days`) as a short reading."""
    if value is None:
        return "-"
    minutes = value * {"minutes": 1, "hours": 60, "days": 1440}[unit]
    if minutes < 90:
        return f"{minutes:.0f} min" if minutes >= 1 else f"{minutes * 60:.0f} s"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h"
    return f"{minutes / 1440:.1f} d"


def percent(value: float | None, places: int = 1) -> str:
    return "-" if value is None else f"{100 * value:.{places}f} %"


def number(value: float | None, places: int = 2) -> str:
    return "-" if value is None else f"{value:.{places}f}"


def _spread(stat: Mapping[str, Any], unit: str) -> str:
    n = stat.get("n", 0)
    if not n:
        return "no data"
    return (
        f"p50 {duration(stat.get(f'p50_{unit}'), unit)}, "
        f"p90 {duration(stat.get(f'p90_{unit}'), unit)} (n={n})"
    )


def rows(doc: Doc) -> list[tuple[str, list[tuple[str, str]]]]:
    """The report as sections of (label, value) rows: what both renderings show."""
    incidents, dora = doc["incidents"], doc["dora"]
    changes, improvements = doc["changes"], doc["improvements"]
    tiers = dora["tiers"]
    severity = ", ".join(f"{k} {v}" for k, v in incidents["by_severity"].items() if v) or "none"
    post = incidents["postmortems"]
    actions = incidents["action_items"]
    sections: list[tuple[str, list[tuple[str, str]]]] = [
        (
            "Incidents",
            [
                ("incidents", f"{incidents['count']} ({severity})"),
                ("time to acknowledge", _spread(incidents["time_to_acknowledge"], "minutes")),
                ("time to mitigate", _spread(incidents["time_to_mitigate"], "minutes")),
                ("time to resolve", _spread(incidents["time_to_resolve"], "minutes")),
                (
                    "postmortems",
                    f"{post['reviewed']} of {post['required']} required reviewed; days to "
                    f"review: {_spread(post['days_to_review'], 'days')}",
                ),
                (
                    "action items",
                    f"{actions['open']} open ({actions['overdue']} overdue), "
                    f"{actions['done']} done",
                ),
                ("repeat incidents", str(incidents["repeat"]["count"])),
            ],
        ),
        (
            "Delivery (DORA)",
            [
                (
                    "deployment frequency",
                    f"{number(dora['deployment_frequency_per_week'])} a week "
                    f"({dora['deployments']} deployments) [{_tier(tiers['deployment_frequency'])}]",
                ),
                (
                    "change lead time",
                    f"{_spread(dora['change_lead_time'], 'hours')} "
                    f"[{_tier(tiers['change_lead_time'])}]",
                ),
                (
                    "change failure rate",
                    f"{percent(dora['change_failure_rate'])} ({dora['failed_deployments']} of "
                    f"{dora['deployments']}) [{_tier(tiers['change_failure_rate'])}]",
                ),
                (
                    "failed deployment recovery",
                    f"{_spread(dora['failed_deployment_recovery_time'], 'hours')} "
                    f"[{_tier(tiers['failed_deployment_recovery_time'])}]",
                ),
            ],
        ),
        (
            "Changes",
            [
                (
                    "deployed by type",
                    ", ".join(f"{k} {v}" for k, v in changes["deployed_by_type"].items()) or "none",
                ),
                (
                    "approval compliance",
                    f"{percent(changes['approval_compliance'])} ("
                    f"{changes['approved_before_implemented']} of {changes['needing_approval']} "
                    "approved before implemented)",
                ),
                ("freeze overrides", str(changes["freeze_overrides"])),
                ("rollbacks", str(changes["rollbacks"])),
            ],
        ),
        (
            "Improvements",
            [
                ("opened / done", f"{improvements['opened']} / {improvements['done']}"),
                ("done on time", percent(improvements["on_time"])),
                (
                    "by source",
                    ", ".join(f"{k} {v}" for k, v in improvements["by_source"].items()) or "none",
                ),
            ],
        ),
    ]
    security = doc.get("security")
    if security:
        opened = ", ".join(f"{k} {v}" for k, v in security["open_by_severity"].items() if v)
        remediate = security["time_to_remediate"]
        sections.append(
            (
                "Security",
                [
                    ("open findings", f"{security['open']} ({opened or 'none'})"),
                    ("overdue", str(security["overdue"])),
                    ("SLA compliance", percent(security["sla_compliance"])),
                    *(
                        (f"time to remediate, {name}", _spread(remediate[name], "days"))
                        for name in remediate
                        if remediate[name]["n"]
                    ),
                ],
            )
        )
    slos = doc.get("slos") or []
    if slos:
        sections.append(("SLOs", [(_slo_label(slo), _slo_value(slo)) for slo in slos]))
    return sections


def _tier(name: str | None) -> str:
    return name or "no data"


def _slo_label(slo: Mapping[str, Any]) -> str:
    return f"{slo['service']}/{slo['name']}"


def _slo_value(slo: Mapping[str, Any]) -> str:
    availability = slo.get("availability")
    if availability is None:
        return f"objective {slo['objective']} % over {slo['window']}: no probe data"
    budget = slo.get("error_budget_remaining")
    burns = ", ".join(f"{k} {number(v)}" for k, v in slo["burn_rates"].items())
    fast = " FAST BURN" if slo.get("fast_burn") else ""
    return (
        f"{availability:.3f} % of {slo['objective']} % over {slo['window']}; budget left "
        f"{percent(budget)}; burn {burns}{fast}"
    )


def _heading(doc: Doc) -> str:
    window = doc["window"]
    scope = f" for {printable(doc['service'])}" if doc.get("service") else ""
    return f"Ops report{scope}: {window['since']} to {window['until']} ({window['days']:g} days)"


def render_text(doc: Doc) -> str:
    lines = [_heading(doc)]
    for title, items in rows(doc):
        lines += ["", title]
        width = max(len(label) for label, _ in items)
        lines += [f"  {label:<{width}}  {printable(value)}" for label, value in items]
    unknown = doc.get("unknown") or []
    if unknown:
        lines += ["", f"Not counted ({len(unknown)}): records a measure could not use"]
        lines += [
            f"  {printable(u['record'])}: {u['metric']} ({u['field']} {u['reason']})"
            for u in unknown[:50]
        ]
        if len(unknown) > 50:
            lines.append(f"  ... and {len(unknown) - 50} more (see --format json)")
    return "\n".join(lines) + "\n"


def render_markdown(doc: Doc) -> str:
    """Every cell goes through `safe.markdown`: what a record says (ids, names) is shown
    as written, with no formatting, no mention, no reference and no HTML (so no hidden
    marker either: the review issue is found again by its own)."""
    lines = [f"## {markdown(_heading(doc))}", ""]
    for title, items in rows(doc):
        lines += [f"### {title}", "", "| measure | value |", "|---|---|"]
        lines += [f"| {markdown(label)} | {markdown(value)} |" for label, value in items]
        lines.append("")
    unknown = doc.get("unknown") or []
    if unknown:
        lines += [
            "<details><summary>Not counted: "
            f"{len(unknown)} record(s) a measure could not use</summary>",
            "",
            "| record | measure | field |",
            "|---|---|---|",
        ]
        lines += [
            f"| {markdown(str(u['record']))} | {markdown(u['metric'])} | "
            f"{markdown(u['field'])} {u['reason']} |"
            for u in unknown[:200]
        ]
        lines += ["", "</details>", ""]
    lines.append("Formulas and DORA tiers: see maintain's docs, Reports (State of DevOps 2023).")
    return "\n".join(lines) + "\n"
