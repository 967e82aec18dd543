"""The per-probe state machine: thresholds, saturation, maintenance, stored state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maintain_repo.probes.result import Outcome
from maintain_repo.probes.state import OpenIncident, ProbeState, advance, opened, resolved

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
STATES = {"u": "up", "g": "degraded", "d": "down", "?": "unknown"}
INCIDENT = OpenIncident("INC-20260301-7K2M", 42, T0)


def at(minute: int) -> datetime:
    return T0 + timedelta(minutes=minute)


def outcome(letter: str, minute: int = 0, detail: str = "") -> Outcome:
    state = STATES[letter]
    return Outcome("svc", "health", state, at(minute), 1.0, "200", detail or state, 1)  # type: ignore[arg-type]


def play(
    runs: str,
    *,
    f: int = 3,
    s: int = 2,
    maintenance: str = "",
    state: ProbeState | None = None,
) -> tuple[ProbeState, str]:
    """Feed one letter per run; open and resolve as the engine does. Actions: . o r."""
    state = state or ProbeState()
    actions = ""
    for minute, letter in enumerate(runs):
        in_window = maintenance[minute] == "m" if maintenance else False
        state, action = advance(
            state,
            outcome(letter, minute),
            failure_threshold=f,
            success_threshold=s,
            maintenance=in_window,
        )
        if action == "open":
            state = opened(state, OpenIncident(f"INC-{minute}", minute, at(minute)))
        elif action == "resolve":
            state = resolved(state)
        actions += {"none": ".", "open": "o", "resolve": "r"}[action]
    return state, actions


@pytest.mark.parametrize(
    ("runs", "f", "s", "actions"),
    [
        ("ddd", 3, 2, "..o"),
        ("dd", 3, 2, ".."),
        ("d", 1, 2, "o"),
        ("ud", 1, 1, ".o"),
        ("ddddd", 3, 2, "..o.."),  # one incident per episode
        ("dddu", 3, 2, "..o."),
        ("ddduu", 3, 2, "..o.r"),
        ("ddduuu", 3, 2, "..o.r."),  # resolved once
        ("dddu", 3, 1, "..or"),
        ("ddduduu", 3, 2, "..o...r"),  # a failure in between restarts the count of successes
        ("ddduudddd", 3, 2, "..o.r..o."),  # a new episode, a new incident
        ("dddgg", 3, 2, "..o.r"),  # degraded passes
        ("dddug", 3, 2, "..o.r"),
        ("dd?d", 3, 2, "...o"),  # unknown counts neither way
        ("dd???", 3, 2, "....."),
        ("dddu?u", 3, 2, "..o..r"),
        ("dudududud", 3, 2, "........."),  # flapping never opens
        ("ddudduddu", 3, 2, "........."),
        ("ddgddgdd", 3, 2, "........"),
        ("uuuuu", 3, 2, "....."),
        ("?????", 1, 1, "....."),
    ],
)
def test_thresholds(runs, f, s, actions):
    assert play(runs, f=f, s=s)[1] == actions


@pytest.mark.parametrize(
    ("runs", "maintenance", "actions"),
    [
        ("ddd", "mmm", "..."),
        ("dddd", "mmm.", "...o"),  # still failing when the window ends: open then
        ("dddd", "..m.", "..." + "o"),
        ("ddddd", "mm...", "..o.."),
        ("ddduu", "...mm", "..o.r"),  # maintenance does not hold back a resolve
        ("ddduu", "..mmm", "....."),
    ],
)
def test_maintenance_suppresses_open_but_not_resolve(runs, maintenance, actions):
    assert play(runs, maintenance=maintenance)[1] == actions


def test_counts_saturate_at_the_thresholds():
    state, _ = play("d" * 10, f=3)
    assert (state.failures, state.successes) == (3, 0)
    state, _ = play("u" * 10, s=2)
    assert (state.failures, state.successes) == (0, 2)
    state, _ = play("ddddduuu", f=4, s=5)
    assert (state.failures, state.successes) == (0, 3)


@pytest.mark.parametrize(
    ("runs", "letter"),
    [
        ("uuu", "u"),
        ("ggg", "g"),
        ("ddd", "d"),  # incident open: nothing to do
        ("dddd", "d"),
        ("ddduu", "u"),  # resolved
        ("ddd", "?"),
    ],
)
def test_a_steady_state_is_unchanged(runs, letter):
    before, _ = play(runs)
    after, action = advance(
        before, outcome(letter, 99), failure_threshold=3, success_threshold=2, maintenance=False
    )
    assert after == before
    assert action == "none"


def test_unknown_changes_nothing():
    for runs in ("", "u", "dd", "ddd", "dddu"):
        before, _ = play(runs)
        after, action = advance(
            before, outcome("?", 50), failure_threshold=1, success_threshold=1, maintenance=False
        )
        assert after is before
        assert action == "none"


def test_failing_since_lasts_while_the_incident_is_open():
    state, _ = play("udd")
    assert state.failing_since == at(1)
    state, _ = play("uddu")  # no incident: the episode is over
    assert state.failing_since is None
    state, _ = play("udddu")  # incident open: the episode goes on
    assert state.failing_since == at(1)
    assert state.incident is not None
    state, _ = play("uddduddd")
    assert state.failing_since == at(1)
    state, _ = play("udddduu")  # resolved: cleared
    assert state.failing_since is None
    assert state.incident is None
    state, _ = play("udddduud")
    assert state.failing_since == at(7)


def test_since_and_reason_change_only_with_the_state():
    state = ProbeState()
    steps = [
        ("d", 0, "refused", "down", at(0), "refused"),
        ("d", 1, "timeout", "down", at(0), "refused"),
        ("?", 2, "deadline", "down", at(0), "refused"),
        ("u", 3, "HTTP 200", "up", at(3), "HTTP 200"),
        ("u", 4, "HTTP 200 again", "up", at(3), "HTTP 200"),
        ("g", 5, "slow", "degraded", at(5), "slow"),
        ("g", 6, "slower", "degraded", at(5), "slow"),
        ("u", 7, "fast", "up", at(7), "fast"),
    ]
    for letter, minute, detail, status, since, reason in steps:
        state, _ = advance(
            state,
            outcome(letter, minute, detail),
            failure_threshold=3,
            success_threshold=2,
            maintenance=False,
        )
        assert (state.status, state.since, state.reason) == (status, since, reason)


def test_opened_and_resolved():
    state, action = play("ddd")
    assert action.endswith("o")
    assert state.incident == OpenIncident("INC-2", 2, at(2))
    clean = resolved(opened(state, INCIDENT))
    assert clean.incident is None
    assert clean.failing_since is None
    assert clean.failures == state.failures


# -- stored --------------------------------------------------------------------------------

FULL = ProbeState(
    status="down",
    since=at(3),
    reason="HTTP 503 in 12 ms; condition is false",
    failures=3,
    successes=0,
    failing_since=at(1),
    incident=INCIDENT,
)


@pytest.mark.parametrize(
    "state",
    [
        ProbeState(),
        FULL,
        ProbeState(status="up", since=at(5), reason="ok", successes=2),
        ProbeState(status="degraded", since=at(5), incident=OpenIncident("INC-x", 0, at(4))),
    ],
)
def test_state_round_trip(state):
    assert ProbeState.from_json(state.to_json()) == state


def test_to_json():
    assert FULL.to_json() == {
        "status": "down",
        "since": "2026-03-01T10:03:00Z",
        "reason": "HTTP 503 in 12 ms; condition is false",
        "failures": 3,
        "successes": 0,
        "failing_since": "2026-03-01T10:01:00Z",
        "incident": {
            "id": "INC-20260301-7K2M",
            "issue": 42,
            "opened_at": "2026-03-01T10:00:00Z",
        },
    }
    assert ProbeState().to_json()["since"] is None


GOOD_INCIDENT = {"id": "INC-1", "issue": 7, "opened_at": "2026-03-01T10:00:00Z"}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, ProbeState()),
        ([], ProbeState()),
        ("down", ProbeState()),
        (5, ProbeState()),
        ({}, ProbeState()),
        ({"status": "exploded", "failures": 2}, ProbeState(failures=2)),
        ({"status": "down", "reason": None}, ProbeState(status="down")),
        ({"status": "down", "reason": 5}, ProbeState(status="down", reason="5")),
        ({"status": "down", "since": "yesterday"}, ProbeState()),
        ({"status": "down", "since": 1772359200}, ProbeState()),
        ({"status": "down", "since": ""}, ProbeState(status="down")),
        ({"status": "up", "failing_since": "2026-02-30T00:00:00Z"}, ProbeState()),
        ({"failures": "3", "successes": -1}, ProbeState()),
        ({"failures": True, "successes": 2.0}, ProbeState()),
        ({"failures": 7}, ProbeState(failures=7)),
        ({"status": "down", "incident": "INC-1"}, ProbeState(status="down")),
        ({"status": "down", "incident": []}, ProbeState(status="down")),
        ({"status": "down", "incident": {"issue": 7}}, ProbeState()),
        ({"status": "down", "incident": {"id": "INC-1", "opened_at": None}}, ProbeState()),
        ({"status": "down", "incident": {"id": "INC-1", "opened_at": "soon"}}, ProbeState()),
        (
            {
                "status": "down",
                "incident": {"id": "INC-1", "opened_at": GOOD_INCIDENT["opened_at"]},
            },
            ProbeState(status="down", incident=OpenIncident("INC-1", 0, T0)),
        ),
        (
            {"status": "down", "incident": {**GOOD_INCIDENT, "issue": "7"}},
            ProbeState(status="down", incident=OpenIncident("INC-1", 0, T0)),
        ),
        (
            {"status": "down", "incident": GOOD_INCIDENT},
            ProbeState(status="down", incident=OpenIncident("INC-1", 7, T0)),
        ),
    ],
)
def test_damaged_state_starts_over(data, expected):
    assert ProbeState.from_json(data) == expected
