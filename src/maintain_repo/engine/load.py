"""Loading validated records and policy documents for the commands that need them.

`maintain check` has its own cached per-file pipeline; `maintain sla` and
policy evaluation need typed records and the repository's policies, read
here. Files that do not validate are skipped: `maintain check` reports them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, cast

from maintain_repo.model.kinds import FOLDERS, KINDS, document_model
from maintain_repo.model.settings import Settings
from maintain_repo.policy.policyset import Policies
from maintain_repo.rules.layout import folder_of
from maintain_repo.store.repo import policy_files, record_files
from maintain_repo.store.source import NotARegularFile, read, unreadable
from maintain_repo.store.yaml import mapping_of, read_mapping

if TYPE_CHECKING:
    from maintain_repo.model.common import Record
    from maintain_repo.model.policies import FreezeWindow, RecordPolicy, SLAPolicy


def load_policies(files: Iterable[tuple[str, bytes]]) -> Policies:
    """Policies from (path, content) pairs: the working tree's or a base ref's."""
    policies = Policies(Settings(kind="Settings", schema_version=1))
    for rel, raw in sorted(files):
        data = mapping_of(raw)
        kind = data.get("kind") if data is not None else None
        if kind == "ApprovalPolicy" and data is not None:
            policies.approval_documents.append((rel, data))  # validated only when asked for
            continue
        model = document_model(kind) if isinstance(kind, str) else None
        if model is None:
            continue
        try:
            document = model.model_validate(data)
        except ValueError:
            continue  # `maintain check` reports it
        # By kind name: the models of kinds a repository does not use stay unimported.
        if kind == "Settings":
            policies.settings = cast(Settings, document)
        elif kind == "SLAPolicy":
            policies.sla = policies.sla or cast("SLAPolicy", document)
        elif kind == "RecordPolicy":
            policies.records.append((rel, cast("RecordPolicy", document)))
            policies.sources[rel] = raw
        elif kind == "FreezeWindow":
            policies.freezes.append((rel, cast("FreezeWindow", document)))
    return policies


def worktree_documents(root: Path) -> list[tuple[str, bytes]]:
    """The policy documents of the working tree, as (path, bytes)."""
    return [(rel, _bytes(root, rel)) for rel in policy_files(root)]


def worktree_policies(root: Path) -> Policies:
    return load_policies(worktree_documents(root))


def load_records(root: Path, kinds: Iterable[str] | None = None) -> list[tuple[str, Record]]:
    """Valid records of the given kinds (all kinds by default), with their paths."""
    wanted = set(kinds) if kinds is not None else set(KINDS)
    loaded = []
    for rel in record_files(root):
        kind = folder_of(rel, FOLDERS)
        if kind not in wanted or not rel.endswith(".yaml"):
            continue
        data = read_mapping(str(root / rel), shown=rel)
        if data is None:
            continue
        try:
            loaded.append((rel, KINDS[kind].model.model_validate(data)))
        except ValueError:
            continue
    return loaded


def _bytes(root: Path, rel: str) -> bytes:
    """A policy document's bytes; empty when it is not a regular file (or gone), which
    `maintain check` reports. One that cannot be read stops the command."""
    try:
        return read(str(root / rel))
    except (NotARegularFile, FileNotFoundError):
        return b""
    except OSError as e:
        raise unreadable(rel, e) from None
