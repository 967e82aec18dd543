"""`maintain init DIR`: scaffold an empty ops repository (never over existing data)."""

from __future__ import annotations

from pathlib import Path

from maintain_repo.engine.schemas import export
from maintain_repo.errors import UsageError
from maintain_repo.model.kinds import KINDS
from maintain_repo.store.files import write_atomic
from maintain_repo.store.repo import RECORDS, SCHEMAS, SETTINGS

SETTINGS_TEXT = """\
# yaml-language-server: $schema=../schemas/settings.schema.json
# Repository-wide settings of this ops repository.
kind: Settings
schema_version: 1
time_zone: UTC
business_days: [mon, tue, wed, thu, fri]
"""


def scaffold(root: Path) -> list[str]:
    """Create the folders, settings and schemas of a new ops repository."""
    if (root / RECORDS).exists():
        raise UsageError(f"{root / RECORDS} already exists; {root} is already an ops repository")
    created = []
    for kind in KINDS.values():
        keep = root / RECORDS / kind.folder / ".gitkeep"
        write_atomic(keep, "", overwrite=False)
        created.append(f"{RECORDS}/{kind.folder}/")
    if not (root / SETTINGS).exists():
        write_atomic(root / SETTINGS, SETTINGS_TEXT, overwrite=False)
        created.append(SETTINGS)
    created.extend(f"{SCHEMAS}/{name}" for name in export(root / SCHEMAS))
    return created
