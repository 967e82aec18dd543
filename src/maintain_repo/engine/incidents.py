"""Incidents on GitHub: the issue people work in, the record that is the truth.

`open_incident` creates both: the issue (labels for severity and status, a
hidden marker naming the record) and the record's pull request (the record
names the issue). The record is built and checked first: one that would not
pass `maintain check` (an unknown service) is refused before anything is
written to GitHub. `record_from_form` turns an issue opened from the incident
issue form into a record pull request. Either way a rerun finds what the
first run made (by marker, or by the tracking comment) instead of making it
twice, and a replay changes nothing.

`follow_record` keeps the issue in line with its record: of the labels, it
adds and removes only those maintain owns (the severity and `status:*`),
read fresh from GitHub, so labels people added stay; the status line of an
issue maintain wrote follows the record too.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from maintain_repo.engine.incident_edits import (
    OPEN_STATUSES,
    clean_text,
    owned,
    owned_labels,
)
from maintain_repo.engine.labels import keep_owned
from maintain_repo.engine.proposals import (
    Proposal,
    Refused,
    branch_of,
    preflight,
    propose,
    record_path,
    refuse_invalid,
)
from maintain_repo.errors import UsageError
from maintain_repo.github.api import GitHubApi, IssueRef
from maintain_repo.github.events import Issue
from maintain_repo.github.markers import marker, markers_in, with_marker
from maintain_repo.model.incident import SEVERITIES
from maintain_repo.model.timestamps import format_timestamp, parse_timestamp
from maintain_repo.report.safe import inert
from maintain_repo.store.ids import derived_id, new_id
from maintain_repo.store.repo import RECORDS
from maintain_repo.store.yaml import read_mapping

INCIDENT_LABEL = "incident"
MAINTAIN_LABEL = "maintain"
FORM_TITLE_PREFIX = "[Incident]: "
LABELS: dict[str, tuple[str, str]] = {
    INCIDENT_LABEL: ("d73a4a", "An incident; its record lives in records/incidents/"),
    MAINTAIN_LABEL: ("5319e7", "Opened and kept up to date by maintain"),
    "SEV1": ("b60205", "Incident severity 1: critical"),
    "SEV2": ("d93f0b", "Incident severity 2: major"),
    "SEV3": ("fbca04", "Incident severity 3: minor"),
    "SEV4": ("c2e0c6", "Incident severity 4: low"),
    **{
        f"status:{status}": ("bfd4f2", f"Incident status {status} (from the record)")
        for status in ("triage", "active", "mitigated", "resolved", "closed", "declined")
    },
}
_SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
_TITLE_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


@dataclass(frozen=True)
class Ops:
    """What a GitHub-facing command works with."""

    root: Path  # the ops repository (inside a git clone with `origin`)
    api: GitHubApi
    base: str  # the default branch that record pull requests target
    token: str | None = field(repr=False)
    say: Callable[[str], None]

    def propose(
        self, record_id: str, edit: Callable[[Path], str | None], title: str, body: str
    ) -> Proposal:
        return propose(
            self.root,
            self.api,
            record_id,
            edit,
            base=self.base,
            title=title,
            body=body,
            token=self.token,
            say=self.say,
        )

    def check(self, record_id: str, edit: Callable[[Path], str | None]) -> None:
        """Refuse (`Refused`) unless `edit` makes a record that passes; writes nothing."""
        preflight(self.root, self.api, record_id, edit, base=self.base, token=self.token)


@dataclass(frozen=True)
class Opened:
    record_id: str
    issue: IssueRef
    issue_created: bool
    proposal: Proposal


def open_incident(
    ops: Ops,
    *,
    title: str,
    severity: str,
    services: Sequence[str],
    summary: str | None,
    owner: str,
    now: datetime,
    dedupe_key: str | None = None,
    detection: dict[str, Any] | None = None,
    impact_started_at: datetime | None = None,
    next_step: str | None = None,
) -> Opened:
    """Open (or find again) the incident's issue, and propose its record.

    The record is checked before the first write: a refusal (`Refused`) leaves
    GitHub as it was. `next_step` is a line for the issue while the incident is open
    (what will happen next); it is dropped when the incident is resolved."""
    existing = (
        ops.api.find_issue(marker("incident-key", dedupe_key), INCIDENT_LABEL)
        if dedupe_key
        else None
    )
    found = markers_in(existing.body, "incident") if existing else []
    record_id = found[0] if found else _new_id(now, dedupe_key)
    values: dict[str, Any] = {
        "severity": severity,
        "services": list(services),
        "reported_at": format_timestamp(now),
        "detected_at": format_timestamp(now),
    }
    if impact_started_at is not None:
        values["impact_started_at"] = format_timestamp(impact_started_at)
    if summary:
        values["description"] = clean_text(summary)
    if detection:
        values["detection"] = detection
    ops.check(record_id, _create(record_id, title, owner, now, values))
    ops.api.ensure_labels(LABELS)
    body = issue_body(record_id, severity, services, summary, "triage", next_step)
    if dedupe_key:
        body = with_marker(body, marker("incident-key", dedupe_key))
    issue, created = ops.api.ensure_issue(
        marker("incident", record_id),
        title,
        body,
        sorted({INCIDENT_LABEL, *owned_labels({"severity": severity, "status": "triage"})}),
        MAINTAIN_LABEL,
        assignees=_assignable(ops, owner),
    )
    if issue.number:  # 0: a dry run did not open it
        values["links.github_issue"] = issue.number
    proposal = ops.propose(
        record_id,
        _create(record_id, title, owner, now, values),
        f"Incident {record_id}: {_one_line(title)}",
        _pull_body(record_id, issue.number),
    )
    if issue.number:
        _track(ops, issue.number, record_id, proposal, again=not proposal.published.changed)
        announce_opened(ops, record_id, issue.number, title, severity, services)
    return Opened(record_id, issue, created, proposal)


def _assignable(ops: Ops, owner: str) -> tuple[str, ...]:
    """The owner as the issue's assignee, so GitHub notifies them."""
    if ops.api.dry_run:
        return ()
    return assignees_of(ops.api, owner)[0]


# A GitHub login or org/team, as the schema of `owner` allows.
_HANDLE = re.compile(r"@?([A-Za-z0-9][A-Za-z0-9-]{0,38})(/[A-Za-z0-9][A-Za-z0-9_.-]{0,99})?")


def assignees_of(api: Any, owner: str) -> tuple[tuple[str, ...], str | None]:
    """(assignees, mention) for a record's owner: a login with a role on the repository is
    assigned (GitHub refuses to assign anyone else), a team `org/team` only mentioned."""
    match = _HANDLE.fullmatch(owner)
    if match is None:
        return (), None
    login, team = match.group(1), match.group(2)
    if team:
        return (), f"@{login}{team}"
    assignable = api.permission(login) != "none"
    return ((login,) if assignable else ()), f"@{login}"


def announce_opened(
    ops: Ops, record_id: str, number: int, title: str, severity: str, services: Sequence[str]
) -> None:
    """The notification routes that want it hear of a new incident (once)."""
    from maintain_repo.engine.notify import Event, issue_link, notify_ops

    shown = ", ".join(services) or "no service named yet"
    notify_ops(
        ops,
        Event(
            "incident.opened",
            f"incident.opened:{record_id}",
            number,
            f"Incident {record_id} opened ({severity}): {_one_line(title)}",
            f"{_one_line(title)}\nSeverity: {severity}\nServices: {shown}\n"
            f"Issue: {issue_link(ops.api.repository, number)}",
            severity,
            tuple(services),
        ),
    )


def record_from_form(ops: Ops, issue: Issue) -> Opened:
    """An issue opened from the incident issue form, proposed as an incident record.

    A replayed event finds the record made before and changes nothing; a form whose
    record would not pass `maintain check` is refused (`Refused`) before any write."""
    number = issue.number
    record_id = record_for_issue(ops, number, issue)
    fields = parse_form(issue.body or "")
    title = _title(issue.title)
    if issue.user is None or issue.created_at is None:
        raise UsageError(f"the event's issue #{number} has no author or creation time")
    reporter = issue.user.login
    opened = issue.created_at
    if record_id is None:
        record_id = _new_id(opened, f"issue:{ops.api.repository}#{number}")
    severity = fields.get("severity") or "unknown"
    services = [s for s in re.split(r"[,\s]+", fields.get("services") or "") if _SLUG.match(s)]
    values: dict[str, Any] = {
        "severity": severity if severity in (*SEVERITIES, "unknown") else "unknown",
        "services": sorted(set(services)),
        "links.github_issue": number,
        "reported_at": format_timestamp(opened),
        "roles.reporter": reporter,
        "detection": {"source": "staff"},
    }
    if fields.get("description"):
        values["description"] = clean_text(fields["description"])
    impact = (fields.get("impact") or "").lower()
    if impact in ("yes", "no"):
        values["customer_impact"] = {"impacted": impact == "yes"}
    started = fields.get("started")
    if started and _is_stamp(started):
        values["impact_started_at"] = started
    proposal = ops.propose(
        record_id,
        _create(record_id, title, reporter, opened, values),
        f"Incident {record_id}: {_one_line(title)}",
        _pull_body(record_id, number),
    )
    made = proposal.published.changed
    _track(ops, number, record_id, proposal, again=not made)
    if made:
        follow_record(ops, number, values | {"status": "triage"})
    announce_opened(ops, record_id, number, title, values["severity"], values["services"])
    return Opened(record_id, ops.api.issue(number), False, proposal)


def record_for_issue(ops: Ops, number: int, issue: Issue | None = None) -> str | None:
    """The incident record of issue `number`: by our markers, else by the records' links."""
    if issue is not None and issue.author == ops.api.login:
        found = markers_in(issue.body, "incident")
        if found:
            return found[0]
    for body in ops.api.our_comments(number):
        found = markers_in(body, "record")
        if found:
            return found[0]
    folder = ops.root / RECORDS / "incidents"
    for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
        data = read_mapping(str(path), shown=path.relative_to(ops.root).as_posix())
        links = data.get("links") if data else None
        if isinstance(links, dict) and links.get("github_issue") == number:
            return path.stem
    return None


def follow_record(ops: Ops, number: int, state: Mapping[str, Any]) -> None:
    """Bring issue `number` in line with its record's `state` (severity, status): add and
    remove only the labels maintain owns, and update the status line of an issue
    maintain wrote. Everything else on the issue stays as people left it."""
    issue = ops.api.issue(number)
    keep_owned(ops.api, number, issue.labels, owned_labels(state), owned, LABELS)
    if issue.author == ops.api.login:
        body = refresh_body(issue.body, state)
        if body != issue.body:
            ops.api.edit_issue(number, body=body)


def issue_body(
    record_id: str,
    severity: str,
    services: Sequence[str],
    summary: str | None,
    status: str,
    next_step: str | None = None,
) -> str:
    lines = [
        _status_line(record_id, severity, status),
        "",
        f"**Services:** {', '.join(services) or 'not yet known'}",
        f"**Record:** `records/incidents/{record_id}.yaml` (branch `{branch_of(record_id)}` "
        "until its pull request is merged)",
    ]
    if summary:
        lines += ["", inert(clean_text(summary, 5000))]
    if next_step and status in OPEN_STATUSES:
        lines += ["", f"{_NEXT}{inert(clean_text(next_step, 500))}"]
    lines += ["", COMMAND_HELP]
    return with_marker("\n".join(lines), marker("incident", record_id))


def refresh_body(body: str, state: Mapping[str, Any]) -> str:
    """An issue body maintain wrote (`issue_body`), told the record's state: its status
    line, and no "next" line once the incident is no longer open."""
    found = markers_in(body, "incident")
    if not found:
        return body
    lines = body.split("\n")
    if lines and _STATUS_LINE.match(lines[0]):
        lines[0] = _status_line(found[0], str(state.get("severity")), str(state.get("status")))
    if state.get("status") not in OPEN_STATUSES:
        kept: list[str] = []
        for line in lines:
            if line.startswith(_NEXT):
                if kept and kept[-1] == "":
                    kept.pop()  # the blank line before it
                continue
            kept.append(line)
        lines = kept
    return "\n".join(lines)


def _status_line(record_id: str, severity: str, status: str) -> str:
    return f"**Incident {record_id}** · severity {severity} · status {status}"


_STATUS_LINE = re.compile(r"^\*\*Incident \S+\*\* · severity \S+ · status \S+$")
_NEXT = "**Next:** "


COMMAND_HELP = (
    "Commands (people with triage permission or more): `/ack`, `/mitigate WORKAROUND`, "
    "`/resolve WHAT FIXED IT`, `/severity SEV2`, `/commander @login`, "
    "`/cause CHG-ID WHAT CAUSED IT`, `/note TEXT`."
)


def parse_form(body: str) -> dict[str, str]:
    """The answers of an issue form, by field: GitHub renders them as `### Label` sections."""
    labels = {
        "severity": "severity",
        "affected services": "services",
        "what is happening?": "description",
        "are customers affected?": "impact",
        "impact started at": "started",
    }
    answers: dict[str, str] = {}
    for section in re.split(r"^### ", body.replace("\r\n", "\n"), flags=re.MULTILINE)[1:]:
        heading, _, value = section.partition("\n")
        key = labels.get(heading.strip().lower())
        value = value.strip()
        if key and value and value != "_No response_":
            answers[key] = value
    return answers


def _create(
    record_id: str, title: str, owner: str, now: datetime, values: dict[str, Any]
) -> Callable[[Path], str | None]:
    def edit(checkout: Path) -> str | None:
        from maintain_repo.engine.new import create

        path = record_path(checkout, record_id)
        if path.exists():
            return None  # made by an earlier run
        try:
            create(
                checkout,
                "incident",
                _title(title),
                (),
                owner=owner,
                now=now,
                values={"id": record_id, **values},
            )
        except UsageError as e:
            raise Refused(f"{path.relative_to(checkout).as_posix()}: {e.message}") from None
        refuse_invalid(checkout, path, path.read_text(encoding="utf-8"))
        return f"{record_id}: open incident\n\n{_one_line(title)}"

    return edit


def _track(ops: Ops, number: int, record_id: str, proposal: Proposal, *, again: bool) -> None:
    """One comment on the issue saying which record and pull request track it; `again`
    (the record was there already): only made if it is missing, never rewritten."""
    mark = marker("record", record_id)
    if again and any(mark in body for body in ops.api.our_comments(number)):
        return
    pull = proposal.pull
    where = f"pull request #{pull.number}" if pull and pull.number else "the default branch"
    ops.api.upsert_comment(
        number,
        mark,
        f"Tracked as incident record **{record_id}** ({where}).\n\n{COMMAND_HELP}\n\n" + mark,
    )


def _pull_body(record_id: str, issue: int) -> str:
    return (
        f"The incident record {record_id} for #{issue}, written by maintain.\n\n"
        "Later updates from the issue (slash commands, labels, closing) are added to this "
        "pull request as new commits until it is merged.\n\n" + marker("pull", record_id)
    )


def _new_id(moment: datetime, key: str | None) -> str:
    """An incident id; derived from `key` when given, so reruns agree on it."""
    return new_id("INC", moment) if key is None else derived_id("INC", moment, key)


def _title(text: str) -> str:
    text = text.removeprefix(FORM_TITLE_PREFIX)
    cleaned = _TITLE_CONTROL.sub(" ", text).strip()[:200].rstrip()
    return cleaned or "Incident reported on GitHub"


def _one_line(text: str) -> str:
    return _title(text)[:72]


def _is_stamp(text: str) -> bool:
    try:
        parse_timestamp(text)
    except ValueError:
        return False
    return True
