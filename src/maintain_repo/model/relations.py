"""Two-way links between record kinds, as plain data (no models needed).

Each relation is written on both sides: an incident lists its action items,
and each of those improvements names the incident as its source. The field
names here are for messages; models emit references tagged with the relation.
"""

from __future__ import annotations

# relation -> {kind: the field that holds this side of the link}
RELATIONS: dict[str, dict[str, str]] = {
    "action-item": {"incident": "action_items", "improvement": "source.ref"},
    "problem-incident": {"problem": "incidents", "incident": "problem"},
    "caused-incident": {"change": "caused_incidents", "incident": "cause.triggering_change"},
    "finding-waiver": {"finding": "waiver", "waiver": "covers.findings"},
}

# Statuses of a permanent-fix record that count as done, by kind.
FIX_DONE: dict[str, tuple[str, ...]] = {
    "improvement": ("done",),
    "change": ("implemented", "closed"),
}

# Problem statuses that claim the permanent fix is in place.
PROBLEM_FIXED = ("resolved", "closed")
