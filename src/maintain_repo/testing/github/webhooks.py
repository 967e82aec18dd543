"""Webhook payloads, built from the emulator's current state in the exact shape GitHub sends
(`@octokit/openapi-webhooks`): issues, issue_comment, pull_request, pull_request_review.

Keys that pick the objects: `number` (the issue or pull request), `comment` (a comment id),
`review` (a review id), `label` (a label name, for labeled/unlabeled), `sender` (the acting
user's login; by default the object's author), `before` (synchronize: the previous head sha;
`after` is the current head), `changes` (edited: GitHub's `changes` object). Aliases:
`issue`, `issue_number`, `pull`, `pull_number`, `pull_request` for `number`; `comment_id`,
`review_id` for `comment`, `review`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from maintain_repo.testing.github.render import View
from maintain_repo.testing.github.state import Issue, Review, State

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
}
KEYS = {"number", "comment", "review", "label", "sender", "before", "changes"}
_ALIASES = {
    "issue": "number",
    "issue_number": "number",
    "pull": "number",
    "pull_number": "number",
    "pull_request": "number",
    "comment_id": "comment",
    "review_id": "review",
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
        }[event]
        payload = builder(state, view, action, args)
        payload["repository"] = repository(view)
        payload["sender"] = view.user(str(args.get("sender") or payload.pop("_actor")))
        payload.pop("_actor", None)
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
