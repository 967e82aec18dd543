"""Findings: what a check reports about the ops repository, and their totals.

A `Finding` is a plain, immutable value. It names the rule that produced it,
a severity, a message, and where it is: a repository-relative path and a
1-based line and column. Rules that know only *which field* is wrong give a
`pointer` (the field's path inside the record); the engine turns pointers
into line and column by re-reading the file, so rules never touch files.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

Pointer = tuple[str | int, ...]


def dotted(pointer: Pointer) -> str:
    """`("timeline", 0, "at")` -> `timeline[0].at`, as messages name fields."""
    out = ""
    for part in pointer:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


class Severity(enum.Enum):
    """How bad a finding is; `error` fails a check, `warning` and `note` inform."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Severity.ERROR: 3, Severity.WARNING: 2, Severity.NOTE: 1}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem at one place."""

    rule: str
    severity: Severity
    message: str
    path: str
    line: int | None = None
    column: int | None = None
    record: str | None = None
    pointer: Pointer | None = None
    # Other files this finding is about (e.g. the target of a broken link);
    # a run limited to some paths keeps findings that involve any of them.
    related: tuple[str, ...] = field(default=())

    def located(self, line: int, column: int) -> Finding:
        return dataclasses.replace(self, line=line, column=column)

    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.path, self.line or 0, self.column or 0, self.rule, self.message)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "record": self.record,
            "pointer": list(self.pointer) if self.pointer is not None else None,
            "related": list(self.related),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Finding:
        """Rebuild a finding from `to_json` output; raises on any malformed field."""
        pointer = data["pointer"]
        related = data["related"]
        line, column, record = data["line"], data["column"], data["record"]
        if not (
            isinstance(data["rule"], str)
            and isinstance(data["message"], str)
            and isinstance(data["path"], str)
            and (line is None or type(line) is int)
            and (column is None or type(column) is int)
            and (record is None or isinstance(record, str))
            and (pointer is None or isinstance(pointer, list))
            and isinstance(related, list)
        ):
            raise ValueError("malformed finding")
        return cls(
            rule=data["rule"],
            severity=Severity(data["severity"]),
            message=data["message"],
            path=data["path"],
            line=line,
            column=column,
            record=record,
            pointer=tuple(_pointer_part(p) for p in pointer) if pointer is not None else None,
            related=tuple(str(p) for p in related),
        )


def _pointer_part(part: object) -> str | int:
    if isinstance(part, str) or type(part) is int:
        return part
    raise ValueError("malformed pointer")


@dataclass(frozen=True, slots=True)
class Summary:
    """Totals of one run, for the last line of a report and its exit code."""

    files: int
    records: int
    errors: int
    warnings: int
    notes: int
    files_with_findings: int
    waived: int = 0
    files_with_errors: int = 0

    @property
    def failed(self) -> int:
        """Files with at least one error that is not waived."""
        return self.files_with_errors

    @property
    def passed(self) -> int:
        """Files without errors (warnings and notes are counted, not failed)."""
        return max(self.files - self.files_with_errors, 0)

    @classmethod
    def of(
        cls, findings: Iterable[Finding], *, files: int, records: int, waived: int = 0
    ) -> Summary:
        counts = dict.fromkeys(Severity, 0)
        paths: set[str] = set()
        failing: set[str] = set()
        for finding in findings:
            counts[finding.severity] += 1
            paths.add(finding.path)
            if finding.severity is Severity.ERROR:
                failing.add(finding.path)
        return cls(
            files=files,
            records=records,
            errors=counts[Severity.ERROR],
            warnings=counts[Severity.WARNING],
            notes=counts[Severity.NOTE],
            files_with_findings=len(paths),
            waived=waived,
            files_with_errors=len(failing),
        )

    def to_json(self) -> dict[str, int]:
        return {
            "files": self.files,
            "records": self.records,
            "passed": self.passed,
            "failed": self.failed,
            "waived": self.waived,
            "errors": self.errors,
            "warnings": self.warnings,
            "notes": self.notes,
            "files_with_findings": self.files_with_findings,
        }


@dataclass(frozen=True, slots=True)
class Report:
    """The result of a check: sorted findings plus their summary."""

    findings: tuple[Finding, ...]
    summary: Summary
    root: str = ""  # the ops repository (absolute)
    # The ops repository relative to the workspace (git work tree or
    # GITHUB_WORKSPACE), e.g. "ops/" in a monorepo: annotations and SARIF
    # name files relative to the workspace.
    prefix: str = ""
    workspace: str = ""
    # Findings a live waiver covers, with the waiver's id: reported, not counted.
    waived: tuple[tuple[Finding, str], ...] = ()

    def failed(self, threshold: Severity = Severity.ERROR) -> bool:
        return any(f.severity.rank >= threshold.rank for f in self.findings)
