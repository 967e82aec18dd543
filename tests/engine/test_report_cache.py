"""The report's cache of what it reads of each record: a warm report equals a cold one,
reads only what changed, and never trusts a damaged or foreign cache file."""

from __future__ import annotations

import os
import time

import pytest

from githubops import make_ops_repo
from maintain_repo.engine import report as engine
from maintain_repo.engine.report import PROJECTIONS, report_items
from maintain_repo.report.projection import project

INCIDENT = "records/incidents/INC-20260301-7K2M.yaml"


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.setenv("MAINTAIN_CACHE_DIR", str(tmp_path / "cache"))
    repo = make_ops_repo(tmp_path)
    old = time.time() - 3600  # files of a checkout are older than the run
    for path in repo.root.rglob("*"):
        os.utime(path, (old, old))
    return repo


def reading(monkeypatch):
    """Count the files the report parses."""
    read: list[str] = []
    original = engine.read_mapping

    def spy(path, *, shown=None):
        read.append(shown)
        return original(path, shown=shown)

    monkeypatch.setattr(engine, "read_mapping", spy)
    return read


def test_warm_equals_cold_and_reads_only_what_changed(repo, monkeypatch):
    read = reading(monkeypatch)
    cold = report_items(repo.root)
    assert len(read) == len(cold) > 5
    read.clear()
    assert report_items(repo.root) == cold
    assert read == []
    path = repo.root / INCIDENT
    path.write_text(path.read_text().replace("severity: SEV2", "severity: SEV1"))
    os.utime(path, (time.time() - 60, time.time() - 60))
    warm = report_items(repo.root)
    assert read == [INCIDENT]
    assert next(i for i in warm if i.path == INCIDENT).data["severity"] == "SEV1"
    assert warm == report_items(repo.root, use_cache=False)


def test_a_file_changed_just_now_is_read_again(repo, monkeypatch):
    read = reading(monkeypatch)
    path = repo.root / INCIDENT
    path.write_text(path.read_text())  # modified now: its stat is not trusted yet
    report_items(repo.root)
    read.clear()
    report_items(repo.root)
    assert read == [INCIDENT]


@pytest.mark.parametrize("damage", ["truncate", "flip", "foreign"])
def test_a_damaged_cache_is_never_trusted(repo, monkeypatch, tmp_path, damage):
    cold = report_items(repo.root)
    store = tmp_path / "cache" / PROJECTIONS
    raw = store.read_bytes()
    if damage == "truncate":
        store.write_bytes(raw[: len(raw) // 2])
    elif damage == "flip":
        head, _, body = raw.partition(b"\n")
        store.write_bytes(head + b"\n" + body.replace(b"SEV2", b"SEV4"))
    else:  # signed with another key: as if another user's (or an attacker's) file
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-home"))
        report_items(repo.root)  # written under the other key
        monkeypatch.delenv("XDG_CACHE_HOME")
    read = reading(monkeypatch)
    assert report_items(repo.root) == cold
    assert len(read) == len(cold)  # everything read again


def test_the_projection_keeps_what_the_measures_read():
    data = {
        "id": "CHG-20260301-7K2M",
        "kind": "change",
        "title": "dropped",
        "status": "implemented",
        "approval": {"evaluated_at": "2026-03-01T10:00:00Z", "approvers": [{"login": "a"}]},
        "freeze_override": {"justification": "outage", "approver": "bob"},
        "timeline": [{"at": "2026-03-01T10:00:00Z"}],
    }
    assert project(data) == {
        "id": "CHG-20260301-7K2M",
        "kind": "change",
        "status": "implemented",
        "approval": {"evaluated_at": "2026-03-01T10:00:00Z"},
        "freeze_override": True,
    }
    assert project({"kind": "waiver"}) is None
