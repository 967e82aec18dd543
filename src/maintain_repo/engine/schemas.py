"""`maintain schema export|check`: keep `schemas/` equal to what the models generate."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from maintain_repo.model.schemas import render_all
from maintain_repo.store.files import write_atomic


@dataclass(frozen=True, slots=True)
class SchemaDrift:
    changed: tuple[str, ...]  # committed file differs from the models (or cannot be read)
    missing: tuple[str, ...]  # the models have a schema that is not committed
    extra: tuple[str, ...]  # a committed *.schema.json that no model produces

    @property
    def clean(self) -> bool:
        return not (self.changed or self.missing or self.extra)


def drift(directory: Path) -> SchemaDrift:
    expected = render_all()
    changed, missing = [], []
    for name, text in expected.items():
        before = committed(directory / name)
        if before is None:
            missing.append(name)
        elif before != text:
            changed.append(name)
    present = {p.name for p in directory.glob("*.schema.json")} if directory.is_dir() else set()
    extra = sorted(present - set(expected))
    return SchemaDrift(tuple(changed), tuple(missing), tuple(extra))


def committed(path: Path) -> str | None:
    """A schema file's text: None when there is none; "" when it cannot be read as text (a
    binary or unreadable file differs from every schema)."""
    if not path.is_file():
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def export(directory: Path) -> tuple[list[str], list[str]]:
    """Make `directory` what the models generate: write every schema that differs or is
    missing, remove the `*.schema.json` no model produces. The names written, and removed."""
    found = drift(directory)
    expected = render_all()
    for name in (*found.changed, *found.missing):
        write_atomic(directory / name, expected[name], overwrite=True)
    for name in found.extra:
        (directory / name).unlink(missing_ok=True)
    return [*found.changed, *found.missing], list(found.extra)
