"""Security alerts: Dependabot alerts and code scanning alerts -- list with filters, read,
dismiss and reopen (and code scanning's instances).

GitHub shows both to people with write access or more (its repository roles: "View
Dependabot alerts", "List, dismiss, and delete code scanning alerts"), so reads need write too.
A request body GitHub's description rejects is answered 422 "Invalid request." as GitHub's
schema validation does; a change the alert's state forbids (dismissing a dismissed or fixed
alert, reopening a fixed one) is a conflict: 409 for Dependabot, 400 for code scanning.

The lists paginate by `page`, like the emulator's other lists (GitHub also takes `before`
and `after` cursors for Dependabot alerts; the emulator ignores them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from maintain_repo.testing.github.protocol import ApiError, Context, Reply, paginate
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.state import (
    CODE_SCANNING_REASONS,
    DEFAULT_REF,
    DEPENDABOT_REASONS,
    DEPENDABOT_STATES,
    SCOPES,
    SEVERITIES,
    CodeScanningAlert,
    DependabotAlert,
    full_ref,
)

DEPENDABOT_DOCS = "https://docs.github.com/rest/dependabot/alerts"
CODE_SCANNING_DOCS = "https://docs.github.com/rest/code-scanning/code-scanning"
MAX_COMMENT = 280
_DEPENDABOT_KEYS = {
    "state",
    "dismissed_reason",
    "dismissed_comment",
    "assignees",
    "agent_assignment",
}
_CODE_SCANNING_SEVERITIES = ("critical", "high", "medium", "low", "error", "warning", "note")
Alert = DependabotAlert | CodeScanningAlert
T = TypeVar("T", DependabotAlert, CodeScanningAlert)


def _invalid(message: str, docs: str) -> ApiError:
    """422 as GitHub answers a request its schema validation rejects."""
    return ApiError(422, f"Invalid request.\n\n{message}", documentation_url=docs)


def _values(ctx: Context, name: str, allowed: Sequence[str] | None, docs: str) -> set[str] | None:
    """A comma-separated filter (None: not given); 422 for a value outside `allowed`."""
    raw = ctx.request.query.get(name, "")
    values = {v.strip() for v in raw.split(",") if v.strip()}
    if not values:
        return None
    bad = sorted(values - set(allowed)) if allowed is not None else []
    if bad:
        raise _invalid(
            f"'{bad[0]}' is not a valid {name}: one of {', '.join(allowed or ())}.", docs
        )
    return values


def _choice(ctx: Context, name: str, allowed: Sequence[str], default: str, docs: str) -> str:
    value = ctx.request.query.get(name) or default
    if value != default and value not in allowed:
        raise _invalid(f"'{value}' is not a valid {name}: one of {', '.join(allowed)}.", docs)
    return value


def _sorted(found: list[T], sort: str, direction: str) -> list[T]:
    """By creation (then number), last update, or number; newest first unless `asc`."""

    def order(alert: T) -> tuple[Any, ...]:
        if sort == "updated":
            return (alert.updated_at, alert.number)
        if sort == "number":
            return (alert.number,)
        return (alert.created_at, alert.number)

    return sorted(found, key=order, reverse=direction == "desc")


# -- Dependabot -------------------------------------------------------------------------------


def list_dependabot_alerts(ctx: Context) -> Reply:
    ctx.require("write")
    docs = f"{DEPENDABOT_DOCS}#list-dependabot-alerts-for-a-repository"
    states = _values(ctx, "state", DEPENDABOT_STATES, docs)
    severities = _values(ctx, "severity", SEVERITIES, docs)
    ecosystems = _values(ctx, "ecosystem", None, docs)
    packages = _values(ctx, "package", None, docs)
    manifests = _values(ctx, "manifest", None, docs)
    classifications = _values(ctx, "classification", ("general", "malware"), docs)
    has = _values(ctx, "has", ("patch",), docs)
    scope = _choice(ctx, "scope", SCOPES, "", docs)
    sort = _choice(ctx, "sort", ("created", "updated", "epss_percentage"), "created", docs)
    direction = _choice(ctx, "direction", ("asc", "desc"), "desc", docs)
    wanted_packages = {p.lower() for p in packages or ()}

    def keep(alert: DependabotAlert) -> bool:
        return (
            (states is None or alert.state in states)
            and (severities is None or alert.advisory.severity in severities)
            and (ecosystems is None or alert.ecosystem in ecosystems)
            and (packages is None or alert.package.lower() in wanted_packages)
            and (manifests is None or alert.manifest_path in manifests)
            and (classifications is None or alert.advisory.classification in classifications)
            and (has is None or alert.first_patched_version is not None)
            and (not scope or alert.scope == scope)
        )

    found = [a for a in ctx.state.dependabot_alerts.values() if keep(a)]
    # The emulator has no EPSS data: sorting by it keeps the creation order.
    found = _sorted(found, "updated" if sort == "updated" else "created", direction)
    return paginate(ctx, found, ctx.view.dependabot_alert)


def get_dependabot_alert(ctx: Context) -> Reply:
    ctx.require("write")
    return Reply(200, ctx.view.dependabot_alert(_dependabot(ctx)))


def update_dependabot_alert(ctx: Context) -> Reply:
    ctx.require("write")
    alert = _dependabot(ctx)
    docs = f"{DEPENDABOT_DOCS}#update-a-dependabot-alert"
    body = ctx.body()
    unknown = sorted(set(body) - _DEPENDABOT_KEYS)
    if unknown:
        raise _invalid(f'"{unknown[0]}" is not a permitted key.', docs)
    _update(ctx, alert, body, DEPENDABOT_REASONS, docs, nullable=False)
    return Reply(200, ctx.view.dependabot_alert(alert))


def _dependabot(ctx: Context) -> DependabotAlert:
    alert = ctx.state.dependabot_alerts.get(ctx.number("alert_number"))
    if alert is None:
        raise ApiError(
            404, "Not Found", documentation_url=f"{DEPENDABOT_DOCS}#get-a-dependabot-alert"
        )
    return alert


# -- code scanning ----------------------------------------------------------------------------


def list_code_scanning_alerts(ctx: Context) -> Reply:
    ctx.require("write")
    docs = f"{CODE_SCANNING_DOCS}#list-code-scanning-alerts-for-a-repository"
    query = ctx.request.query
    state = _choice(ctx, "state", ("open", "closed", "dismissed", "fixed"), "", docs)
    severity = _choice(ctx, "severity", _CODE_SCANNING_SEVERITIES, "", docs)
    sort = _choice(ctx, "sort", ("created", "number", "updated"), "created", docs)
    direction = _choice(ctx, "direction", ("asc", "desc"), "desc", docs)
    tool_name, tool_guid = query.get("tool_name"), query.get("tool_guid")
    # Without a ref GitHub lists the default branch's alerts; `pr` (PyGithub sends it) is
    # the pull request's merge ref.
    pr = query.get("pr")
    ref = f"refs/pull/{pr}/merge" if pr else full_ref(query.get("ref") or DEFAULT_REF)

    def keep(alert: CodeScanningAlert) -> bool:
        rule = alert.rule
        return (
            alert.ref == ref
            and (
                not state
                or alert.state == state
                or (state == "closed" and alert.state in ("dismissed", "fixed"))
            )
            and (not severity or severity in (rule.severity, rule.security_severity_level))
            and (not tool_name or alert.tool.name == tool_name)
            and (not tool_guid or alert.tool.guid == tool_guid)
        )

    found = _sorted(
        [a for a in ctx.state.code_scanning_alerts.values() if keep(a)], sort, direction
    )
    return paginate(ctx, found, lambda a: ctx.view.code_scanning_alert(a, full=False))


def get_code_scanning_alert(ctx: Context) -> Reply:
    ctx.require("write")
    return Reply(200, ctx.view.code_scanning_alert(_code_scanning(ctx)))


def update_code_scanning_alert(ctx: Context) -> Reply:
    ctx.require("write")
    alert = _code_scanning(ctx)
    docs = f"{CODE_SCANNING_DOCS}#update-a-code-scanning-alert"
    body = ctx.body()
    create_request = body.get("create_request")
    if create_request is not None and not isinstance(create_request, bool):
        raise _invalid(
            f"For 'properties/create_request', {create_request!r} is not a boolean.", docs
        )
    _update(ctx, alert, body, CODE_SCANNING_REASONS, docs, nullable=True)
    return Reply(200, ctx.view.code_scanning_alert(alert))


def code_scanning_instances(ctx: Context) -> Reply:
    ctx.require("write")
    alert = _code_scanning(ctx)
    ref = ctx.request.query.get("ref")
    found = [alert] if not ref or full_ref(ref) == alert.ref else []
    return paginate(ctx, found, ctx.view.code_scanning_instance)


def _code_scanning(ctx: Context) -> CodeScanningAlert:
    number = ctx.number("alert_number")
    alert = ctx.state.code_scanning_alerts.get(number)
    if alert is None:
        raise ApiError(
            404,
            f"No alert found for alert number {number}",
            documentation_url=f"{CODE_SCANNING_DOCS}#get-a-code-scanning-alert",
        )
    return alert


# -- dismissing and reopening -----------------------------------------------------------------


def _update(
    ctx: Context,
    alert: Alert,
    body: dict[str, Any],
    reasons: Sequence[str],
    docs: str,
    *,
    nullable: bool,
) -> None:
    """Dismiss, reopen or assign, as the body says; everything is checked before any change."""
    if "state" not in body and "assignees" not in body:
        raise _invalid('"state" wasn\'t supplied.', docs)
    state = _enum(body, "state", ("dismissed", "open"), docs, nullable=False)
    reason = _enum(body, "dismissed_reason", reasons, docs, nullable=nullable)
    comment = body.get("dismissed_comment")
    if comment is not None or (not nullable and "dismissed_comment" in body):
        if not isinstance(comment, str):
            raise _invalid(
                f"For 'properties/dismissed_comment', {comment!r} is not a string.", docs
            )
        if len(comment) > MAX_COMMENT:
            raise _invalid(
                f"For 'properties/dismissed_comment', the comment is too long"
                f" ({len(comment)} > {MAX_COMMENT} characters).",
                docs,
            )
    assignees = _assignees(ctx, body, docs)
    dependabot = isinstance(alert, DependabotAlert)
    conflict = 409 if dependabot else 400
    if state == "dismissed":
        if reason is None:
            raise _invalid("`dismissed_reason` must be provided when `state` is `dismissed`.", docs)
        if alert.state == "dismissed":
            number = f" {alert.number}" if dependabot else ""
            raise ApiError(conflict, f"Alert{number} is already dismissed.", documentation_url=docs)
        if alert.state == "fixed":
            raise ApiError(conflict, "A fixed alert cannot be dismissed.", documentation_url=docs)
    if state == "open" and alert.state == "fixed":
        raise ApiError(conflict, "A fixed alert cannot be reopened.", documentation_url=docs)

    now, login = ctx.state.now(), ctx.user.login
    if state == "dismissed":
        alert.state, alert.dismissed_at, alert.dismissed_by = "dismissed", now, login
        alert.dismissed_reason, alert.dismissed_comment = reason, comment
        alert.actor, alert.updated_at = login, now
    elif state == "open" and alert.state != "open":
        alert.state, alert.dismissed_at, alert.dismissed_by = "open", None, None
        alert.dismissed_reason = alert.dismissed_comment = None
        if isinstance(alert, DependabotAlert):
            alert.auto_dismissed_at = None
        alert.actor, alert.updated_at = login, now
    if assignees is not None:
        alert.assignees, alert.updated_at = assignees, now


def _enum(
    body: dict[str, Any], key: str, allowed: Sequence[str], docs: str, *, nullable: bool
) -> str | None:
    value = body.get(key)
    if value is None and (nullable or key not in body):
        return None
    if not isinstance(value, str):
        raise _invalid(f"For 'properties/{key}', {value!r} is not a string.", docs)
    if value not in allowed:
        members = ", ".join(f'"{a}"' for a in allowed)
        raise _invalid(f"For 'properties/{key}', \"{value}\" is not a member of [{members}].", docs)
    return value


def _assignees(ctx: Context, body: dict[str, Any], docs: str) -> list[str] | None:
    if "assignees" not in body:
        return None
    value = body["assignees"]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _invalid("For 'properties/assignees', the value is not an array of strings.", docs)
    logins: list[str] = []
    for login in value:
        user = ctx.state.user(login)
        if user is None:
            raise _invalid(f"Could not resolve to a User with the login of '{login}'.", docs)
        if user.login not in logins:
            logins.append(user.login)
    return logins


ROUTES = [
    route("GET", "/repos/{owner}/{repo}/dependabot/alerts", list_dependabot_alerts),
    route("GET", "/repos/{owner}/{repo}/dependabot/alerts/{alert_number}", get_dependabot_alert),
    route(
        "PATCH", "/repos/{owner}/{repo}/dependabot/alerts/{alert_number}", update_dependabot_alert
    ),
    route("GET", "/repos/{owner}/{repo}/code-scanning/alerts", list_code_scanning_alerts),
    route(
        "GET", "/repos/{owner}/{repo}/code-scanning/alerts/{alert_number}", get_code_scanning_alert
    ),
    route(
        "PATCH",
        "/repos/{owner}/{repo}/code-scanning/alerts/{alert_number}",
        update_code_scanning_alert,
    ),
    route(
        "GET",
        "/repos/{owner}/{repo}/code-scanning/alerts/{alert_number}/instances",
        code_scanning_instances,
    ),
]
