"""Rendering `maintain findings list`: a table for people, JSON for scripts, and SARIF of
the open findings for GitHub code scanning (each finding one result, its fingerprint the
result's, so an alert follows the finding, not the line)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import quote

from maintain_repo import __version__
from maintain_repo.policy.sla import Listed
from maintain_repo.report.safe import printable
from maintain_repo.report.sarif import SCHEMA

# Our severities as SARIF levels, and as GitHub's `security-severity` scores (the middle of
# each band), which code scanning shows as Critical / High / Medium / Low.

# The tool our SARIF names: `maintain findings sync-github` leaves its alerts alone.
TOOL_NAME = "maintain findings"
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SCORES = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0", "info": "0.0"}


def render_table(items: Sequence[Listed], now: datetime) -> str:
    header = f"{'ID':<18} {'STATUS':<15} {'SEVERITY':<9} {'DUE':<21} {'SLA':<9} TITLE"
    lines = [header] if items else []
    for item in items:
        finding, obligation = item.finding, item.obligation
        due = _stamp(obligation.due) if obligation is not None else "-"
        state = obligation.state if obligation is not None else "-"
        lines.append(
            f"{finding.id:<18} {finding.status:<15} {finding.severity:<9} {due:<21} "
            f"{state:<9} {printable(finding.title)}"
        )
    open_items = sum(1 for item in items if item.finding.status == "open")
    overdue = sum(1 for item in items if item.overdue)
    lines.append(
        f"{len(items)} finding{'s' if len(items) != 1 else ''} at {_stamp(now)}: "
        f"{open_items} open, {overdue} past their SLA"
    )
    return "\n".join(lines) + "\n"


def render_json(items: Sequence[Listed], now: datetime) -> str:
    rows = []
    for item in items:
        finding, obligation = item.finding, item.obligation
        rows.append(
            {
                "id": finding.id,
                "path": item.path,
                "status": finding.status,
                "severity": finding.severity,
                "category": finding.category,
                "title": finding.title,
                "tool": finding.tool.name,
                "vulnerability_ids": list(finding.vulnerability_ids),
                "service": finding.service,
                "due": _stamp(obligation.due) if obligation is not None else None,
                "sla_state": obligation.state if obligation is not None else None,
            }
        )
    document = {"now": _stamp(now), "findings": rows}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def render_sarif(items: Sequence[Listed], prefix: str = "") -> str:
    """The open findings as SARIF 2.1.0 (closed ones are left out: code scanning closes
    their alerts)."""
    shown = [item for item in items if item.finding.status == "open"]
    rules: dict[str, dict[str, Any]] = {}
    results = []
    for item in shown:
        finding = item.finding
        rule_id = _rule_id(item)
        if rule_id not in rules:
            rules[rule_id] = {
                "id": rule_id,
                "shortDescription": {"text": finding.title},
                "properties": {"security-severity": SCORES[finding.severity], "tags": ["security"]},
            }
        result: dict[str, Any] = {
            "ruleId": rule_id,
            "level": LEVELS[finding.severity],
            "message": {"text": f"{finding.id}: {finding.title}"},
            "partialFingerprints": {"maintain/finding": finding.fingerprint},
            "properties": {"record": finding.id, "severity": finding.severity},
            "locations": [_location(item, prefix)],
        }
        results.append(result)
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "semanticVersion": __version__,
                "version": __version__,
                "rules": list(rules.values()),
            }
        },
        "results": results,
    }
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rule_id(item: Listed) -> str:
    finding = item.finding
    if finding.vulnerability_ids:
        return finding.vulnerability_ids[0]
    return finding.tool.rule_id or f"{finding.tool.name}/{finding.category}"


def _location(item: Listed, prefix: str) -> dict[str, Any]:
    """Where the finding is: its file and lines, else the manifest of its package, else
    its record (code scanning needs a location in the repository)."""
    location = item.finding.location
    path = item.path
    region: dict[str, int] = {"startLine": 1}
    if location is not None and (location.path or location.manifest):
        path = location.path or location.manifest or path
        if location.path and location.start_line:
            region = {"startLine": location.start_line}
            if location.end_line and location.end_line >= location.start_line:
                region["endLine"] = location.end_line
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": quote(prefix + path.lstrip("/")), "uriBaseId": "%SRCROOT%"},
            "region": region,
        }
    }


def _stamp(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")
