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

    id: ProblemId = Field(
        description=(
            "`PRB-YYYYMMDD-XXXX`: the UTC date and four random Crockford base32 characters, "
            "the same as the file name. `maintain new` makes one."
        )
    )
    kind: Literal["problem"] = Field(description="Always `problem`.")
    status: Status = Field(
        description=(
            "`investigating` -> `known_error` -> `fix_in_progress` -> `resolved` -> `closed`; "
            "back to `investigating` if it returns. Each state requires its fields."
        )
    )
    incidents: UniqueList[IncidentId] = Field(
        [],
        description=(
            "Ids of the incidents (`INC-...`) it caused, each naming this problem back in its "
            "`problem`. Until `resolved`, list one or set `proactive: true`."
        ),
    )
    proactive: bool = Field(
        False,
        description=(
            "`true` for a problem found before it caused any incident; `incidents` may then "
            "stay empty."
        ),
    )
    services: UniqueList[ServiceId] = Field(
        [], description="Slugs of the affected services, e.g. `checkout-api`; each must exist."
    )
    root_cause: Text | None = Field(
        None, description="What is wrong underneath. Required from `known_error` on."
    )
    workaround: Text | None = Field(
        None,
        description=(
            "How to avoid or relieve the impact until the permanent fix. Required from "
            "`known_error` on."
        ),
    )
    known_error_at: Timestamp | None = Field(
        None,
        description=(
            "When the root cause and workaround were known (RFC 3339). Required from "
            "`known_error` on."
        ),
    )
    permanent_fix: UniqueList[FixId] = Field(
        [],
        description=(
            "Ids of the improvements (`IMP-...`) or changes (`CHG-...`) that fix it for good. "
            "Required from `fix_in_progress` on; all must be done (or implemented) to resolve."
        ),
    )
    resolved_at: Timestamp | None = Field(
        None,
        description=(
            "When the problem was resolved, its permanent fix in place (RFC 3339). Required in "
            "`resolved` and `closed`."
        ),
    )
    closed_at: Timestamp | None = Field(
        None, description="When the problem was closed (RFC 3339). Required in `closed`."
    )

    def references(self) -> Iterator[Reference]:
        yield from super().references()
        yield from listed("incidents", self.incidents, "incident", "problem-incident")
        yield from listed("services", self.services, "service")
        for index, fix in enumerate(self.permanent_fix):
            kind = "improvement" if fix.startswith("IMP-") else "change"
            yield Reference(("permanent_fix", index), fix, (kind,))


MODEL = Problem
