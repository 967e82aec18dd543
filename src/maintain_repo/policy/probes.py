"""Probe conditions, checked when the service record is checked.

A condition that does not compile, names a result its probe type does not
have (`tls.days_remaining` on a tcp probe), a field that result does not
have (`response.stauts`) or compares values of the wrong types is reported
at the expression, not discovered by the first probe run.
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
                where = "" if e.line is None else f" (line {e.line}, column {e.column})"
                yield Finding(
                    RULE,
                    Severity.ERROR,
                    f"probe {probe.name}, {field}: {e.message}{where}{_variables(e, probe.type)}",
                    path,
                    record=service.id,
                    pointer=("probes", index, field),
                )


def _variables(error: CelError, probe_type: str) -> str:
    """What the probe type's conditions can read, unless the message lists the fields."""
    if "has no field" in error.message:
        return ""
    names = ", ".join(PROBE_VARIABLES[probe_type])
    article = "an" if probe_type == "http" else "a"
    return f"; {article} {probe_type} probe's conditions can use {names}"
