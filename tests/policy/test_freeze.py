"""Weekly freeze windows keep their local clock times across daylight saving changes."""

from __future__ import annotations

from datetime import UTC, datetime

from maintain_repo.model.policies import FreezeWindow
from maintain_repo.policy.freeze import occurrences

WEEKEND = FreezeWindow.model_validate(
    {
        "kind": "FreezeWindow",
        "name": "weekend",
        "weekly": {
            "time_zone": "Europe/Amsterdam",
            "start_day": "fri",
            "start_time": "16:00",
            "end_day": "mon",
            "end_time": "08:00",
        },
    }
)


def test_a_weekend_window_across_the_spring_change():
    # Clocks in Amsterdam go forward on Sunday 29 March 2026.
    start, end = datetime(2026, 3, 27, 12, tzinfo=UTC), datetime(2026, 3, 30, 12, tzinfo=UTC)
    spans = [(a.astimezone(UTC), b.astimezone(UTC)) for a, b in occurrences(WEEKEND, start, end)]
    assert (
        datetime(2026, 3, 27, 15, tzinfo=UTC),  # Friday 16:00 CET
        datetime(2026, 3, 30, 6, tzinfo=UTC),  # Monday 08:00 CEST
    ) in spans
