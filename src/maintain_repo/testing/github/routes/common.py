"""Helpers the route modules share: finding issues and pulls, parsing times and filters."""

from __future__ import annotations

from datetime import UTC, datetime

from maintain_repo.testing.github.protocol import ApiError, Context, invalid, not_found
from maintain_repo.testing.github.state import Issue


def find_issue(ctx: Context, param: str = "issue_number") -> Issue:
    issue = ctx.state.issues.get(ctx.number(param))
    if issue is None:
        raise not_found()
    return issue


def find_pull(ctx: Context) -> Issue:
    issue = ctx.state.issues.get(ctx.number("pull_number"))
    if issue is None or issue.pull is None:
        raise not_found()
    return issue


def parse_time(text: str | None, field_name: str = "since") -> datetime | None:
    """An ISO 8601 timestamp from the query (422 when it is not one)."""
    if text is None or text == "":
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(
            "Issue", field_name, "invalid", f"{field_name} is not an ISO 8601 timestamp"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def choice(ctx: Context, name: str, allowed: tuple[str, ...], default: str) -> str:
    """A query parameter restricted to some values (422 otherwise, as GitHub answers)."""
    value = ctx.request.query.get(name, default) or default
    if value not in allowed:
        raise invalid(
            "Search" if name == "order" else "Issue",
            name,
            "invalid",
            f"{name} must be one of {allowed}",
        )
    return value


def check_state(value: object, resource: str) -> str:
    if value not in ("open", "closed"):
        raise invalid(resource, "state", "invalid", "state is open or closed")
    assert isinstance(value, str)
    return value


def forbidden(message: str = "Resource not accessible by personal access token") -> ApiError:
    return ApiError(403, message)
