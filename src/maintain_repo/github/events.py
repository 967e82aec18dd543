"""Webhook payloads, read at the boundary: the parts maintain uses, typed and checked.

`read_event` turns a payload (as Actions writes it to GITHUB_EVENT_PATH) into
an `Event`; the rest of maintain reads nothing else of it. A field of the
wrong type (`issue.number: "abc"`, labels as strings, `repository` as a
string) is a usage error naming the field, never a crash. Fields maintain
does not read are not looked at, so GitHub adding or changing them breaks
nothing. Values are never echoed in messages: a payload is untrusted text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from maintain_repo.errors import UsageError
from maintain_repo.model.timestamps import parse_timestamp

EVENTS = ("issues", "issue_comment", "pull_request", "pull_request_review")
_PULL_EVENTS = ("pull_request", "pull_request_review")


def _moment(value: object) -> datetime:
    if isinstance(value, str):
        try:
            return parse_timestamp(value)
        except ValueError:
            pass
    raise ValueError("expected an RFC 3339 timestamp")


Moment = Annotated[datetime, BeforeValidator(_moment)]
Number = Annotated[int, Field(ge=1)]


class _Part(BaseModel):
    # strict: "12" is not 12 and 1 is not true; unknown fields are GitHub's business.
    model_config = ConfigDict(strict=True, extra="ignore", frozen=True)


class User(_Part):
    login: str
    type: str = "User"

    @property
    def person(self) -> bool:
        return self.type != "Bot"


class Label(_Part):
    name: str


class Issue(_Part):
    number: Number
    title: str = ""
    body: str | None = None
    user: User | None = None
    labels: list[Label] = []
    state_reason: str | None = None
    created_at: Moment | None = None
    updated_at: Moment | None = None
    pull_request: dict[str, Any] | None = None  # present: the issue is a pull request

    @property
    def label_names(self) -> tuple[str, ...]:
        return tuple(label.name for label in self.labels)

    @property
    def author(self) -> str:
        return self.user.login if self.user else ""


class Comment(_Part):
    id: Number
    body: str | None = None
    user: User | None = None
    created_at: Moment
    updated_at: Moment | None = None


class Repository(_Part):
    default_branch: str | None = None


class PullNumber(_Part):
    number: Number


class _Common(_Part):
    action: str
    sender: User | None = None
    repository: Repository | None = None


class _IssuesPayload(_Common):
    issue: Issue
    label: Label | None = None


class _CommentPayload(_Common):
    issue: Issue
    comment: Comment


class _PullPayload(_Common):
    pull_request: PullNumber


@dataclass(frozen=True)
class Event:
    """One webhook event: its name and the parts of its payload maintain reads."""

    name: str
    action: str
    sender: User | None
    default_branch: str | None
    issue: Issue | None = None
    comment: Comment | None = None
    label: Label | None = None
    pull_number: int | None = None

    @property
    def sender_login(self) -> str:
        return self.sender.login if self.sender else ""


def read_event(name: str, payload: Any) -> Event:
    """The event `name` with `payload`; a UsageError naming the first wrong field."""
    if name not in EVENTS:
        raise UsageError(f"event {name!r} is not handled (handled: {', '.join(EVENTS)})")
    if not isinstance(payload, dict):
        raise UsageError(f"the {name} payload is not a JSON object")
    shape: type[_Common] = (
        _PullPayload
        if name in _PULL_EVENTS
        else _CommentPayload
        if name == "issue_comment"
        else _IssuesPayload
    )
    try:
        read = shape.model_validate(payload)
    except ValidationError as error:
        raise UsageError(f"the {name} payload is not one GitHub sends: {_first(error)}") from None
    branch = read.repository.default_branch if read.repository else None
    event = Event(name, read.action, read.sender, branch)
    if isinstance(read, _PullPayload):
        return replace(event, pull_number=read.pull_request.number)
    if isinstance(read, _CommentPayload):
        return replace(event, issue=read.issue, comment=read.comment)
    assert isinstance(read, _IssuesPayload)
    return replace(event, issue=read.issue, label=read.label)


_SAID = {
    "missing": "missing",
    "int_type": "expected an integer",
    "string_type": "expected a string",
    "list_type": "expected a list",
    "model_type": "expected an object",
    "dict_type": "expected an object",
    "greater_than_equal": "expected a positive integer",
}


def _first(error: ValidationError) -> str:
    """`issue.labels[0].name: Input should be a valid string` (the value is not shown)."""
    problems = error.errors(include_url=False, include_input=False, include_context=False)
    found = problems[0]
    where = ""
    for part in found["loc"]:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    message = _SAID.get(found["type"]) or str(found["msg"]).removeprefix("Value error, ")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return f"{where}: {message}{more}"


def default_branch_of(payload: Mapping[str, Any]) -> str | None:
    """The repository's default branch, as any event's payload says it (None: it does
    not, or not as text)."""
    repository = payload.get("repository")
    default = repository.get("default_branch") if isinstance(repository, dict) else None
    return default if isinstance(default, str) and default else None
