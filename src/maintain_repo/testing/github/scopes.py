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

# Route template prefixes (after /repos/{owner}/{repo}) -> permissions, any one of which will do.
_REPOSITORY: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("/issues", ("issues", "pull_requests")),
    ("/labels", ("issues", "pull_requests")),
    ("/pulls", ("pull_requests",)),
    ("/commits/{commit_sha}/pulls", ("pull_requests", "contents")),
    ("/commits/{ref}/check-runs", ("checks",)),
    ("/commits/{ref}/status", ("statuses",)),
    ("/statuses", ("statuses",)),
    ("/commits", ("contents",)),
    ("/activity", ("contents",)),
    ("/code-scanning", ("security_events",)),
    ("/dependabot", ("security_events",)),
    ("/deployments", ("deployments",)),
    ("/pages", ("pages",)),
    ("/actions/permissions", ("administration",)),
    ("/branches/{branch}/protection", ("administration",)),
    ("/collaborators", ()),
    ("", ()),  # the repository itself: metadata
)
_REPO = "/repos/{owner}/{repo}"
LEVELS = {"none": 0, "read": 1, "write": 2}
EVERY = (  # what read-all and write-all grant
    *("actions", "checks", "contents", "deployments", "discussions", "id_token", "issues"),
    *("packages", "pages", "pull_requests", "security_events", "statuses"),
)


def needed(template: str) -> tuple[str, ...]:
    """The permissions (any one) a route needs; () when every token may use it."""
    if template.startswith("/orgs/{org}/"):
        return ("members",)
    if not template.startswith(_REPO):
        return ()  # /user, /users/{username}, /orgs/{org}, /rate_limit, /search/issues
    rest = template.removeprefix(_REPO)
    for prefix, permissions in _REPOSITORY:
        if rest.startswith(prefix):  # the most specific prefixes come first
            return permissions
    raise KeyError(f"no permission is known for {template}")  # pragma: no cover - all mapped


def allows(granted: Mapping[str, str], method: str, template: str) -> bool:
    """Whether a token scoped to `granted` (permission -> read|write) may make the request."""
    permissions = needed(template)
    if not permissions:
        return True
    level = LEVELS["read"] if method in ("GET", "HEAD") else LEVELS["write"]
    return any(LEVELS.get(granted.get(p, "none"), 0) >= level for p in permissions)


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
