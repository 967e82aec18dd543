"""Findings as they are reported: positions for those that know only their field,
the rule levels Settings choose, and the directory paths are shown relative to."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from maintain_repo.model.findings import Finding, Severity
from maintain_repo.store.source import NotARegularFile, decode, read


def locate(root: Path, findings: list[Finding]) -> list[Finding]:
    """Line and column for findings that know only their field, reading each file
    once; the order of `findings` is kept."""
    by_path: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        if finding.line is None and finding.pointer is not None:
            by_path.setdefault(finding.path, []).append(index)
    located = list(findings)
    for path, indexes in by_path.items():
        group = [findings[i] for i in indexes]
        for index, finding in zip(indexes, _located_in(root, path, group), strict=True):
            located[index] = finding
    return located


def _located_in(root: Path, path: str, group: list[Finding]) -> list[Finding]:
    # Imported here: a run without findings to place never loads the YAML reader.
    from maintain_repo.store.problems import YamlError
    from maintain_repo.store.yaml import locate_findings

    try:
        text = decode(read(str(root / path)))
        if isinstance(text, str):
            return locate_findings(group, text)
    except (YamlError, NotARegularFile, OSError):
        pass  # the file's own findings say what is wrong with it
    return [f.located(1, 1) for f in group]


def apply_settings(findings: list[Finding], rules: dict[str, Any]) -> list[Finding]:
    """Drop findings of disabled rules; re-level those Settings re-level."""
    if not rules:
        return findings
    out: list[Finding] = []
    for finding in findings:
        setting = rules.get(finding.rule)
        if setting is None:
            out.append(finding)
        elif setting.get("enabled", True):
            severity = setting.get("severity")
            out.append(_relevel(finding, Severity(severity)) if severity else finding)
    return out


def _relevel(finding: Finding, severity: Severity) -> Finding:
    return dataclasses.replace(finding, severity=severity)


def workspace_of(root: Path) -> Path:
    """The directory annotations are relative to: GITHUB_WORKSPACE when the ops
    repository is inside it, else the git work tree holding it, else itself."""
    github = os.environ.get("GITHUB_WORKSPACE")
    if github:
        workspace = Path(github).resolve()
        if root == workspace or workspace in root.parents:
            return workspace
    for candidate in (root, *root.parents):
        if (candidate / ".git").exists():
            return candidate
    return root
