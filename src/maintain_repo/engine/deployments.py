"""Deployments complete change records: `maintain change deployed` and GitHub's
`deployment_status` events write the change's `deployment` block and `implemented_at`,
and move it along its lifecycle.

- `in_progress` (GitHub: queued, pending, in_progress): the deployment is recorded as
  started; the change moves to `implementing`.
- `success`: `deployment.finished_at` and `implemented_at` are the deployment's finish;
  the change moves to `implemented`.
- `failure` (GitHub: failure, error): the same times (a failed deployment is a
  deployment, and counts in the change failure rate); the change moves to `failed` with
  `outcome: failed` unless an outcome is already written.

The status moves only along the change lifecycle and only when the target status's
requirements hold (an `implemented` change needs its test evidence): otherwise the
deployment is still written and the status left, and the message says why. Closed,
rejected and cancelled changes are not edited. Replaying the same deployment status
changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from maintain_repo.errors import UsageError
from maintain_repo.model.change import LIFECYCLE
from maintain_repo.model.timestamps import format_timestamp, timestamp_or_none
from maintain_repo.store.roundtrip import append, place, plain

# What a deployment names, as records spell it (the change model's patterns).
CHANGE_ID = re.compile(r"CHG-[0-9]{8}-[0-9A-HJKMNP-TV-Z]{4}")
SHA = re.compile(r"[0-9a-f]{7,64}")
ENVIRONMENT = re.compile(r"[a-z][a-z0-9_]*")
RESULTS = ("success", "failure", "in_progress")
# What a deployment record may show although a rule objects: it happened. `maintain
# check` reports it (a commit deployed without passing test evidence).
TOLERATED = ("change-tested-commit",)
TARGET = {"success": "implemented", "failure": "failed", "in_progress": "implementing"}
# GitHub's deployment states, as a change's deployment result (None: not a deployment's
# progress at all: `inactive` is an older deployment superseded by a newer one).
GITHUB_STATES: dict[str, str | None] = {
    "queued": "in_progress",
    "pending": "in_progress",
    "in_progress": "in_progress",
    "success": "success",
    "failure": "failure",
    "error": "failure",
    "inactive": None,
}


class Deployed(NamedTuple):
    """One deployment of a change, as the record will say it."""

    sha: str
    environment: str
    result: str
    at: datetime  # when this status was reached
    started_at: datetime | None = None  # when the deployment began (default: `at`)


def record_deployment(
    deployed: Deployed, *, by: str, source: str | None = None
) -> Callable[[Any], str | None]:
    """A change (for `proposals.edit_record`) that writes `deployed` into a change record;
    it returns the commit message, or None when the record already says this."""
    if deployed.result not in RESULTS:
        raise UsageError(f"a deployment result is one of {', '.join(RESULTS)}")

    def change(data: Any) -> str | None:
        ident = data.get("id")
        status = data.get("status")
        if data.get("kind") != "change":
            raise UsageError(f"{ident} is not a change record")
        if status in LIFECYCLE.final:
            raise UsageError(
                f"{ident} is {status}; a {status} change is not edited",
                hint="record the deployment on the change that carries it",
            )
        before = plain(data.get("deployment")) if data.get("deployment") is not None else None
        if _superseded(before, deployed):
            return None  # an older status, delivered late or replayed: what is written stands
        block = _block(deployed, before)
        finished = deployed.result != "in_progress"
        if before == block and (not finished or data.get("implemented_at") is not None):
            return None  # a replay
        place(data, "deployment", block)
        if finished and data.get("implemented_at") is None:
            place(data, "implemented_at", format_timestamp(deployed.at))
        if deployed.result == "failure" and data.get("outcome") is None:
            place(data, "outcome", "failed")
        moved = _move(data, TARGET[deployed.result])
        short = deployed.sha[:12]
        text = f"deployed {short} to {deployed.environment}: {deployed.result}"
        entry: dict[str, Any] = {"at": format_timestamp(deployed.at), "by": by, "event": "deployed"}
        entry["text"] = text + (f"; {moved}" if moved else "")
        if source is not None:
            entry["source"] = source
        append(data, "timeline", entry)
        return f"{ident}: {text}" + (f" ({moved})" if moved else "")

    return change


def _superseded(before: Any, deployed: Deployed) -> bool:
    """Whether the record's deployment is newer than `deployed`: it was reached later (a
    status of an older deployment, delivered late), or it is the same deployment finished
    and this is one of its earlier, unfinished statuses."""
    if not isinstance(before, dict):
        return False
    latest = timestamp_or_none(before.get("finished_at")) or timestamp_or_none(
        before.get("started_at")
    )
    if latest is not None and deployed.at < latest:
        return True
    same = (before.get("commit_sha"), before.get("environment")) == (
        deployed.sha,
        deployed.environment,
    )
    return same and before.get("result") != "in_progress" and deployed.result == "in_progress"


def _block(deployed: Deployed, before: Any) -> dict[str, Any]:
    same = (
        isinstance(before, dict)
        and before.get("commit_sha") == deployed.sha
        and before.get("environment") == deployed.environment
    )
    started = (
        deployed.started_at
        or (timestamp_or_none(before.get("started_at")) if same else None)
        or deployed.at
    )
    block: dict[str, Any] = {
        "commit_sha": deployed.sha,
        "environment": deployed.environment,
        "started_at": format_timestamp(started),
    }
    if deployed.result != "in_progress":
        block["finished_at"] = format_timestamp(max(deployed.at, started))
    block["result"] = deployed.result
    return block


def _move(data: Any, target: str) -> str:
    """Move the status to `target` when the lifecycle allows it and the record meets the
    target's requirements; else say what kept it (the empty string: moved, or there)."""
    status = data.get("status")
    if status == target:
        return ""
    record = plain(data)
    if not isinstance(status, str) or not LIFECYCLE.reaches(status, target, record):
        return f"status left at {status}: the change lifecycle does not lead to {target}"
    missing = LIFECYCLE.missing(record, target)
    if missing:
        names = ", ".join(" or ".join(r.any_of) for r in missing)
        return f"status left at {status}: {target} needs {names}"
    data["status"] = target
    return f"status {status} -> {target}"
