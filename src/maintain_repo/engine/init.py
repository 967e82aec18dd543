"""`maintain init DIR`: scaffold an empty ops repository (never over existing data)."""

from __future__ import annotations

from pathlib import Path

from maintain_repo.engine.schemas import export
from maintain_repo.errors import UsageError
from maintain_repo.model.kinds import KINDS
from maintain_repo.store.cache import DEFAULT_DIR
from maintain_repo.store.files import TEMP_PATTERN, write_atomic
from maintain_repo.store.repo import RECORDS, SCHEMAS, SETTINGS

SETTINGS_TEXT = """\
# yaml-language-server: $schema=../schemas/settings.schema.json
# Repository-wide settings of this ops repository.
kind: Settings
schema_version: 1
time_zone: UTC
business_days: [mon, tue, wed, thu, fri]
"""

SLA = "policies/sla.yaml"
SLA_TEXT = """\
# yaml-language-server: $schema=../schemas/sla-policy.schema.json
# Service levels: how long each obligation may take. These are starting values to adjust
# to what you have agreed; business days (bd) follow policies/settings.yaml.
# `maintain sla` lists what is due, at risk (past at_risk_after of its time) and breached.
kind: SLAPolicy
name: service-levels
description: >-
  Response targets for incidents by severity, postmortem deadlines, action items
  by priority and the remediation windows for security findings.
incident:
  acknowledge: {SEV1: 15m, SEV2: 30m, SEV3: 4h, SEV4: 1bd}
  resolve: {SEV1: 4h, SEV2: 8h, SEV3: 3bd, SEV4: 10bd}
  postmortem: {SEV1: 10bd, SEV2: 15bd}
improvement: {P1: 30d, P2: 90d, P3: 180d, P4: 365d}
finding: {critical: 7d, high: 30d, medium: 90d, low: 180d, info: 365d}
waiver:
  finding: {critical: 30d, high: 90d, medium: 180d, low: 365d, info: 365d}
  policy: 180d
at_risk_after: 0.75
"""

GITIGNORE = ".gitignore"
# What never belongs in git: the check cache, and the temporary files of a write
# that was killed half-way (store.files).
IGNORED = (f"{DEFAULT_DIR}/", TEMP_PATTERN)


def scaffold(root: Path) -> list[str]:
    """Create the folders, settings, a starter SLA policy, schemas and .gitignore of a new
    ops repository."""
    if (root / RECORDS).exists():
        raise UsageError(f"{root / RECORDS} already exists; {root} is already an ops repository")
    created = []
    for kind in KINDS.values():
        keep = root / RECORDS / kind.folder / ".gitkeep"
        write_atomic(keep, "", overwrite=False)
        created.append(f"{RECORDS}/{kind.folder}/")
    for rel, text in ((SETTINGS, SETTINGS_TEXT), (SLA, SLA_TEXT)):
        if not (root / rel).exists():
            write_atomic(root / rel, text, overwrite=False)
            created.append(rel)
    created.extend(f"{SCHEMAS}/{name}" for name in export(root / SCHEMAS))
    if _ignore(root / GITIGNORE):
        created.append(GITIGNORE)
    return created


def _ignore(path: Path) -> bool:
    """Add the lines of `IGNORED` that `path` lacks; True when it was written."""
    try:
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"cannot read {path}: {e}") from None
    lines = existing.splitlines()
    missing = [line for line in IGNORED if line not in lines]
    if not missing:
        return False
    start = existing if not existing or existing.endswith("\n") else existing + "\n"
    write_atomic(path, start + "".join(f"{line}\n" for line in missing), overwrite=True)
    return True
