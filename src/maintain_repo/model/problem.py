"""Problem (ITIL): the root cause behind incidents, until a permanent fix."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, Field

from maintain_repo.model.common import (
    CROCKFORD,
    IncidentId,
    ProblemId,
    Record,
    ServiceId,
    Text,
    Timestamp,
    UniqueList,
    listed,
    real_date,
)
from maintain_repo.model.facts import Reference
from maintain_repo.model.lifecycle import Lifecycle, edges, fan, need

FixId = Annotated[
    str, Field(pattern=rf"^(IMP|CHG)-[0-9]{{8}}-[{CROCKFORD}]{{4}}$"), AfterValidator(real_date)
]

_KNOWN = (need("root_cause"), need("workaround"), need("known_error_at"))

# Chains of timestamps that must not go backwards, where present.
ORDER = (("known_error_at", "resolved_at", "closed_at"),)

Status = Literal["investigating", "known_error", "fix_in_progress", "resolved", "closed"]

LIFECYCLE = Lifecycle(
    states=get_args(Status),
    initial="investigating",
    transitions=(
        *edges("investigating", "known_error", "fix_in_progress", "resolved", "closed"),
        *fan("fix_in_progress", "known_error"),
        # The problem came back: investigate again.
        *fan("resolved", "investigating"),
    ),
    requires={
        "investigating": (need("incidents", "proactive"),),
        "known_error": (need("incidents", "proactive"), *_KNOWN),
        "fix_in_progress": (need("incidents", "proactive"), *_KNOWN, need("permanent_fix")),
        "resolved": (*_KNOWN, need("permanent_fix"), need("resolved_at")),
        "closed": (*_KNOWN, need("permanent_fix"), need("resolved_at"), need("closed_at")),
    },
    final=frozenset({"closed"}),
)


class Problem(Record):
    """One root cause, the incidents it caused, its workaround and its fix."""

    id: ProblemId
    kind: Literal["problem"]
    status: Status
    incidents: UniqueList[IncidentId] = []
    proactive: bool = False
    services: UniqueList[ServiceId] = []
    root_cause: Text | None = None
    workaround: Text | None = None
    known_error_at: Timestamp | None = None
    permanent_fix: UniqueList[FixId] = []
    resolved_at: Timestamp | None = None
    closed_at: Timestamp | None = None

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("incidents", self.incidents, "incident", "problem-incident")
        yield from listed("services", self.services, "service")
        for index, fix in enumerate(self.permanent_fix):
            kind = "improvement" if fix.startswith("IMP-") else "change"
            yield Reference(("permanent_fix", index), fix, (kind,))


MODEL = Problem
