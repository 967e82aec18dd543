"""Commits, commit statuses (one by one and combined) and check runs."""

from __future__ import annotations

import re

from maintain_repo.testing.github.gitrepo import GitError
from maintain_repo.testing.github.protocol import ApiError, Context, Reply, invalid, paginate
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.state import Status, node_id

STATES = ("error", "failure", "pending", "success")
_HEX = re.compile(r"^[0-9a-f]{7,40}$")


def resolve(ctx: Context, ref: str, status: int = 422) -> str:
    """The sha a ref names: git's answer, or a seeded branch, or the sha itself (without git)."""
    sha: str | None
    if ctx.git is not None:
        sha = ctx.git.resolve(ref)
    else:
        sha = ctx.state.branches.get(ref) or (ref if _HEX.match(ref) else None)
    if sha is None:
        raise ApiError(status, f"No commit found for SHA: {ref}")
    return sha


def create_status(ctx: Context) -> Reply:
    ctx.require("write")
    sha = resolve(ctx, ctx.params["sha"])
    body = ctx.body()
    state = body.get("state")
    if state not in STATES:
        raise invalid("Status", "state", "missing_field" if state is None else "invalid")
    description = ctx.string(body, "description", "Status")
    if description is not None and len(description) > 140:
        raise invalid(
            "Status", "description", "custom", "description is too long (maximum is 140 characters)"
        )
    target_url = ctx.string(body, "target_url", "Status")
    context = ctx.string(body, "context", "Status") or "default"
    now, ident = ctx.state.now(), ctx.state.next_id()
    status = Status(
        ident,
        node_id("SC", ident),
        sha,
        str(state),
        target_url,
        description,
        context,
        ctx.user.login,
        now,
        now,
    )
    ctx.state.statuses.append(status)
    rendered = ctx.view.status(status)
    return Reply(201, rendered, {"location": rendered["url"]})


def list_statuses(ctx: Context) -> Reply:
    ctx.require("read")
    sha = resolve(ctx, ctx.params["ref"], 404)
    found = [s for s in reversed(ctx.state.statuses) if s.sha == sha]
    return paginate(ctx, found, ctx.view.status)


def combined_status(ctx: Context) -> Reply:
    ctx.require("read")
    sha = resolve(ctx, ctx.params["ref"], 404)
    latest: dict[str, Status] = {}
    for status in reversed(ctx.state.statuses):
        if status.sha == sha:
            latest.setdefault(status.context, status)
    return Reply(200, ctx.view.combined(sha, list(latest.values())))


def check_runs(ctx: Context) -> Reply:
    ctx.require("read")
    sha = resolve(ctx, ctx.params["ref"], 404)
    name = ctx.request.query.get("check_name")
    status = ctx.request.query.get("status")
    found = [
        run
        for run in reversed(ctx.state.check_runs)
        if run.head_sha == sha and name in (None, run.name) and status in (None, run.status)
    ]
    return paginate(
        ctx,
        found,
        ctx.view.check_run,
        lambda runs, total: {"total_count": total, "check_runs": runs},
    )


def get_commit(ctx: Context) -> Reply:
    ctx.require("read")
    sha = resolve(ctx, ctx.params["ref"])
    if ctx.git is None:
        return Reply(200, ctx.view.commit(ctx.view.heads.seeded_commit(sha, None)))
    try:
        return Reply(200, ctx.view.commit(ctx.git.commit(sha)))
    except GitError:
        raise ApiError(422, f"No commit found for SHA: {sha}") from None


ROUTES = [
    route("POST", "/repos/{owner}/{repo}/statuses/{sha}", create_status),
    route("GET", "/repos/{owner}/{repo}/commits/{ref}", get_commit),
    route("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses", list_statuses),
    # GitHub still serves the legacy form, and PyGithub's Commit.get_statuses() uses it.
    route("GET", "/repos/{owner}/{repo}/statuses/{ref}", list_statuses),
    route("GET", "/repos/{owner}/{repo}/commits/{ref}/status", combined_status),
    route("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs", check_runs),
]
