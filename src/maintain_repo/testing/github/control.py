"""The emulator's own HTTP endpoints under `/_emulator/`, to drive a standalone emulator from
a shell (they are not GitHub's, need no token, and are not recorded):

  GET    /_emulator/state       issues, pulls, labels, comments, reviews, statuses, check runs
  GET    /_emulator/tokens      login -> token
  GET    /_emulator/exchanges   the recorded GitHub exchanges
  GET    /_emulator/faults      the faults in force
  POST   /_emulator/faults      add a fault: {"method", "path", "status", "times", "when", ...}
  DELETE /_emulator/faults      remove every fault
  POST   /_emulator/webhooks    {"event", "action", "number", ...}: a webhook payload
"""

from __future__ import annotations

from typing import Any

from maintain_repo.testing.github.faults import Fault
from maintain_repo.testing.github.protocol import ApiError, Reply, Request, not_found
from maintain_repo.testing.github.server import Core
from maintain_repo.testing.github.webhooks import build


def handle(core: Core, request: Request) -> Reply:
    name = request.path.removeprefix("/_emulator/").strip("/")
    key = (request.method, name)
    if key == ("GET", "state"):
        return Reply(200, snapshot(core, request.base_url))
    if key == ("GET", "tokens"):
        return Reply(200, {u.login: u.token for u in core.state.users.values()})
    if key == ("GET", "exchanges"):
        return Reply(200, [e.to_json() for e in core.exchanges()])
    if key == ("GET", "faults"):
        return Reply(200, [f.to_json() for f in core.faults.pending()])
    if key == ("POST", "faults"):
        core.faults.add(_fault(request.body))
        return Reply(201, {"faults": [f.to_json() for f in core.faults.pending()]})
    if key == ("DELETE", "faults"):
        core.faults.clear()
        return Reply(204)
    if key == ("POST", "webhooks"):
        return Reply(200, _webhook(core, request))
    raise not_found()


def snapshot(core: Core, base_url: str) -> dict[str, Any]:
    """Everything the emulator holds, rendered as the API renders it."""
    state, view = core.state, core.view(base_url)
    with state.lock:
        issues = sorted(state.issues.values(), key=lambda i: i.number)
        return {
            "repository": state.full_name,
            "issues": [view.issue(i) for i in issues],
            "pulls": [view.pull(i) for i in issues if i.pull is not None],
            "labels": [view.label(label) for label in state.labels.values()],
            "comments": [view.comment(c) for c in state.comments.values()],
            "reviews": [view.review(r) for r in state.reviews.values()],
            "statuses": [view.status(s) for s in state.statuses],
            "check_runs": [view.check_run(r) for r in state.check_runs],
        }


def _fault(body: Any) -> Fault:
    if not isinstance(body, dict):
        raise ApiError(400, "Problems parsing JSON")
    try:
        return Fault.from_json(body)
    except (TypeError, ValueError) as error:
        raise ApiError(422, f"Invalid fault: {error}") from None


def _webhook(core: Core, request: Request) -> dict[str, Any]:
    body = dict(request.body) if isinstance(request.body, dict) else {}
    event, action = body.pop("event", None), body.pop("action", None)
    if not isinstance(event, str) or not isinstance(action, str):
        raise ApiError(422, "A webhook needs an event and an action")
    try:
        return build(core.state, core.view(request.base_url), event, action, body)
    except (KeyError, ValueError, TypeError) as error:
        raise ApiError(422, str(error)) from None
