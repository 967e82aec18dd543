"""What a slash command, a label or closing an issue does to an incident record.

Each edit works on the record's comment-keeping mapping, appends a timeline
entry naming who did it and when, and returns a commit message (None: the
record already says so, nothing to do). Status moves set the timestamps the
lifecycle requires; what only a person can supply (a workaround, a
resolution) must come with the command, or the edit is refused with a hint.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from maintain_repo.engine.proposals import Change, Refused
from maintain_repo.model.incident import SEVERITIES
from maintain_repo.model.timestamps import format_timestamp

SEVERITY_LABELS = {severity: severity for severity in SEVERITIES}
STATUS_PREFIX = "status:"
_LOGIN = re.compile(r"^@?([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


@dataclass(frozen=True)
class Actor:
    login: str
    at: datetime

    @property
    def stamp(self) -> str:
        return format_timestamp(self.at)


def _entry(data: Any, actor: Actor, event: str, text: str | None = None) -> None:
    entry: dict[str, Any] = {"at": actor.stamp, "by": actor.login, "event": event}
    if text:
        entry["text"] = text
    data.setdefault("timeline", []).append(entry)


def _set_once(data: Any, field: str, stamp: str) -> None:
    if not data.get(field):
        data[field] = stamp


def clean_text(text: str, limit: int = 20000) -> str:
    """Untrusted text fit for a Text field: no control characters, bounded."""
    return _CONTROL.sub(" ", text).strip()[:limit]


def _required(text: str, command: str, what: str) -> str:
    cleaned = clean_text(text)
    if not cleaned:
        raise Refused(f"{command} needs {what}: `{command} TEXT`")
    return cleaned


def acknowledge(actor: Actor) -> Change:
    def change(data: Any) -> str | None:
        if data.get("status") != "triage" and data.get("acknowledged_at"):
            return None
        _set_once(data, "acknowledged_at", actor.stamp)
        if data.get("status") == "triage":
            data["status"] = "active"
        _entry(data, actor, "acknowledged")
        return f"{data['id']}: acknowledged by {actor.login}"

    return change


def mitigate(actor: Actor, text: str) -> Change:
    workaround = _required(text, "/mitigate", "the workaround in place")

    def change(data: Any) -> str | None:
        if data.get("status") not in ("triage", "active", "mitigated"):
            raise Refused(f"{data['id']} is {data.get('status')}; only an open incident mitigates")
        _set_once(data, "acknowledged_at", actor.stamp)
        _set_once(data, "mitigated_at", actor.stamp)
        data["workaround"] = workaround
        data["status"] = "mitigated"
        _entry(data, actor, "mitigated", workaround)
        return f"{data['id']}: mitigated by {actor.login}"

    return change


def resolve(actor: Actor, text: str) -> Change:
    resolution = _required(text, "/resolve", "what fixed it")

    def change(data: Any) -> str | None:
        if data.get("status") in ("resolved", "closed", "declined", "duplicate"):
            raise Refused(f"{data['id']} is already {data.get('status')}")
        _set_once(data, "acknowledged_at", actor.stamp)
        data["resolved_at"] = actor.stamp
        data["resolution"] = resolution
        data["status"] = "resolved"
        _entry(data, actor, "resolved", resolution)
        return f"{data['id']}: resolved by {actor.login}"

    return change


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

    return change


def set_commander(actor: Actor, text: str) -> Change:
    match = _LOGIN.match(text.strip())
    if not match:
        raise Refused("`/commander` needs a GitHub login: `/commander @login`")
    login = match.group(1)

    def change(data: Any) -> str | None:
        roles = data.setdefault("roles", {})
        if roles.get("commander") == login:
            return None
        roles["commander"] = login
        _entry(data, actor, "commander_assigned", login)
        return f"{data['id']}: {login} is the incident commander"

    return change


def note(actor: Actor, text: str) -> Change:
    body = _required(text, "/note", "the note")

    def change(data: Any) -> str | None:
        _entry(data, actor, "note", body)
        return f"{data['id']}: note from {actor.login}"

    return change


def close_issue(actor: Actor, not_planned: bool) -> Change:
    """The issue was closed: the incident is resolved (or declined, when not planned)."""

    def change(data: Any) -> str | None:
        if data.get("status") not in ("triage", "active", "mitigated"):
            return None
        if not_planned:
            data.setdefault("resolution", f"Declined: issue closed as not planned by {actor.login}")
            data["status"] = "declined"
            _entry(data, actor, "declined")
            return f"{data['id']}: declined ({actor.login} closed the issue as not planned)"
        _set_once(data, "acknowledged_at", actor.stamp)
        data["resolved_at"] = actor.stamp
        data.setdefault("resolution", f"Resolved: issue closed by {actor.login}")
        data["status"] = "resolved"
        _entry(data, actor, "resolved", "issue closed")
        return f"{data['id']}: resolved ({actor.login} closed the issue)"

    return change


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

    return change


def from_label(actor: Actor, label: str) -> Change | None:
    """The edit a label asks for (a severity or `status:` label); None for other labels."""
    if label in SEVERITY_LABELS:
        return set_severity(actor, label)
    if not label.startswith(STATUS_PREFIX):
        return None
    status = label[len(STATUS_PREFIX) :]
    if status == "active":
        return acknowledge(actor)
    hints = {
        "mitigated": "comment `/mitigate WORKAROUND` instead",
        "resolved": "comment `/resolve WHAT FIXED IT` or close the issue instead",
    }
    raise Refused(
        f"the label {label} cannot set the status alone: "
        + hints.get(status, "this status is set in the record's pull request")
    )


COMMANDS: dict[str, Callable[[Actor, str], Change]] = {
    "ack": lambda actor, _: acknowledge(actor),
    "mitigate": mitigate,
    "resolve": resolve,
    "severity": set_severity,
    "commander": set_commander,
    "note": note,
}


def parse_command(body: str) -> tuple[str, str] | None:
    """(`name`, argument text) of a slash command at the start of a comment, else None."""
    text = body.lstrip()
    match = re.match(r"^/([a-z]+)(?:[ \t]+|\r?\n|$)", text)
    if not match or match.group(1) not in COMMANDS:
        return None
    return match.group(1), text[match.end() :]


def labels_for(data: dict[str, Any], current: tuple[str, ...]) -> list[str]:
    """The issue's labels with its severity and status labels matching the record."""
    kept = [
        name
        for name in current
        if name not in SEVERITY_LABELS and not name.startswith(STATUS_PREFIX)
    ]
    severity = data.get("severity")
    if severity in SEVERITY_LABELS:
        kept.append(SEVERITY_LABELS[severity])
    kept.append(f"{STATUS_PREFIX}{data.get('status')}")
    return sorted(set(kept))
