"""`timestamp-future`: every timestamp field of every record kind is decided, judged at
`--now` (with a few minutes of clock skew), on cold and warm (cached) runs alike."""

from __future__ import annotations

import json
import typing
from datetime import datetime

import pytest
from pydantic import BaseModel

import casework
from maintain_repo.cli import main
from maintain_repo.model.kinds import KINDS
from maintain_repo.rules.future import PLANNED, field_of, planned, stated_times

# Every timestamp field of every record kind, and whether it may name a time to come.
# A new timestamp field fails this test until it is decided here (and in PLANNED).
DECIDED: dict[tuple[str, str], bool] = {
    **{(kind, "created_at"): kind == "waiver" for kind in KINDS},  # a waiver may start later
    **{(kind, "timeline.at"): False for kind in KINDS},
    ("change", "schedule.planned_start"): True,
    ("change", "schedule.planned_end"): True,
    ("change", "test_evidence.at"): False,
    ("change", "approval.approvers.at"): False,
    ("change", "approval.evaluated_at"): False,
    ("change", "deployment.started_at"): False,
    ("change", "deployment.finished_at"): False,
    ("change", "review.completed_at"): False,
    ("change", "submitted_at"): False,
    ("change", "implemented_at"): False,
    ("change", "closed_at"): False,
    ("finding", "first_seen"): False,
    ("finding", "last_seen"): False,
    ("finding", "mitigated_at"): False,
    ("finding", "sla.start"): False,
    ("finding", "sla.due"): True,
    ("improvement", "due"): True,
    ("improvement", "started_at"): False,
    ("improvement", "done_at"): False,
    ("incident", "impact_started_at"): False,
    ("incident", "detected_at"): False,
    ("incident", "reported_at"): False,
    ("incident", "acknowledged_at"): False,
    ("incident", "mitigated_at"): False,
    ("incident", "resolved_at"): False,
    ("incident", "closed_at"): False,
    ("incident", "postmortem.due"): True,
    ("incident", "postmortem.reviewed_at"): False,
    ("problem", "known_error_at"): False,
    ("problem", "resolved_at"): False,
    ("problem", "closed_at"): False,
    ("service", "retired_at"): True,  # until the service is retired (tested below)
    ("service", "maintenance.start"): True,
    ("service", "maintenance.end"): True,
    ("waiver", "expires"): True,
    ("waiver", "revoked_at"): False,
}


def _timestamp_fields(model: type[BaseModel], prefix: str = "") -> set[str]:
    """The dotted names of the timestamp fields of `model`, nested models included."""
    found = set()
    for name, info in model.model_fields.items():
        for leaf in _leaves(info.annotation):
            if leaf is datetime:
                found.add(prefix + name)
            elif isinstance(leaf, type) and issubclass(leaf, BaseModel):
                found |= _timestamp_fields(leaf, f"{prefix}{name}.")
    return found


def _leaves(annotation: object) -> list[object]:
    """The plain types inside an annotation (through unions, lists, Annotated...)."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _leaves(args[0])
    if not args:
        return [annotation]
    return [leaf for arg in args for leaf in _leaves(arg)]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_timestamp_field_is_decided(kind):
    fields = _timestamp_fields(KINDS[kind].model)
    assert fields == {name for k, name in DECIDED if k == kind}
    assert set(PLANNED) == set(KINDS)
    assert PLANNED[kind] == {name for (k, name), ahead in DECIDED.items() if k == kind and ahead}


def test_the_walk_finds_nested_and_listed_timestamps(make_repo):
    from maintain_repo.engine.load import load_records

    records = dict(load_records(make_repo()))
    change = records["records/changes/CHG-20260228-4QX1.yaml"]
    pointers = [pointer for pointer, _ in stated_times(change)]
    assert ("approval", "approvers", 0, "at") in pointers
    assert ("test_evidence", 0, "at") in pointers
    assert ("deployment", "finished_at") in pointers
    assert field_of(("approval", "approvers", 0, "at")) == "approval.approvers.at"
    service = records["records/services/checkout-api.yaml"]
    assert planned(service, "retired_at")
    assert not planned(service.model_copy(update={"status": "retired"}), "retired_at")
    assert not planned(service, "created_at")


ACKNOWLEDGED = "records/incidents/INC-20260331-4F7Q.yaml"
INCIDENT = """\
id: INC-20260331-4F7Q
kind: incident
schema_version: 1
title: Search results are stale
status: active
owner: alice
created_at: 2026-03-31T22:10:00Z
severity: SEV3
type: performance
services: [checkout-api]
reported_at: 2026-03-31T22:10:00Z
acknowledged_at: 2026-04-07T22:15:00Z
"""


def _future(root, capsys, now, *extra):
    code = main(["--root", str(root), "check", "--format", "json", "--now", now, *extra])
    findings = json.loads(capsys.readouterr().out)["findings"]
    return code, [f["message"] for f in findings if f["rule"] == "timestamp-future"]


@pytest.mark.parametrize("cache", [[], ["--no-cache"]], ids=["cached", "cold"])
def test_judged_at_now_whatever_the_cache_holds(make_repo, capsys, cache):
    root = make_repo({ACKNOWLEDGED: INCIDENT})
    # A week later the acknowledgement has happened; checked now, it has not.
    assert _future(root, capsys, "2026-04-08T00:00:00Z", *cache) == (0, [])
    code, messages = _future(root, capsys, "2026-04-01T00:00:00Z", *cache)
    assert code == 1
    assert messages == [
        "acknowledged_at is 2026-04-07T22:15:00Z, later than the time of the check "
        "(2026-04-01T00:00:00Z); it says when something happened, which cannot be in the future"
    ]
    # Within the skew allowed: nothing; just past it: a finding.
    assert _future(root, capsys, "2026-04-07T22:10:00Z", *cache) == (0, [])
    assert _future(root, capsys, "2026-04-07T22:09:59Z", *cache)[0] == 1


def test_settings_can_relevel_it(make_repo, capsys):
    settings = (make_repo() / "policies/settings.yaml").read_text()
    root = make_repo(
        {
            ACKNOWLEDGED: INCIDENT,
            "policies/settings.yaml": settings
            + "rules:\n  timestamp-future: {severity: warning}\n",
        }
    )
    code, messages = _future(root, capsys, "2026-04-01T00:00:00Z")
    assert code == 0
    assert len(messages) == 1


def test_the_latest_time_is_the_latest_that_happened(make_repo):
    from maintain_repo.engine.load import load_records
    from maintain_repo.rules.future import happened, latest_stated

    root = make_repo(casework.CASES / "valid/planned-times-ahead")
    records = [record for _, record in load_records(root)]
    assert len(records) >= 9
    for record in records:
        assert latest_stated(record) == max((m for _, m in happened(record)), default=None)
    by_id = {record.id: record for record in records}
    # The deprecated service's retirement and its maintenance windows are ahead: not counted.
    assert latest_stated(by_id["payments"]) == by_id["payments"].created_at
