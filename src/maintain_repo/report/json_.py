"""JSON: `{"findings": [...], "summary": {...}}`, stable keys for scripts."""

from __future__ import annotations

import json
from typing import Any

from maintain_repo.model.findings import Finding, Report


def render(report: Report) -> str:
    document = {
        "findings": [_finding(f) for f in report.findings],
        "waived": [_finding(f) | {"waiver": waiver} for f, waiver in report.waived],
        "summary": report.summary.to_json(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _finding(f: Finding) -> dict[str, Any]:
    return {
        "rule": f.rule,
        "severity": f.severity.value,
        "message": f.message,
        "path": f.path,
        "line": f.line,
        "column": f.column,
        "record": f.record,
    }
