"""SLOs from a probe's history: availability, error budget, burn rates and fast burn,
on a day of samples worked out by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maintain_repo.engine.report import Period, build_report, objectives
from maintain_repo.model.monitoring import Sample
from maintain_repo.probes.slo import Objective, evaluate
from maintain_repo.report.measures import Item

UNTIL = datetime(2026, 10, 2, tzinfo=UTC)
HOLD = timedelta(hours=1)


def day(down_from: int, down_to: int = 48) -> list[Sample]:
    """48 samples, one every 30 minutes over the day before UNTIL; the samples with
    index in [down_from, down_to) failed (each holds until the next)."""
    start = UNTIL - timedelta(hours=24)
    return [
        Sample(
            start + timedelta(minutes=30 * i),
            "down" if down_from <= i < down_to else "up",
            120.0,
            "200",
        )
        for i in range(48)
    ]


def objective(**overrides: object) -> Objective:
    fields: dict[str, object] = {
        "service": "api",
        "name": "availability",
        "objective": 99.0,
        "window": timedelta(days=1),
        "window_text": "1d",
        "probes": ("health",),
    }
    fields.update(overrides)
    return Objective(**fields)  # type: ignore[arg-type]


def test_the_last_hour_down():
    # The last two samples (T-60 min, T-30 min) failed: 60 of 1,440 measured minutes.
    found = evaluate(objective(), lambda probe: day(46), UNTIL, HOLD)
    assert found["availability"] == pytest.approx(100 * 1380 / 1440, abs=1e-6)  # 95.8333 %
    # Budget: 1 - (1 - 0.958333) / (1 - 0.99) = 1 - 4.16667 = -3.16667 (overspent).
    assert found["error_budget_remaining"] == pytest.approx(-3.166667, abs=1e-6)
    assert found["burn_rates"] == {
        "1h": pytest.approx(100.0),  # all of the last hour failed: 1 / 0.01
        "6h": pytest.approx(16.666667, abs=1e-6),  # 60 of 360 min: (1/6) / 0.01
        "3d": pytest.approx(4.166667, abs=1e-6),  # only a day measured: as the window
    }
    assert found["fast_burn"] is True
    assert found["measured_hours"] == 24.0


def test_recovered_five_minutes_ago_is_no_fast_burn():
    # Down for the hour before the last half hour; the last sample passed.
    found = evaluate(objective(), lambda probe: day(44, 47), UNTIL, HOLD)
    assert found["burn_rates"]["1h"] == pytest.approx(50.0)  # 30 of 60 min: 0.5 / 0.01
    assert found["fast_burn"] is False


def test_all_up_keeps_the_budget_whole():
    found = evaluate(objective(), lambda probe: day(48), UNTIL, HOLD)
    assert found["availability"] == 100.0
    assert found["error_budget_remaining"] == 1.0
    assert found["burn_rates"] == {"1h": 0.0, "6h": 0.0, "3d": 0.0}
    assert found["fast_burn"] is False


def test_no_history_is_no_data_not_a_perfect_score():
    found = evaluate(objective(), lambda probe: [], UNTIL, HOLD)
    assert found["availability"] is None
    assert found["error_budget_remaining"] is None
    assert found["burn_rates"] == {"1h": None, "6h": None, "3d": None}
    assert found["fast_burn"] is False


def test_two_probes_are_summed_over_their_measured_time():
    histories = {"health": day(46), "login": day(48)}
    found = evaluate(objective(probes=("health", "login")), histories.__getitem__, UNTIL, HOLD)
    # 60 failed minutes of 2 x 1,440 measured.
    assert found["availability"] == pytest.approx(100 * (2880 - 60) / 2880, abs=1e-6)


def service(**slo: object) -> Item:
    return Item(
        "records/services/api.yaml",
        {"id": "api", "kind": "service", "status": "active", "slos": [slo]},
    )


def test_declared_slos_are_read_from_service_records():
    good = service(
        name="availability",
        objective=99.5,
        window="28d",
        probes=["health"],
        incident_on_fast_burn=True,
    )
    found = objectives([good])
    assert found == [
        Objective("api", "availability", 99.5, timedelta(days=28), "28d", ("health",), True)
    ]
    # Malformed declarations (which `maintain check` reports) declare nothing.
    for bad in (
        service(name="x", objective=100, window="28d", probes=["health"]),
        service(name="x", objective=True, window="28d", probes=["health"]),
        service(name="x", objective=99, window="soon", probes=["health"]),
        service(name="x", objective=99, window="28d", probes="health"),
    ):
        assert objectives([bad]) == []


def test_the_report_carries_the_slos():
    items = [service(name="availability", objective=99.0, window="1d", probes=["health"])]
    doc = build_report(
        None,  # type: ignore[arg-type]  # the records are given
        Period(None, UNTIL),
        UNTIL,
        samples=lambda svc, probe: day(46) if (svc, probe) == ("api", "health") else [],
        hold=HOLD,
        items=items,
    )
    (slo,) = doc["slos"]
    assert slo["service"] == "api"
    assert slo["objective"] == 99.0
    assert slo["window"] == "1d"
    assert slo["fast_burn"] is True


def service_record(*slos: dict[str, object]) -> dict[str, object]:
    return {
        "id": "api",
        "kind": "service",
        "schema_version": 1,
        "title": "API",
        "status": "active",
        "owner": "alice",
        "created_at": "2026-01-01T00:00:00Z",
        "tier": 1,
        "probes": [{"name": "health", "type": "http", "url": "https://api.example.com/health"}],
        "slos": list(slos),
    }


def test_the_service_model_checks_its_slos():
    from pydantic import ValidationError

    from maintain_repo.model.service import Service

    ok = Service.model_validate(
        service_record({"name": "availability", "objective": 99.9, "probes": ["health"]})
    )
    assert ok.slos[0].window == "28d"
    assert ok.slos[0].incident_on_fast_burn is False
    for bad, message in (
        ({"name": "a", "objective": 99.9, "probes": ["nope"]}, "names probe nope"),
        ({"name": "a", "objective": 100, "probes": ["health"]}, "less than 100"),
        ({"name": "a", "objective": 99, "probes": ["health"], "window": "5bd"}, "pattern"),
        ({"name": "a", "objective": 99, "probes": []}, "at least 1"),
    ):
        with pytest.raises(ValidationError, match=message):
            Service.model_validate(service_record(bad))
    twice = {"name": "a", "objective": 99, "probes": ["health"]}
    with pytest.raises(ValidationError, match="two SLOs are named a"):
        Service.model_validate(service_record(twice, twice))
