"""What a workflow job's `GITHUB_TOKEN` may do: the permission each route needs.

A job's `permissions:` block (`issues: write`, `pull-requests: read`, ...) scopes the token
Actions gives it; a request outside the scope is answered 403 "Resource not accessible by
integration", as GitHub answers. A route needs one of several permissions where GitHub
accepts either (an issue's comments serve pull requests too); reads need `read` or `write`,
every other method `write`. Routes that need no permission (metadata, users) are open to
every token; organization membership needs `members`, which no `GITHUB_TOKEN` has.

The mapping follows GitHub's "Permissions required for fine-grained tokens" pages, treating
the repository as private (the stricter case: a public one lets any token read).
"""

from __future__ import annotations

from collections.abc import Mapping

from maintain_repo.testing.github.protocol import ApiError, Reply, not_found

# (methods, None for any; a path prefix after /repos/{owner}/{repo}; the permissions, any
# one of which will do). A prefix matches whole segments; the most specific come first.
_REPOSITORY: tuple[tuple[tuple[str, ...] | None, str, tuple[str, ...]], ...] = (
    (None, "/issues/comments", ("issues", "pull_requests")),
    (None, "/issues/{issue_number}/comments", ("issues", "pull_requests")),
    (None, "/issues/{issue_number}/labels", ("issues", "pull_requests")),
    (None, "/issues/{issue_number}/assignees", ("issues", "pull_requests")),
    (("PATCH",), "/issues/{issue_number}", ("issues", "pull_requests")),
    (None, "/issues", ("issues",)),
    (None, "/labels", ("issues", "pull_requests")),
    (("PUT",), "/pulls/{pull_number}/merge", ("contents",)),
    (None, "/pulls", ("pull_requests",)),
    (None, "/commits/{commit_sha}/pulls", ("pull_requests",)),
    (None, "/commits/{ref}/check-runs", ("checks",)),
    (None, "/commits/{ref}/status", ("statuses",)),
    (None, "/commits/{ref}/statuses", ("statuses",)),
    (None, "/statuses", ("statuses",)),
    (None, "/commits", ("contents",)),
    (None, "/activity", ("contents",)),
    (None, "/code-scanning", ("security_events",)),
    # GitHub's GITHUB_TOKEN reference puts Dependabot alerts under security-events.
    (None, "/dependabot", ("security_events",)),
    (None, "/deployments", ("deployments",)),
    (None, "/pages", ("pages",)),
    (None, "/actions/permissions", ("administration",)),
    (None, "/branches/{branch}/protection", ("administration",)),
    (None, "/collaborators", ()),
)
_REPO = "/repos/{owner}/{repo}"
LEVELS = {"none": 0, "read": 1, "write": 2}
EVERY = (  # what read-all and write-all grant
    *("actions", "checks", "contents", "deployments", "discussions", "id_token", "issues"),
    *("packages", "pages", "pull_requests", "security_events", "statuses"),
)


def needed(method: str, template: str) -> tuple[str, ...]:
    """The permissions (any one) a request needs; () when every token may make it. A route
    nobody mapped raises KeyError, so a new route cannot go unguarded."""
    if template.startswith("/orgs/{org}/"):
        return ("members",)  # organization permissions: no GITHUB_TOKEN has them
    if template == "/user":
        return ("user",)  # an installation token is not a user: GitHub refuses it
    if not template.startswith(_REPO):
        return ()  # /users/{username}, /orgs/{org}, /rate_limit, /search/issues
    rest = template.removeprefix(_REPO)
    if not rest:
        return ()  # the repository itself: metadata
    for methods, prefix, permissions in _REPOSITORY:
        if methods is not None and method not in methods:
            continue
        if rest == prefix or rest.startswith(prefix + "/"):
            return permissions
    raise KeyError(f"no permission is known for {method} {template}")


def allows(granted: Mapping[str, str], method: str, template: str) -> bool:
    """Whether a token scoped to `granted` (permission -> read|write) may make the request."""
    permissions = needed(method, template)
    if not permissions:
        return True
    level = LEVELS["read"] if method in ("GET", "HEAD") else LEVELS["write"]
    return any(LEVELS.get(granted.get(p, "none"), 0) >= level for p in permissions)


def refusal(template: str, path: str) -> Reply:
    """GitHub's answer to a job token outside its scope: organization members are hidden
    (404 for a team, a 302 to the public members for the organization), the rest 403."""
    if template == "/orgs/{org}/members/{username}":
        public = path.replace("/members/", "/public_members/", 1)
        return Reply(302, None, {"location": public})
    if template.startswith("/orgs/{org}/"):
        return Reply(404, not_found().body())
    return Reply(403, ApiError(403, "Resource not accessible by integration").body())


def job_permissions(block: object) -> dict[str, str] | None:
    """A workflow's `permissions:` value as permission -> level (hyphens as underscores);
    None when the job does not say (the repository's default token)."""
    if block is None:
        return None
    if block in ("read-all", "write-all"):
        return dict.fromkeys(EVERY, str(block).removesuffix("-all"))
    if not isinstance(block, Mapping):
        raise ValueError(f"permissions must be a mapping, read-all or write-all, not {block!r}")
    scoped = {}
    for name, level in block.items():
        if level not in LEVELS:
            raise ValueError(f"permissions.{name}: {level!r} is not read, write or none")
        scoped[str(name).replace("-", "_")] = str(level)
    return scoped
