"""npm audit's JSON report (`npm audit --json`, npm 7 and later): `auditReportVersion: 2`.

Read: `vulnerabilities`, an object keyed by package name. Each package's `via[]` mixes
two things: an object is an advisory about that package; a string names another
vulnerable package the problem comes through (a chain, even one to a package the report
does not list, as "ms" can be). One observation per advisory object, category
`dependency`; a string says nothing of its own and gives none. An advisory reached twice
for one package is one observation (per advisory and package name).

* Advisory: the GHSA id in its `url` ("https://github.com/advisories/GHSA-…") is both
  the rule and the only id. The numeric `source` is npm's bulk-advisory number: it
  changes from one run to the next for the same advisory, so it is never kept. An
  advisory whose url has no GHSA (npm's own older ones) is known by its url.
* Package: the advisory's `name`, ecosystem npm, version unknown (npm audit gives only
  the vulnerable `range` and the `nodes` paths). The manifest (the package-lock.json
  npm read) is the importer's to give, from its command line.
* Fix versions: `fixAvailable` only when it names this package ("debug 2.6.9"); it
  often names the parent to upgrade instead (express for debug), which is no version of
  this package, and `true`/`false` name none.
* Title: the package and the advisory's `title`; description: the vulnerable range.
  CWE: `cwe[]`. URL: `url`.

Severity: the advisory's `cvss.vectorString` (CVSS v3.x), scored by
`severity.parse_cvss`; else its `severity` word (GitHub's, source `advisory`: moderate
is medium). The package's own `severity` (the highest of its advisories and chains) is not
an advisory's and is not read.

Older reports (`auditReportVersion` 1, npm 6's `advisories`) are not read. The report
names no npm version. Marks: none (the package and the advisory are the identity).
"""

from __future__ import annotations

import re

from maintain_repo.security.formats import _json
from maintain_repo.security.formats._json import (
    LIMIT,
    Entry,
    Pointer,
)
from maintain_repo.security.observation import (
    Cvss,
    FormatError,
    Observation,
    Package,
    Report,
    cwe_of,
    line,
    text_block,
    vulnerability_ids,
)
from maintain_repo.security.severity import from_cvss, from_word, parse_cvss

TOOL = "npm-audit"
VERSION = 2
_GHSA = re.compile(r"GHSA(?:-[0-9a-z]{4}){3}(?![0-9a-z])", re.IGNORECASE)


def parse(data: object) -> Report:
    """The observations of an npm audit JSON report (`json.loads` of it)."""
    report = _json.object_at(data, ())
    if "auditReportVersion" not in report:
        raise FormatError("not an npm audit report: `auditReportVersion` is missing", ())
    version = report["auditReportVersion"]
    if isinstance(version, bool) or version != VERSION:
        raise FormatError(
            f"audit report version {version!r} is not read: only version 2 (npm 7 and later)",
            ("auditReportVersion",),
        )
    vulnerabilities = _json.object_at(report.get("vulnerabilities"), ("vulnerabilities",))
    observations: dict[tuple[str | None, Package | None], Observation] = {}
    for key, value in vulnerabilities.items():
        pointer = ("vulnerabilities", key)
        entry = _json.object_at(value, pointer)
        fix = _fix(entry, pointer)
        for index, item in enumerate(_json.items(entry.get("via"), (*pointer, "via"))):
            if isinstance(item, str):
                continue  # a chain through another package, not an advisory
            where = (*pointer, "via", index)
            observation = _advisory(_json.object_at(item, where), where, line(key, LIMIT), fix)
            observations.setdefault((observation.rule_id, observation.package), observation)
    return Report("npm-audit", tuple(observations.values()))


def _advisory(
    advisory: Entry, pointer: Pointer, key: str | None, fix: tuple[str, str] | None
) -> Observation:
    name = line(_json.text(advisory, "name", pointer), LIMIT) or key
    url = line(_json.text(advisory, "url", pointer), limit=2000)
    if url is None:
        raise FormatError("`url` is missing or empty: the advisory has no id", (*pointer, "url"))
    found = _GHSA.search(url)
    ghsa = f"GHSA-{found.group(0)[5:].lower()}" if found else None
    rule = ghsa or url
    cvss = _cvss(advisory, pointer)
    decided = from_cvss(cvss)
    if decided is None:
        word = from_word(_json.text(advisory, "severity", pointer))
        decided = (word, "advisory") if word else None
    title = line(_json.text(advisory, "title", pointer)) or rule
    affected = line(_json.text(advisory, "range", pointer), LIMIT)
    return Observation(
        tool=TOOL,
        category="dependency",
        title=(line(f"{name}: {title}") or title) if name else title,
        rule_id=rule,
        description=text_block(f"Vulnerable versions: {affected}") if affected else None,
        severity=decided[0] if decided else None,
        severity_source=decided[1] if decided else None,
        vulnerability_ids=vulnerability_ids([ghsa] if ghsa else []),
        cwe=_cwes(advisory.get("cwe"), (*pointer, "cwe")),
        cvss=cvss,
        package=Package("npm", name, None) if name else None,
        fix_versions=(fix[1],) if fix and fix[0] == name else (),
        url=url,
    )


def _fix(entry: Entry, pointer: Pointer) -> tuple[str, str] | None:
    """`fixAvailable` as (package, version); None for `true`, `false` or nothing."""
    value = entry.get("fixAvailable")
    if value is None or isinstance(value, bool):
        return None
    fix = _json.object_at(value, (*pointer, "fixAvailable"))
    name = line(_json.text(fix, "name", (*pointer, "fixAvailable")), LIMIT)
    version = line(_json.text(fix, "version", (*pointer, "fixAvailable")), LIMIT)
    return (name, version) if name and version else None


def _cvss(advisory: Entry, pointer: Pointer) -> tuple[Cvss, ...]:
    if advisory.get("cvss") is None:
        return ()
    scored = _json.object_at(advisory["cvss"], (*pointer, "cvss"))
    # npm writes `vectorString: null` (and score 0) when the advisory has no CVSS.
    cvss = parse_cvss(_json.text(scored, "vectorString", (*pointer, "cvss")))
    return (cvss,) if cvss else ()


def _cwes(value: object, pointer: Pointer) -> tuple[str, ...]:
    texts = [value] if isinstance(value, str) else _json.texts(value, pointer)
    return tuple(dict.fromkeys(cwe for text in texts if (cwe := cwe_of(text))))
