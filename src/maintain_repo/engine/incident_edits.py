"""What a slash command, a label or closing an issue does to an incident record.

Each edit works on the record's comment-keeping mapping, appends a timeline
entry naming who did it and when, and returns a commit message (None: the
record already says so, nothing to do). Status moves set the timestamps the
lifecycle requires; what only a person can supply (a workaround, a
resolution) must come with the command, or the edit is refused with a hint.
Only a person acknowledges: maintain resolving an incident whose probe
recovered leaves `acknowledged_at` unset when nobody acknowledged it.

An event is applied at most once: its timeline entry (who, when, what) is
its receipt, so a replayed event finds it and changes nothing (`Replayed`).
An event older than the record's latest entry changes nothing either
(`Stale`): a late or replayed delivery must not rewind what happened since,
and a timeline only goes forward.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from maintain_repo.engine.proposals import Change, Refused
from maintain_repo.errors import MaintainError
from maintain_repo.model.incident import LIFECYCLE as INCIDENT_LIFECYCLE
from maintain_repo.model.incident import SEVERITIES
from maintain_repo.model.timestamps import format_timestamp, parse_timestamp, timestamp_or_none

SEVERITY_LABELS = {severity: severity for severity in SEVERITIES}
STATUS_PREFIX = "status:"
# The labels maintain owns on an incident issue: the severities and `status:` with a
# status an incident has. A team's own `status:needs-info` is theirs.
OWNED = frozenset(
    {name.lower() for name in SEVERITY_LABELS}
    | {f"{STATUS_PREFIX}{status}" for status in INCIDENT_LIFECYCLE.states}
)
OPEN_STATUSES = ("triage", "active", "mitigated")
_LOGIN = re.compile(r"^@?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Actor:
    login: str
    at: datetime
    person: bool = True  # False: a bot (maintain itself); a bot acknowledges nothing
    # The event that acts (`github:comment:1234`), written into the entry: a replay of
    # it finds its entry by this, whatever else happened in the same second.
    source: str | None = None

    @property
    def stamp(self) -> str:
        return format_timestamp(self.at)

    @property
    def handle(self) -> str:
        return handle_of(self.login)


def handle_of(login: str) -> str:
    """A GitHub login as records name people: an app's `name[bot]` is `name`."""
    return login.removesuffix("[bot]") or "maintain"


class Skipped(MaintainError):
    """The event changes nothing, and nothing is written or answered for it."""


class Replayed(Skipped):
    """The record already has this event's entry: it was applied before."""


class Stale(Skipped):
    """The event is older than the record's latest entry: applying it would rewind."""


def _entry(data: Any, actor: Actor, event: str, text: str | None = None) -> None:
    entry: dict[str, Any] = {"at": actor.stamp, "by": actor.handle, "event": event}
    if text:
        entry["text"] = text
    if actor.source:
        entry["source"] = actor.source
    data.setdefault("timeline", []).append(entry)


def _set_once(data: Any, field: str, stamp: str) -> None:
    if not data.get(field):
        data[field] = stamp


def _acknowledged_by(data: Any, actor: Actor) -> None:
    """A person acting on an incident has seen it: that is its acknowledgement."""
    if actor.person:
        _set_once(data, "acknowledged_at", actor.stamp)


def latest_entry(data: Any) -> datetime | None:
    """When the record's timeline last moved (None: it has no dated entry)."""
    timeline = [e for e in data.get("timeline") or [] if isinstance(e, dict)]
    return max(filter(None, (timestamp_or_none(e.get("at")) for e in timeline)), default=None)


def _once(actor: Actor, event: str, change: Change) -> Change:
    """`change`, unless the record has its entry already (`Replayed`) or an entry later
    than the event (`Stale`: the timeline only goes forward)."""
    at = parse_timestamp(actor.stamp)

    def guarded(data: Any) -> str | None:
        timeline = [e for e in data.get("timeline") or [] if isinstance(e, dict)]
        for entry in timeline:
            if _same_event(entry, actor, event, at):
                raise Replayed(f"{data.get('id')}: {event} by {actor.login} at {actor.stamp}")
        latest = latest_entry(data)
        if latest is not None and at < latest:
            raise Stale(
                f"{data.get('id')} changed at {format_timestamp(latest)}, after this event "
                f"({actor.stamp})"
            )
        return change(data)

    return guarded


def _same_event(entry: dict[str, Any], actor: Actor, event: str, at: datetime) -> bool:
    """Whether `entry` was written for this very event: by its source when the event has
    one (a comment's id; a close and a comment in the same second are two events), else
    by who, what and when (maintain's own acts, which have no source)."""
    if actor.source is not None:
        return bool(entry.get("source") == actor.source)
    return (entry.get("by"), entry.get("event")) == (actor.handle, event) and timestamp_or_none(
        entry.get("at")
    ) == at


def clean_text(text: str, limit: int = 20000) -> str:
    """Untrusted text fit for a Text field: no control characters, bounded."""
    return _CONTROL.sub(" ", text).strip()[:limit]


def _required(text: str, command: str, what: str) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise Refused(f"{command} needs {what}: `{command} TEXT`")
    return cleaned


def acknowledge(actor: Actor) -> Change:
    if not actor.person:
        raise Refused(f"{actor.login} is a bot; only a person acknowledges an incident")

    def change(data: Any) -> str | None:
        if data.get("status") != "triage" and data.get("acknowledged_at"):
            return None
        _acknowledged_by(data, actor)
        if data.get("status") == "triage":
            data["status"] = "active"
        _entry(data, actor, "acknowledged")
        return f"{data['id']}: acknowledged by {actor.login}"

    return _once(actor, "acknowledged", change)


def mitigate(actor: Actor, text: str) -> Change:
    workaround = _required(text, "/mitigate", "the workaround in place")

    def change(data: Any) -> str | None:
        if data.get("status") not in OPEN_STATUSES:
            raise Refused(f"{data['id']} is {data.get('status')}; only an open incident mitigates")
        _acknowledged_by(data, actor)
        _set_once(data, "mitigated_at", actor.stamp)
        data["workaround"] = workaround
        data["status"] = "mitigated"
        _entry(data, actor, "mitigated", workaround)
        return f"{data['id']}: mitigated by {actor.login}"

    return _once(actor, "mitigated", change)


def resolve(actor: Actor, text: str) -> Change:
    resolution = _required(text, "/resolve", "what fixed it")

    def change(data: Any) -> str | None:
        if data.get("status") not in OPEN_STATUSES:
            raise Refused(f"{data['id']} is already {data.get('status')}")
        _acknowledged_by(data, actor)
        data["resolved_at"] = actor.stamp
        data["resolution"] = resolution
        data["status"] = "resolved"
        _entry(data, actor, "resolved", resolution)
        return f"{data['id']}: resolved by {actor.login}"

    return _once(actor, "resolved", change)


def set_severity(actor: Actor, text: str) -> Change:
    severity = text.strip().upper()
    if severity not in SEVERITIES:
        raise Refused(
            f"`/severity {clean_text(text, 20)}`: expected one of {', '.join(SEVERITIES)}"
        )

    def change(data: Any) -> str | None:
        before = data.get("severity")
        if before == severity:
            return None
        data["severity"] = severity
        _entry(data, actor, "severity_changed", f"{before} -> {severity}")
        return f"{data['id']}: severity {severity} ({actor.login})"

    return _once(actor, "severity_changed", change)


def commander_of(text: str) -> str | None:
    """The login `/commander` names (None: not a login)."""
    match = _LOGIN.match(text.strip())
    return match.group(1) if match else None


def set_commander(actor: Actor, text: str) -> Change:
    login = commander_of(text)
    if login is None:
        raise Refused("`/commander` needs a GitHub login: `/commander @login`")

    def change(data: Any) -> str | None:
        roles = data.setdefault("roles", {})
        if roles.get("commander") == login:
            return None
        roles["commander"] = login
        _entry(data, actor, "commander_assigned", login)
        return f"{data['id']}: {login} is the incident commander"

    return _once(actor, "commander_assigned", change)


_CAUSE = re.compile(r"^(CHG-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{4})(?=\s|$)\s*(.*)$", re.DOTALL)


def set_cause(actor: Actor, text: str) -> Change:
    """`/cause [CHG-ID] [summary]`: what caused the incident; a change named as the trigger
    lists the incident among the incidents it caused (the record pull request edits both)."""
    match = _CAUSE.match(text.strip())
    trigger = match.group(1) if match else None
    summary = clean_text(match.group(2) if match else text)
    if trigger is None and not summary:
        raise Refused(
            "`/cause` needs the change that triggered it or what caused it: "
            "`/cause CHG-20261201-ABCD summary` or `/cause summary`"
        )

    def change(data: Any) -> str | None:
        cause = data.get("cause")
        if not isinstance(cause, dict):
            data["cause"] = {}
            cause = data["cause"]
        wanted = {"triggering_change": trigger, "summary": summary or None}
        if all(cause.get(k) == v for k, v in wanted.items() if v is not None):
            return None
        named = cause.get("triggering_change")
        if trigger is not None and named and named != trigger:
            raise Refused(
                f"{data.get('id')} names {named} as the change that triggered it; to name "
                f"another, edit the record's pull request (and take the incident out of "
                f"{named}'s caused_incidents there)"
            )
        for key, value in wanted.items():
            if value is not None:
                cause[key] = value
        said = " ".join(part for part in (trigger, summary) if part)
        _entry(data, actor, "cause", said)
        return f"{data['id']}: cause from {actor.login}"

    return _once(actor, "cause", change)


def note(actor: Actor, text: str) -> Change:
    body = _required(text, "/note", "the note")

    def change(data: Any) -> str | None:
        _entry(data, actor, "note", body)
        return f"{data['id']}: note from {actor.login}"

    return _once(actor, "note", change)


def close_issue(actor: Actor, reason: str | None = None) -> Change:
    """The issue was closed: the incident is resolved; declined when the issue was closed
    as not planned or as a duplicate (GitHub's `state_reason`: which incident it duplicates
    is said in the record's pull request, `duplicate_of`)."""
    declined = {"not_planned": "as not planned", "duplicate": "as a duplicate"}.get(reason or "")

    def change(data: Any) -> str | None:
        if data.get("status") not in OPEN_STATUSES:
            return None
        if declined:
            data.setdefault("resolution", f"Declined: issue closed {declined} by {actor.login}")
            data["status"] = "declined"
            _entry(data, actor, "declined")
            return f"{data['id']}: declined ({actor.login} closed the issue {declined})"
        _acknowledged_by(data, actor)
        data["resolved_at"] = actor.stamp
        data.setdefault("resolution", f"Resolved: issue closed by {actor.login}")
        data["status"] = "resolved"
        _entry(data, actor, "resolved", "issue closed")
        return f"{data['id']}: resolved ({actor.login} closed the issue)"

    return _once(actor, "declined" if declined else "resolved", change)


def reopen(actor: Actor) -> Change:
    """The issue was reopened: the incident is active again."""

    def change(data: Any) -> str | None:
        status = data.get("status")
        if status in ("triage", "active"):
            return None
        data["status"] = "active"
        if status not in ("closed", "declined", "duplicate"):
            # A final record may change only its status when it reopens.
            _entry(data, actor, "reopened")
        return f"{data['id']}: reopened by {actor.login}"

    return _once(actor, "reopened", change)


def from_label(actor: Actor, label: str) -> Change | None:
    """The edit a label asks for (a severity or an incident status label); None for other
    labels (a team's own `status:needs-info` included)."""
    if label in SEVERITY_LABELS:
        return set_severity(actor, label)
    if label.lower() not in OWNED or not label.startswith(STATUS_PREFIX):
        return None
    status = label[len(STATUS_PREFIX) :]
    if status == "active":
        return acknowledge(actor)
    hints = {
        "mitigated": "comment `/mitigate WORKAROUND` instead",
        "resolved": "comment `/resolve WHAT FIXED IT` or close the issue instead",
    }

    def change(data: Any) -> str | None:
        if data.get("status") == status:
            return None  # the label agrees with the record
        raise Refused(
            f"the label {label} cannot set the status alone: "
            + hints.get(status, "this status is set in the record's pull request")
        )

    return _once(actor, f"labelled-{status}", change)


COMMANDS: dict[str, Callable[[Actor, str], Change]] = {
    "ack": lambda actor, _: acknowledge(actor),
    "mitigate": mitigate,
    "resolve": resolve,
    "severity": set_severity,
    "commander": set_commander,
    "note": note,
    "cause": set_cause,
}


def parse_command(body: str) -> tuple[str, str] | None:
    """(`name`, argument text) of a slash command at the start of a comment, else None."""
    text = body.lstrip()
    match = re.match(r"^/([a-z]+)(?:[ \t]+|\r?\n|$)", text)
    if not match or match.group(1) not in COMMANDS:
        return None
    return match.group(1), text[match.end() :]


def owned(label: str) -> bool:
    """Whether maintain owns `label` on an incident issue (see OWNED)."""
    return label.lower() in OWNED


def owned_labels(data: Any) -> set[str]:
    """The owned labels an issue shows for a record in this state (severity, status)."""
    wanted = set()
    severity = data.get("severity")
    if severity in SEVERITY_LABELS:
        wanted.add(SEVERITY_LABELS[severity])
    if data.get("status"):
        wanted.add(f"{STATUS_PREFIX}{data.get('status')}")
    return wanted
