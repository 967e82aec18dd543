"""Probe history: monthly CSV rows, when a row is due, and time-weighted uptime."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from maintain_repo.model.monitoring import Sample
from maintain_repo.probes.history import (
    HEADER,
    due,
    month_of,
    new_file,
    parse_rows,
    render_rows,
    uptime,
)

T0 = datetime(2026, 3, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def sample(minute: float, state: str = "up", *, maintenance: bool = False) -> Sample:
    return Sample(at(minute), state, 10.0, "200", maintenance)  # type: ignore[arg-type]


SAMPLES = [
    Sample(at(0), "up", 12.3, "200"),
    Sample(at(5), "degraded", 812.0, "200"),
    Sample(at(10), "down", None, "timeout"),
    Sample(at(15), "down", None, "connect, refused"),  # a comma is quoted
    Sample(at(20), "unknown", None, "deadline"),
    Sample(at(25), "up", 0.5, "NOERROR", maintenance=True),
    Sample(at(30), "up", None, ""),
]


def test_rows():
    text = new_file(SAMPLES[:3] + SAMPLES[5:6])
    assert text == (
        "at,state,latency_ms,code,maintenance\n"
        "2026-03-01T00:00:00Z,up,12.3,200,\n"
        "2026-03-01T00:05:00Z,degraded,812.0,200,\n"
        "2026-03-01T00:10:00Z,down,,timeout,\n"
        "2026-03-01T00:25:00Z,up,0.5,NOERROR,1\n"
    )
    assert text.splitlines()[0] == ",".join(HEADER)
    assert render_rows([]) == ""
    assert new_file([]) == "at,state,latency_ms,code,maintenance\n"


def test_round_trip():
    assert parse_rows(new_file(SAMPLES)) == SAMPLES
    assert parse_rows(render_rows(SAMPLES)) == SAMPLES  # the header is optional


def test_latency_is_kept_to_a_tenth_of_a_millisecond():
    [row] = parse_rows(render_rows([Sample(at(0), "up", 12.345, "200")]))
    assert row.latency_ms == pytest.approx(12.3)


def test_timestamps_are_written_in_utc():
    local = datetime.fromisoformat("2026-03-01T02:30:00.750+02:00")
    assert render_rows([Sample(local, "up", None, "")]).startswith("2026-03-01T00:30:00Z,")


def test_garbage_rows_are_skipped():
    text = "\n".join(
        [
            "at,state,latency_ms,code,maintenance",
            "2026-03-01T00:00:00Z,up,1.0,200,",
            "garbage",
            "",
            "not-a-time,up,1.0,200,",
            "2026-03-01,up,1.0,200,",
            "2026-03-01T00:01:00Z,up,fast,200,",
            "2026-03-01T00:02:00Z,up",  # too short
            "2026-03-01T00:03:00Z,exploded,2.0,200,",  # an unknown state reads as unknown
            "2026-03-01T00:04:00Z,down,,503",  # no maintenance column: not maintenance
            "2026-03-01T00:05:00Z,up,,200,yes",  # only "1" is maintenance
            "2026-03-01T00:06:00Z,up,,200,1,extra",
            "2026-03-01T00:07:00Z,up,," + "x" * 60 + ",",
            '"unterminated,up,1.0,200,',
        ]
    )
    assert parse_rows(text) == [
        Sample(at(0), "up", 1.0, "200"),
        Sample(at(3), "unknown", 2.0, "200"),
        Sample(at(4), "down", None, "503"),
        Sample(at(5), "up", None, "200"),
        Sample(at(6), "up", None, "200", maintenance=True),
        Sample(at(7), "up", None, "x" * 40),
    ]


def test_month_of():
    assert month_of(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC)) == "2026-03"
    assert month_of(datetime(2026, 4, 1, tzinfo=UTC)) == "2026-04"
    assert month_of(datetime(987, 12, 1, tzinfo=UTC)) == "0987-12"


EVERY = timedelta(minutes=30)


@pytest.mark.parametrize(
    ("last", "now", "state", "written"),
    [
        (None, at(0), "up", True),
        (sample(0, "up"), at(1), "up", False),
        (sample(0, "up"), at(29), "up", False),
        (sample(0, "up"), at(30), "up", True),  # the interval has passed
        (sample(0, "up"), at(90), "up", True),
        (sample(0, "up"), at(1), "down", True),  # a new state
        (sample(0, "up"), at(1), "degraded", True),
        (sample(0, "down"), at(1), "unknown", True),
        (sample(0, "down"), at(1), "down", False),
    ],
)
def test_due(last, now, state, written):
    assert due(last, now, state, EVERY) is written


@pytest.mark.parametrize(
    ("samples", "since", "until", "percent"),
    [
        # up 10 min, down 10, up 40
        ([sample(0), sample(10, "down"), sample(20)], 0, 60, 50 / 60 * 100),
        # hold caps the last down sample at one hour: up 10, down 60, then a gap
        ([sample(0), sample(10, "down")], 0, 180, 10 / 70 * 100),
        # a gap between samples: up for one hour, not three
        ([sample(0), sample(180, "down")], 0, 200, 60 / 80 * 100),
        # maintenance counts neither way: up 10 + up 10
        ([sample(0), sample(10, "down", maintenance=True), sample(20)], 0, 30, 100.0),
        # unknown counts neither way: up 10, down 10
        ([sample(0), sample(10, "unknown"), sample(20, "down")], 0, 30, 50.0),
        # degraded passes
        ([sample(0, "degraded"), sample(10, "down")], 0, 40, 10 / 40 * 100),
        # the window cuts samples at both ends: up 5, down 10, up 5
        ([sample(0), sample(10, "down"), sample(20)], 5, 25, 50.0),
        # a sample from before the window lasts into it: up 15, down 15
        ([sample(0), sample(45, "down")], 30, 60, 50.0),
        # a sample before the window whose hold ended before it: only the later one counts
        ([sample(-120, "down"), sample(30)], 0, 60, 100.0),
        # samples after the window are ignored
        ([sample(0), sample(60, "down"), sample(70, "down")], 0, 60, 100.0),
        # everything down
        ([sample(0, "down")], 0, 30, 0.0),
    ],
)
def test_uptime(samples, since, until, percent):
    assert uptime(samples, at(since), at(until), HOUR) == pytest.approx(percent)


@pytest.mark.parametrize(
    ("samples", "since", "until"),
    [
        ([], 0, 60),
        ([sample(0, "unknown")], 0, 60),
        ([sample(0, maintenance=True)], 0, 60),
        ([sample(0, "down", maintenance=True), sample(10, "unknown")], 0, 60),
        ([sample(120)], 0, 60),  # only after the window
        ([sample(-180, "down")], 0, 60),  # its hold ended before the window
        ([sample(0)], 30, 30),  # an empty window
    ],
)
def test_uptime_without_measurements_is_none(samples, since, until):
    assert uptime(samples, at(since), at(until), HOUR) is None


def test_uptime_hold_is_a_parameter():
    samples = [sample(0), sample(10, "down")]
    assert uptime(samples, at(0), at(40), timedelta(minutes=5)) == pytest.approx(50.0)
    assert uptime(samples, at(0), at(40), timedelta(hours=2)) == pytest.approx(25.0)


def test_a_stray_quote_in_a_long_month_is_not_fatal():
    # A damaged row opens a quoted field that runs to the end of the file: a month of
    # five-minute samples is far longer than the csv module's field limit (128 KiB).
    good = [Sample(at(minute), "up", 1.0, "200") for minute in range(0, 5 * 4000, 5)]
    text = new_file(good[:1]) + '"damaged,up,1.0,200,\n' + render_rows(good[1:])
    assert len(text) > 131072
    rows = parse_rows(text)
    assert rows[0] == good[0]
