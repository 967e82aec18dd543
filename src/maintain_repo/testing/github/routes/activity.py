"""The repository's activity: pushes, force pushes, branches made and deleted, newest
first, filtered by `ref` (a branch name or `refs/heads/NAME`) and `activity_type`.
"""

from __future__ import annotations

from maintain_repo.testing.github.protocol import Context, Reply, paginate
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.routes.common import choice

TYPES = ("push", "force_push", "branch_creation", "branch_deletion", "pr_merge")


def list_activity(ctx: Context) -> Reply:
    ctx.require("read")
    query = ctx.request.query
    ref = query.get("ref") or ""
    if ref and not ref.startswith("refs/"):
        ref = f"refs/heads/{ref}"
    kind = query.get("activity_type") or ""
    if kind:
        choice(ctx, "activity_type", TYPES, kind)
    direction = choice(ctx, "direction", ("asc", "desc"), "desc")
    found = [
        a
        for a in ctx.state.activities
        if (not ref or a.ref == ref) and (not kind or a.activity_type == kind)
    ]
    found.sort(key=lambda a: (a.timestamp, a.id), reverse=direction == "desc")
    return paginate(ctx, found, ctx.view.activity)


ROUTES = [route("GET", "/repos/{owner}/{repo}/activity", list_activity)]
