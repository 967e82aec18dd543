"""`maintain github sync` on `deployment_status` events: the deployed change's record
gets its deployment (`engine.deployments`), through its record pull request.

Which change a deployment carries, in this order:

1. the deployment's payload names it: `{"change": "CHG-..."}` (as `gh api
   repos/O/R/deployments -f payload[change]=CHG-...` or any deploy tool can send);
2. change records that name the deployed commit already (`approval.head_sha`,
   `deployment.commit_sha`, a `test_evidence` entry's `commit_sha`);
3. change records that a pull request GitHub associates with the commit (its head, or
   merged as it) changes, or that name such a pull request (`approval.pull_request`,
   `links.pull_requests`).

A deployment to an environment the change does not list (`environments`; when it lists
none: the production environment) is not the change's implementation and is skipped,
as are `inactive` statuses. Everything in the payload is data: ids are matched against
patterns, nothing is run or interpolated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from maintain_repo.engine.deployments import (
    CHANGE_ID,
    ENVIRONMENT,
    GITHUB_STATES,
    SHA,
    TOLERATED,
    Deployed,
    record_deployment,
)
from maintain_repo.engine.incident_edits import handle_of
from maintain_repo.engine.incidents import Ops
from maintain_repo.engine.proposals import Refused, edit_record
from maintain_repo.engine.report import read_items
from maintain_repo.github.markers import marker
from maintain_repo.model.timestamps import timestamp_or_none
from maintain_repo.report.measures import Item


@dataclass(frozen=True)
class DeploymentEvent:
    status_id: int
    sha: str
    environment: str
    state: str
    at: datetime
    started_at: datetime | None
    production: bool
    named_change: str | None
    creator: str | None


def read_deployment_event(payload: Mapping[str, Any]) -> DeploymentEvent | None:
    """The event's facts; None when the payload is not a deployment status we can use
    (ValueError names what is malformed)."""
    status = payload.get("deployment_status")
    deployment = payload.get("deployment")
    if not isinstance(status, dict) or not isinstance(deployment, dict):
        raise ValueError("a deployment_status payload has deployment_status and deployment")
    sha = deployment.get("sha")
    if not isinstance(sha, str) or not SHA.fullmatch(sha):
        raise ValueError("the deployment's sha is not a commit sha")
    raw_environment = status.get("environment") or deployment.get("environment")
    environment = raw_environment.lower() if isinstance(raw_environment, str) else ""
    state = status.get("state")
    ident = status.get("id")
    if not isinstance(state, str) or not isinstance(ident, int):
        raise ValueError("the deployment status has no state or id")
    at = timestamp_or_none(status.get("created_at"))
    if at is None:
        raise ValueError("the deployment status has no created_at time")
    creator = status.get("creator")
    login = creator.get("login") if isinstance(creator, dict) else None
    return DeploymentEvent(
        status_id=ident,
        sha=sha,
        environment=environment,
        state=state,
        at=at,
        started_at=timestamp_or_none(deployment.get("created_at")),
        production=deployment.get("production_environment") is True,
        named_change=_named_change(deployment.get("payload")),
        creator=login if isinstance(login, str) else None,
    )


def _named_change(payload: object) -> str | None:
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except ValueError:
            return None
    value = payload.get("change") if isinstance(payload, dict) else None
    return value if isinstance(value, str) and CHANGE_ID.fullmatch(value) else None


def changes_deployed(
    changes: Sequence[Item],
    event: DeploymentEvent,
    pulls: Sequence[int],
    changed: Sequence[str] = (),
) -> list[Item]:
    """The change records the deployment carries (see the module): `pulls` are the pull
    requests GitHub associates with the commit, `changed` the files they change."""
    if event.named_change is not None:
        return [item for item in changes if item.id == event.named_change]
    by_commit = [item for item in changes if event.sha in _commits(item)]
    if by_commit:
        return by_commit
    wanted, touched = set(pulls), set(changed)
    return [item for item in changes if wanted & _pulls(item) or item.path in touched]


def _commits(item: Item) -> set[str]:
    evidence = item.get("test_evidence")
    entries = evidence if isinstance(evidence, list) else []
    found = [item.get("approval.head_sha"), item.get("deployment.commit_sha")]
    found += [e.get("commit_sha") for e in entries if isinstance(e, dict)]
    return {sha for sha in found if isinstance(sha, str)}


def _pulls(item: Item) -> set[int]:
    listed = item.get("links.pull_requests")
    numbers = [item.get("approval.pull_request"), *(listed if isinstance(listed, list) else [])]
    return {n for n in numbers if isinstance(n, int) and not isinstance(n, bool)}


def counts_for(item: Item, event: DeploymentEvent) -> bool:
    """Whether a deployment to the event's environment implements the change."""
    listed = item.get("environments")
    if isinstance(listed, list) and listed:
        return event.environment in listed
    return event.production or event.environment == "production"


def sync_deployment(ops: Ops, payload: Mapping[str, Any], now: datetime) -> tuple[str, bool]:
    """Act on one deployment_status event: (summary line, failed)."""
    try:
        event = read_deployment_event(payload)
    except ValueError as e:
        return f"deployment_status: {e}; nothing to do", False
    assert event is not None
    result = GITHUB_STATES.get(event.state)
    if result is None:
        return f"deployment_status {event.state}: not a deployment's progress; nothing to do", False
    if not ENVIRONMENT.fullmatch(event.environment):
        return "deployment_status: the environment is not a lowercase name; nothing to do", False
    changes = read_items(ops.root, ["change"])
    pulls: list[int] = []
    changed: list[str] = []
    if event.named_change is None and not any(event.sha in _commits(c) for c in changes):
        # The usual case: the change record came in with the pull request that was merged
        # as the deployed commit (its approval block may still be on a record branch).
        pulls = ops.api.pulls_of_commit(event.sha)
        changed = [path for number in pulls for path in ops.api.pull_files(number)]
    found = changes_deployed(changes, event, pulls, changed)
    if not found:
        return f"deployment of {event.sha[:12]}: no change record names it; nothing to do", False
    lines, failed = [], False
    deployed = Deployed(event.sha, event.environment, result, event.at, event.started_at)
    by = event.creator or ops.api.login
    source = f"github:deployment_status:{event.status_id}"
    for item in found:
        if not counts_for(item, event):
            lines.append(f"{item.id}: {event.environment} is not where it is implemented; skipped")
            continue
        change = record_deployment(deployed, by=handle_of(by), source=source)
        record_id = item.id

        def edit(checkout: Path, record_id: str = record_id, change: Any = change) -> str | None:
            return edit_record(checkout, record_id, change, tolerated=TOLERATED)

        try:
            proposal = ops.propose(
                record_id,
                edit,
                f"Change {record_id}: deployed to {event.environment}",
                f"The deployment of `{event.sha[:12]}` to `{event.environment}` "
                f"({event.state}), written by maintain.\n\n" + marker("pull", record_id),
            )
        except Refused as e:
            lines.append(f"{record_id}: not written: {e}")
            failed = True
            continue
        where = f" (pull request #{proposal.pull.number})" if proposal.pull else ""
        done = "deployment written" if proposal.published.changed else "already says so"
        lines.append(f"{record_id}: {done}{where}")
    return "; ".join(lines), failed
