"""Policies that read the clock or other records, on the warm path: a warm run gives the
findings a cold run gives (same positions, same waivers) at any time, parses no YAML, a
pre-commit run equals the full run restricted to its files, and a damaged cache is
rebuilt, never trusted."""

from __future__ import annotations

import hashlib
import hmac
import json
import marshal
from datetime import UTC, datetime
from pathlib import Path

import pytest

import maintain_repo.engine.files as files
import maintain_repo.store.yaml as yaml
from maintain_repo.cli import main
from maintain_repo.engine.check import CheckOptions, check
from maintain_repo.rules.references import involving
from maintain_repo.store.cache import DYNAMIC, INDEX, cache_key


def report(root: Path, capsys, now: str, *args: str) -> dict:
    main(["--root", str(root), "check", "--format", "json", "--now", now, *args])
    return json.loads(capsys.readouterr().out)


def rules_at(found: dict) -> list[tuple[str, str, int]]:
    return [(f["rule"], f["path"].rsplit("/", 1)[-1], f["line"]) for f in found["findings"]]


EARLY, LATE = "2026-12-02T10:00:00Z", "2026-12-03T12:00:00Z"


def test_warm_runs_give_what_cold_runs_give_as_the_clock_moves(corpus, capsys):
    root, _ = corpus
    for now in (EARLY, LATE, EARLY):
        cold = report(root, capsys, now, "--no-cache")
        warm = report(root, capsys, now)
        again = report(root, capsys, now)
        assert cold == warm == again
    early, late = report(root, capsys, EARLY), report(root, capsys, LATE)
    # Early: the new incident is fresh; late: both have been in triage over a day.
    assert ("fresh-incidents-named", "INC-20261202-TR2B.yaml", 3) in rules_at(early)
    assert ("fresh-incidents-named", "INC-20261202-TR2B.yaml", 3) not in rules_at(late)
    assert ("triage-within-a-day", "INC-20261202-TR2B.yaml", 3) in rules_at(late)
    assert ("triage-within-a-day", "INC-20261202-TR2B.yaml", 3) not in rules_at(early)
    assert early["summary"]["waived"] == late["summary"]["waived"]


def test_a_warm_run_parses_no_record(corpus, capsys, monkeypatch):
    # (The policy documents are parsed: their expressions are compiled on every run.)
    root, _ = corpus
    cold = report(root, capsys, LATE)
    assert cold["findings"]
    real = yaml.parse
    parsed: list[str] = []

    def spy(text, **kwargs):
        parsed.append(text)
        return real(text, **kwargs)

    def no_checking(*args, **kwargs):
        raise AssertionError("a warm run checked a file again")

    monkeypatch.setattr(yaml, "parse", spy)
    monkeypatch.setattr(files, "check_bytes", no_checking)
    assert report(root, capsys, LATE) == cold
    assert report(root, capsys, EARLY) == report(root, capsys, EARLY)
    assert parsed  # the spy is in place
    assert not [text for text in parsed if "\nid: " in text or text.startswith("id: ")]


def test_a_resolved_incident_is_not_evaluated_by_clock_policies(corpus, capsys):
    root, cache = corpus
    report(root, capsys, LATE)
    stored: dict = {}
    for bucket in cache.glob(DYNAMIC.replace("{:02d}", "*")):
        stored |= marshal.loads(bucket.read_bytes().split(b"\n", 1)[1])
    # Only records whose policies may apply are kept: open incidents, not resolved ones.
    assert "records/incidents/INC-20261202-TR2B.yaml" in stored
    resolved = [
        rel
        for rel in (root / "records/incidents").glob("*.yaml")
        if "status: resolved" in rel.read_text()
    ]
    assert resolved
    assert not {f"records/incidents/{p.name}" for p in resolved} & set(stored)


def test_a_pre_commit_run_equals_the_full_run_restricted_to_its_files(corpus):
    root, _ = corpus
    now = datetime(2026, 12, 3, 12, tzinfo=UTC)
    full = check(CheckOptions(root=root, now=now)).report.findings
    paths = [
        "records/incidents/INC-20261202-TR2B.yaml",
        "records/incidents/INC-20261201-TR1A.yaml",
        *sorted(p.relative_to(root).as_posix() for p in (root / "records").rglob("*.yaml"))[:12],
        "policies/problem-known.yaml",
    ]
    for rel in paths:
        alone = check(CheckOptions(root=root, paths=[root / rel], now=now)).report.findings
        assert list(alone) == involving(full, {rel}), rel
    assert any(f.rule == "triage-within-a-day" for f in full)


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: b"garbage",
        lambda raw: _resealed(raw, lambda stored: [stored[0], {**stored[1], "root": ["x", 1]}]),
        lambda raw: raw.replace(b"checkout-api", b"checkout-apj"),
        lambda raw: _resealed(raw, lambda stored: [stored[0], {"policies": 1, "root": [3]}]),
        lambda raw: _resealed(raw, lambda stored: [stored[0], "data"]),
        lambda raw: _resealed(raw, lambda stored: ["0" * 64, stored[1]]),
    ],
    ids=["truncated", "garbage", "shape", "edited", "signed-shape", "signed-type", "other-bytes"],
)
def test_a_damaged_dynamic_cache_is_recomputed_never_trusted(corpus, capsys, damage):
    root, cache = corpus
    cold = report(root, capsys, LATE, "--no-cache")
    report(root, capsys, LATE)
    buckets = list(cache.glob(DYNAMIC.replace("{:02d}", "*")))
    assert buckets
    for path in buckets:
        path.write_bytes(damage(path.read_bytes()))
    assert report(root, capsys, LATE) == cold
    assert report(root, capsys, LATE) == cold


def _resealed(raw: bytes, change) -> bytes:
    """The dynamic file with every entry changed, signed with this user's key (as a bug,
    not an attacker, could leave it)."""
    header_line, _, body = raw.partition(b"\n")
    payload = {rel: change(stored) for rel, stored in marshal.loads(body).items()}
    text = marshal.dumps(payload)
    header = json.loads(header_line)
    header["hmac"] = hmac.new(cache_key(), text, hashlib.sha256).hexdigest()
    return json.dumps(header).encode() + b"\n" + text


def test_an_edit_that_keeps_the_facts_moves_the_findings_with_the_lines(corpus, capsys):
    root, cache = corpus
    report(root, capsys, LATE)
    assert (cache / INDEX).exists()
    incident = root / "records/incidents/INC-20261202-TR2B.yaml"
    incident.write_text("# one more line\n" + incident.read_text())
    cold = report(root, capsys, LATE, "--no-cache")
    assert report(root, capsys, LATE) == cold
    assert ("triage-within-a-day", "INC-20261202-TR2B.yaml", 4) in rules_at(cold)
