"""Rendering `maintain sla`: a table for people, JSON for scripts and workflows."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from maintain_repo.policy.sla import Obligation
from maintain_repo.report.safe import printable


def render_text(items: Sequence[Obligation], now: datetime) -> str:
    header = f"{'STATE':<9} {'DUE':<21} {'OBLIGATION':<14} {'RECORD':<20} {'OWNER':<20} TITLE"
    lines = [header] if items else []
    lines.extend(
        f"{item.state:<9} {_stamp(item.due):<21} {item.kind:<14} {item.record:<20} "
        f"{printable(item.owner):<20} {printable(item.title)}"
        for item in items
    )
    counts = {s: sum(1 for i in items if i.state == s) for s in ("breached", "at_risk")}
    lines.append(
        f"{len(items)} open obligation{'s' if len(items) != 1 else ''} at {_stamp(now)}: "
        f"{counts['breached']} breached, {counts['at_risk']} at risk, "
        f"{len(items) - counts['breached'] - counts['at_risk']} ok"
    )
    return "\n".join(lines) + "\n"


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
            }
            for i in items
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")
