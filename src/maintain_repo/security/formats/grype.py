"""Grype's JSON report (`grype … -o json`), from 0.7 to today's.

Read: `descriptor.version` and `matches[]`: one observation per match, category
`dependency` (the same advisory on two packages, or on one package found in two places,
is two matches and stays two observations).

* Package: `artifact.name` at `artifact.version`. Its ecosystem is the OSV name of
  `artifact.type` (npm, python, java-archive, deb, rpm…); for an OS package (deb, rpm,
  apk) the distribution named in the PURL comes first (`pkg:deb/ubuntu/…` is Ubuntu, not
  Debian); a type OSV has no name for is kept as Grype's word. The manifest is the first
  of `artifact.locations[].path` ("components/yarn.lock", "/var/lib/dpkg/status").
* Ids: `vulnerability.id`, then each `relatedVulnerabilities[].id` (the CVE of a GHSA, the
  GHSA of an NVD match). `vulnerability.advisories` (RHSA-…) are errata covering many
  advisories, not aliases: left out.
* Fix versions: `vulnerability.fix.versions`; 0.7's schema has no `fix`, only a
  `fixedInVersion` text.
* `matchDetails` (how Grype matched: a list, an object in 0.7) says nothing the
  observation keeps, and is not read.

Severity: the CVSS v4.0/v3.x vectors of the vulnerability (`cvss[]`; 0.7's `cvssV3`),
scored by `severity.parse_cvss`, else those of its related vulnerabilities; else the
vulnerability's `severity` word (source `tool`: Grype's, from its database; Negligible is
`info`); when that is Unknown or missing, the first related vulnerability's word (source
`advisory`: the GHSA's for an NVD match); else none. CVSS v2 entries are dropped. The
vectors kept are the vulnerability's then the related ones', each once.

Marks: none (the package and the advisory are a match's identity; Grype's `artifact.id`
changes from one scan to the next).
"""

from __future__ import annotations

from collections.abc import Iterator

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
    ecosystem,
    line,
    text_block,
    vulnerability_ids,
)
from maintain_repo.security.severity import from_cvss, from_word, parse_cvss

TOOL = "grype"
# Package types whose PURL namespace names the distribution (`pkg:rpm/amazon/…`).
OS_TYPES = ("deb", "rpm", "apk")
CVSS_VERSIONS = ("3.0", "3.1", "4.0")


def parse(data: object) -> Report:
    """The observations of a Grype JSON report (`json.loads` of it)."""
    report = _json.object_at(data, ())
    if "matches" not in report:
        raise FormatError("not a Grype JSON report: `matches` is missing", ())
    version = None
    if report.get("descriptor") is not None:
        descriptor = _json.object_at(report["descriptor"], ("descriptor",))
        version = line(_json.text(descriptor, "version", ("descriptor",)))
    observations = []
    for index, value in enumerate(_json.items(report["matches"], ("matches",))):
        pointer = ("matches", index)
        observations.append(_match(_json.object_at(value, pointer), pointer, version))
    return Report("grype", tuple(observations))


def _match(match: Entry, pointer: Pointer, version: str | None) -> Observation:
    where = (*pointer, "vulnerability")
    vulnerability = _json.object_at(match.get("vulnerability"), where)
    advisory = _json.required(vulnerability, "id", where)
    related = [
        (
            _json.object_at(value, (*pointer, "relatedVulnerabilities", index)),
            (*pointer, "relatedVulnerabilities", index),
        )
        for index, value in enumerate(
            _json.items(match.get("relatedVulnerabilities"), (*pointer, "relatedVulnerabilities"))
        )
    ]
    artifact = _json.object_at(match.get("artifact"), (*pointer, "artifact"))
    name = _json.required(artifact, "name", (*pointer, "artifact"))
    installed = line(_json.text(artifact, "version", (*pointer, "artifact")), limit=LIMIT)
    named = _ecosystem(artifact, (*pointer, "artifact"))
    own = tuple(_vectors(vulnerability, where))
    others = tuple(cvss for entry, at in related for cvss in _vectors(entry, at))
    severity = _severity(vulnerability, where, related, own, others)
    subject = f"{name} {installed}" if installed else name
    return Observation(
        tool=TOOL,
        tool_version=version,
        category="dependency",
        title=line(f"{subject}: {advisory}") or advisory,
        rule_id=advisory,
        description=_description([(vulnerability, where), *related]),
        severity=severity[0] if severity else None,
        severity_source=severity[1] if severity else None,
        vulnerability_ids=vulnerability_ids(
            [advisory, *(_json.text(e, "id", at) for e, at in related)]
        ),
        cvss=tuple({cvss.vector: cvss for cvss in (*own, *others)}.values()),
        package=Package(named, name, installed) if named else None,
        manifest=_manifest(artifact, (*pointer, "artifact")),
        fix_versions=_fix_versions(vulnerability, where),
        url=_url(vulnerability, where),
    )


def _severity(
    vulnerability: Entry,
    pointer: Pointer,
    related: list[tuple[Entry, Pointer]],
    own: tuple[Cvss, ...],
    others: tuple[Cvss, ...],
) -> tuple[str, str] | None:
    decided = from_cvss(own) or from_cvss(others)
    if decided:
        return decided
    word = from_word(_json.text(vulnerability, "severity", pointer))
    if word:
        return word, "tool"
    for entry, at in related:
        word = from_word(_json.text(entry, "severity", at))
        if word:
            return word, "advisory"
    return None


def _vectors(vulnerability: Entry, pointer: Pointer) -> Iterator[Cvss]:
    """The v3.x/v4.0 vectors of a vulnerability (or a related one), scored."""
    for index, value in enumerate(_json.items(vulnerability.get("cvss"), (*pointer, "cvss"))):
        entry = _json.object_at(value, (*pointer, "cvss", index))
        stated = _json.text(entry, "version", (*pointer, "cvss", index))
        vector = _json.text(entry, "vector", (*pointer, "cvss", index))
        if vector and stated in CVSS_VERSIONS and not vector.startswith("CVSS:"):
            vector = f"CVSS:{stated}/{vector}"  # a v3 vector written without its prefix
        cvss = parse_cvss(vector)
        if cvss is not None:
            yield cvss
    if vulnerability.get("cvssV3") is not None:  # Grype 0.7
        legacy = _json.object_at(vulnerability["cvssV3"], (*pointer, "cvssV3"))
        cvss = parse_cvss(_json.text(legacy, "vector", (*pointer, "cvssV3")))
        if cvss is not None:
            yield cvss


def _ecosystem(artifact: Entry, pointer: Pointer) -> str | None:
    kind = line(_json.text(artifact, "type", pointer))
    purl = _json.text(artifact, "purl", pointer) or ""
    parts = purl[4:].split("/") if purl.startswith("pkg:") else []
    distribution = parts[1] if kind in OS_TYPES and len(parts) > 2 else None
    purl_type = line(parts[0].lower()) if parts else None
    return ecosystem(distribution) or ecosystem(kind) or ecosystem(purl_type) or kind or purl_type


def _manifest(artifact: Entry, pointer: Pointer) -> str | None:
    locations = _json.items(artifact.get("locations"), (*pointer, "locations"))
    if not locations:
        return None
    first = _json.object_at(locations[0], (*pointer, "locations", 0))
    path = line(_json.text(first, "path", (*pointer, "locations", 0)), limit=LIMIT)
    return path.removeprefix("file://") if path else None


def _fix_versions(vulnerability: Entry, pointer: Pointer) -> tuple[str, ...]:
    if vulnerability.get("fix") is not None:
        fix = _json.object_at(vulnerability["fix"], (*pointer, "fix"))
        versions = _json.texts(fix.get("versions"), (*pointer, "fix", "versions"))
    else:  # Grype 0.7
        versions = [_json.text(vulnerability, "fixedInVersion", pointer) or ""]
    return tuple(dict.fromkeys(text for version in versions if (text := line(version, LIMIT))))


def _description(entries: list[tuple[Entry, Pointer]]) -> str | None:
    """The vulnerability's description, else the first related one's (a record Grype
    matched may have none of its own)."""
    for entry, pointer in entries:
        text = text_block(_json.text(entry, "description", pointer))
        if text:
            return text
    return None


def _url(vulnerability: Entry, pointer: Pointer) -> str | None:
    source = line(_json.text(vulnerability, "dataSource", pointer), limit=2000)
    if source:
        return source
    for key in ("urls", "links"):  # `links`: Grype 0.7
        for text in _json.texts(vulnerability.get(key), (*pointer, key)):
            if url := line(text, limit=2000):
                return url
    return None
