"""GitHub Actions workflow commands: one annotation per finding.

Record text is untrusted: every value is escaped as the runner requires
(https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts),
so a message can never end the annotation early or start a new command.
"""

from __future__ import annotations

from maintain_repo.model.findings import Report, Severity
from maintain_repo.report.safe import printable
from maintain_repo.report.text import summary_line

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def render(report: Report) -> str:
    lines = []
    for f in report.findings:
        properties = ",".join(
            f"{name}={escape_property(str(value))}"
            for name, value in (
                ("file", printable(report.prefix + f.path)),
                ("line", f.line or 1),
                ("col", f.column or 1),
                ("title", f.rule),
            )
        )
        message = escape_data(printable(f.message))
        lines.append(f"::{_COMMAND[f.severity]} {properties}::{message}")
    lines.append(escape_data(summary_line(report.summary)))
    return "\n".join(lines) + "\n"
