"""pip-audit's JSON report (`pip-audit -f json`).

Two shapes are read:

* today's (2.x): an object `{"dependencies": [...], "fixes": [...]}`;
* the legacy one (1.x): the list of dependencies itself.

A dependency is `{name, version, vulns[]}`, or `{name, skip_reason}` when pip-audit could
not audit it. One observation per (dependency, vulnerability), category `dependency`:

* Package: `name` at `version`, ecosystem PyPI (pip-audit audits nothing else).
* Ids: the vulnerability's `id` (PYSEC-…, GHSA-…), then its `aliases` (2.x only); `id`
  is the rule. Fix versions: `fix_versions` (often empty). Description: `description`
  (given with `--desc`, the default for JSON).
* No severity, CVSS, CWE, title or manifest: the report has none. The title is the
  package and the id; the manifest (the `-r requirements.txt` pip-audit read) is the
  importer's to give, from its command line.
* A skipped dependency is no observation but a line of `Report.skipped`, in words ("name:
  reason"): the report says it was not checked, which is not the same as clean.
* `fixes[]` (what `--fix` did or could not do) says nothing about what is vulnerable: not
  read. The report names no pip-audit version.

Marks: none (the package and the advisory are the identity).
"""

from __future__ import annotations

from maintain_repo.security.formats import _json
from maintain_repo.security.formats._json import (
    LIMIT,
    Entry,
    Pointer,
)
from maintain_repo.security.observation import (
    FormatError,
    Observation,
    Package,
    Report,
    line,
    text_block,
    vulnerability_ids,
)

TOOL = "pip-audit"


def parse(data: object) -> Report:
    """The observations of a pip-audit JSON report (`json.loads` of it), either shape."""
    if isinstance(data, list):
        dependencies: list[object] = data
        at: Pointer = ()
    elif isinstance(data, dict):
        if "dependencies" not in data:
            raise FormatError("not a pip-audit JSON report: `dependencies` is missing", ())
        dependencies = _json.items(data["dependencies"], ("dependencies",))
        at = ("dependencies",)
    else:
        raise FormatError(f"expected an object or a list, found {_json.kind(data)}", ())
    observations: dict[tuple[Package | None, str | None], Observation] = {}
    skipped: list[str] = []
    for index, value in enumerate(dependencies):
        pointer = (*at, index)
        dependency = _json.object_at(value, pointer)
        name = _json.required(dependency, "name", pointer)
        reason = _json.text(dependency, "skip_reason", pointer)
        if reason is not None:
            skipped.append(line(f"{name}: {reason}", limit=LIMIT) or name)
            continue
        for observation in _vulnerabilities(dependency, name, pointer):
            # A dependency listed twice with one advisory is one problem: one observation.
            observations.setdefault((observation.package, observation.rule_id), observation)
    return Report("pip-audit", tuple(observations.values()), tuple(skipped))


def _vulnerabilities(dependency: Entry, name: str, pointer: Pointer) -> list[Observation]:
    version = line(_json.text(dependency, "version", pointer), LIMIT)
    package = Package("PyPI", name, version)
    subject = f"{name} {version}" if version else name
    found = []
    for index, value in enumerate(_json.items(dependency.get("vulns"), (*pointer, "vulns"))):
        where = (*pointer, "vulns", index)
        vulnerability = _json.object_at(value, where)
        advisory = _json.required(vulnerability, "id", where)
        aliases = _json.texts(vulnerability.get("aliases"), (*where, "aliases"))
        fixes = _json.texts(vulnerability.get("fix_versions"), (*where, "fix_versions"))
        found.append(
            Observation(
                tool=TOOL,
                category="dependency",
                title=line(f"{subject}: {advisory}") or advisory,
                rule_id=advisory,
                description=text_block(_json.text(vulnerability, "description", where)),
                vulnerability_ids=vulnerability_ids([advisory, *aliases]),
                package=package,
                fix_versions=tuple(
                    dict.fromkeys(text for fix in fixes if (text := line(fix, LIMIT)))
                ),
            )
        )
    return found
