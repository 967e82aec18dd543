"""Probe conditions, checked when the service record is checked.

A condition that does not compile, names a result its probe type does not
have (`tls.days_remaining` on a tcp probe), a field that result does not
have (`response.stauts`) or compares values of the wrong types is reported
at the expression, not discovered by the first probe run.

A header read from an environment variable the probe may not send (one the
settings do not declare and not named MAINTAIN_PROBE_...) is reported at its
`headers_from_env` entry; the CI runner's own variables are refused by the
model itself, whatever the settings say.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator

from maintain_repo.model.findings import Finding, Severity
from maintain_repo.model.probe_results import RESULTS
from maintain_repo.model.probes import HttpProbe
from maintain_repo.model.secrets import secret_refusal
from maintain_repo.model.service import Service
from maintain_repo.policy.cel import CelError, compile_condition

RULE = "probe-condition"
_SHAPE = re.compile(r"(?i)recursion|depth")
SECRET_RULE = "probe-secret"  # noqa: S105 (a rule id)

# The variables a probe condition sees, by probe type (each a message of declared fields).
PROBE_VARIABLES: dict[str, tuple[str, ...]] = {
    probe_type: tuple(variables) for probe_type, variables in RESULTS.items()
}


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
    """What the probe type's conditions can read, unless the message lists the fields, or
    is about the expression's shape (nested too deep), where names are no help."""
    if "has no field" in error.message or _SHAPE.search(error.message):
        return ""
    names = ", ".join(PROBE_VARIABLES[probe_type])
    article = "an" if probe_type == "http" else "a"
    return f"; {article} {probe_type} probe's conditions can use {names}"


def secret_findings(service: Service, path: str, declared: Collection[str]) -> Iterator[Finding]:
    """`headers_from_env` entries naming a variable a probe may not send; `declared` is
    Settings `monitoring.secrets`."""
    for index, probe in enumerate(service.probes):
        if not isinstance(probe, HttpProbe):
            continue
        for header, variable in probe.headers_from_env.items():
            refusal = secret_refusal(variable, declared)
            if refusal is not None:
                yield Finding(
                    SECRET_RULE,
                    Severity.ERROR,
                    f"probe {probe.name}, header {header}: {refusal}",
                    path,
                    record=service.id,
                    pointer=("probes", index, "headers_from_env", header),
                )
