"""Comments on issues and pull requests (their conversation): list, add, read, edit, delete."""

from __future__ import annotations

from maintain_repo.testing.github.protocol import (
    ApiError,
    Context,
    Reply,
    invalid,
    not_found,
    paginate,
)
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.routes.common import find_issue, parse_time
from maintain_repo.testing.github.state import Comment, node_id


def list_comments(ctx: Context) -> Reply:
    ctx.require("read")
    issue = find_issue(ctx)
    since = parse_time(ctx.request.query.get("since"))
    found = [
        c
        for c in ctx.state.comments.values()
        if c.issue_number == issue.number and (since is None or c.updated_at >= since)
    ]
    return paginate(ctx, sorted(found, key=lambda c: c.id), ctx.view.comment)


def create_comment(ctx: Context) -> Reply:
    ctx.require("read")
    issue = find_issue(ctx)
    text = _body(ctx)
    now = ctx.state.now()
    ident = ctx.state.next_id()
    comment = Comment(ident, node_id("IC", ident), issue.number, ctx.user.login, text, now, now)
    ctx.state.comments[ident] = comment
    issue.updated_at = now
    rendered = ctx.view.comment(comment)
    return Reply(201, rendered, {"location": rendered["url"]})


def get_comment(ctx: Context) -> Reply:
    ctx.require("read")
    return Reply(200, ctx.view.comment(_comment(ctx)))


def update_comment(ctx: Context) -> Reply:
    ctx.require("read")
    comment = _own(ctx, _comment(ctx))
    comment.body = _body(ctx)
    comment.updated_at = ctx.state.now()
    return Reply(200, ctx.view.comment(comment))


def delete_comment(ctx: Context) -> Reply:
    ctx.require("read")
    comment = _own(ctx, _comment(ctx))
    del ctx.state.comments[comment.id]
    return Reply(204)


def _body(ctx: Context) -> str:
    text = ctx.string(ctx.body(), "body", "IssueComment")
    if not text:
        raise invalid("IssueComment", "body", "missing_field")
    return text


def _comment(ctx: Context) -> Comment:
    comment = ctx.state.comments.get(ctx.number("comment_id"))
    if comment is None:
        raise not_found()
    return comment


def _own(ctx: Context, comment: Comment) -> Comment:
    """Authors change their comments; others need write access."""
    if comment.author.lower() != ctx.user.login.lower() and not ctx.can("write"):
        raise ApiError(403, "Must have write access to change another user's comment.")
    return comment


ROUTES = [
    route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments", list_comments),
    route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments", create_comment),
    route("GET", "/repos/{owner}/{repo}/issues/comments/{comment_id}", get_comment),
    route("PATCH", "/repos/{owner}/{repo}/issues/comments/{comment_id}", update_comment),
    route("DELETE", "/repos/{owner}/{repo}/issues/comments/{comment_id}", delete_comment),
]
