"""`maintain report`: the measures of `report.measures` over the ops repository's records,
and the SLOs of its services from the probes' history (`probes.slo`).

Records are read as YAML mappings (no models): the measures need a few fields of
each, and a record that does not validate is `maintain check`'s business. What a
measure cannot use is listed under `unknown`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from maintain_repo.model.durations import rough_span
from maintain_repo.model.kinds import FOLDERS
from maintain_repo.model.monitoring import Sample
from maintain_repo.model.timestamps import shift
from maintain_repo.probes.slo import Objective, evaluate
from maintain_repo.report.measures import SCHEMA_VERSION, Item, Window, measure
from maintain_repo.report.projection import project
from maintain_repo.rules.layout import folder_of
from maintain_repo.store.projections import Projections
from maintain_repo.store.repo import record_files
from maintain_repo.store.yaml import read_mapping

DEFAULT_WINDOW = timedelta(days=90)
KINDS = ("service", "incident", "change", "improvement", "finding")
PROJECTIONS = "report-records.bin"


@dataclass(frozen=True, slots=True)
class Period:
    since: datetime | None
    until: datetime | None


def window_of(period: Period, now: datetime) -> Window:
    """`until` defaults to now, `since` to 90 days before `until`."""
    until = period.until or now
    since = period.since or shift(until, -DEFAULT_WINDOW)
    return Window(since, until)


def read_items(root: Path, kinds: Sequence[str] = KINDS) -> list[Item]:
    """The records of `kinds` as mappings (files that are not mappings are left out:
    `maintain check` reports them)."""
    wanted = set(kinds)
    items = []
    for rel in record_files(root):
        if not rel.endswith(".yaml") or folder_of(rel, FOLDERS) not in wanted:
            continue
        data = read_mapping(str(root / rel), shown=rel)
        if data is not None:
            items.append(Item(rel, data))
    return items


def report_items(root: Path, *, use_cache: bool = True) -> list[Item]:
    """The records the report measures, as the part of each it reads (`measures.project`):
    from the cache where a file's stat signature is the one it was read with, else parsed
    (in parallel processes when there are many)."""
    import os

    from maintain_repo.store.cache import stat_of

    store = Projections(root, PROJECTIONS, f"{SCHEMA_VERSION}", enabled=use_cache)
    wanted = set(KINDS)
    items: dict[str, Item] = {}
    missing: list[tuple[str, Any, int]] = []
    base = str(root)
    for rel in record_files(root):
        # `record_files` gives clean `records/<folder>/<name>` paths: split, not parsed.
        parts = rel.split("/")
        if len(parts) != 3 or not rel.endswith(".yaml") or FOLDERS.get(parts[1]) not in wanted:
            continue
        try:
            stat, mtime_ns = stat_of(base + os.sep + rel)
        except FileNotFoundError:
            continue  # gone since it was listed
        known, value = store.get(rel, stat)
        if known:
            if value is not None:
                items[rel] = Item(rel, value)
        else:
            missing.append((rel, stat, mtime_ns))
    for (rel, stat, mtime_ns), value in zip(
        missing, _parsed(root, [m[0] for m in missing]), strict=True
    ):
        store.put(rel, stat, mtime_ns, value)
        if value is not None:
            items[rel] = Item(rel, value)
    store.save()
    return [items[rel] for rel in sorted(items)]


def _parsed(root: Path, rels: list[str]) -> list[dict[str, Any] | None]:
    """The projections of the files `rels` (None: not a record mapping), in order."""
    from maintain_repo.sandbox.machine import PARALLEL_THRESHOLD, cpus

    def one(index: int) -> dict[str, Any] | None:
        rel = rels[index]
        data = read_mapping(str(root / rel), shown=rel)
        return project(data) if data is not None else None

    workers = cpus()
    if workers < 2 or len(rels) < PARALLEL_THRESHOLD:
        return [one(index) for index in range(len(rels))]
    from maintain_repo.sandbox.pool import imap

    out: list[dict[str, Any] | None] = [None] * len(rels)
    chunk = max(1, len(rels) // (workers * 8))
    for index, value in imap(one, len(rels), workers=workers, chunk=chunk, name=rels.__getitem__):
        out[index] = value
    return out


def objectives(items: Sequence[Item], service: str | None = None) -> list[Objective]:
    """The SLOs the service records declare (of `service` only, when given); a record
    whose `slos` is malformed declares none (`maintain check` says why)."""
    found = []
    for item in items:
        if item.get("kind") != "service" or (service is not None and item.id != service):
            continue
        if item.get("status") == "retired":
            continue
        declared = item.get("slos")
        for raw in declared if isinstance(declared, list) else []:
            objective = _objective(item.id, raw)
            if objective is not None:
                found.append(objective)
    return found


def _objective(service: str, raw: Any) -> Objective | None:
    if not isinstance(raw, dict):
        return None
    name, target, window, probes = (raw.get(k) for k in ("name", "objective", "window", "probes"))
    if not (isinstance(name, str) and isinstance(window, str) and isinstance(probes, list)):
        return None
    if isinstance(target, bool) or not isinstance(target, int | float) or not 0 < target < 100:
        return None
    try:
        span = rough_span(window)
    except ValueError:
        return None
    return Objective(
        service=service,
        name=name,
        objective=float(target),
        window=span,
        window_text=window,
        probes=tuple(str(p) for p in probes),
        incident_on_fast_burn=raw.get("incident_on_fast_burn") is True,
    )


def build_report(
    root: Path,
    period: Period,
    now: datetime,
    *,
    service: str | None = None,
    samples: Callable[[str, str], Sequence[Sample]] | None = None,
    hold: timedelta = timedelta(hours=1),
    items: Sequence[Item] | None = None,
) -> dict[str, Any]:
    """The report's JSON document. `samples(service, probe)` gives a probe's history
    (None: no probe state, so SLOs have no availability)."""
    window = window_of(period, now)
    records = list(items) if items is not None else read_items(root)
    slos = []
    for slo in objectives(records, service):

        def history(probe: str, of: str = slo.service) -> Sequence[Sample]:
            return samples(of, probe) if samples is not None else ()

        slos.append(evaluate(slo, history, window.until, hold))
    return measure(records, window, now=now, service=service, slos=slos)
