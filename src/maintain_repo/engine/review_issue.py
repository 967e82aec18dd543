"""The monthly ops review: one issue a month, "Ops review YYYY-MM", holding the report of
that month as Markdown, opened once and kept up to date by later runs (found again by
its marker, as every issue maintain opens)."""

from __future__ import annotations

from maintain_repo.engine.incidents import LABELS as INCIDENT_LABELS
from maintain_repo.engine.incidents import MAINTAIN_LABEL, Ops
from maintain_repo.github.markers import marker, with_marker

REVIEW_LABEL = "ops-review"
LABELS = {
    REVIEW_LABEL: ("0e8a16", "The monthly ops review, opened by maintain report"),
    MAINTAIN_LABEL: INCIDENT_LABELS[MAINTAIN_LABEL],
}


def publish_review(ops: Ops, month: str, markdown: str) -> str:
    """Open or update the review issue of `month` (YYYY-MM); one line saying which."""
    mark = marker("review", month)
    title = f"Ops review {month}"
    body = with_marker(markdown, mark)
    found = ops.api.find_issue(mark, REVIEW_LABEL)
    if found is None:
        ops.api.ensure_labels(LABELS)
        made, created = ops.api.ensure_issue(
            mark, title, body, [REVIEW_LABEL, MAINTAIN_LABEL], REVIEW_LABEL
        )
        return f"ops review {month}: issue #{made.number} {'opened' if created else 'found'}"
    if found.body.strip() == body.strip() and found.title == title:
        return f"ops review {month}: issue #{found.number} already up to date"
    ops.api.edit_issue(found.number, title=title, body=body)
    return f"ops review {month}: issue #{found.number} updated"
