"""Probe conditions, checked when the service record is checked.

A condition that does not compile, or names a result its probe type does not
have (`tls.days_remaining` on a tcp probe), is reported at the expression,
not discovered by the first probe run.
"""

from __future__ import annotations

from collections.abc import Iterator

from maintain_repo.model.findings import Finding, Severity
from maintain_repo.model.service import Service
from maintain_repo.policy.cel import PROBE_VARIABLES, CelError, compile_condition

RULE = "probe-condition"


def condition_findings(service: Service, path: str) -> Iterator[Finding]:
    for index, probe in enumerate(service.probes):
        for field in ("condition", "degraded"):
            source = getattr(probe, field)
            if source is None:
                continue
            try:
                compile_condition(source, probe.type)
            except CelError as e:
                names = ", ".join(PROBE_VARIABLES[probe.type])
                where = "" if e.line is None else f" (line {e.line}, column {e.column})"
                yield Finding(
                    RULE,
                    Severity.ERROR,
                    f"probe {probe.name}, {field}: {e.message}{where}; "
                    f"{'an' if probe.type == 'http' else 'a'} {probe.type} probe's "
                    f"conditions can use {names}",
                    path,
                    record=service.id,
                    pointer=("probes", index, field),
                )
