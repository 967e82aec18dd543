"""The emulator's own HTTP endpoints under `/_emulator/`, to drive a standalone emulator from
a shell (they are not GitHub's, need no token, and are not recorded):

  GET    /_emulator/state       issues, pulls, labels, comments, reviews, statuses, check runs,
                                Dependabot and code scanning alerts
  GET    /_emulator/tokens      login -> token
  GET    /_emulator/exchanges   the recorded GitHub exchanges
  GET    /_emulator/faults      the faults in force
  POST   /_emulator/faults      add a fault: {"method", "path", "status", "times", "when", ...}
  DELETE /_emulator/faults      remove every fault
  POST   /_emulator/webhooks    {"event", "action", "number", ...}: a webhook payload
  POST   /_emulator/dependabot-alerts     {"package", ...}: seed a Dependabot alert
  POST   /_emulator/code-scanning-alerts  {"rule_id", "path", ...}: seed a code scanning alert
  POST   /_emulator/fixed-alerts  {"kind": "dependabot"|"code_scanning", "number"}: mark fixed

(the seeding keys are those of `Emulator.seed_dependabot_alert` and
`Emulator.seed_code_scanning_alert`; the answer is the alert as the API renders it)
"""

from __future__ import annotations

from typing import Any

from maintain_repo.testing.github.faults import Fault
from maintain_repo.testing.github.protocol import ApiError, Reply, Request, not_found
from maintain_repo.testing.github.server import Core
from maintain_repo.testing.github.state import DependabotAlert
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
    if key[0] == "POST" and key[1] in ("dependabot-alerts", "code-scanning-alerts", "fixed-alerts"):
        return _alert(core, request, key[1])
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
            "dependabot_alerts": [
                view.dependabot_alert(state.dependabot_alerts[n])
                for n in sorted(state.dependabot_alerts)
            ],
            "code_scanning_alerts": [
                view.code_scanning_alert(state.code_scanning_alerts[n])
                for n in sorted(state.code_scanning_alerts)
            ],
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


def _alert(core: Core, request: Request, what: str) -> Reply:
    body = dict(request.body) if isinstance(request.body, dict) else {}
    view, state = core.view(request.base_url), core.state
    try:
        with state.lock:
            if what == "dependabot-alerts":
                found = state.add_dependabot_alert(**body)
                return Reply(201, view.dependabot_alert(found))
            if what == "code-scanning-alerts":
                scanned = state.add_code_scanning_alert(**body)
                return Reply(201, view.code_scanning_alert(scanned))
            fixed = state.fix_alert(str(body.get("kind")), _int(body.get("number")))
            if isinstance(fixed, DependabotAlert):
                return Reply(200, view.dependabot_alert(fixed))
            return Reply(200, view.code_scanning_alert(fixed))
    except (KeyError, ValueError, TypeError) as error:
        raise ApiError(422, f"Invalid alert: {error}") from None


def _int(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"number is an alert's number, not {value!r}")
    return value
