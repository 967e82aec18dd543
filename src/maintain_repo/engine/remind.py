"""`maintain sla remind`: one issue per breached or at-risk obligation, never two.

Each obligation (an incident to acknowledge, a finding to fix...) has a
marker of its own; the run lists our open and closed reminder issues once,
updates those whose text changed, reopens one whose obligation is late
again, opens the missing ones, and closes (with a comment) every open
reminder whose obligation is no longer late or at risk: met, or gone.

Each reminder reaches its owner: a GitHub login is assigned (when GitHub
would accept the assignment: the login has a role on the repository) and
mentioned, a team (`org/team`) is mentioned, so GitHub notifies them.

An obligation met after its deadline is a breach all the same: its reminder
is closed with a comment saying when it was met and how late, and keeps the
`sla:breached` label, so a search for breaches finds it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from maintain_repo.engine.incidents import LABELS as INCIDENT_LABELS
from maintain_repo.engine.incidents import MAINTAIN_LABEL, Ops, assignees_of
from maintain_repo.engine.labels import keep_owned, owned_match
from maintain_repo.github.api import IssueRef
from maintain_repo.github.markers import marker, markers_in, with_marker
from maintain_repo.model.timestamps import format_timestamp, rough_duration
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
    due = {
        key_of(o): o for o in obligations if o.state in ("breached", "at_risk") and not o.met_late
    }
    late = {key_of(o): o for o in obligations if o.met_late}
    ops.api.ensure_labels(LABELS)
    existing: dict[str, IssueRef] = {}
    for issue in ops.api.our_issues(SLA_LABEL, state="all"):
        for key in markers_in(issue.body, "sla"):
            # The open one wins over an older closed one.
            if key not in existing or existing[key].state == "closed":
                existing[key] = issue
    done = Reminders()
    owners = _Owners(ops)
    for key, obligation in sorted(due.items()):
        _remind(ops, key, obligation, existing.get(key), done, owners)
    for key, issue in sorted(existing.items()):
        if key not in due and issue.state == "open":
            _close(ops, key, issue, late.get(key))
            done.closed.append(issue.number)
    return done


def _close(ops: Ops, key: str, issue: IssueRef, late: Obligation | None) -> None:
    """Close a reminder whose obligation is no longer open: met late (a breach, said so and
    labelled so), or met in time, or gone."""
    if late is not None and late.met_at is not None:
        overdue = rough_duration(late.met_at - late.due)
        what = f"the {late.kind.replace('_', ' ')} of {late.record}"
        happened = (
            f"Never met: {what} did not happen; the record moved on at "
            if late.never
            else f"Met late: {what} was met at "
        )
        text = (
            f"{happened}{format_timestamp(late.met_at)}, {overdue} after it was due "
            f"({format_timestamp(late.due)}). The deadline was breached; this issue keeps the "
            "`sla:breached` label as the record of it.\n\n"
        )
        ops.api.upsert_comment(issue.number, marker("met", key), text + marker("met", key))
        wanted = [SLA_LABEL, MAINTAIN_LABEL, "sla:breached"]
        keep_owned(ops.api, issue.number, issue.labels, wanted, _owned, LABELS)
        ops.api.edit_issue(issue.number, state="closed", state_reason="completed")
        return
    ops.api.upsert_comment(
        issue.number,
        marker("met", key),
        "This obligation is no longer at risk or late (met, or its record changed); "
        f"closing.\n\n{marker('met', key)}",
    )
    ops.api.edit_issue(issue.number, state="closed", state_reason="completed")


class _Owners:
    """Who a reminder is assigned to and whom it mentions, per owner (asked once a run)."""

    def __init__(self, ops: Ops) -> None:
        self.ops = ops
        self.known: dict[str, tuple[tuple[str, ...], str | None]] = {}

    def of(self, owner: str) -> tuple[tuple[str, ...], str | None]:
        """(assignees, mention) for an owner; the mention is `@login` or `@org/team`."""
        if owner not in self.known:
            self.known[owner] = self._resolve(owner)
        return self.known[owner]

    def _resolve(self, owner: str) -> tuple[tuple[str, ...], str | None]:
        return assignees_of(self.ops.api, owner)


def _remind(
    ops: Ops,
    key: str,
    obligation: Obligation,
    issue: IssueRef | None,
    done: Reminders,
    owners: _Owners,
) -> None:
    mark = marker("sla", key)
    title = _title(obligation)
    assignees, mention = owners.of(obligation.owner)
    body = with_marker(_body(obligation, mention), mark)
    labels = [SLA_LABEL, MAINTAIN_LABEL, f"sla:{obligation.state}"]
    if issue is None:
        made, created = ops.api.ensure_issue(mark, title, body, labels, SLA_LABEL, assignees)
        (done.opened if created else done.unchanged).append(made.number)
        _announce(ops, key, obligation, made.number)
        return
    if (issue.title, issue.body.strip(), issue.state) == (
        title,
        body.strip(),
        "open",
    ) and owned_match(issue.labels, labels, _owned):
        done.unchanged.append(issue.number)
        _announce(ops, key, obligation, issue.number)  # one that could not be sent, again
        return
    # Labels people added stay. Assignees are set when the reminder is opened, and then
    # left to people: somebody may have taken it over, or handed it on.
    keep_owned(ops.api, issue.number, issue.labels, labels, _owned, LABELS)
    ops.api.edit_issue(issue.number, title=title, body=body, state="open")
    done.updated.append(issue.number)
    _announce(ops, key, obligation, issue.number)


def _announce(ops: Ops, key: str, obligation: Obligation, number: int) -> None:
    """The notification routes hear of an obligation at risk, then breached (once each);
    a finding's remediation breached is also a finding overdue."""
    from maintain_repo.engine.notify import Event, issue_link, notify_ops

    if not number:
        return  # a dry run opened nothing to keep the receipt on
    what = f"the {obligation.kind.replace('_', ' ')} of {obligation.record}"
    link = issue_link(ops.api.repository, number)
    due = format_timestamp(obligation.due)
    notify_ops(
        ops,
        Event(
            f"sla.{obligation.state}",
            f"sla.{obligation.state}:{key}",
            number,
            f"SLA {obligation.state.replace('_', ' ')}: {what}",
            f"Due {due}. Owner: {obligation.owner}. Issue: {link}",
        ),
    )
    if obligation.kind == "remediation" and obligation.state == "breached":
        notify_ops(
            ops,
            Event(
                "finding.overdue",
                f"finding.overdue:{obligation.record}",
                number,
                f"Finding {obligation.record} is overdue",
                f"Was due {due}. Issue: {link}",
            ),
        )


def _owned(label: str) -> bool:
    """The labels maintain owns on a reminder issue."""
    name = label.lower()
    return name in (SLA_LABEL, MAINTAIN_LABEL) or name.startswith("sla:")


def _title(obligation: Obligation) -> str:
    state = "breached" if obligation.state == "breached" else "at risk"
    what = obligation.kind.replace("_", " ")
    return f"SLA {state}: {what} of {obligation.record}"


def _body(o: Obligation, mention: str | None) -> str:
    due, start = format_timestamp(o.due), format_timestamp(o.start)
    # The owner is named on purpose (GitHub notifies a mentioned login or team); it comes
    # from the record's `owner`, which the schema holds to a login or org/team.
    owner = mention if mention is not None else f"`{inert(o.owner)}`"
    proposed = (
        [f"- Proposed in `{inert(o.proposed)}`: its pull request is not merged yet"]
        if o.proposed
        else []
    )
    return "\n".join(
        [
            f"**{o.kind.replace('_', ' ')}** of **{o.record}** is **{o.state.replace('_', ' ')}**.",
            "",
            f"- Record: `{o.path}` — {inert(o.title)}",
            f"- Owner: {owner}",
            f"- Started: {start}",
            f"- Due: {due} ({inert(o.basis)})",
            *proposed,
            "",
            "maintain updates this issue on every run and closes it once the obligation "
            "is met. To meet it, update the record (see `maintain sla`).",
        ]
    )
