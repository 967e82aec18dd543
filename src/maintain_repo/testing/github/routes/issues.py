"""Issues: list with filters, open, read, edit (title, body, state, labels, assignees),
add assignees."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from maintain_repo.testing.github.protocol import ApiError, Context, Reply, invalid, paginate
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.routes.common import (
    check_state,
    choice,
    find_issue,
    parse_time,
)
from maintain_repo.testing.github.state import Issue, node_id

STATE_REASONS = ("completed", "not_planned", "reopened", "duplicate")


def list_issues(ctx: Context) -> Reply:
    ctx.require("read")
    query = ctx.request.query
    wanted = choice(ctx, "state", ("open", "closed", "all"), "open")
    labels = [name.strip().lower() for name in query.get("labels", "").split(",") if name.strip()]
    creator = (query.get("creator") or "").lower()
    assignee = query.get("assignee") or ""
    since = parse_time(query.get("since"))
    sort = choice(ctx, "sort", ("created", "updated", "comments"), "created")
    direction = choice(ctx, "direction", ("asc", "desc"), "desc")

    def keep(issue: Issue) -> bool:
        have = {name.lower() for name in issue.labels}
        return (
            (wanted == "all" or issue.state == wanted)
            and all(name in have for name in labels)
            and (not creator or issue.author.lower() == creator)
            and _assigned(issue, assignee)
            and (since is None or issue.updated_at >= since)
        )

    found = [i for i in ctx.state.issues.values() if keep(i)]
    found.sort(key=lambda i: (_sort_key(ctx, i, sort), i.number), reverse=direction == "desc")
    return paginate(ctx, found, ctx.view.issue)


def _assigned(issue: Issue, assignee: str) -> bool:
    if assignee == "":
        return True
    if assignee == "*":
        return bool(issue.assignees)
    if assignee == "none":
        return not issue.assignees
    return assignee.lower() in (a.lower() for a in issue.assignees)


def _sort_key(ctx: Context, issue: Issue, sort: str) -> Any:
    if sort == "updated":
        return issue.updated_at
    if sort == "comments":
        return sum(1 for c in ctx.state.comments.values() if c.issue_number == issue.number)
    return issue.created_at


def create_issue(ctx: Context) -> Reply:
    ctx.require("read")
    body = ctx.body()
    title = body.get("title")
    if title is None or title == "":
        raise invalid("Issue", "title", "missing_field")
    if not isinstance(title, str | int):
        raise invalid("Issue", "title", "invalid")
    text = ctx.string(body, "body", "Issue")
    labels = ctx.names(body, "labels", "Issue") or []
    assignees = _assignees(ctx, ctx.names(body, "assignees", "Issue") or [])
    if not ctx.can("triage"):  # GitHub drops them silently for users without push access
        labels, assignees = [], []
    state, now = ctx.state, ctx.state.now()
    ident = state.next_id()
    issue = Issue(
        number=state.next_number(),
        id=ident,
        node_id=node_id("I", ident),
        title=str(title),
        body=text,
        author=ctx.user.login,
        created_at=now,
        updated_at=now,
        labels=dedupe(state.ensure_label(name).name for name in labels),
        assignees=assignees,
    )
    state.issues[issue.number] = issue
    rendered = ctx.view.issue(issue)
    return Reply(201, rendered, {"location": rendered["url"]})


def get_issue(ctx: Context) -> Reply:
    ctx.require("read")
    return Reply(200, ctx.view.issue(find_issue(ctx)))


def update_issue(ctx: Context) -> Reply:
    ctx.require("read")
    issue = find_issue(ctx)
    body = ctx.body()
    own = issue.author.lower() == ctx.user.login.lower()
    if not own and not ctx.can("triage"):
        raise ApiError(403, "Must have triage access to edit an issue you did not open.")
    _edit_text(ctx, issue, body)
    if "state" in body or "state_reason" in body:
        set_state(ctx, issue, body.get("state", issue.state), body.get("state_reason"))
    if ctx.can("triage"):  # otherwise label and assignee changes are silently dropped
        labels = ctx.names(body, "labels", "Issue")
        if labels is not None:
            issue.labels = dedupe(ctx.state.ensure_label(name).name for name in labels)
        assignees = ctx.names(body, "assignees", "Issue")
        if "assignee" in body and assignees is None:
            one = body["assignee"]
            assignees = [one] if isinstance(one, str) else []
        if assignees is not None:
            issue.assignees = _assignees(ctx, assignees)
    issue.updated_at = ctx.state.now()
    return Reply(200, ctx.view.issue(issue))


def add_assignees(ctx: Context) -> Reply:
    """Add assignees, keeping those the issue has; as GitHub, people who cannot be
    assigned (no role on the repository) are left out without an error."""
    ctx.require("read")
    issue = find_issue(ctx)
    logins = ctx.names(ctx.body(), "assignees", "Issue") or []
    if ctx.can("triage"):
        known = [u.login for login in logins if (u := ctx.state.user(login)) is not None]
        issue.assignees = dedupe([*issue.assignees, *known])
        issue.updated_at = ctx.state.now()
    return Reply(201, ctx.view.issue(issue))


def _edit_text(ctx: Context, issue: Issue, body: dict[str, Any]) -> None:
    if "title" in body:
        title = body["title"]
        if title is None or title == "" or not isinstance(title, str | int):
            raise invalid("Issue", "title", "missing_field" if not title else "invalid")
        issue.title = str(title)
    if "body" in body:
        issue.body = ctx.string(body, "body", "Issue")


def set_state(ctx: Context, issue: Issue, state: object, reason: object) -> None:
    """Close or reopen, with GitHub's `state_reason` and `closed_at`/`closed_by`."""
    state = check_state(state, "Issue")
    if reason is not None and reason not in STATE_REASONS:
        raise invalid("Issue", "state_reason", "invalid")
    now = ctx.state.now()
    if state == "closed" and issue.state == "open":
        issue.state, issue.closed_at, issue.closed_by = "closed", now, ctx.user.login
        issue.state_reason = str(reason) if reason is not None else "completed"
    elif state == "open" and issue.state == "closed":
        if issue.pull is not None and issue.pull.merged_at is not None:
            raise invalid("PullRequest", "state", "invalid", "Cannot reopen a merged pull request")
        issue.state, issue.closed_at, issue.closed_by = "open", None, None
        issue.state_reason = "reopened"
    elif reason is not None:
        issue.state_reason = str(reason)


def _assignees(ctx: Context, logins: list[str]) -> list[str]:
    out: list[str] = []
    for login in logins:
        user = ctx.state.user(login)
        if user is None:
            raise invalid("Issue", "assignees", "invalid", f"{login} cannot be assigned")
        out.append(user.login)
    return dedupe(out)


def dedupe(names: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for name in names:
        seen.setdefault(name.lower(), name)
    return list(seen.values())


ROUTES = [
    route("GET", "/repos/{owner}/{repo}/issues", list_issues),
    route("POST", "/repos/{owner}/{repo}/issues", create_issue),
    route("GET", "/repos/{owner}/{repo}/issues/{issue_number}", get_issue),
    route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", update_issue),
    route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/assignees", add_assignees),
]
