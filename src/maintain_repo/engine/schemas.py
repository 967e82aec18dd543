"""`maintain schema export|check`: keep `schemas/` equal to what the models generate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maintain_repo.model.schemas import render_all
from maintain_repo.store.files import write_atomic


@dataclass(frozen=True, slots=True)
class SchemaDrift:
    changed: tuple[str, ...]  # committed file differs from the models
    missing: tuple[str, ...]  # the models have a schema that is not committed
    extra: tuple[str, ...]  # a committed *.schema.json that no model produces

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def drift(directory: Path) -> SchemaDrift:
    expected = render_all()
    changed, missing = [], []
    for name, text in expected.items():
        path = directory / name
        if not path.is_file():
            missing.append(name)
        elif path.read_text(encoding="utf-8") != text:
            changed.append(name)
    present = {p.name for p in directory.glob("*.schema.json")} if directory.is_dir() else set()
    extra = sorted(present - set(expected))
    return SchemaDrift(tuple(changed), tuple(missing), tuple(extra))


def export(directory: Path) -> list[str]:
    """Write every schema that differs; returns the names written."""
    written = []
    for name, text in render_all().items():
        path = directory / name
        if path.is_file() and path.read_text(encoding="utf-8") == text:
            continue
        write_atomic(path, text, overwrite=True)
        written.append(name)
    return written
