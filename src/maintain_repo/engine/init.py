"""`maintain init DIR`: scaffold an empty ops repository (never over existing data)."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from maintain_repo import HOME, __version__
from maintain_repo.engine.schemas import committed, drift, export
from maintain_repo.engine.starter import (
    COMMANDER_POLICY,
    IMPACT_POLICY,
    INCIDENT_FORM,
    SLA_TEXT,
    Starter,
    approval_text,
    commander_test,
    precommit_text,
    readme_text,
    service_text,
    settings_text,
    triage_test,
)
from maintain_repo.engine.starter_workflows import GENERATED, generated_files
from maintain_repo.errors import UsageError
from maintain_repo.model.kinds import KINDS
from maintain_repo.store.cache import DEFAULT_DIR
from maintain_repo.store.files import TEMP_PATTERN, write_atomic
from maintain_repo.store.repo import RECORDS, SCHEMAS, SETTINGS

GITIGNORE = ".gitignore"
# What never belongs in git: the check cache, and the temporary files of a write
# that was killed half-way (store.files).
IGNORED = (f"{DEFAULT_DIR}/", TEMP_PATTERN)


def scaffold(root: Path, starter: Starter | None = None) -> list[str]:
    """Create a new ops repository in `root` (see `engine.starter`): the folders, the
    schemas, a .gitignore, and the starter files, each unless it exists."""
    if (root / RECORDS).exists():
        raise UsageError(f"{root / RECORDS} already exists; {root} is already an ops repository")
    starter = starter or Starter()
    created = []
    for kind in KINDS.values():
        keep = root / RECORDS / kind.folder / ".gitkeep"
        write_atomic(keep, "", overwrite=False)
        created.append(f"{RECORDS}/{kind.folder}/")
    for rel, text in starter_files(starter).items():
        if not (root / rel).exists():
            write_atomic(root / rel, text, overwrite=False)
            created.append(rel)
    created.extend(f"{SCHEMAS}/{name}" for name in export(root / SCHEMAS)[0])
    if _ignore(root / GITIGNORE):
        created.append(GITIGNORE)
    return created


def starter_files(starter: Starter) -> dict[str, str]:
    """Path -> text of every starter file."""
    return {
        SETTINGS: settings_text(starter),
        "policies/sla.yaml": SLA_TEXT,
        "policies/approval.yaml": approval_text(starter),
        "policies/major-incidents-need-commander.yaml": COMMANDER_POLICY,
        "policies/customer-impact-described.yaml": IMPACT_POLICY,
        "policies/tests/major-incidents-need-commander.yaml": commander_test(starter),
        "policies/tests/commander-not-needed-in-triage.yaml": triage_test(starter),
        f"{RECORDS}/services/example-service.yaml": service_text(starter),
        ".github/ISSUE_TEMPLATE/incident.yml": INCIDENT_FORM,
        ".pre-commit-config.yaml": precommit_text(),
        "README.md": readme_text(starter),
        **generated_files(),
    }


def upgrade(root: Path, *, dry_run: bool = False) -> list[tuple[str, str]]:
    """Bring what `maintain init` generated to this version: each workflow (and the zizmor
    configuration) that still starts with the generated header, with the notification
    routes' secrets of the settings wired in, the `rev:` of maintain's hooks in
    `.pre-commit-config.yaml`, and the schemas in `schemas/` (what editors validate and
    explain with). Files the team wrote, changed (without the header) or deleted are left
    alone. (path, unified diff) of each file rewritten; a schema's is one summary line."""
    from maintain_repo.engine.load import worktree_policies

    if not (root / RECORDS).is_dir():
        raise UsageError(f"{root} is not an ops repository (no {RECORDS}/): run maintain init")
    routes = worktree_policies(root).settings.notifications.routes
    wanted = generated_files([route.url_env for route in routes])
    config = root / ".pre-commit-config.yaml"
    if config.is_file():
        text = config.read_text(encoding="utf-8")
        wanted[".pre-commit-config.yaml"] = re.sub(
            rf"(repo: {re.escape(HOME)}\s*\n\s*rev: )v[^\s#]+", rf"\g<1>v{__version__}", text
        )
    changed = []
    for rel, text in wanted.items():
        path = root / rel
        if not path.is_file():
            continue  # deleted by the team (or never there): left so
        before = path.read_text(encoding="utf-8")
        ours = rel == ".pre-commit-config.yaml" or before.startswith(GENERATED)
        if not ours or before == text:
            continue
        diff = "".join(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"a/{rel}",
                tofile=f"b/{rel}",
            )
        )
        changed.append((rel, diff))
        if not dry_run:
            write_atomic(path, text, overwrite=True)
    return changed + _upgrade_schemas(root / SCHEMAS, dry_run=dry_run)


def _upgrade_schemas(directory: Path, *, dry_run: bool) -> list[tuple[str, str]]:
    """`schemas/` as this version's models generate it (`engine.schemas`, what the validate
    workflow's `maintain schema check` wants): (path, a summary line) of each schema that
    export writes or removes."""
    from maintain_repo.model.schemas import render_all

    found = drift(directory)
    expected = render_all()
    changed = []
    for name in found.changed:
        before = committed(directory / name) or ""
        lines = sum(
            1
            for line in difflib.unified_diff(
                before.splitlines(), expected[name].splitlines(), lineterm=""
            )
            if line[:1] in "+-" and not line.startswith(("+++", "---"))
        )
        what = f"regenerated ({lines} lines changed)" if before else "added"
        changed.append((name, what))
    changed += [(name, "added") for name in found.missing]
    changed += [(name, "removed") for name in found.extra]
    if not dry_run:
        export(directory)
    return [(f"{SCHEMAS}/{name}", f"{SCHEMAS}/{name}: {what}\n") for name, what in changed]


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
