"""Fixtures shared by the engine's tests."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from maintain_repo.store.cache import RACY_NS

ROOT = Path(__file__).resolve().parents[2]
# A policy that holds only in an incident's first hour (its finding goes away as the
# clock moves), one that holds after a day (its finding appears), and one that looks up
# another record.
POLICIES = {
    "policies/fresh-incidents-named.yaml": """\
kind: RecordPolicy
name: fresh-incidents-named
severity: warning
match:
  kinds: [incident]
  condition: "record.status != 'resolved' && has(record.reported_at)"
validations:
  - expression: "now - timestamp(record.reported_at) > duration('1h') || size(record.title) > 200"
    messageExpression: "record.id + ' is new: say what is known in its title'"
""",
    "policies/problem-known.yaml": """\
kind: RecordPolicy
name: problem-known
severity: warning
match:
  kinds: [incident]
  condition: "has(record.problem)"
validations:
  - expression: "lookup(record.problem) != null && lookup(record.problem).status != 'closed'"
    message: "the incident's problem is closed or missing"
""",
}
TRIAGE = """\
# An incident still in triage
# (comments first: its findings point at where the record starts)
id: {id}
kind: incident
schema_version: 1
title: Merchant reports intermittent 504 on POST /v2/shipments
status: triage
owner: ana-costa
created_at: {reported}
severity: unknown
type: performance
services:
  - tracking-api
detection:
  source: customer
roles:
  reporter: noor-haddad
reported_at: {reported}
"""


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    """This repository's own ops data and policies, two more policies and two incidents
    in triage, aged past the racy window; the cache in its own folder."""
    root = tmp_path / "ops"
    for folder in ("records", "policies"):
        shutil.copytree(ROOT / folder, root / folder)
    shutil.rmtree(root / "policies" / "tests")
    for rel, text in POLICIES.items():
        (root / rel).write_text(text)
    for rid, reported in (
        ("INC-20261201-TR1A", "2026-12-01T09:00:00Z"),
        ("INC-20261202-TR2B", "2026-12-02T09:30:00Z"),
    ):
        (root / f"records/incidents/{rid}.yaml").write_text(
            TRIAGE.format(id=rid, reported=reported)
        )
    old = (os.stat(root).st_mtime_ns - 10 * RACY_NS) // 1_000_000_000
    for path in root.rglob("*"):
        os.utime(path, (old, old))
    cache = tmp_path / "cache"
    monkeypatch.setenv("MAINTAIN_CACHE_DIR", str(cache))
    return root, cache
