"""The report's measures on records whose every figure is worked out by hand below.

The window is October 2026 (31 days): `since` is in, `until` is out. The records are
plain mappings, as the report reads them; each figure's arithmetic is in a comment next
to it, so a change of formula shows up here as a wrong number, not a changed snapshot.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from maintain_repo.report.measures import Item, Window, measure, percentiles, tier
from maintain_repo.report.ops_review import render_markdown, render_text

SINCE = datetime(2026, 10, 1, tzinfo=UTC)
UNTIL = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def record(kind: str, ident: str, **fields: object) -> Item:
    folder = {
        "incident": "incidents",
        "change": "changes",
        "improvement": "improvements",
        "finding": "findings",
        "service": "services",
    }[kind]
    data = {"id": ident, "kind": kind, "created_at": "2026-09-01T00:00:00Z", **fields}
    return Item(f"records/{folder}/{ident}.yaml", data)


INCIDENTS = [
    # Reported exactly at `since`: in the window. Impact started ten minutes earlier.
    record(
        "incident",
        "INC-1",
        severity="SEV1",
        status="closed",
        reported_at="2026-10-01T00:00:00Z",
        impact_started_at="2026-09-30T23:50:00Z",
        acknowledged_at="2026-10-01T00:10:00Z",  # TTA 10 min
        mitigated_at="2026-10-01T00:50:00Z",  # TTM 60 min (from impact)
        resolved_at="2026-10-01T01:50:00Z",  # TTR 120 min (from impact)
        postmortem={"status": "reviewed", "reviewed_at": "2026-10-03T01:50:00Z"},  # 2 days
        cause={"summary": "bad deploy", "triggering_change": "CHG-A"},
        problem="PRB-1",
        action_items=["IMP-1", "IMP-2"],
        services=["api"],
    ),
    # No impact_started_at: the clocks start at reported_at.
    record(
        "incident",
        "INC-2",
        severity="SEV2",
        status="resolved",
        reported_at="2026-10-10T12:00:00Z",
        acknowledged_at="2026-10-10T12:30:00Z",  # TTA 30 min
        mitigated_at="2026-10-10T13:00:00Z",  # TTM 60 min
        resolved_at="2026-10-10T15:00:00Z",  # TTR 180 min
        postmortem={"status": "draft"},
        problem="PRB-1",
        services=["api"],
    ),
    # Still active: acknowledged (TTA 20 min) but neither mitigated nor resolved.
    record(
        "incident",
        "INC-3",
        severity="SEV3",
        status="active",
        reported_at="2026-10-20T00:00:00Z",
        acknowledged_at="2026-10-20T00:20:00Z",
        services=["web"],
    ),
    record(
        "incident",
        "INC-4",
        severity="SEV4",
        status="declined",
        reported_at="2026-10-05T00:00:00Z",
        resolution="not ours",
    ),
    # Reported exactly at `until`, and a second before `since`: both outside.
    record(
        "incident", "INC-5", severity="SEV3", status="triage", reported_at="2026-11-01T00:00:00Z"
    ),
    record(
        "incident", "INC-6", severity="SEV2", status="triage", reported_at="2026-09-30T23:59:59Z"
    ),
    # In triage, severity not known yet, nobody acknowledged.
    record(
        "incident", "INC-7", severity="unknown", status="triage", reported_at="2026-10-25T00:00:00Z"
    ),
]

CHANGES = [
    # Submitted 48 h before; approved before it was implemented; caused INC-1.
    record(
        "change",
        "CHG-A",
        type="normal",
        status="closed",
        submitted_at="2026-09-29T00:00:00Z",
        implemented_at="2026-10-01T00:00:00Z",
        approval={"evaluated_at": "2026-09-30T00:00:00Z"},
        caused_incidents=["INC-1"],
    ),
    # A standard change: lead time from created_at (12 h); needs no approval.
    record(
        "change",
        "CHG-B",
        type="standard",
        status="implemented",
        created_at="2026-10-04T12:00:00Z",
        implemented_at="2026-10-05T00:00:00Z",
        outcome="successful",
    ),
    # Lead time 24 h; approved an hour after it was implemented; rolled back.
    record(
        "change",
        "CHG-C",
        type="normal",
        status="rolled_back",
        outcome="rolled_back",
        submitted_at="2026-10-05T00:00:00Z",
        implemented_at="2026-10-06T00:00:00Z",
        approval={"evaluated_at": "2026-10-06T01:00:00Z"},
    ),
    # The window's last second; lead time 59 min 59 s; no approval; a freeze override.
    record(
        "change",
        "CHG-D",
        type="emergency",
        status="implemented",
        submitted_at="2026-10-31T23:00:00Z",
        implemented_at="2026-10-31T23:59:59Z",
        freeze_override={"justification": "outage", "approver": "bob"},
    ),
    record(
        "change",
        "CHG-E",
        type="normal",
        status="implemented",
        submitted_at="2026-10-30T00:00:00Z",
        implemented_at="2026-11-01T00:00:00Z",
    ),
    record(
        "change", "CHG-F", type="normal", status="submitted", submitted_at="2026-10-30T00:00:00Z"
    ),
]

IMPROVEMENTS = [
    record(
        "improvement",
        "IMP-1",
        status="done",
        source={"kind": "incident", "ref": "INC-1"},
        created_at="2026-10-01T02:00:00Z",
        done_at="2026-10-10T00:00:00Z",
        due="2026-10-15T00:00:00Z",
    ),  # on time
    record(
        "improvement",
        "IMP-2",
        status="open",
        source={"kind": "incident", "ref": "INC-1"},
        created_at="2026-10-01T02:00:00Z",
        due="2026-10-15T00:00:00Z",
    ),  # overdue
    record(
        "improvement",
        "IMP-3",
        status="done",
        source={"kind": "finding", "ref": "SF-1"},
        created_at="2026-09-01T00:00:00Z",
        done_at="2026-10-20T00:00:00Z",
        due="2026-10-19T00:00:00Z",
    ),  # opened before the window; done a day late
    record(
        "improvement",
        "IMP-4",
        status="done",
        source={"kind": "product"},
        created_at="2026-10-31T12:00:00Z",
        done_at="2026-10-31T13:00:00Z",
    ),  # no due
]

FINDINGS = [
    record(
        "finding",
        "SF-1",
        severity="high",
        status="open",
        first_seen="2026-10-02T00:00:00Z",
        sla={"start": "2026-10-02T00:00:00Z", "due": "2026-10-20T00:00:00Z"},
    ),  # overdue
    record(
        "finding",
        "SF-2",
        severity="critical",
        status="mitigated",
        first_seen="2026-10-01T00:00:00Z",
        mitigated_at="2026-10-03T00:00:00Z",  # 2 days
        sla={"start": "2026-10-01T00:00:00Z", "due": "2026-10-08T00:00:00Z"},
    ),  # in time
    record(
        "finding",
        "SF-3",
        severity="high",
        status="mitigated",
        first_seen="2026-09-01T00:00:00Z",
        mitigated_at="2026-10-11T00:00:00Z",  # 40 days
        sla={"start": "2026-09-01T00:00:00Z", "due": "2026-10-01T00:00:00Z"},
    ),  # late
    # Mitigated only after `until`: open at `until`, not yet due.
    record(
        "finding",
        "SF-4",
        severity="medium",
        status="mitigated",
        first_seen="2026-10-15T00:00:00Z",
        mitigated_at="2026-11-05T00:00:00Z",
        sla={"start": "2026-10-15T00:00:00Z", "due": "2026-11-14T00:00:00Z"},
    ),
    # First seen after `until`: not open at `until`.
    record("finding", "SF-5", severity="low", status="open", first_seen="2026-11-02T00:00:00Z"),
    # Mitigated in 10 days, but with no SLA clock: not counted for compliance.
    record(
        "finding",
        "SF-6",
        severity="medium",
        status="mitigated",
        first_seen="2026-10-02T00:00:00Z",
        mitigated_at="2026-10-12T00:00:00Z",
    ),
]

ALL = INCIDENTS + CHANGES + IMPROVEMENTS + FINDINGS


@pytest.fixture(scope="module")
def doc():
    return measure(ALL, Window(SINCE, UNTIL), now=NOW)


def test_the_window_and_the_document(doc):
    assert doc["schema_version"] == 1
    assert doc["window"] == {
        "since": "2026-10-01T00:00:00Z",
        "until": "2026-11-01T00:00:00Z",
        "days": 31,
    }
    assert doc["generated_at"] == "2026-11-02T09:00:00Z"
    json.dumps(doc)  # plain JSON all the way down


def test_incidents_are_counted_on_the_window_edges(doc):
    incidents = doc["incidents"]
    # INC-1 (at since), 2, 3, 7; not INC-4 (declined), 5 (at until), 6 (before since).
    assert incidents["count"] == 4
    assert incidents["by_severity"] == {"SEV1": 1, "SEV2": 1, "SEV3": 1, "SEV4": 0, "unknown": 1}
    assert incidents["by_service"] == {"api": 2, "web": 1}
    assert incidents["by_month"] == {"2026-10": 4}


def test_response_times_odd_and_even_counts(doc):
    incidents = doc["incidents"]
    # TTA [10, 20, 30] min: median 20; p90 at (3-1)*0.9 = 1.8 -> 20 + 0.8*10 = 28.
    assert incidents["time_to_acknowledge"] == {"n": 3, "p50_minutes": 20.0, "p90_minutes": 28.0}
    # TTM [60 (from impact), 60 (from reported_at)]: both 60.
    assert incidents["time_to_mitigate"] == {"n": 2, "p50_minutes": 60.0, "p90_minutes": 60.0}
    # TTR [120, 180]: median (120+180)/2 = 150; p90 at 0.9 -> 120 + 0.9*60 = 174.
    assert incidents["time_to_resolve"] == {"n": 2, "p50_minutes": 150.0, "p90_minutes": 174.0}


def test_postmortems_action_items_and_repeats(doc):
    incidents = doc["incidents"]
    # Required: the SEV1 and the SEV2; reviewed: INC-1's, 2 days after resolution.
    assert incidents["postmortems"] == {
        "required": 2,
        "reviewed": 1,
        "days_to_review": {"n": 1, "p50_days": 2.0, "p90_days": 2.0},
    }
    # INC-1 lists IMP-1 (done) and IMP-2 (open, due 15 October: overdue at `until`).
    assert incidents["action_items"] == {"listed": 2, "open": 1, "overdue": 1, "done": 1}
    # INC-2 names PRB-1, which INC-1 (reported earlier) names too.
    assert incidents["repeat"] == {"count": 1, "incidents": ["INC-2"]}


def test_dora(doc):
    dora = doc["dora"]
    # Deployments: CHG-A, B, C, D (E is implemented at `until`, F not at all).
    assert dora["deployments"] == 4
    # 4 / 31 days * 7 = 0.90322...
    assert dora["deployment_frequency_per_week"] == 0.9032
    # Lead times [48, 12, 24, 0.99972] h, sorted [0.99972, 12, 24, 48]: median (12+24)/2 = 18;
    # p90 at (4-1)*0.9 = 2.7 -> 24 + 0.7*(48-24) = 40.8.
    assert dora["change_lead_time"] == {"n": 4, "p50_hours": 18.0, "p90_hours": 40.8}
    # Failed: CHG-A (caused INC-1) and CHG-C (rolled back): 2 / 4.
    assert dora["change_failure_rate"] == 0.5
    assert dora["failed_deployments"] == 2
    # Incidents with a triggering change: INC-1, resolved 120 min after impact: 2 h.
    assert dora["failed_deployment_recovery_time"] == {"n": 1, "p50_hours": 2.0, "p90_hours": 2.0}
    assert dora["tiers"] == {
        "deployment_frequency": "medium",  # < 1 a week, >= 12/52 a week
        "change_lead_time": "elite",  # 18 h < 24 h
        "change_failure_rate": "low",  # 50 % > 15 %
        "failed_deployment_recovery_time": "high",  # 2 h < 24 h
    }


def test_changes(doc):
    changes = doc["changes"]
    assert changes["deployed_by_type"] == {"emergency": 1, "normal": 2, "standard": 1}
    # Needing approval: A, C, D (B is standard); approved in time: A only.
    assert changes["needing_approval"] == 3
    assert changes["approved_before_implemented"] == 1
    assert changes["approval_compliance"] == 0.3333
    assert changes["freeze_overrides"] == 1
    assert changes["rollbacks"] == 1


def test_improvements(doc):
    improvements = doc["improvements"]
    # Opened in October: IMP-1, 2, 4 (IMP-3 in September); done in October: IMP-1, 3, 4.
    assert improvements["opened"] == 3
    assert improvements["opened_by_month"] == {"2026-10": 3}
    assert improvements["done"] == 3
    assert improvements["done_by_month"] == {"2026-10": 3}
    # With a due date: IMP-1 on time, IMP-3 late -> 1/2; IMP-4 has none (not counted).
    assert improvements["on_time"] == 0.5
    assert improvements["by_source"] == {"incident": 2, "product": 1}


def test_security(doc):
    security = doc["security"]
    # Open at `until`: SF-1 (high) and SF-4 (mitigated after `until`); SF-5 was seen later.
    assert security["open_by_severity"] == {
        "critical": 0,
        "high": 1,
        "medium": 1,
        "low": 0,
        "info": 0,
    }
    assert security["open"] == 2
    assert security["overdue"] == 1  # SF-1, due 20 October
    # Mitigated in the window: SF-2 (in time), SF-3 (late), SF-6 (no SLA): 1 / 2.
    assert security["mitigated"] == 3
    assert security["sla_compliance"] == 0.5
    remediate = security["time_to_remediate"]
    assert remediate["critical"] == {"n": 1, "p50_days": 2.0, "p90_days": 2.0}
    assert remediate["high"] == {"n": 1, "p50_days": 40.0, "p90_days": 40.0}
    assert remediate["medium"] == {"n": 1, "p50_days": 10.0, "p90_days": 10.0}
    assert remediate["low"] == {"n": 0, "p50_days": None, "p90_days": None}


def test_records_a_measure_could_not_use_are_listed(doc):
    unknown = {(u["record"], u["metric"], u["field"]) for u in doc["unknown"]}
    assert unknown == {
        ("INC-3", "incidents.time_to_mitigate", "mitigated_at"),
        ("INC-3", "incidents.time_to_resolve", "resolved_at"),
        ("INC-7", "incidents.time_to_acknowledge", "acknowledged_at"),
        ("INC-7", "incidents.time_to_mitigate", "mitigated_at"),
        ("INC-7", "incidents.time_to_resolve", "resolved_at"),
        ("IMP-4", "improvements.on_time", "due"),
        ("SF-6", "security.sla_compliance", "sla.due"),
    }
    assert all(u["reason"] == "missing" for u in doc["unknown"])
    assert {u["path"] for u in doc["unknown"] if u["record"] == "IMP-4"} == {
        "records/improvements/IMP-4.yaml"
    }


def test_a_value_that_is_not_a_timestamp_is_listed_not_guessed():
    broken = record(
        "incident",
        "INC-9",
        severity="SEV3",
        status="resolved",
        reported_at="2026-10-02T00:00:00Z",
        acknowledged_at="yesterday",
    )
    doc = measure([broken], Window(SINCE, UNTIL), now=NOW)
    assert doc["incidents"]["time_to_acknowledge"]["n"] == 0
    assert {
        "record": "INC-9",
        "path": "records/incidents/INC-9.yaml",
        "metric": "incidents.time_to_acknowledge",
        "field": "acknowledged_at",
        "reason": "not an RFC 3339 timestamp",
    } in doc["unknown"]


def test_one_service():
    doc = measure(ALL, Window(SINCE, UNTIL), now=NOW, service="web")
    assert doc["service"] == "web"
    assert doc["incidents"]["count"] == 1  # INC-3
    assert doc["dora"]["deployments"] == 0  # no change names `web`
    assert doc["dora"]["change_failure_rate"] is None
    assert doc["dora"]["tiers"]["deployment_frequency"] is None


def test_no_findings_no_security_section():
    doc = measure(INCIDENTS, Window(SINCE, UNTIL), now=NOW)
    assert doc["security"] is None


@pytest.mark.parametrize(
    ("values", "p50", "p90"),
    [
        ([], None, None),
        ([7], 7.0, 7.0),
        ([1, 2], 1.5, 1.9),  # p90 at 0.9 -> 1 + 0.9
        ([5, 1, 3], 3.0, 4.6),  # sorted [1, 3, 5]: p90 at 1.8 -> 3 + 0.8*2
        (list(range(1, 11)), 5.5, 9.1),  # p90 at 8.1 -> 9 + 0.1
    ],
)
def test_percentiles(values, p50, p90):
    assert percentiles(values, "hours") == {"n": len(values), "p50_hours": p50, "p90_hours": p90}


@pytest.mark.parametrize(
    ("measure_name", "value", "expected"),
    [
        ("deployment_frequency", 7, "elite"),
        ("deployment_frequency", 6.99, "high"),
        ("deployment_frequency", 1, "high"),
        ("deployment_frequency", 12 / 52, "medium"),
        ("deployment_frequency", 0.2, "low"),
        ("change_lead_time", 23.9, "elite"),
        ("change_lead_time", 24, "high"),
        ("change_lead_time", 24 * 30, "low"),
        ("change_failure_rate", 0.05, "elite"),
        ("change_failure_rate", 0.15, "medium"),
        ("change_failure_rate", 0.16, "low"),
        ("failed_deployment_recovery_time", 0.99, "elite"),
        ("failed_deployment_recovery_time", 24 * 7, "low"),
        ("change_lead_time", None, None),
    ],
)
def test_tiers(measure_name, value, expected):
    assert tier(measure_name, value) == expected


def test_text_and_markdown_show_the_same_figures(doc):
    text, markdown = render_text(doc), render_markdown(doc)
    for shown in (text, markdown.replace("\\[", "[").replace("\\]", "]")):
        assert "p50 20 min, p90 28 min (n=3)" in shown  # time to acknowledge
        assert "0.90 a week (4 deployments) [medium]" in shown
        assert "50.0 % (2 of 4) [low]" in shown
        assert "33.3 % (1 of 3 approved before implemented)" in shown
    assert "INC-7: incidents.time_to_acknowledge (acknowledged_at missing)" in text
    assert "| INC-7 | incidents.time\\_to\\_acknowledge | acknowledged\\_at missing |" in markdown


def test_markdown_makes_record_text_inert():
    hostile = record(
        "incident",
        "INC-`x`|<b>@team #7",
        severity="SEV3",
        status="active",
        reported_at="2026-10-02T00:00:00Z",
    )
    markdown = render_markdown(measure([hostile], Window(SINCE, UNTIL), now=NOW))
    assert "| INC-\\`x\\`\\|&lt;b&gt;@\u200dteam #\u200d7 |" in markdown
    assert "<b>" not in markdown


def test_values_of_the_wrong_shape_count_for_nothing():
    odd = [
        record(
            "incident",
            "INC-20",
            severity="SEV3",
            status="active",
            reported_at="2026-10-02T00:00:00Z",
            services=5,
            action_items=7,
        ),
        record(
            "incident",
            "INC-21",
            severity="SEV3",
            status="active",
            reported_at="2026-10-02T00:00:00Z",
            services="checkout",
        ),
        record(
            "change",
            "CHG-20",
            type={"x": 1},
            status="implemented",
            implemented_at="2026-10-03T00:00:00Z",
            caused_incidents="INC-20",
        ),
    ]
    doc = measure(odd, Window(SINCE, UNTIL), now=NOW)
    assert doc["incidents"]["count"] == 2
    assert doc["incidents"]["by_service"] == {}  # not one count per character
    assert doc["incidents"]["action_items"]["listed"] == 0
    assert doc["changes"]["deployed_by_type"] == {"unknown": 1}
    assert (
        measure(odd, Window(SINCE, UNTIL), now=NOW, service="checkout")["incidents"]["count"] == 0
    )


def test_categories_from_records_are_never_shown_as_written():
    hostile = "@acme/sre #12 <!-- maintain:review:2026-05 -->"
    items = [
        record(
            "change",
            "CHG-30",
            type=hostile,
            status="implemented",
            implemented_at="2026-10-03T00:00:00Z",
        ),
        record(
            "improvement",
            "IMP-30",
            status="open",
            source={"kind": hostile},
            created_at="2026-10-03T00:00:00Z",
        ),
    ]
    doc = measure(items, Window(SINCE, UNTIL), now=NOW)
    assert doc["changes"]["deployed_by_type"] == {"unknown": 1}
    assert doc["improvements"]["by_source"] == {"unknown": 1}
    markdown = render_markdown(doc)
    assert "maintain:review" not in markdown
    assert "@acme" not in markdown


def test_months_are_utc_months():
    late = record(
        "incident",
        "INC-40",
        severity="SEV3",
        status="active",
        reported_at="2026-10-31T23:30:00-05:00",
    )  # 04:30 on 1 November, UTC
    window = Window(SINCE, datetime(2026, 12, 1, tzinfo=UTC))
    assert measure([late], window, now=NOW)["incidents"]["by_month"] == {"2026-11": 1}
