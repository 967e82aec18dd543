"""`maintain github sync`: one GitHub event in, the records and issues brought in line.

- `issues`: opened from the incident form (or labelled `incident` later) ->
  a record pull request; a severity or `status:` label -> the record follows;
  closed -> resolved (or declined when closed as not planned); reopened ->
  active again.
- `issue_comment`: slash commands from people with triage permission or
  more update the record; others get a polite refusal.
- `pull_request`, `pull_request_review`: the change approval check; with
  `--approvals`, a comment on a pull request too (it may approve or veto).

The payload is read through `github.events` (typed; a wrong field is a usage
error). Titles, bodies and comments are data: they are parsed, cleaned and
quoted, never run, never interpolated into a shell or a workflow output.
Events caused by our own identity are ignored, so our label edits do not loop.

What people get wrong (`/severity SEV9`, `/mitigate` without text, a label
that cannot set the status alone) is answered in the issue and the run
succeeds: only maintain's own failures (GitHub, git) turn a run red. An event
is applied once: a replay, or an event older than the record's state, changes
nothing, and the earlier answer stays as it was.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from maintain_repo.engine import incident_edits as edits
from maintain_repo.engine.backlinks import complete
from maintain_repo.engine.incidents import (
    INCIDENT_LABEL,
    Ops,
    assignees_of,
    follow_record,
    record_for_issue,
    record_from_form,
)
from maintain_repo.engine.proposals import Change, Proposal, Refused, edit_record, record_path
from maintain_repo.github.events import Comment, Event, Issue
from maintain_repo.github.markers import marker, markers_in
from maintain_repo.model.pull_facts import permission_rank
from maintain_repo.report.safe import inert

TRIAGE = permission_rank("triage")


@dataclass(frozen=True)
class Outcome:
    summary: str  # one line for the log and the job summary (no untrusted text)
    failed: bool = False


def sync(
    ops: Ops,
    event: Event,
    now: datetime,
    approve: Callable[[int], Outcome],
    *,
    approvals: bool = False,
) -> Outcome:
    """Act on one event; actions we do not handle are a no-op. With `approvals` (the
    approval workflow), only pull requests are judged, a comment on one included (it
    may approve or veto it); issues are left to the incident sync."""
    if event.pull_number is not None:
        return approve(event.pull_number)
    issue = event.issue
    assert issue is not None  # read_event gives every issues/issue_comment event its issue
    if issue.pull_request is not None:
        if approvals and event.comment is not None:
            return approve(issue.number)
        return Outcome(f"#{issue.number} is a pull request; nothing to do")
    if approvals:
        return Outcome(f"#{issue.number} is an issue: the incident sync acts on it")
    if event.sender_login == ops.api.login:
        return Outcome(f"{event.name}.{event.action} was caused by maintain itself; nothing to do")
    if INCIDENT_LABEL in issue.label_names:
        _catch_up(ops, issue, event, now)
    if event.comment is not None:
        return _comment(ops, event.action, issue, event.comment)
    return _issue_event(ops, event, issue, now)


def _catch_up(ops: Ops, issue: Issue, event: Event, now: datetime) -> None:
    """Answer the commands on the issue that no run answered, oldest first, before this
    event: Actions keeps one pending run per issue and cancels it when a newer event
    queues, so in a burst of commands some runs never start. Answered commands (a reply
    marks each) are left alone, so this converges and a replay changes nothing."""
    # Before this event: an earlier comment (ids order comments of one second), or any
    # comment up to an issue event's second.
    until: tuple[datetime, float] = (
        (event.comment.created_at, event.comment.id)
        if event.comment is not None
        else (issue.updated_at or now, float("inf"))
    )
    waiting = [
        comment
        for comment in ops.api.comments(issue.number)
        if (comment.created_at, comment.id) < until
        and comment.user is not None
        and comment.user.person
        and comment.user.login != ops.api.login
        and edits.parse_command(comment.body or "") is not None
    ]
    if not waiting:
        return
    answered = {
        key for body in ops.api.our_comments(issue.number) for key in markers_in(body, "reply")
    }
    for comment in sorted(waiting, key=lambda c: (c.created_at, c.id)):
        if _safe_key(str(comment.id)) in answered:
            continue
        outcome = _comment(ops, "created", issue, comment)
        late = f"#{issue.number}: a command no run had answered (comment {comment.id})"
        ops.say(f"{late}: {outcome.summary}")


def _issue_event(ops: Ops, event: Event, issue: Issue, now: datetime) -> Outcome:
    number, action = issue.number, event.action
    if INCIDENT_LABEL not in issue.label_names:
        return Outcome(f"#{number} is not labelled {INCIDENT_LABEL}; nothing to do")
    person = event.sender.person if event.sender else True
    label = event.label.name if event.label else ""
    at = issue.updated_at or now
    actor = edits.Actor(event.sender_login, at, person, _issue_source(action, label, at))
    key = f"event-{action}-{label}-{actor.stamp}"
    try:
        if action == "opened" or (action == "labeled" and label == INCIDENT_LABEL):
            opened = record_from_form(ops, issue)
            return Outcome(f"#{number}: incident {opened.record_id} proposed{_in(opened.proposal)}")
        change: Change | None = None
        if action == "labeled":
            change = edits.from_label(actor, label)
        elif action == "closed":
            change = edits.close_issue(actor, issue.state_reason)
        elif action == "reopened":
            change = edits.reopen(actor)
        if change is None:
            return Outcome(f"issues.{action} on #{number}: nothing to do")
        return _apply(ops, number, issue, change)
    except edits.Skipped as skipped:
        return Outcome(f"#{number}: issues.{action} changes nothing ({_kind(skipped)})")
    except Refused as refusal:
        text = _refusal(refusal)
        if action == "opened" or label == INCIDENT_LABEL:
            text += (
                f"\n\nEdit the issue, then remove the `{INCIDENT_LABEL}` label and add it again"
                " to try again."
            )
        _reply(ops, number, key, text)
        return Outcome(f"#{number}: issues.{action} refused; answered on the issue")


def _comment(ops: Ops, action: str, issue: Issue, comment: Comment) -> Outcome:
    number = issue.number
    user = comment.user
    if action != "created" or user is None or not user.person:
        return Outcome(f"issue_comment.{action} on #{number}: nothing to do")
    parsed = edits.parse_command(comment.body or "")
    if parsed is None:
        return Outcome(f"comment on #{number} is not a command; nothing to do")
    name, argument = parsed
    key = str(comment.id)
    if _answered(ops, number, key):
        return Outcome(f"#{number}: /{name} of comment {key} was answered before; nothing to do")
    permission = ops.api.permission(user.login)
    if permission_rank(permission) < TRIAGE:
        _reply(
            ops,
            number,
            key,
            f"Sorry @{inert(user.login)}: `/{name}` needs triage permission or more on this "
            f"repository, and you have {permission}. Ask someone on the incident team.",
        )
        return Outcome(f"#{number}: /{name} refused (permission {permission})")
    actor = edits.Actor(user.login, comment.created_at, source=f"github:comment:{comment.id}")
    try:
        outcome = _apply(
            ops, number, issue, edits.COMMANDS[name](actor, argument), links=name == "cause"
        )
    except edits.Replayed:
        # Applied by an earlier run that stopped before it answered.
        _reply(ops, number, key, f"Done: `/{name}`.")
        return Outcome(f"#{number}: /{name} was applied before; nothing to do")
    except edits.Stale as stale:
        _reply(
            ops,
            number,
            key,
            f"Not applied: {inert(stale.message)}. If `/{name}` still holds, comment it again.",
        )
        return Outcome(f"#{number}: /{name} is older than the record; not applied")
    except Refused as refusal:
        _reply(ops, number, key, _refusal(refusal))
        return Outcome(f"#{number}: /{name} refused; answered on the issue")
    if name == "commander":
        _assign_commander(ops, number, argument)
    _reply(ops, number, key, f"Done: `/{name}` — {outcome.summary}.")
    return outcome


def _assign_commander(ops: Ops, number: int, argument: str) -> None:
    """The commander is assigned to the incident's issue too, so GitHub notifies them
    (a login with a role on the repository: GitHub assigns nobody else)."""
    login = edits.commander_of(argument)
    if login is None:
        return
    assignees, _ = assignees_of(ops.api, login)
    if assignees:
        ops.api.add_assignees(number, assignees)


def _apply(ops: Ops, number: int, issue: Issue, change: Change, *, links: bool = False) -> Outcome:
    """Propose `change` to the issue's record, then bring the issue's owned labels (and
    status line) in line with the record. A refused change still corrects the labels: a
    label that cannot set the status goes, the record's labels stay. With `links` (the
    change sets what the record links to), the other sides of its two-way links are
    written in the same pull request."""
    record_id = record_for_issue(ops, number, issue)
    if record_id is None:
        raise Refused(f"issue #{number} has no incident record yet")
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}

    services: list[str] = []

    def remembering(data: Any) -> str | None:
        before.update(status=data.get("status"), severity=data.get("severity"))
        message = change(data)
        after.update(status=data.get("status"), severity=data.get("severity"))
        listed = data.get("services")
        services[:] = [s for s in listed if isinstance(s, str)] if isinstance(listed, list) else []
        return message

    def edit(checkout: Path) -> str | None:
        message = edit_record(checkout, record_id, remembering)
        if not links:
            return message
        # Its two-way links, both sides in the same pull request (a triggering change
        # lists the incident among those it caused).
        written = complete(
            checkout, [record_path(checkout, record_id).relative_to(checkout).as_posix()]
        )
        if written:
            message = (message or f"{record_id}: its two-way links") + "".join(
                f"\n\n{backlink}" for backlink in written
            )
        return message

    try:
        proposal = ops.propose(
            record_id,
            edit,
            f"Incident {record_id}: updates from #{number}",
            f"Updates to the incident record {record_id} from #{number}, written by maintain."
            "\n\n" + marker("pull", record_id),
        )
    except Refused:
        if before:  # the record as it stays
            follow_record(ops, number, before)
        raise
    if after:
        follow_record(ops, number, after)
        _announce(ops, number, record_id, before, after, tuple(services))
    if not proposal.published.changed:
        return Outcome(f"{record_id} already says so")
    return Outcome(f"{record_id} updated{_in(proposal)}")


def _announce(
    ops: Ops,
    number: int,
    record_id: str,
    before: dict[str, Any],
    after: dict[str, Any],
    services: tuple[str, ...],
) -> None:
    """Tell the notification routes an incident was resolved or changed severity (once
    each: the resolution, the move to each severity)."""
    from maintain_repo.engine.notify import Event, issue_link, notify_ops

    link = issue_link(ops.api.repository, number)
    severity = str(after.get("severity") or "unknown")
    if after.get("status") == "resolved" and before.get("status") != "resolved":
        notify_ops(
            ops,
            Event(
                "incident.resolved",
                f"incident.resolved:{record_id}",
                number,
                f"Incident {record_id} resolved",
                f"Issue: {link}",
                severity,
                services,
            ),
        )
    if before.get("severity") and after.get("severity") != before.get("severity"):
        notify_ops(
            ops,
            Event(
                "incident.severity_changed",
                f"incident.severity:{record_id}:{severity}",
                number,
                f"Incident {record_id} is now {severity}",
                f"Was {before.get('severity')}. Issue: {link}",
                severity,
                services,
            ),
        )


def _answered(ops: Ops, number: int, key: str) -> bool:
    mark = marker("reply", _safe_key(key))
    return any(mark in body for body in ops.api.our_comments(number))


def _issue_source(action: str, label: str, at: datetime) -> str:
    """An issue event's identity: what happened, to which label, at which second (the
    payload of an issues event carries no id of its own)."""
    stamp = at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    named = f":{hashlib.sha256(label.encode()).hexdigest()[:12]}" if label else ""
    return f"github:issues.{action}:{stamp}{named}"


def _reply(ops: Ops, number: int, key: str, text: str) -> None:
    """One answer per triggering comment or event, however often the event is replayed."""
    mark = marker("reply", _safe_key(key))
    ops.api.upsert_comment(number, mark, f"{text}\n\n{mark}")


def _refusal(refusal: Refused) -> str:
    return f"Could not do that: {inert(refusal.message)}"


def _kind(skipped: edits.Skipped) -> str:
    return "applied before" if isinstance(skipped, edits.Replayed) else "older than the record"


def _in(proposal: Proposal) -> str:
    pull = proposal.pull
    return f" in pull request #{pull.number}" if pull is not None and pull.number else ""


def _safe_key(key: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-._:" else "-" for c in key)[:100]
    return cleaned if cleaned and cleaned[0].isalnum() else f"k{cleaned}"
