"""`maintain sla remind`: one issue per breached or at-risk obligation, never two.

Each obligation (an incident to acknowledge, a finding to fix...) has a
marker of its own; the run lists our open and closed reminder issues once,
updates those whose text changed, reopens one whose obligation is late
again, opens the missing ones, and closes (with a comment) every open
reminder whose obligation is no longer late or at risk: met, or gone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from maintain_repo.engine.incidents import LABELS as INCIDENT_LABELS
from maintain_repo.engine.incidents import MAINTAIN_LABEL, Ops
from maintain_repo.github.api import IssueRef
from maintain_repo.github.markers import marker, markers_in, with_marker
from maintain_repo.model.timestamps import format_timestamp
from maintain_repo.policy.sla import Obligation
from maintain_repo.report.safe import inert

SLA_LABEL = "sla"
LABELS = {
    SLA_LABEL: ("e99695", "A deadline from the SLA policy is at risk or breached"),
    MAINTAIN_LABEL: INCIDENT_LABELS[MAINTAIN_LABEL],
    "sla:breached": ("b60205", "The deadline has passed"),
    "sla:at_risk": ("fbca04", "Most of the time to the deadline has passed"),
}


@dataclass
class Reminders:
    opened: list[int] = field(default_factory=list)
    updated: list[int] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"SLA reminders: {len(self.opened)} opened, {len(self.updated)} updated, "
            f"{len(self.closed)} closed, {len(self.unchanged)} unchanged"
        )


def key_of(obligation: Obligation) -> str:
    return f"{obligation.record}:{obligation.kind}"


def remind(ops: Ops, obligations: Sequence[Obligation]) -> Reminders:
    due = {key_of(o): o for o in obligations if o.state in ("breached", "at_risk")}
    ops.api.ensure_labels(LABELS)
    existing: dict[str, IssueRef] = {}
    for issue in ops.api.our_issues(SLA_LABEL, state="all"):
        for key in markers_in(issue.body, "sla"):
            # The open one wins over an older closed one.
            if key not in existing or existing[key].state == "closed":
                existing[key] = issue
    done = Reminders()
    for key, obligation in sorted(due.items()):
        _remind(ops, key, obligation, existing.get(key), done)
    for key, issue in sorted(existing.items()):
        if key not in due and issue.state == "open":
            ops.api.upsert_comment(
                issue.number,
                marker("met", key),
                "This obligation is no longer at risk or late (met, or its record changed); "
                f"closing.\n\n{marker('met', key)}",
            )
            ops.api.edit_issue(issue.number, state="closed", state_reason="completed")
            done.closed.append(issue.number)
    return done


def _remind(
    ops: Ops, key: str, obligation: Obligation, issue: IssueRef | None, done: Reminders
) -> None:
    mark = marker("sla", key)
    title = _title(obligation)
    body = with_marker(_body(obligation), mark)
    labels = [SLA_LABEL, MAINTAIN_LABEL, f"sla:{obligation.state}"]
    if issue is None:
        made, created = ops.api.ensure_issue(mark, title, body, labels, SLA_LABEL)
        (done.opened if created else done.unchanged).append(made.number)
        return
    if (issue.title, issue.body.strip(), issue.state, set(issue.labels)) == (
        title,
        body.strip(),
        "open",
        set(labels),
    ):
        done.unchanged.append(issue.number)
        return
    ops.api.edit_issue(issue.number, title=title, body=body, state="open", labels=labels)
    done.updated.append(issue.number)


def _title(obligation: Obligation) -> str:
    state = "breached" if obligation.state == "breached" else "at risk"
    what = obligation.kind.replace("_", " ")
    return f"SLA {state}: {what} of {obligation.record}"


def _body(o: Obligation) -> str:
    due, start = format_timestamp(o.due), format_timestamp(o.start)
    return "\n".join(
        [
            f"**{o.kind.replace('_', ' ')}** of **{o.record}** is **{o.state.replace('_', ' ')}**.",
            "",
            f"- Record: `{o.path}` — {inert(o.title)}",
            f"- Owner: `{o.owner}`",
            f"- Started: {start}",
            f"- Due: {due} ({inert(o.basis)})",
            "",
            "maintain updates this issue on every run and closes it once the obligation "
            "is met. To meet it, update the record (see `maintain sla`).",
        ]
    )
