"""Field types and the base every record kind shares.

Records are read with YAML 1.2 semantics and timestamps stay text until a
model parses them here, so `2026-03-01T10:02:00Z` in YAML and in JSON mean
the same thing. Models are strict: a number where text belongs, or a field
the schema does not know, is an error rather than a silent coercion.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
)

from maintain_repo.model.facts import Reference
from maintain_repo.model.timestamps import RFC3339, parse_timestamp

# Patterns are written with [0-9] and without look-behind so that Python's
# `re`, ECMAScript (editors, check-jsonschema) and other validators agree.
CROCKFORD = "0-9A-HJKMNP-TV-Z"


class Strict(BaseModel):
    """Base of every model: unknown fields forbidden, no type coercion."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        frozen=True,
        populate_by_name=False,
        use_enum_values=True,
        # Build validators on first use: a pre-commit run that checks one
        # incident should not pay for every model.
        defer_build=True,
    )


Timestamp = Annotated[
    datetime,
    BeforeValidator(parse_timestamp),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": RFC3339}),
]


def record_id_pattern(prefix: str) -> str:
    return rf"^{prefix}-[0-9]{{8}}-[{CROCKFORD}]{{4}}$"


def real_date(value: str) -> str:
    stamp = value.split("-")[1]
    try:
        date(int(stamp[:4]), int(stamp[4:6]), int(stamp[6:]))
    except ValueError:
        raise ValueError(f"{value!r} does not contain a real date (YYYYMMDD)") from None
    return value


IncidentId = Annotated[str, Field(pattern=record_id_pattern("INC")), AfterValidator(real_date)]
ProblemId = Annotated[str, Field(pattern=record_id_pattern("PRB")), AfterValidator(real_date)]
ChangeId = Annotated[str, Field(pattern=record_id_pattern("CHG")), AfterValidator(real_date)]
ImprovementId = Annotated[str, Field(pattern=record_id_pattern("IMP")), AfterValidator(real_date)]
FindingId = Annotated[str, Field(pattern=record_id_pattern("SF")), AfterValidator(real_date)]
WaiverId = Annotated[str, Field(pattern=record_id_pattern("WV")), AfterValidator(real_date)]

SLUG = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
ServiceId = Annotated[str, Field(pattern=SLUG, min_length=2, max_length=63)]
AnyRecordId = Annotated[
    str,
    Field(
        pattern=rf"^(((INC|PRB|CHG|IMP|SF|WV)-[0-9]{{8}}-[{CROCKFORD}]{{4}})|[a-z][a-z0-9]*(-[a-z0-9]+)*)$",
        max_length=63,
    ),
]

# A GitHub login, a team (`org/team`), with an optional leading `@`.
Handle = Annotated[
    str,
    Field(
        pattern=r"^@?[A-Za-z0-9][A-Za-z0-9-]{0,38}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,99})?$",
        max_length=140,
    ),
]
# C0 and C1 controls, DEL, and the Unicode line and paragraph separators.
_CONTROL = r"\u0000-\u001f\u007f-\u009f\u2028\u2029"
TITLE = rf"^[^{_CONTROL}]*[^\s{_CONTROL}]$"
LINE = rf"^[^{_CONTROL}]+$"
Title = Annotated[str, Field(min_length=1, max_length=200, pattern=TITLE)]
Text = Annotated[str, Field(min_length=1, max_length=20000)]
Line = Annotated[str, Field(min_length=1, max_length=500, pattern=LINE)]
Url = Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2000)]
Label = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._/-]{0,49}$")]
Slug = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=50)]
Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{7,64}$")]
PositiveInt = Annotated[int, Field(ge=1)]


def _whole_number(value: object) -> object:
    # Literal[1, 2] would accept True and 2.0 (they compare equal to 1 and 2).
    if type(value) is not int:
        raise ValueError(f"expected a whole number, not {value!r}")
    return value


SchemaVersion = Annotated[Literal[1], BeforeValidator(_whole_number)]
TierNumber = Annotated[Literal[1, 2, 3, 4], BeforeValidator(_whole_number)]

T = TypeVar("T")


def _unique(items: list[T]) -> list[T]:
    seen: list[T] = []
    for item in items:
        if item in seen:
            raise ValueError(f"{item!r} is listed twice")
        seen.append(item)
    return items


# A list whose items must be distinct (`uniqueItems` in the schema).
UniqueList = Annotated[
    list[T], AfterValidator(_unique), Field(json_schema_extra={"uniqueItems": True})
]


# What caused a timeline entry, written by maintain so that a replayed event is known
# (`github:comment:1234567`, `github:issues.closed:20261127T100500Z`).
Source = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.-]*(:[A-Za-z0-9_.-]+)+$", max_length=200)]


class TimelineEntry(Strict):
    """One dated event in a record's life; timelines are append-only."""

    at: Timestamp = Field(
        description=(
            "When it happened: an RFC 3339 timestamp with an offset, e.g. "
            "`2026-03-01T10:02:00Z`. Not before the entry above it, nor in the future."
        )
    )
    by: Handle = Field(description="Who did it: a GitHub login, or a team as `org/team`.")
    event: Slug = Field(
        description=(
            "What happened, as one lowercase word with underscores, e.g. `created`, "
            "`acknowledged`, `note`, `severity_changed`."
        )
    )
    text: Text | None = Field(None, description="Free text about the event: details, numbers.")
    source: Source | None = Field(
        None,
        description=(
            "Written by maintain: the event that made this entry (e.g. "
            "`github:comment:1234567`), so a replayed event is not applied twice."
        ),
    )


class Links(Strict):
    """Where else this record lives: its issue, pull requests, documents."""

    github_issue: PositiveInt | None = Field(
        None, description="Number of the GitHub issue in this repository that tracks the record."
    )
    pull_requests: UniqueList[PositiveInt] = Field(
        [], description="Numbers of pull requests in this repository that belong to the record."
    )
    urls: UniqueList[Url] = Field(
        [], description="Other http(s) links: runbooks, dashboards, documents, tickets."
    )
    related: UniqueList[AnyRecordId] = Field(
        [],
        description=(
            "Ids of related records (e.g. `CHG-20260301-7K2M`) or service slugs; each must exist."
        ),
    )


# Shared fields written after the kind's own fields, timeline last.
TRAILING = ("labels", "links", "timeline")


def listed(
    field: str, targets: list[str], kind: str, relation: str | None = None
) -> Iterator[Reference]:
    """References from each item of a list field (`services`, `action_items`, ...)."""
    for index, target in enumerate(targets):
        yield Reference((field, index), target, (kind,), relation)


class Record(Strict):
    """Fields every record kind shares, in the order they are written."""

    id: str = Field(description="Record id, the same as the file name without `.yaml`.")
    kind: str = Field(description="Kind of record; must match the folder the file is in.")
    schema_version: SchemaVersion = Field(description="Version of the record format: always `1`.")
    title: Title = Field(
        description="Short summary on one line, at most 200 characters, not ending in a space."
    )
    status: str = Field(description="Lifecycle state; each kind has its own states.")
    owner: Handle = Field(
        description=(
            "Who is responsible for the record: a GitHub login, or a team as `org/team`. "
            "Issues maintain opens for it are assigned to or @-mention the owner."
        )
    )
    created_at: Timestamp = Field(
        description=(
            "When the record was created: an RFC 3339 timestamp with an offset, "
            "e.g. `2026-03-01T10:02:00Z`."
        )
    )
    description: Text | None = Field(
        None, description="Longer free text: the context, what happened, what is planned."
    )
    labels: UniqueList[Label] = Field(
        [],
        description=(
            "Free-form tags: lowercase letters, digits, `.`, `_`, `/` and `-`, at most 50 "
            "characters each, each listed once."
        ),
    )
    links: Links = Field(
        Links(),
        description=(
            "Where else the record lives: its GitHub issue, pull requests, URLs, related records."
        ),
    )
    timeline: list[TimelineEntry] = Field(
        [],
        description=(
            "Dated log of what happened, oldest first. Append-only: add entries, never edit "
            "or remove earlier ones."
        ),
    )

    def extra_facts(self) -> dict[str, Any] | None:
        """Kind-specific values the repository-wide stage needs (see RecordFacts.extra)."""
        return None

    def references(self) -> Iterator[Reference]:
        """Every other record this one names, with where it names it."""
        for index, target in enumerate(self.links.related):
            yield Reference(("links", "related", index), target, ())


_EXAMPLE_SUFFIX = "20260301-7K2M"

# Friendly words for the patterns above, used in error messages.
PATTERN_HELP: dict[str, str] = {
    RFC3339: "an RFC 3339 timestamp with an offset, e.g. 2026-03-01T10:02:00Z",
    SLUG: "a lowercase slug like checkout-api",
    r"^[1-9][0-9]{0,5}(m|h|d|w|bd)$": "a duration like 15m, 4h, 5d, 2w or 5bd (business days)",
    r"^@?[A-Za-z0-9][A-Za-z0-9-]{0,38}(/[A-Za-z0-9][A-Za-z0-9_.-]{0,99})?$": (
        "a GitHub login or org/team, e.g. alice or acme/payments"
    ),
    TITLE: "one line of text without control characters, not ending in a space",
    LINE: "one line of text without control characters",
    r"^https?://[^\s]+$": "an http(s) URL",
    r"^[a-z0-9][a-z0-9._/-]{0,49}$": "a lowercase label like customer-facing",
    r"^[a-z][a-z0-9_]*$": "a lowercase word like acknowledged or staging",
    r"^[0-9a-f]{7,64}$": "a git commit sha (hex)",
    **{
        record_id_pattern(prefix): f"{'an' if name[0] in 'aeiou' else 'a'} {name} id like "
        f"{prefix}-{_EXAMPLE_SUFFIX}"
        for prefix, name in (
            ("INC", "incident"),
            ("PRB", "problem"),
            ("CHG", "change"),
            ("IMP", "improvement"),
            ("SF", "security finding"),
            ("WV", "waiver"),
        )
    },
}
