"""A finding record's fields from what scanners observed (`maintain findings import`):
the tool, every tool and id, the lists, the location, and the keys a dependency finding
is found again by (ecosystem, package, manifest and any advisory id)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from maintain_repo.security.identity import package_key, path_key
from maintain_repo.security.observation import Observation, line


def tool_of(observation: Observation) -> dict[str, str]:
    tool = {"name": line(observation.tool, 100) or "scanner"}
    if observation.tool_version:
        tool["version"] = line(observation.tool_version, 100) or ""
    if observation.rule_id:
        tool["rule_id"] = line(observation.rule_id, 200) or ""
    return {k: v for k, v in tool.items() if v}


def tools_of(members: Sequence[Observation]) -> list[str]:
    return list(dict.fromkeys(line(m.tool, 100) or "scanner" for m in members))


def set_lists(data: dict[str, Any], members: Sequence[Observation], ids: Sequence[str]) -> None:
    if ids:
        data["vulnerability_ids"] = list(ids)
    cwe = list(dict.fromkeys(c for m in members for c in m.cwe))
    if cwe:
        data["cwe"] = cwe
    cvss = {c.vector: c for m in members for c in m.cvss}
    if cvss:
        data["cvss"] = [
            {"version": c.version, "vector": c.vector, "score": c.score} for c in cvss.values()
        ]
    fixes = list(dict.fromkeys(v for m in members for v in m.fix_versions if line(v)))
    if fixes:
        data["fix_versions"] = fixes


def location_of(observation: Observation) -> dict[str, Any]:
    location: dict[str, Any] = {}
    if observation.path:
        location["path"] = line(observation.path, 500)
        if observation.start_line:
            location["start_line"] = observation.start_line
            if observation.end_line and observation.end_line >= observation.start_line:
                location["end_line"] = observation.end_line
    if observation.package is not None:
        package = observation.package
        location["package"] = {"ecosystem": package.ecosystem, "name": package.name}
        if package.version:
            location["package"]["version"] = package.version
    if observation.manifest:
        location["manifest"] = line(observation.manifest, 500)
    return location


def urls_of(members: Sequence[Observation]) -> list[str]:
    return list(dict.fromkeys(m.url for m in members if m.url and _http(m.url)))


def _http(url: str) -> bool:
    return url.startswith(("https://", "http://")) and " " not in url and len(url) <= 2000


def union(data: Any, field: str, values: Sequence[str]) -> None:
    current = list(data.get(field) or [])
    added = [v for v in values if v not in current]
    if added:
        if field in data:
            data[field].extend(added)
        else:
            data[field] = current + added


def place_key(ecosystem: str, name: str, manifest: str | None) -> tuple[str, str, str]:
    return (ecosystem.lower(), package_key(ecosystem, name), path_key(manifest))


def advisory_keys(data: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    location = data.get("location")
    if not isinstance(location, dict) or not isinstance(location.get("package"), dict):
        return []
    package = location["package"]
    ecosystem, name = package.get("ecosystem"), package.get("name")
    if not (isinstance(ecosystem, str) and isinstance(name, str)):
        return []
    manifest = location.get("manifest") or location.get("path")
    where = place_key(ecosystem, name, manifest if isinstance(manifest, str) else None)
    ids = data.get("vulnerability_ids")
    return [(*where, i.upper()) for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
