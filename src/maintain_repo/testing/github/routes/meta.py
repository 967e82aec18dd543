"""The repository, users, rate limits, organisations, teams and collaborators."""

from __future__ import annotations

from maintain_repo.testing.github.protocol import ApiError, Context, Reply, not_found, paginate
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.state import Team, User, rank

LIMITS = {
    "core": 5000,
    "search": 30,
    "graphql": 5000,
    "integration_manifest": 5000,
    "code_search": 10,
}


def get_repo(ctx: Context) -> Reply:
    ctx.require("read")
    return Reply(200, ctx.view.repository(viewer=ctx.user))


def get_authenticated_user(ctx: Context) -> Reply:
    return Reply(200, ctx.view.private_user(ctx.user))


def get_user(ctx: Context) -> Reply:
    return Reply(200, ctx.view.public_user(_user(ctx)))


def rate_limit(ctx: Context) -> Reply:
    state = ctx.state

    def one(resource: str) -> dict[str, int]:
        limit = LIMITS[resource]
        used = state.rate_used.get((ctx.user.login, resource), 0)
        return {
            "limit": limit,
            "used": used,
            "remaining": max(0, limit - used),
            "reset": state.rate_reset,
        }

    resources = {name: one(name) for name in LIMITS}
    return Reply(200, {"resources": resources, "rate": resources["core"]})


def get_org(ctx: Context) -> Reply:
    org = ctx.params["org"]
    known = {ctx.state.owner.lower()} | {t.org.lower() for t in ctx.state.teams.values()}
    if org.lower() not in known:
        raise not_found()
    return Reply(
        200,
        ctx.view.organization(ctx.state.owner if org.lower() == ctx.state.owner.lower() else org),
    )


def org_member(ctx: Context) -> Reply:
    """204 for a member of the organization, 404 otherwise (and for an unknown one)."""
    org, login = ctx.params["org"], ctx.params["username"]
    if not ctx.state.org_known(org) or not ctx.state.org_member(org, login):
        raise not_found()
    return Reply(204)


def get_team(ctx: Context) -> Reply:
    return Reply(200, ctx.view.team(_team(ctx)))


def team_membership(ctx: Context) -> Reply:
    team = _team(ctx)
    login = ctx.params["username"]
    member = next((m for m in team.members if m.lower() == login.lower()), None)
    if member is None:
        raise not_found()
    return Reply(200, ctx.view.membership(team, member))


def team_members(ctx: Context) -> Reply:
    team = _team(ctx)
    return paginate(ctx, team.members, ctx.view.user)


def collaborator_permission(ctx: Context) -> Reply:
    ctx.require("read")
    return Reply(200, ctx.view.permission(_user(ctx)))


def check_collaborator(ctx: Context) -> Reply:
    ctx.require("read")
    user = ctx.state.user(ctx.params["username"])
    if user is None or user.type != "User" or rank(user.permission) < rank("read"):
        raise not_found()
    return Reply(204)


def list_collaborators(ctx: Context) -> Reply:
    ctx.require("read")
    people = [u for u in ctx.state.users.values() if u.type == "User" and rank(u.permission) >= 1]
    return paginate(ctx, sorted(people, key=lambda u: u.login.lower()), ctx.view.collaborator)


def _user(ctx: Context) -> User:
    user = ctx.state.user(ctx.params["username"])
    if user is None:
        raise not_found()
    return user


def _team(ctx: Context) -> Team:
    team = ctx.state.team(ctx.params["org"], ctx.params["team_slug"])
    if team is None:
        raise not_found()
    return team


def workflow_permissions(ctx: Context) -> Reply:
    """Actions' GITHUB_TOKEN defaults (GitHub asks for administration: read)."""
    ctx.require("admin")
    state = ctx.state
    return Reply(
        200,
        {
            "default_workflow_permissions": state.workflow_permissions,
            "can_approve_pull_request_reviews": state.actions_create_pulls,
        },
    )


def pages(ctx: Context) -> Reply:
    ctx.require("read")
    state = ctx.state
    if state.pages is None:
        raise not_found()
    site = f"https://{state.owner.lower()}.github.io/{state.name}/"
    return Reply(
        200,
        {
            "url": f"{ctx.view.repo_api}/pages",
            "status": "built",
            "cname": None,
            "custom_404": False,
            "html_url": site,
            "build_type": state.pages,
            "public": True,
            "https_enforced": True,
        },
    )


def branch_protection(ctx: Context) -> Reply:
    """A branch's protection: 404 when it has none, and (as GitHub answers) to a user
    who may not read protections."""
    if not ctx.can("admin"):
        raise not_found()
    branch = ctx.params["branch"]
    checks = ctx.state.protections.get(branch)
    if checks is None:
        raise ApiError(404, "Branch not protected")
    url = f"{ctx.view.repo_api}/branches/{branch}/protection"
    return Reply(
        200,
        {
            "url": url,
            "required_status_checks": {
                "url": f"{url}/required_status_checks",
                "strict": True,
                "contexts": checks,
                "checks": [{"context": name, "app_id": None} for name in checks],
                "contexts_url": f"{url}/required_status_checks/contexts",
            },
        },
    )


ROUTES = [
    route("GET", "/repos/{owner}/{repo}", get_repo),
    route("GET", "/user", get_authenticated_user),
    route("GET", "/users/{username}", get_user),
    route("GET", "/rate_limit", rate_limit),
    route("GET", "/orgs/{org}", get_org),
    route("GET", "/orgs/{org}/members/{username}", org_member),
    route("GET", "/orgs/{org}/teams/{team_slug}", get_team),
    route("GET", "/orgs/{org}/teams/{team_slug}/memberships/{username}", team_membership),
    route("GET", "/orgs/{org}/teams/{team_slug}/members", team_members),
    route("GET", "/repos/{owner}/{repo}/actions/permissions/workflow", workflow_permissions),
    route("GET", "/repos/{owner}/{repo}/pages", pages),
    route("GET", "/repos/{owner}/{repo}/branches/{branch}/protection", branch_protection),
    route("GET", "/repos/{owner}/{repo}/collaborators", list_collaborators),
    route("GET", "/repos/{owner}/{repo}/collaborators/{username}", check_collaborator),
    route(
        "GET", "/repos/{owner}/{repo}/collaborators/{username}/permission", collaborator_permission
    ),
]
