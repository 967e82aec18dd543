"""The probe state directory: state.json per probe, history by month, written idempotently."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from maintain_repo.model.monitoring import Sample
from maintain_repo.probes.state import OpenIncident, ProbeState
from maintain_repo.probes.store import StateDir

T0 = datetime(2026, 3, 1, tzinfo=UTC)
STATE = ProbeState(
    status="down",
    since=T0,
    reason="HTTP 503",
    failures=3,
    failing_since=T0,
    incident=OpenIncident("INC-20260301-7K2M", 12, T0),
)


@pytest.fixture
def store(tmp_path) -> StateDir:
    return StateDir(tmp_path / "state")


def sample(moment: datetime, state: str = "up", latency: float | None = 10.0) -> Sample:
    return Sample(moment, state, latency, "200")  # type: ignore[arg-type]


def test_state_round_trip(store):
    assert store.state("checkout-api", "health") == ProbeState()
    assert store.save_state("checkout-api", "health", STATE) is True
    assert (store.root / "probes/checkout-api/health/state.json").is_file()
    assert store.state("checkout-api", "health") == STATE
    assert store.state("checkout-api", "other") == ProbeState()


def test_save_state_says_when_nothing_changed(store):
    assert store.save_state("svc", "health", STATE) is True
    path = store.folder("svc", "health") / "state.json"
    written = path.stat().st_mtime_ns
    assert store.save_state("svc", "health", STATE) is False
    assert path.stat().st_mtime_ns == written
    changed = ProbeState(status="up", since=T0 + timedelta(minutes=5), successes=1)
    assert store.save_state("svc", "health", changed) is True
    assert store.state("svc", "health") == changed
    assert store.save_state("svc", "health", changed) is False


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"{not json",
        b"[]",
        b'"down"',
        b'{"status": "down", "since": "yesterday"}',
        b"\xff\xfe\x00garbage",
    ],
)
def test_a_damaged_state_starts_fresh(store, content):
    path = store.folder("svc", "health") / "state.json"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    assert store.state("svc", "health") == ProbeState()
    assert store.save_state("svc", "health", STATE) is True
    assert store.state("svc", "health") == STATE


def test_append_is_idempotent_for_the_same_sample(store):
    first = sample(T0)
    assert store.append("svc", "health", first) is True
    assert store.append("svc", "health", first) is False  # a rerun
    second = sample(T0 + timedelta(minutes=5), "down", None)
    assert store.append("svc", "health", second) is True
    assert store.append("svc", "health", second) is False
    assert store.append("svc", "health", first) is False  # an older row is found too
    text = (store.folder("svc", "health") / "2026-03.csv").read_text(encoding="utf-8")
    assert text == (
        "at,state,latency_ms,code,maintenance\n"
        "2026-03-01T00:00:00Z,up,10.0,200,\n"
        "2026-03-01T00:05:00Z,down,,200,\n"
    )
    assert store.samples("svc", "health") == [first, second]


def test_append_to_a_file_without_a_final_newline(store):
    first, second = sample(T0), sample(T0 + timedelta(minutes=5))
    path = store.folder("svc", "health") / "2026-03.csv"
    path.parent.mkdir(parents=True)
    path.write_text("at,state,latency_ms,code,maintenance\n2026-03-01T00:00:00Z,up,10.0,200,")
    assert store.append("svc", "health", second) is True
    assert store.samples("svc", "health") == [first, second]


def test_rerun_on_a_file_without_a_final_newline(store):
    path = store.folder("svc", "health") / "2026-03.csv"
    path.parent.mkdir(parents=True)
    path.write_text("at,state,latency_ms,code,maintenance\n2026-03-01T00:00:00Z,up,10.0,200,")
    assert store.append("svc", "health", sample(T0)) is False
    assert store.samples("svc", "health") == [sample(T0)]


def test_months_across_a_boundary(store):
    last_of_march = sample(datetime(2026, 3, 31, 23, 59, 59, tzinfo=UTC))
    first_of_april = sample(datetime(2026, 4, 1, tzinfo=UTC), "down", None)
    mid_march = sample(datetime(2026, 3, 15, tzinfo=UTC))
    # Written out of order: samples() sorts them.
    for item in (first_of_april, mid_march, last_of_march):
        assert store.append("svc", "health", item) is True
    folder = store.folder("svc", "health")
    assert sorted(p.name for p in folder.iterdir()) == ["2026-03.csv", "2026-04.csv"]
    assert store.samples("svc", "health") == [mid_march, last_of_march, first_of_april]
    assert store.samples("svc", "health", since=first_of_april.at) == [first_of_april]
    assert store.samples("svc", "health", since=last_of_march.at) == [
        last_of_march,
        first_of_april,
    ]
    assert store.samples("svc", "health", since=datetime(2026, 3, 20, tzinfo=UTC)) == [
        last_of_march,
        first_of_april,
    ]
    assert store.samples("svc", "health", since=datetime(2026, 5, 1, tzinfo=UTC)) == []
    assert store.last_sample("svc", "health") == first_of_april


def test_a_month_is_the_month_of_the_utc_timestamp_it_holds(store):
    # 23:30 at -02:00 on March 31 is 01:30 UTC on April 1 (how `--now` with an offset arrives).
    late = sample(datetime(2026, 3, 31, 23, 30, tzinfo=timezone(timedelta(hours=-2))))
    assert store.append("svc", "health", late) is True
    assert store.samples("svc", "health", since=datetime(2026, 4, 1, tzinfo=UTC)) == [late]
    # The same moment written again in UTC (a rerun) is the same row.
    assert store.append("svc", "health", sample(late.at.astimezone(UTC))) is False


def test_samples_skip_other_files_and_garbage(store):
    folder = store.folder("svc", "health")
    folder.mkdir(parents=True)
    (folder / "notes.csv").write_text("2026-03-01T00:00:00Z,up,1.0,200,\n")
    (folder / "2026-3.csv").write_text("2026-03-01T00:00:00Z,up,1.0,200,\n")
    (folder / "2026-03.csv").write_bytes(
        b"at,state,latency_ms,code,maintenance\n\xff\xfe broken\n2026-03-02T00:00:00Z,up,1.0,200,\n"
    )
    assert store.samples("svc", "health") == [sample(T0 + timedelta(days=1), latency=1.0)]


def test_last_sample(store):
    assert store.last_sample("svc", "health") is None
    folder = store.folder("svc", "health")
    folder.mkdir(parents=True)
    # Rows of a month are not necessarily in order; a month of garbage is passed over.
    (folder / "2026-02.csv").write_text(
        "at,state,latency_ms,code,maintenance\n"
        "2026-02-10T00:00:00Z,down,,503,\n"
        "2026-02-01T00:00:00Z,up,1.0,200,\n"
    )
    (folder / "2026-03.csv").write_text("at,state,latency_ms,code,maintenance\ngarbage\n")
    assert store.last_sample("svc", "health") == Sample(
        datetime(2026, 2, 10, tzinfo=UTC), "down", None, "503"
    )
    assert store.last_sample("svc", "other") is None


def test_readme(store):
    store.ensure_readme()
    readme = store.root / "README.md"
    assert "maintain probe run" in readme.read_text(encoding="utf-8")
    readme.write_text("kept\n")
    store.ensure_readme()
    assert readme.read_text() == "kept\n"
