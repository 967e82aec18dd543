"""JSON: `{"findings": [...], "summary": {...}}`, stable keys for scripts."""

from __future__ import annotations

import json

from maintain_repo.model.findings import Report


def render(report: Report) -> str:
    document = {
        "findings": [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "message": f.message,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "record": f.record,
            }
            for f in report.findings
        ],
        "summary": report.summary.to_json(),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
