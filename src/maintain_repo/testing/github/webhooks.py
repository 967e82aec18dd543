"""Webhook payloads, built from the emulator's current state in the exact shape GitHub sends
(`@octokit/openapi-webhooks`): issues, issue_comment, pull_request, pull_request_review,
dependabot_alert, code_scanning_alert, deployment_status.

Keys that pick the objects: `number` (the issue or pull request), `comment` (a comment id),
`review` (a review id), `alert` (a Dependabot or code scanning alert's number), `deployment`
(a deployment's id; deployment_status shows its newest status), `label` (a
label name, for labeled/unlabeled), `sender` (the acting user's login; by default the
object's author, the user who last dismissed or reopened an alert, or the bot that raised
it), `before` (synchronize: the previous head sha; `after` is the current head), `changes`
(edited: GitHub's `changes` object). Aliases: `issue`, `issue_number`, `pull`,
`pull_number`, `pull_request` for `number`; `comment_id`, `review_id`, `alert_number` for
`comment`, `review`, `alert`.

An alert's payload shows it as it is now, so its state must be the one the action leaves
(`dismissed` for dependabot_alert.dismissed, ...). GitHub names a code scanning alert's
dismissal by a user `closed_by_user` and its reopening `reopened_by_user`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from maintain_repo.testing.github.render import View, iso
from maintain_repo.testing.github.state import (
    CodeScanningAlert,
    DependabotAlert,
    Deployment,
    Issue,
    Review,
    State,
    node_id,
)

JSON = dict[str, Any]
ACTIONS = {
    "issues": ("opened", "edited", "closed", "reopened", "labeled", "unlabeled"),
    "issue_comment": ("created", "edited"),
    "pull_request": (
        "opened",
        "synchronize",
        "reopened",
        "labeled",
        "unlabeled",
        "closed",
        "ready_for_review",
        "edited",
    ),
    "pull_request_review": ("submitted", "dismissed"),
    "dependabot_alert": (
        "created",
        "dismissed",
        "reopened",
        "fixed",
        "auto_dismissed",
        "auto_reopened",
        "reintroduced",
    ),
    "code_scanning_alert": ("created", "closed_by_user", "reopened_by_user", "fixed", "reopened"),
    "deployment_status": ("created",),
}
# The state an alert is in after each action (its payload shows the alert as it is now).
ALERT_STATES: dict[str, dict[str, tuple[str, ...]]] = {
    "dependabot_alert": {
        "created": ("open", "auto_dismissed"),
        "dismissed": ("dismissed",),
        "reopened": ("open",),
        "fixed": ("fixed",),
        "auto_dismissed": ("auto_dismissed",),
        "auto_reopened": ("open",),
        "reintroduced": ("open",),
    },
    "code_scanning_alert": {
        "created": ("open",),
        "closed_by_user": ("dismissed",),
        "reopened_by_user": ("open",),
        "fixed": ("fixed",),
        "reopened": ("open",),
    },
}
# The accounts that act for GitHub on alerts: (login, id).
DEPENDABOT_BOT = ("dependabot[bot]", 49699333)
CODE_SCANNING_BOT = ("github-advanced-security[bot]", 62310815)
KEYS = {
    "number",
    "comment",
    "review",
    "alert",
    "deployment",
    "label",
    "sender",
    "before",
    "changes",
}
_ALIASES = {
    "issue": "number",
    "issue_number": "number",
    "pull": "number",
    "pull_number": "number",
    "pull_request": "number",
    "comment_id": "comment",
    "review_id": "review",
    "alert_number": "alert",
}


def build(state: State, view: View, event: str, action: str, ids: Mapping[str, object]) -> JSON:
    """The payload of `event` with `action` (ValueError for what GitHub never sends)."""
    if action not in ACTIONS.get(event, ()):
        known = ", ".join(f"{e}.{a}" for e, actions in ACTIONS.items() for a in actions)
        raise ValueError(f"no webhook {event}.{action}: the emulator builds {known}")
    args = _normalise(ids)
    with state.lock:
        builder = {
            "issues": _issues,
            "issue_comment": _issue_comment,
            "pull_request": _pull_request,
            "pull_request_review": _pull_request_review,
            "dependabot_alert": _dependabot_alert,
            "code_scanning_alert": _code_scanning_alert,
            "deployment_status": _deployment_status,
        }[event]
        payload = builder(state, view, action, args)
        payload["repository"] = repository(view)
        bot = payload.pop("_bot", None)
        actor = args.get("sender") or payload.pop("_actor", None)
        payload.pop("_actor", None)
        payload["sender"] = _bot(view, *bot) if not actor and bot else view.user(str(actor))
        return payload


def _normalise(ids: Mapping[str, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, value in ids.items():
        name = _ALIASES.get(key, key)
        if name not in KEYS:
            raise TypeError(
                f"unknown webhook key {key!r}: one of {', '.join(sorted(KEYS | set(_ALIASES)))}"
            )
        out[name] = value
    return out


def _issue(state: State, args: Mapping[str, object], *, pull: bool | None = None) -> Issue:
    number = args.get("number")
    if not isinstance(number, int):
        raise ValueError("this webhook needs number= (the issue or pull request)")
    issue = state.issues.get(number)
    if issue is None:
        raise ValueError(f"there is no issue or pull request #{number}")
    if pull is True and issue.pull is None:
        raise ValueError(f"#{number} is an issue, not a pull request")
    return issue


def _label(view: View, state: State, args: Mapping[str, object]) -> JSON:
    name = args.get("label")
    if not isinstance(name, str):
        raise ValueError("labeled and unlabeled webhooks need label= (a label name)")
    found = state.label(name)
    if found is None:
        raise ValueError(f"there is no label {name!r}")
    return view.label(found)


def _issues(state: State, view: View, action: str, args: Mapping[str, object]) -> JSON:
    issue = _issue(state, args)
    payload: JSON = {"action": action, "issue": webhook_issue(view, issue)}
    if action in ("labeled", "unlabeled"):
        payload["label"] = _label(view, state, args)
    if action == "edited":
        payload["changes"] = args.get("changes") or {}
    actor = issue.closed_by if action == "closed" and issue.closed_by else issue.author
    payload["_actor"] = actor
    return payload


def _issue_comment(state: State, view: View, action: str, args: Mapping[str, object]) -> JSON:
    ident = args.get("comment")
    comment = state.comments.get(ident) if isinstance(ident, int) else None
    if comment is None:
        raise ValueError("issue_comment webhooks need comment= (the id of an existing comment)")
    issue = state.issues[comment.issue_number]
    payload: JSON = {
        "action": action,
        "issue": webhook_issue(view, issue),
        "comment": view.comment(comment),
    }
    if action == "edited":
        payload["changes"] = args.get("changes") or {"body": {"from": comment.body}}
    payload["_actor"] = comment.author
    return payload


def _pull_request(state: State, view: View, action: str, args: Mapping[str, object]) -> JSON:
    issue = _issue(state, args, pull=True)
    pull = issue.pull
    assert pull is not None
    payload: JSON = {
        "action": action,
        "number": issue.number,
        "pull_request": webhook_pull(view, issue),
    }
    if action in ("labeled", "unlabeled"):
        payload["label"] = _label(view, state, args)
    if action == "synchronize":
        before = args.get("before")
        if not isinstance(before, str):
            raise ValueError("synchronize webhooks need before= (the previous head sha)")
        payload["before"], payload["after"] = before, pull.head_sha
    if action == "edited":
        payload["changes"] = args.get("changes") or {}
    actor = (pull.merged_by or issue.closed_by) if action == "closed" else None
    payload["_actor"] = actor or issue.author
    return payload


def _pull_request_review(state: State, view: View, action: str, args: Mapping[str, object]) -> JSON:
    ident = args.get("review")
    review = state.reviews.get(ident) if isinstance(ident, int) else None
    if review is None:
        raise ValueError("pull_request_review webhooks need review= (the id of an existing review)")
    issue = state.issues[review.number]
    payload: JSON = {
        "action": action,
        "review": webhook_review(view, review),
        "pull_request": webhook_pull(view, issue, full=False),
    }
    payload["_actor"] = review.author
    return payload


def _alert(
    state: State, event: str, action: str, args: Mapping[str, object]
) -> DependabotAlert | CodeScanningAlert:
    number = args.get("alert")
    if not isinstance(number, int):
        raise ValueError(f"{event} webhooks need alert= (the alert's number)")
    kind = "dependabot" if event == "dependabot_alert" else "code_scanning"
    try:
        alert = state.alert(kind, number)
    except KeyError:
        raise ValueError(f"there is no {kind} alert #{number}") from None
    expected = ALERT_STATES[event][action]
    if alert.state not in expected:
        raise ValueError(
            f"{event}.{action} is sent for an alert that is {' or '.join(expected)};"
            f" {kind} alert #{number} is {alert.state}"
        )
    return alert


def _dependabot_alert(state: State, view: View, action: str, args: Mapping[str, object]) -> JSON:
    alert = _alert(state, "dependabot_alert", action, args)
    assert isinstance(alert, DependabotAlert)
    by_user = action in ("dismissed", "reopened")
    return {
        "action": action,
        "alert": webhook_dependabot_alert(view, alert),
        "_actor": (alert.actor or alert.dismissed_by) if by_user else None,
        "_bot": DEPENDABOT_BOT,
    }


def _code_scanning_alert(state: State, view: View, action: str, args: Mapping[str, object]) -> JSON:
    alert = _alert(state, "code_scanning_alert", action, args)
    assert isinstance(alert, CodeScanningAlert)
    by_user = action in ("closed_by_user", "reopened_by_user")
    return {
        "action": action,
        "alert": webhook_code_scanning_alert(view, alert),
        # Empty when a user acted (GitHub's description says so): no analysis ran.
        "ref": "" if by_user else alert.ref,
        "commit_oid": "" if by_user else alert.commit_sha,
        "_actor": (alert.actor or alert.dismissed_by) if by_user else None,
        "_bot": CODE_SCANNING_BOT,
    }


def _deployment_status(state: State, view: View, action: str, args: Mapping[str, object]) -> JSON:
    ident = args.get("deployment")
    deployment = state.deployments.get(ident) if isinstance(ident, int) else None
    if deployment is None:
        raise ValueError("deployment_status webhooks need deployment= (an existing deployment)")
    if not deployment.statuses:
        raise ValueError(f"deployment {ident} has no status yet")
    status = deployment.statuses[-1]
    url = f"{view.repo_api}/deployments/{deployment.id}"
    links = {"log_url": status.log_url} if status.log_url else {}  # optional URLs: absent
    return {
        "action": action,
        "deployment_status": {
            **links,
            "url": f"{url}/statuses/{status.id}",
            "id": status.id,
            "node_id": status.node_id,
            "state": status.state,
            "creator": view.user(status.creator),
            "description": status.description,
            "environment": status.environment,
            "target_url": status.log_url,
            "created_at": iso(status.created_at),
            "updated_at": iso(status.created_at),
            "deployment_url": url,
            "repository_url": view.repo_api,
            "performed_via_github_app": None,
        },
        "deployment": webhook_deployment(view, deployment),
        "_actor": status.creator,
    }


def webhook_deployment(view: View, deployment: Deployment) -> JSON:
    """`deployment` as deployment and deployment_status payloads carry it."""
    url = f"{view.repo_api}/deployments/{deployment.id}"
    updated = deployment.statuses[-1].created_at if deployment.statuses else deployment.created_at
    return {
        "url": url,
        "id": deployment.id,
        "node_id": deployment.node_id,
        "sha": deployment.sha,
        "ref": deployment.ref,
        "task": "deploy",
        "payload": deployment.payload,
        "original_environment": deployment.environment,
        "environment": deployment.environment,
        "transient_environment": False,
        "production_environment": deployment.production,
        "description": deployment.description,
        "creator": view.user(deployment.creator),
        "created_at": iso(deployment.created_at),
        "updated_at": iso(updated),
        "statuses_url": f"{url}/statuses",
        "repository_url": view.repo_api,
        "performed_via_github_app": None,
    }


def _bot(view: View, login: str, ident: int) -> JSON:
    """A GitHub App's bot account (`simple-user` of type Bot)."""
    out = view.user(login)
    out.update(
        id=ident,
        node_id=node_id("BOT", ident),
        avatar_url=f"{view.base}/avatars/u/{ident}?v=4",
        html_url=f"{view.base}/apps/{login.removesuffix('[bot]')}",
        type="Bot",
    )
    return out


def repository(view: View) -> JSON:
    """`repository-webhooks`."""
    return view.repository()


def webhook_issue(view: View, issue: Issue) -> JSON:
    return view.issue(issue)


def webhook_pull(view: View, issue: Issue, *, full: bool = True) -> JSON:
    return view.pull(issue, full=full)


def webhook_review(view: View, review: Review) -> JSON:
    """`webhooks_review`: as the REST API's, but the state is lower-case (`approved`)."""
    out = view.review(review)
    out["state"] = review.state.lower()
    return out


def webhook_dependabot_alert(view: View, alert: DependabotAlert) -> JSON:
    """`dependabot-alert` as webhooks have it: without the REST API's newer keys (assignees,
    dismissal requests, the advisory's classification), which the payload's schema forbids."""
    out = view.dependabot_alert(alert)
    out.pop("assignees", None)
    out.pop("dismissal_request", None)
    out["security_advisory"].pop("classification", None)
    return out


def webhook_code_scanning_alert(view: View, alert: CodeScanningAlert) -> JSON:
    """The alert as code_scanning_alert payloads carry it: the REST API's, whose `fixed_at`
    is always null (the payloads' description allows nothing else, even for `fixed`)."""
    out = view.code_scanning_alert(alert)
    out["fixed_at"] = None
    return out
