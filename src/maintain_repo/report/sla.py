"""Rendering `maintain sla`: a table for people, JSON for scripts and workflows.

An obligation met after its deadline is shown as `breached` with when it was met; one read
from an open record pull request (not merged yet) is marked as proposed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from maintain_repo.policy.sla import LATE_LISTED, Obligation
from maintain_repo.report.safe import printable

PROPOSED = "proposed, pull request not merged"


def render_text(items: Sequence[Obligation], now: datetime) -> str:
    header = f"{'STATE':<9} {'DUE':<21} {'OBLIGATION':<14} {'RECORD':<20} {'OWNER':<20} TITLE"
    lines = [header] if items else []
    lines.extend(
        f"{item.state:<9} {_stamp(item.due):<21} {item.kind:<14} {item.record:<20} "
        f"{printable(item.owner):<20} {printable(item.title)}{_notes(item)}"
        for item in items
    )
    open_items = [i for i in items if not i.met_late]
    late = len(items) - len(open_items)
    counts = {s: sum(1 for i in open_items if i.state == s) for s in ("breached", "at_risk")}
    lines.append(
        f"{len(open_items)} open obligation{'s' if len(open_items) != 1 else ''} at "
        f"{_stamp(now)}: {counts['breached']} breached, {counts['at_risk']} at risk, "
        f"{len(open_items) - counts['breached'] - counts['at_risk']} ok"
        + (f"; {late} met late (breached) in the last {LATE_LISTED.days} days" if late else "")
    )
    return "\n".join(lines) + "\n"


def _notes(item: Obligation) -> str:
    notes = []
    if item.met_at is not None and item.never:
        notes.append(f"never met; ended at {_stamp(item.met_at)}")
    elif item.met_at is not None:
        notes.append(f"met late at {_stamp(item.met_at)}")
    if item.proposed is not None:
        notes.append(f"{PROPOSED}: {printable(item.proposed)}")
    return "".join(f" [{note}]" for note in notes)


def render_json(items: Sequence[Obligation], now: datetime) -> str:
    document = {
        "now": _stamp(now),
        "obligations": [
            {
                "state": i.state,
                "kind": i.kind,
                "record": i.record,
                "path": i.path,
                "title": i.title,
                "owner": i.owner,
                "start": _stamp(i.start),
                "due": _stamp(i.due),
                "basis": i.basis,
                "met_at": _stamp(i.met_at) if i.met_at is not None else None,
                "never_met": i.never,  # met_at is when the record moved past it
                "proposed": i.proposed,  # the branch of an open record pull request
            }
            for i in items
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
