"""`maintain github sync`: one GitHub event in, the records and issues brought in line.

- `issues`: opened from the incident form -> a record pull request; a
  severity or `status:` label -> the record follows; closed -> resolved (or
  declined when closed as not planned); reopened -> active again.
- `issue_comment`: slash commands from people with triage permission or
  more update the record; others get a polite refusal.
- `pull_request`, `pull_request_review`: the change approval check.

Titles, bodies and comments are data: they are parsed, cleaned and quoted,
never run, never interpolated into a shell or a workflow output. Events
caused by our own identity are ignored, so our label edits do not loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from maintain_repo.engine import incident_edits as edits
from maintain_repo.engine.incidents import (
    INCIDENT_LABEL,
    LABELS,
    Ops,
    record_for_issue,
    record_from_form,
)
from maintain_repo.engine.proposals import Change, Proposal, Refused, edit_record
from maintain_repo.errors import UsageError
from maintain_repo.github.markers import marker
from maintain_repo.model.facts import permission_rank
from maintain_repo.model.timestamps import parse_timestamp
from maintain_repo.report.safe import inert

EVENTS = ("issues", "issue_comment", "pull_request", "pull_request_review")
TRIAGE = permission_rank("triage")


@dataclass(frozen=True)
class Outcome:
    summary: str  # one line for the log and the job summary (no untrusted text)
    failed: bool = False


def sync(
    ops: Ops,
    event: str,
    payload: dict[str, Any],
    now: datetime,
    approve: Callable[[int], Outcome],
) -> Outcome:
    """Act on one event; unknown events and actions are a usage error / a no-op."""
    if event not in EVENTS:
        raise UsageError(f"event {event!r} is not handled (handled: {', '.join(EVENTS)})")
    action = str(payload.get("action") or "")
    if event in ("pull_request", "pull_request_review"):
        number = (payload.get("pull_request") or {}).get("number")
        if not isinstance(number, int):
            raise UsageError(f"the {event} payload has no pull_request.number")
        return approve(number)
    issue = payload.get("issue")
    if not isinstance(issue, dict) or "number" not in issue:
        raise UsageError(f"the {event} payload has no issue")
    if issue.get("pull_request"):
        return Outcome(f"#{issue['number']} is a pull request; nothing to do")
    sender = str((payload.get("sender") or {}).get("login") or "")
    if sender == ops.api.login:
        return Outcome(f"{event}.{action} was caused by maintain itself; nothing to do")
    if event == "issue_comment":
        return _comment(ops, action, issue, payload.get("comment") or {})
    return _issue_event(ops, action, issue, payload, sender, now)


def _issue_event(
    ops: Ops,
    action: str,
    issue: dict[str, Any],
    payload: dict[str, Any],
    sender: str,
    now: datetime,
) -> Outcome:
    number = int(issue["number"])
    labels = [str(label.get("name")) for label in issue.get("labels") or []]
    if INCIDENT_LABEL not in labels:
        return Outcome(f"#{number} is not labelled {INCIDENT_LABEL}; nothing to do")
    actor = edits.Actor(sender, _when(issue.get("updated_at"), now))
    if action == "opened":
        opened = record_from_form(ops, issue)
        return Outcome(f"#{number}: incident {opened.record_id} proposed{_in(opened.proposal)}")
    change: Change | None = None
    try:
        if action == "labeled":
            change = edits.from_label(actor, str((payload.get("label") or {}).get("name")))
        elif action == "closed":
            change = edits.close_issue(actor, issue.get("state_reason") == "not_planned")
        elif action == "reopened":
            change = edits.reopen(actor)
        if change is None:
            return Outcome(f"issues.{action} on #{number}: nothing to do")
        return _apply(ops, number, issue, change)
    except Refused as refusal:
        _reply(ops, number, f"event-{action}-{issue.get('updated_at')}", _refusal(refusal))
        return Outcome(f"#{number}: refused ({action})", failed=True)


def _comment(ops: Ops, action: str, issue: dict[str, Any], comment: dict[str, Any]) -> Outcome:
    number = int(issue["number"])
    user = comment.get("user") or {}
    login = str(user.get("login") or "")
    if action != "created" or user.get("type") == "Bot":
        return Outcome(f"issue_comment.{action} on #{number}: nothing to do")
    parsed = edits.parse_command(str(comment.get("body") or ""))
    if parsed is None:
        return Outcome(f"comment on #{number} is not a command; nothing to do")
    name, argument = parsed
    key = str(comment.get("id"))
    permission = ops.api.permission(login)
    if permission_rank(permission) < TRIAGE:
        _reply(
            ops,
            number,
            key,
            f"Sorry @{inert(login)}: `/{name}` needs triage permission or more on this "
            f"repository, and you have {permission}. Ask someone on the incident team.",
        )
        return Outcome(f"#{number}: /{name} refused (permission {permission})")
    actor = edits.Actor(login, _when(comment.get("created_at"), None))
    try:
        outcome = _apply(ops, number, issue, edits.COMMANDS[name](actor, argument))
    except Refused as refusal:
        _reply(ops, number, key, _refusal(refusal))
        return Outcome(f"#{number}: /{name} refused", failed=True)
    _reply(ops, number, key, f"Done: `/{name}` — {outcome.summary}.")
    return outcome


def _apply(ops: Ops, number: int, issue: dict[str, Any], change: Change) -> Outcome:
    record_id = record_for_issue(ops, number, issue)
    if record_id is None:
        raise Refused(f"issue #{number} has no incident record yet")
    after: dict[str, Any] = {}

    def remembering(data: Any) -> str | None:
        message = change(data)
        after.update(status=data.get("status"), severity=data.get("severity"))
        return message

    def edit(checkout: Path) -> str | None:
        return edit_record(checkout, record_id, remembering)

    proposal = ops.propose(
        record_id,
        edit,
        f"Incident {record_id}: updates from #{number}",
        f"Updates to the incident record {record_id} from #{number}, written by maintain.\n\n"
        + marker("pull", record_id),
    )
    if not proposal.published.changed:
        return Outcome(f"{record_id} already says so")
    current = tuple(str(label.get("name")) for label in issue.get("labels") or [])
    wanted = edits.labels_for(after, current)
    if set(wanted) != set(current):
        ops.api.ensure_labels(LABELS)
        ops.api.edit_issue(number, labels=wanted)
    return Outcome(f"{record_id} updated{_in(proposal)}")


def _reply(ops: Ops, number: int, key: str, text: str) -> None:
    """One answer per triggering comment or event, however often the event is replayed."""
    mark = marker("reply", _safe_key(key))
    ops.api.upsert_comment(number, mark, f"{text}\n\n{mark}")


def _refusal(refusal: Refused) -> str:
    return f"Could not do that: {inert(refusal.message)}"


def _in(proposal: Proposal) -> str:
    pull = proposal.pull
    return f" in pull request #{pull.number}" if pull is not None and pull.number else ""


def _when(text: Any, default: datetime | None) -> datetime:
    try:
        return parse_timestamp(str(text))
    except ValueError:
        if default is None:
            raise UsageError(f"the event has no valid timestamp ({text!r})") from None
        return default


def _safe_key(key: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "-._:" else "-" for c in key)[:100]
    return cleaned if cleaned and cleaned[0].isalnum() else f"k{cleaned}"
