"""Where a record file must be: `records/<folder>/<id>.yaml`, kind of its folder."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import Any

from maintain_repo.model.findings import Finding, Severity
from maintain_repo.store.repo import RECORDS


def folder_of(rel: str, folders: Mapping[str, str]) -> str | None:
    """The kind of the folder `rel` is in (`records/incidents/x.yaml` -> incident)."""
    parts = PurePosixPath(rel).parts
    if len(parts) == 3 and parts[0] == RECORDS:
        return folders.get(parts[1])
    return None


def location_findings(rel: str, folders: Mapping[str, str]) -> Iterator[Finding]:
    """Problems with the path itself, before the file is read."""
    path = PurePosixPath(rel)
    parts = path.parts
    expected = ", ".join(sorted(folders))
    if len(parts) != 3 or parts[0] != RECORDS:
        yield _at(rel, f"records live directly in records/<folder>/ (one of: {expected})")
    elif parts[1] not in folders:
        yield _at(rel, f"unknown folder {parts[1]!r} in records/ (expected one of: {expected})")
    if path.suffix != ".yaml":
        yield _at(rel, f"record files end in .yaml, not {path.suffix or 'nothing'!r}")


def identity_findings(rel: str, kind: str, data: Mapping[str, Any]) -> Iterator[Finding]:
    """The declared kind must be the folder's kind; the file stem must be the id."""
    declared = data.get("kind")
    record_id = data.get("id") if isinstance(data.get("id"), str) else None
    if declared != kind:
        message = (
            f"missing kind; records in this folder are kind {kind!r}"
            if declared is None
            else f"kind is {declared!r} but records in this folder are kind {kind!r}"
        )
        yield Finding(
            "record-kind",
            Severity.ERROR,
            message,
            rel,
            record=record_id,
            pointer=("kind",) if "kind" in data else (),
        )
    stem = PurePosixPath(rel).stem
    if record_id is not None and record_id != stem:
        yield Finding(
            "record-location",
            Severity.ERROR,
            _mismatch(stem, record_id),
            rel,
            record=record_id,
            pointer=("id",),
        )


def _mismatch(stem: str, record_id: str) -> str:
    """Why the file name is not the id. Names that differ only in Unicode normalisation
    look identical, so that is said in so many words: git compares file names byte for
    byte (on Linux `café` composed and decomposed are two files; macOS shows one), so a
    name is the id exactly, and both are written composed (NFC), as git on macOS
    stores names it adds."""
    if unicodedata.normalize("NFC", stem) == unicodedata.normalize("NFC", record_id):
        return (
            f"file name {stem!r} and id {record_id!r} differ only in Unicode normalisation "
            f"(the file name is {_form(stem)}, the id {_form(record_id)}); write both in "
            "NFC, composed characters"
        )
    return f"file name {stem!r} does not match id {record_id!r}; name the file {record_id}.yaml"


def _form(text: str) -> str:
    if unicodedata.is_normalized("NFC", text):
        return "NFC (composed)"
    if unicodedata.is_normalized("NFD", text):
        return "NFD (decomposed)"
    return "mixed"


def _at(rel: str, message: str) -> Finding:
    return Finding("record-location", Severity.ERROR, message, rel, 1, 1)
