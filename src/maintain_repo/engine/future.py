"""`timestamp-future` in `maintain check`: judged at the run's now, never cached.

The per-file stage keeps each record's latest stated time in its facts
(`LATEST_FACT`), and the repository stage the latest over all records. A run
whose now (plus the skew allowed) is past that latest time has nothing to
report and reads nothing more: the common case costs one comparison. Otherwise
the records whose latest time is ahead are read again and judged
(`maintain_repo.rules.future`).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from maintain_repo.model.timestamps import CLOCK_SKEW, shift, timestamp_or_none

if TYPE_CHECKING:  # the models load only when some record is judged (a warm run never)
    from maintain_repo.model.common import Record
    from maintain_repo.model.facts import RecordFacts
    from maintain_repo.model.findings import Finding

LATEST_FACT = "latest"


def with_latest(extra: dict[str, Any] | None, record: Record) -> dict[str, Any] | None:
    """A record's extra facts, with the latest time it states."""
    from maintain_repo.rules.future import latest_stated

    latest = latest_stated(record)
    if latest is None:
        return extra
    return {**(extra or {}), LATEST_FACT: latest.isoformat()}


def latest_of(facts: Iterable[RecordFacts]) -> str | None:
    """The latest stated time over `facts` (ISO text), for the repository memo."""
    moments = [_latest(fact) for fact in facts]
    found = [moment for moment in moments if moment is not None]
    return max(found).isoformat() if found else None


def stated_ahead(latest: str | None, now: datetime) -> bool:
    """Whether some record may state a time after `now` (beyond the skew allowed)."""
    moment = _parse(latest)
    return moment is not None and moment > shift(now, CLOCK_SKEW)


def future_in(base: str, facts: Iterable[RecordFacts], now: datetime) -> list[Finding]:
    """The `timestamp-future` findings of the records whose latest time is after `now`."""
    from maintain_repo.model.kinds import KINDS
    from maintain_repo.rules.future import future_findings
    from maintain_repo.store.yaml import read_mapping

    limit = shift(now, CLOCK_SKEW)
    found: list[Finding] = []
    for fact in facts:
        moment = _latest(fact)
        if moment is None or moment <= limit or fact.kind not in KINDS:
            continue
        data = read_mapping(os.path.join(base, fact.path), shown=fact.path)
        if data is None:
            continue  # changed under us: its own findings say what is wrong
        try:
            record = KINDS[fact.kind].model.model_validate(data)
        except ValueError:
            continue
        found.extend(future_findings(record, fact.path, now))
    return found


def _latest(fact: RecordFacts) -> datetime | None:
    return _parse((fact.extra or {}).get(LATEST_FACT)) if fact.valid else None


def _parse(text: object) -> datetime | None:
    return timestamp_or_none(text) if isinstance(text, str) else None
