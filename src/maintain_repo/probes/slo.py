"""Service level objectives from the probes' history: availability, error budget and
burn rates (the multiwindow burn-rate alerts of Google's SRE workbook, "Alerting on
SLOs").

- Availability over a span: the time-weighted share of measured time its probes passed
  (`history.measure`, summed over the SLO's probes; maintenance and unknown time count
  neither way).
- Error budget remaining: `1 - (1 - availability) / (1 - objective)` over the SLO's
  window ending at `until` (1 is untouched, 0 spent, below 0 overspent).
- Burn rate over a span: `(1 - availability) / (1 - objective)`: 1 spends the budget
  exactly over the window; 14.4 spends 2 % of a 30-day budget in an hour.
- Fast burn: a burn rate of at least 14.4 over both the last hour and the last five
  minutes (the short window stops the alert soon after recovery).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from maintain_repo.model.monitoring import Sample
from maintain_repo.model.timestamps import shift
from maintain_repo.probes.history import measure

BURN_WINDOWS = {"1h": timedelta(hours=1), "6h": timedelta(hours=6), "3d": timedelta(days=3)}
FAST_BURN = 14.4
FAST_LONG, FAST_SHORT = timedelta(hours=1), timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class Objective:
    """One declared SLO of a service (`slos` in its record)."""

    service: str
    name: str
    objective: float  # percent, e.g. 99.9
    window: timedelta
    window_text: str
    probes: tuple[str, ...]
    incident_on_fast_burn: bool = False


def availability(
    histories: Sequence[Sequence[Sample]], since: datetime, until: datetime, hold: timedelta
) -> tuple[float | None, float]:
    """The share (0-1) of measured time in `[since, until)` that passed, over all the
    `histories`, and the measured seconds; None when nothing was measured."""
    passing = measured = 0.0
    for samples in histories:
        up, seen = measure(samples, since, until, hold)
        passing += up
        measured += seen
    return (passing / measured if measured else None), measured


def burn_rate(available: float | None, objective: float) -> float | None:
    if available is None:
        return None
    return (1 - available) / (1 - objective / 100)


def evaluate(
    slo: Objective,
    samples_of: Callable[[str], Sequence[Sample]],
    until: datetime,
    hold: timedelta,
) -> dict[str, Any]:
    """The SLO's state at `until` (the report's `slos[]` entry)."""
    histories = [samples_of(name) for name in slo.probes]
    available, measured = availability(histories, shift(until, -slo.window), until, hold)
    budget = burn_rate(available, slo.objective)
    rates = {
        name: _round(
            burn_rate(availability(histories, shift(until, -span), until, hold)[0], slo.objective)
        )
        for name, span in BURN_WINDOWS.items()
    }
    return {
        "service": slo.service,
        "name": slo.name,
        "objective": slo.objective,
        "window": slo.window_text,
        "probes": list(slo.probes),
        "availability": _round(None if available is None else 100 * available),
        "measured_hours": round(measured / 3600, 4),
        "error_budget_remaining": _round(None if budget is None else 1 - budget),
        "burn_rates": rates,
        "fast_burn": fast_burn(slo, histories, until, hold),
    }


def fast_burn(
    slo: Objective, histories: Sequence[Sequence[Sample]], until: datetime, hold: timedelta
) -> bool:
    """Whether the SLO burns at least 14.4 times its budget over the last hour and the
    last five minutes."""
    for span in (FAST_LONG, FAST_SHORT):
        rate = burn_rate(
            availability(histories, shift(until, -span), until, hold)[0], slo.objective
        )
        if rate is None or rate < FAST_BURN:
            return False
    return True


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
