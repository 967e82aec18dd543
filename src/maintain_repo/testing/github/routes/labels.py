"""Labels of the repository, and the labels of an issue or pull request."""

from __future__ import annotations

import re
from typing import Any

from maintain_repo.testing.github.protocol import (
    ApiError,
    Context,
    Reply,
    invalid,
    not_found,
    paginate,
)
from maintain_repo.testing.github.routes import route
from maintain_repo.testing.github.routes.common import find_issue
from maintain_repo.testing.github.routes.issues import dedupe
from maintain_repo.testing.github.state import DEFAULT_LABEL_COLOR, Label, node_id

_COLOR = re.compile(r"^[0-9a-fA-F]{6}$")


def list_labels(ctx: Context) -> Reply:
    ctx.require("read")
    labels = sorted(ctx.state.labels.values(), key=lambda label: label.name.lower())
    return paginate(ctx, labels, ctx.view.label)


def create_label(ctx: Context) -> Reply:
    ctx.require("write")
    body = ctx.body()
    name = ctx.string(body, "name", "Label")
    if not name:
        raise invalid("Label", "name", "missing_field")
    if ctx.state.label(name) is not None:
        raise invalid("Label", "name", "already_exists")
    color = _color(ctx, body) or DEFAULT_LABEL_COLOR
    ident = ctx.state.next_id()
    label = Label(
        ident, node_id("LA", ident), name, color, ctx.string(body, "description", "Label")
    )
    ctx.state.labels[name.lower()] = label
    rendered = ctx.view.label(label)
    return Reply(201, rendered, {"location": rendered["url"]})


def get_label(ctx: Context) -> Reply:
    ctx.require("read")
    return Reply(200, ctx.view.label(_label(ctx)))


def update_label(ctx: Context) -> Reply:
    ctx.require("write")
    label, body = _label(ctx), ctx.body()
    new_name = ctx.string(body, "new_name", "Label") or ctx.string(body, "name", "Label")
    if new_name and new_name != label.name:
        clash = ctx.state.label(new_name)
        if clash is not None and clash is not label:
            raise invalid("Label", "name", "already_exists")
        _rename(ctx, label, new_name)
    color = _color(ctx, body)
    if color is not None:
        label.color = color
    if "description" in body:
        label.description = ctx.string(body, "description", "Label")
    return Reply(200, ctx.view.label(label))


def delete_label(ctx: Context) -> Reply:
    ctx.require("write")
    label = _label(ctx)
    del ctx.state.labels[label.name.lower()]
    for issue in ctx.state.issues.values():
        issue.labels = [n for n in issue.labels if n.lower() != label.name.lower()]
    return Reply(204)


def issue_labels(ctx: Context) -> Reply:
    ctx.require("read")
    issue = find_issue(ctx)
    return paginate(
        ctx, list(issue.labels), lambda name: ctx.view.label(ctx.state.ensure_label(name))
    )


def add_issue_labels(ctx: Context) -> Reply:
    return _set_labels(ctx, replace=False)


def set_issue_labels(ctx: Context) -> Reply:
    return _set_labels(ctx, replace=True)


def _set_labels(ctx: Context, *, replace: bool) -> Reply:
    ctx.require("triage")
    issue = find_issue(ctx)
    names = _label_names(ctx)
    current = [] if replace else list(issue.labels)
    issue.labels = dedupe([*current, *(ctx.state.ensure_label(n).name for n in names)])
    issue.updated_at = ctx.state.now()
    return Reply(200, ctx.view.labels_of(issue))


def remove_issue_label(ctx: Context) -> Reply:
    ctx.require("triage")
    issue = find_issue(ctx)
    name = ctx.params["name"]
    kept = [n for n in issue.labels if n.lower() != name.lower()]
    if len(kept) == len(issue.labels):
        raise ApiError(404, "Label does not exist")
    issue.labels = kept
    issue.updated_at = ctx.state.now()
    return Reply(200, ctx.view.labels_of(issue))


def remove_all_issue_labels(ctx: Context) -> Reply:
    ctx.require("triage")
    issue = find_issue(ctx)
    issue.labels = []
    issue.updated_at = ctx.state.now()
    return Reply(204)


def _label_names(ctx: Context) -> list[str]:
    """`{"labels": [...]}`, a bare array, or `{"labels": [{"name": ...}]}`, as GitHub accepts."""
    body: Any = ctx.request.body
    if isinstance(body, dict) and "labels" not in body:
        raise invalid("Label", "labels", "missing_field")
    return ctx.names(body, "labels", "Label") or []


def _label(ctx: Context) -> Label:
    label = ctx.state.label(ctx.params["name"])
    if label is None:
        raise not_found()
    return label


def _color(ctx: Context, body: dict[str, Any]) -> str | None:
    color = ctx.string(body, "color", "Label")
    if color is None:
        return None
    color = color.removeprefix("#")
    if not _COLOR.match(color):
        raise invalid("Label", "color", "invalid")
    return color.lower()


def _rename(ctx: Context, label: Label, new_name: str) -> None:
    old = label.name
    del ctx.state.labels[old.lower()]
    label.name = new_name
    ctx.state.labels[new_name.lower()] = label
    for issue in ctx.state.issues.values():
        issue.labels = [new_name if n.lower() == old.lower() else n for n in issue.labels]


ROUTES = [
    route("GET", "/repos/{owner}/{repo}/labels", list_labels),
    route("POST", "/repos/{owner}/{repo}/labels", create_label),
    route("GET", "/repos/{owner}/{repo}/labels/{name}", get_label),
    route("PATCH", "/repos/{owner}/{repo}/labels/{name}", update_label),
    route("DELETE", "/repos/{owner}/{repo}/labels/{name}", delete_label),
    route("GET", "/repos/{owner}/{repo}/issues/{issue_number}/labels", issue_labels),
    route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", add_issue_labels),
    route("PUT", "/repos/{owner}/{repo}/issues/{issue_number}/labels", set_issue_labels),
    route("DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels", remove_all_issue_labels),
    route(
        "DELETE", "/repos/{owner}/{repo}/issues/{issue_number}/labels/{name}", remove_issue_label
    ),
]
