"""Checking one file: bytes in, findings and facts out (a cacheable dict).

This is the per-file stage of `maintain check`: decode, parse, validate
against the model of the file's kind, run the per-record rules, and keep the
facts the repository-wide rules need. It imports the models, so the engine
imports it only when some file is not in the cache.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, cast

from maintain_repo.engine.context import policies_for
from maintain_repo.engine.future import with_latest
from maintain_repo.engine.speculate import Computed
from maintain_repo.model.common import Record
from maintain_repo.model.facts import RecordFacts
from maintain_repo.model.findings import Finding, Severity
from maintain_repo.model.kinds import DOCUMENTS, FOLDERS, KINDS, document_model
from maintain_repo.rules.catalog import RULES
from maintain_repo.rules.layout import folder_of, identity_findings, location_findings
from maintain_repo.rules.records import RECORD_RULES
from maintain_repo.rules.schema import validate
from maintain_repo.sandbox import guard as sandbox
from maintain_repo.store.cache import stat_of
from maintain_repo.store.problems import YamlError, YamlProblem
from maintain_repo.store.repo import SETTINGS
from maintain_repo.store.scalars import type_name
from maintain_repo.store.source import NotARegularFile, decode, read, unreadable
from maintain_repo.store.yaml import locate_findings, parse

if TYPE_CHECKING:
    from maintain_repo.model.kinds import Kind
    from maintain_repo.model.policies import RecordPolicy
    from maintain_repo.model.service import Service
    from maintain_repo.model.settings import Settings
    from maintain_repo.policy.policyset import Policies


def check_path(base: str, rel: str) -> Computed | None:
    """Read and check one file, with its hash and stat signature for the cache;
    None when the file has vanished since it was listed. A file that is there but
    cannot be read stops the run (`StoreError`): its records would be missing."""
    path = os.path.join(base, rel)
    try:
        stat, mtime_ns = stat_of(path)
        data = read(path)
    except FileNotFoundError:
        return None
    except NotARegularFile as e:
        what = (
            "a policy document; policy documents are"
            if rel.startswith("policies/")
            else "a record; records are"
        )
        finding = Finding(
            "record-location",
            Severity.ERROR,
            f"{e} is not {what} regular files",
            rel,
            1,
            1,
        )
        sha = hashlib.sha256(f"not-a-file:{e}".encode()).hexdigest()
        return rel, sha, stat, mtime_ns, _result([finding], None)
    except OSError as e:
        raise unreadable(rel, e) from None
    guard = sandbox.active()
    refused = guard.hits if guard is not None else 0
    result = check_bytes(rel, data, policies_for(base))
    if guard is not None and guard.hits != refused:
        # A policy was not evaluated here because it hit a limit on another file: the
        # result depends on this run, and the next does not reuse it.
        result["volatile"] = True
    return rel, hashlib.sha256(data).hexdigest(), stat, mtime_ns, result


def check_bytes(rel: str, data: bytes, policies: Policies | None = None) -> dict[str, Any]:
    """The result of checking the file at root-relative `rel` with content `data`."""
    if rel.startswith("policies/"):
        return _check_policy(rel, data)
    return _check_record(rel, data, policies)


def _check_record(rel: str, data: bytes, policies: Policies | None) -> dict[str, Any]:
    findings = list(location_findings(rel, FOLDERS))
    kind_name = folder_of(rel, FOLDERS)
    if not rel.endswith(".yaml"):
        return _result(findings, None)  # not a record file at all; its name is the problem
    loaded = _load(rel, data, findings)
    if loaded is None:
        # Unreadable, but its name still says which record it is: links to it
        # should not be reported as broken on top of the real problem.
        stem = PurePosixPath(rel).stem if kind_name is not None else None
        return _result(findings, RecordFacts(rel, kind_name, stem, None, False))
    text, content, root = loaded
    record_id = content.get("id") if isinstance(content.get("id"), str) else None
    status = content.get("status") if isinstance(content.get("status"), str) else None
    stem = PurePosixPath(rel).stem if kind_name is not None else None
    facts = RecordFacts(rel, kind_name, record_id or stem, status, False)
    if kind_name is None:
        return _result(findings, facts)
    kind = KINDS[kind_name]
    identity = list(identity_findings(rel, kind_name, content))
    findings.extend(identity)
    dynamic = None
    if not any(f.rule == "record-kind" for f in identity):
        record, found = record_findings(kind, rel, content, policies)
        findings.extend(found)
        if record is not None:
            references = tuple(record.references())
            extra = with_latest(record.extra_facts(), record)  # for timestamp-future
            facts = RecordFacts(rel, kind_name, record.id, record.status, True, references, extra)
            dynamic = _dynamic(kind_name, content, root, policies)
    result = _result(locate_findings(findings, text), facts)
    if dynamic is not None:
        result["dynamic"] = dynamic
    return result


def _dynamic(
    kind: str, content: dict[str, Any], root: tuple[int, int], policies: Policies | None
) -> dict[str, Any] | None:
    """What the policies that read the clock or other records need of this record on
    every run (`engine.dynamic`): which of them apply, the record's data (so no run
    parses it again) and where it starts (where their findings point)."""
    if policies is None or not policies.records:
        return None
    applicable = policies.dynamic_for(kind, content)
    if not applicable:
        return None
    stored: dict[str, Any] = {
        "kind": kind,
        "policies": applicable,
        "data": content,
        "root": list(root),
    }
    try:
        json.dumps(content)
    except (TypeError, ValueError):  # a value JSON cannot hold: read the file each run
        stored["data"] = None
    return stored


def record_findings(
    kind: Kind, rel: str, content: dict[str, Any], policies: Policies | None
) -> tuple[Record | None, list[Finding]]:
    """A record's mapping against its kind's model, the per-record rules and the
    policies that need only the record (None: it does not validate)."""
    record_id = content.get("id") if isinstance(content.get("id"), str) else None
    model, findings = validate(kind.model, content, path=rel, record=record_id)
    if model is None:
        return None, findings
    record = cast(Record, model)
    for rule in RECORD_RULES.values():
        findings.extend(rule(kind, record, rel))
    if record.kind == "service" and getattr(record, "probes", None):
        from maintain_repo.policy.probes import condition_findings, secret_findings

        service = cast("Service", record)
        findings.extend(condition_findings(service, rel))
        if policies is not None:  # which variables probes may send is in the Settings
            findings.extend(secret_findings(service, rel, policies.settings.monitoring.secrets))
    if policies is not None:
        findings.extend(policies.findings(rel, record, content))
    return record, findings


def _check_policy(rel: str, data: bytes) -> dict[str, Any]:
    findings: list[Finding] = []
    loaded = _load(rel, data, findings)
    if loaded is None:
        return _result(findings, None)
    text, content, _ = loaded
    doc_kind = content.get("kind")
    model = document_model(doc_kind) if isinstance(doc_kind, str) else None
    if model is None:
        known = ", ".join(sorted(DOCUMENTS))
        if "kind" not in content:
            message = f"missing kind (one of: {known})"
        elif isinstance(doc_kind, str):
            message = f"unknown policy document kind {doc_kind!r} (known: {known})"
        else:
            message = f"kind must be the name of a document kind ({known}), not {_shape(doc_kind)}"
        findings.append(Finding("schema", Severity.ERROR, message, rel, pointer=("kind",)))
        return _result(locate_findings(findings, text), None)
    validated, errors = validate(model, content, path=rel, record=None)
    findings.extend(errors)
    settings = None
    if doc_kind == "Settings" and validated is not None:
        findings.extend(_settings_findings(rel, cast("Settings", validated)))
        settings = {
            "rules": {
                name: {"enabled": s.enabled, "severity": s.severity}
                for name, s in cast("Settings", validated).rules.items()
            },
            # What record policies see as `settings` (a warm run needs no model for it).
            "map": validated.model_dump(mode="json"),
        }
    if doc_kind == "RecordPolicy" and validated is not None:
        from maintain_repo.policy.records import compile_policy

        findings.extend(compile_policy(rel, cast("RecordPolicy", validated))[1])
    return _result(locate_findings(findings, text), None, settings=settings)


def _shape(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type_name(value)


def _settings_findings(rel: str, settings: Settings) -> list[Finding]:
    findings = [
        Finding(
            "settings-rule",
            Severity.ERROR,
            f"no built-in rule is called {name!r}",
            rel,
            pointer=("rules", name),
        )
        for name in settings.rules
        if name not in RULES
    ]
    if rel != SETTINGS:
        message = f"Settings belong in {SETTINGS}"
        findings.append(Finding("record-location", Severity.ERROR, message, rel, pointer=("kind",)))
    return findings


def _load(
    rel: str, data: bytes, findings: list[Finding]
) -> tuple[str, dict[str, Any], tuple[int, int]] | None:
    """The text, top-level mapping and where it starts, or None with a finding added."""
    text = decode(data)
    if isinstance(text, YamlProblem):
        findings.append(_problem(rel, text))
        return None
    try:
        document = parse(text)
    except YamlError as e:
        findings.append(_problem(rel, e.problem))
        return None
    if not isinstance(document.data, dict):
        if not text.strip():
            what = "an empty file"
        elif document.data is None:
            what = "an empty document (only comments, or null)"
        else:
            what = "a list" if isinstance(document.data, list) else "a single value"
        findings.append(
            Finding(
                "schema", Severity.ERROR, f"expected a mapping of fields, found {what}", rel, 1, 1
            )
        )
        return None
    return text, document.data, document.root


def _problem(rel: str, problem: YamlProblem) -> Finding:
    return Finding(problem.rule, Severity.ERROR, problem.message, rel, problem.line, problem.column)


def _result(
    findings: list[Finding], facts: RecordFacts | None, *, settings: dict[str, Any] | None = None
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "findings": [f.to_json() for f in findings],
        "facts": facts.to_json() if facts is not None else None,
    }
    if settings is not None:
        result["settings"] = settings
    return result
