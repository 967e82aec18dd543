"""The probe state directory: one folder per probe, its state and its months.

    probes/<service>/<probe>/state.json
    probes/<service>/<probe>/<YYYY-MM>.csv

Each probe owns its folder, so parallel shards (which own disjoint probes)
never write the same file. The directory is the state branch's checkout, or
`--state-dir` for a local run. Files are written atomically (never half
written) but without fsync: a thousand probes' files would wait a second on
the disk, and the state branch's commit is what makes them last. A dry run's
StateDir reads as usual and says what it would write, but writes nothing.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from maintain_repo.model.monitoring import Sample
from maintain_repo.probes import history
from maintain_repo.probes.state import ProbeState
from maintain_repo.store.files import write_atomic

FOLDER = "probes"
README = """\
# maintain state

This branch is written by `maintain probe run`: per probe, its current state
(`state.json`: consecutive results, the open incident) and its history by month
(`YYYY-MM.csv`: at, state, latency_ms, code, maintenance). The default branch
stays free of machine writes; `maintain status build` reads this branch.
Do not edit by hand while probes run.
"""


class StateDir:
    def __init__(self, root: Path, *, dry_run: bool = False) -> None:
        self.root = root
        self.dry_run = dry_run

    def folder(self, service: str, probe: str) -> Path:
        return self.root / FOLDER / service / probe

    def state(self, service: str, probe: str) -> ProbeState:
        path = self.folder(service, probe) / "state.json"
        try:
            return ProbeState.from_json(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return ProbeState()
        except (OSError, ValueError):
            return ProbeState()  # damaged: start over rather than stop monitoring

    def save_state(self, service: str, probe: str, state: ProbeState) -> bool:
        """Write the state; False when the file already says exactly this."""
        path = self.folder(service, probe) / "state.json"
        text = json.dumps(state.to_json(), indent=2, sort_keys=True) + "\n"
        if path.is_file() and path.read_bytes() == text.encode("utf-8"):
            return False
        if not self.dry_run:
            write_atomic(path, text, overwrite=True, durable=False)
        return True

    def samples(self, service: str, probe: str, since: datetime | None = None) -> list[Sample]:
        """The probe's samples (from `since` on), oldest first."""
        folder = self.folder(service, probe)
        months = (
            sorted(folder.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9].csv")) if folder.is_dir() else []
        )
        if since is not None:
            first = history.month_of(since)
            months = [path for path in months if path.stem >= first]
        rows: list[Sample] = []
        for path in months:
            rows.extend(history.parse_rows(path.read_text(encoding="utf-8", errors="replace")))
        rows.sort(key=lambda sample: sample.at)
        return rows if since is None else [row for row in rows if row.at >= since]

    def last_sample(self, service: str, probe: str) -> Sample | None:
        folder = self.folder(service, probe)
        months = (
            sorted(folder.glob("[0-9][0-9][0-9][0-9]-[0-9][0-9].csv")) if folder.is_dir() else []
        )
        for path in reversed(months):
            rows = history.parse_rows(path.read_text(encoding="utf-8", errors="replace"))
            if rows:
                return max(rows, key=lambda sample: sample.at)
        return None

    def append(self, service: str, probe: str, sample: Sample) -> bool:
        """Add a sample to its month; False when that exact row is already there (a rerun)."""
        path = self.folder(service, probe) / f"{history.month_of(sample.at)}.csv"
        row = history.render_rows([sample])
        if not path.is_file():
            if not self.dry_run:
                write_atomic(path, history.new_file([sample]), overwrite=True, durable=False)
            return True
        text = path.read_text(encoding="utf-8", errors="replace")
        if row.rstrip("\n") in text.splitlines():
            return False
        if text and not text.endswith("\n"):
            text += "\n"
        if not self.dry_run:
            write_atomic(path, text + row, overwrite=True, durable=False)
        return True

    def ensure_readme(self) -> None:
        path = self.root / "README.md"
        if not path.exists() and not self.dry_run:
            write_atomic(path, README, overwrite=False)
