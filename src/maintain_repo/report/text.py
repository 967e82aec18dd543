"""`path:line:col: severity rule-id message`, then a one-line summary."""

from __future__ import annotations

from maintain_repo.model.findings import Report, Summary
from maintain_repo.report.safe import printable


def render(report: Report) -> str:
    lines = [
        f"{printable(f.path)}:{f.line or 1}:{f.column or 1}: {f.severity.value} {f.rule} "
        f"{printable(f.message)}"
        for f in report.findings
    ]
    lines.extend(
        f"{printable(f.path)}:{f.line or 1}:{f.column or 1}: waived {f.rule} "
        f"{printable(f.message)} (waiver {waiver})"
        for f, waiver in report.waived
    )
    lines.append(summary_line(report.summary))
    return "\n".join(lines) + "\n"


def summary_line(summary: Summary) -> str:
    checked = f"{_n(summary.files, 'file')} checked ({_n(summary.records, 'record')})"
    outcome = f"{summary.passed} passed, {summary.failed} failed, {summary.waived} waived"
    counts = [
        _n(count, name)
        for count, name in (
            (summary.errors, "error"),
            (summary.warnings, "warning"),
            (summary.notes, "note"),
        )
        if count
    ]
    return f"{checked}: {outcome}" + (f" ({', '.join(counts)})" if counts else "")


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
