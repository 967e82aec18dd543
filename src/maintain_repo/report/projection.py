"""What the report keeps of each record (`engine.report.report_items` caches it): the
fields `report.measures` reads, and nothing else, so a warm report reads little."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# What the measures read of each kind of record: top-level fields, and of a mapping
# field the keys named (`report_items` keeps only these, so a warm report reads little).
FIELDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "incident": {
        "id": None,
        "kind": None,
        "status": None,
        "severity": None,
        "services": None,
        "reported_at": None,
        "impact_started_at": None,
        "acknowledged_at": None,
        "mitigated_at": None,
        "resolved_at": None,
        "problem": None,
        "action_items": None,
        "postmortem": ("status", "reviewed_at"),
        "cause": ("triggering_change",),
    },
    "change": {
        "id": None,
        "kind": None,
        "status": None,
        "type": None,
        "services": None,
        "created_at": None,
        "submitted_at": None,
        "implemented_at": None,
        "outcome": None,
        "caused_incidents": None,
        "approval": ("evaluated_at",),
        "freeze_override": (),
    },
    "improvement": {
        "id": None,
        "kind": None,
        "status": None,
        "services": None,
        "created_at": None,
        "done_at": None,
        "due": None,
        "source": ("kind",),
    },
    "finding": {
        "id": None,
        "kind": None,
        "status": None,
        "severity": None,
        "service": None,
        "first_seen": None,
        "mitigated_at": None,
        "sla": ("due",),
    },
    "service": {"id": None, "kind": None, "status": None, "slos": None},
}


def project(data: Mapping[str, Any]) -> dict[str, Any] | None:
    """The part of a record the measures read (None: not a kind they measure). A mapping
    field kept with no keys (`freeze_override`) says only that it is there."""
    fields = FIELDS.get(data.get("kind"))  # type: ignore[arg-type]
    if fields is None:
        return None
    out: dict[str, Any] = {}
    for name, keys in fields.items():
        if name not in data:
            continue
        value = data[name]
        if keys is not None and isinstance(value, Mapping):
            value = {key: value[key] for key in keys if key in value} if keys else True
        out[name] = value
    return out
