"""Rendering `maintain history`: text for people, JSON for scripts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from maintain_repo.model.history import Step
from maintain_repo.report.safe import printable
from maintain_repo.report.sla import PROPOSED


def render_text(record_id: str, steps: Sequence[Step]) -> str:
    lines = [f"{record_id}: {len(steps)} commit{'s' if len(steps) != 1 else ''}"]
    for step in steps:
        v = step.version
        lines.append(
            f"{v.sha[:12]}  {v.date}  {printable(v.author)} <{printable(v.email)}>  "
            f"{printable(v.subject)}"
        )
        note = " (deleted)" if v.content is None else ""
        if v.moved_from is not None:
            note = f" (moved from {printable(v.moved_from)})"
        if v.proposed is not None:
            note += f" [{PROPOSED}: {printable(v.proposed)}]"
        lines.append(f"    {printable(v.path)}{note}")
        if step.unreadable:
            lines.append(f"    ! unreadable: {printable(step.unreadable)}")
        if step.created:
            status = next((c.after for c in step.changes if c.field == "status"), None)
            lines.append(
                f"    + created with {len(step.changes)} fields"
                + (f" (status: {_short(status)})" if status is not None else "")
            )
            continue
        for change in step.changes:
            if change.change == "added":
                lines.append(f"    + {change.field}: {_short(change.after)}")
            elif change.change == "removed":
                lines.append(f"    - {change.field}: {_short(change.before)}")
            else:
                lines.append(
                    f"    ~ {change.field}: {_short(change.before)} -> {_short(change.after)}"
                )
    return "\n".join(lines) + "\n"


def render_json(record_id: str, steps: Sequence[Step]) -> str:
    document = {
        "record": record_id,
        "commits": [
            {
                "sha": s.version.sha,
                "author": s.version.author,
                "email": s.version.email,
                "date": s.version.date,
                "message": s.version.subject,
                "path": s.version.path,
                "deleted": s.version.content is None,
                "moved_from": s.version.moved_from,
                "proposed": s.version.proposed,  # the branch of an open record pull request
                "unreadable": s.unreadable,
                "changes": [
                    {"field": c.field, "change": c.change, "before": c.before, "after": c.after}
                    for c in s.changes
                ],
            }
            for s in steps
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


def _short(value: Any, limit: int = 80) -> str:
    text = printable(json.dumps(value, ensure_ascii=False, default=str))
    return text if len(text) <= limit else text[: limit - 3] + "..."
