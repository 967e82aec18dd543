"""Trivy's JSON report (`trivy image|fs|repo|config … --format json`), `SchemaVersion: 2`.

Read: `Trivy.Version` (absent from older reports) and `Results[]`, one per target. A target
named twice (a Dockerfile scanned for misconfigurations, then for secrets) stays two
results: they are read one after the other, never merged. In each result:

* `Vulnerabilities[]`: one observation per entry, category `dependency`. The package is
  `PkgName` at `InstalledVersion`; its ecosystem is the OSV name of the result's `Type`
  (pip, jar, debian…), else of the PURL type (`pkg:maven/…`), else Trivy's own word (an
  OS Trivy knows and OSV does not, `slem`). For OS packages only `Type` is asked: an
  unknown distribution's `pkg:rpm` is not Red Hat. The manifest is `Target` (a lock file
  for language packages; "Java" or "image (debian 11.3)" otherwise, kept as Trivy names
  it), the path `PkgPath` when Trivy gives it (the jar inside an image). `FixedVersion`
  is a comma-separated list ("11.0.14, 10.1.49, 9.0.112"). Ids: `VulnerabilityID`, then
  `VendorIDs` (GHSA aliases).
* `Misconfigurations[]` with `Status: FAIL` (a report may list passed checks too): one
  observation each, category `config`, at `Target` and `CauseMetadata` lines (often
  absent: a check on a whole resource has none).
* `Secrets[]`: one observation each, category `secret`, at `Target` and the lines. `Match`
  and `Code` hold the line with the secret (masked or not): never read.

`CustomResources`, `Licenses`, `Packages` and `MisconfSummary` are not findings; nor are
`ExperimentalModifiedFindings` (what `--show-suppressed` lists: Trivy already left those
out of the lists above). A report without `Results` (Trivy leaves the key out when it
has nothing to list) has no observations. Older reports (a bare list of results, or
another SchemaVersion) are not read.

Severity of a vulnerability: its CVSS v4.0/v3.x vectors under `CVSS.<vendor>`, scored by
`severity.parse_cvss`, taking the vendor Trivy chose (`SeveritySource`) first, then
`nvd`, `ghsa`, then the others by name; the first vendor that has a vector decides (its
v4.0 over its v3.x). Without any vector: Trivy's `Severity` word (source `tool`; UNKNOWN
is no severity). All the vectors are kept, in that vendor order, each once. The
severity of a misconfiguration or a secret is Trivy's word.

Check ids: Trivy renamed its checks (older versions wrote `KSV118`, newer ones `KSV-0118`,
with `AVD-KSV-0118` as `AVDID` and `builtin.kubernetes.KSV118` as `Namespace`). They are
one rule, so the id is written one way: letters, a dash, the number in four digits
(`KSV-0118`, `DS-0002`, `AWS-0086`); an id of another shape (a custom check's) is kept
as written.

Marks: none for a vulnerability (the package and the advisory are its identity; Trivy's
`Fingerprint` of a vulnerability hashes the artifact's id, a new one for every image
build or commit). Trivy's `Fingerprint` of a misconfiguration or a secret, when a report
has one (`fingerprint:sha256:…`).
"""

from __future__ import annotations

import re
from typing import NamedTuple

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
    ecosystem,
    line,
    text_block,
    vulnerability_ids,
)
from maintain_repo.security.severity import from_cvss, from_word, parse_cvss

TOOL = "trivy"
# Vendors whose vectors come next after Trivy's `SeveritySource`, in this order.
PREFERRED_VENDORS = ("nvd", "ghsa")
VECTOR_KEYS = ("V40Vector", "V3Vector")  # V2Vector: CVSS v2 is not kept
_CHECK_ID = re.compile(r"^(?:[^.\s]+\.)*(?:AVD-)?([A-Z]+)-?0*([0-9]{1,4})$", re.IGNORECASE)


def parse(data: object) -> Report:
    """The observations of a Trivy JSON report (`json.loads` of it)."""
    report = _json.object_at(data, ())
    schema = report.get("SchemaVersion")
    if schema is None:
        raise FormatError("not a Trivy JSON report: `SchemaVersion` is missing", ())
    if schema != 2 or isinstance(schema, bool):
        raise FormatError(f"SchemaVersion {schema!r} is not read (only 2)", ("SchemaVersion",))
    version = None
    if report.get("Trivy") is not None:
        version = line(
            _json.text(_json.object_at(report["Trivy"], ("Trivy",)), "Version", ("Trivy",))
        )
    observations: list[Observation] = []
    for index, value in enumerate(_json.items(report.get("Results"), ("Results",))):
        observations.extend(
            _result(_json.object_at(value, ("Results", index)), ("Results", index), version)
        )
    return Report("trivy", tuple(observations))


class _Scope(NamedTuple):
    """What a result tells about each of its entries."""

    version: str | None  # Trivy's
    target: str | None
    kind: str | None  # the result's `Type`: pip, jar, debian, dockerfile...
    os_packages: bool


def _result(result: Entry, pointer: Pointer, version: str | None) -> list[Observation]:
    scope = _Scope(
        version,
        line(_json.text(result, "Target", pointer), LIMIT),
        line(_json.text(result, "Type", pointer)),
        result.get("Class") == "os-pkgs",
    )
    found: list[Observation] = []
    for index, value in enumerate(
        _json.items(result.get("Vulnerabilities"), (*pointer, "Vulnerabilities"))
    ):
        where = (*pointer, "Vulnerabilities", index)
        found.append(_vulnerability(_json.object_at(value, where), where, scope))
    for index, value in enumerate(
        _json.items(result.get("Misconfigurations"), (*pointer, "Misconfigurations"))
    ):
        where = (*pointer, "Misconfigurations", index)
        entry = _json.object_at(value, where)
        if _json.text(entry, "Status", where) == "FAIL":
            found.append(_misconfiguration(entry, where, scope))
    for index, value in enumerate(_json.items(result.get("Secrets"), (*pointer, "Secrets"))):
        where = (*pointer, "Secrets", index)
        found.append(_secret(_json.object_at(value, where), where, scope))
    return found


# -- vulnerabilities -----------------------------------------------------------------


def _vulnerability(entry: Entry, pointer: Pointer, scope: _Scope) -> Observation:
    advisory = _json.required(entry, "VulnerabilityID", pointer)
    name = _json.required(entry, "PkgName", pointer)
    installed = line(_json.text(entry, "InstalledVersion", pointer), LIMIT)
    vendors = _vendors(entry, pointer)
    cvss = tuple({c.vector: c for _, vectors in vendors for c in vectors}.values())
    decided = next((from_cvss(vectors) for _, vectors in vendors if vectors), None)
    if decided is None:
        word = from_word(_json.text(entry, "Severity", pointer))
        decided = (word, "tool") if word else None
    subject = f"{name} {installed}" if installed else name
    title = line(_json.text(entry, "Title", pointer)) or advisory
    package_ecosystem = _ecosystem(scope, entry, pointer)
    return Observation(
        tool=TOOL,
        tool_version=scope.version,
        category="dependency",
        title=line(f"{subject}: {title}") or advisory,
        rule_id=advisory,
        description=text_block(_json.text(entry, "Description", pointer)),
        severity=decided[0] if decided else None,
        severity_source=decided[1] if decided else None,
        vulnerability_ids=vulnerability_ids(
            [advisory, *_json.texts(entry.get("VendorIDs"), (*pointer, "VendorIDs"))]
        ),
        cwe=_cwes(entry.get("CweIDs"), (*pointer, "CweIDs")),
        cvss=cvss,
        path=line(_json.text(entry, "PkgPath", pointer), LIMIT),
        package=Package(package_ecosystem, name, installed) if package_ecosystem else None,
        manifest=scope.target,
        fix_versions=_fix_versions(_json.text(entry, "FixedVersion", pointer)),
        url=line(_json.text(entry, "PrimaryURL", pointer), limit=2000),
    )


def _vendors(entry: Entry, pointer: Pointer) -> list[tuple[str, tuple[Cvss, ...]]]:
    """Each vendor's v4.0/v3.x vectors, in the order of preference (see the module)."""
    if entry.get("CVSS") is None:
        return []
    table = _json.object_at(entry["CVSS"], (*pointer, "CVSS"))
    chosen = _json.text(entry, "SeveritySource", pointer)
    first = (chosen, *PREFERRED_VENDORS)
    vendors = []
    for vendor in sorted(table, key=lambda name: (_rank(first, name), name)):
        scores = _json.object_at(table[vendor], (*pointer, "CVSS", vendor))
        parsed = (parse_cvss(scores.get(key)) for key in VECTOR_KEYS)
        vendors.append((vendor, tuple(cvss for cvss in parsed if cvss is not None)))
    return vendors


def _rank(first: tuple[str | None, ...], name: str) -> int:
    return first.index(name) if name in first else len(first)


def _ecosystem(scope: _Scope, entry: Entry, pointer: Pointer) -> str | None:
    kind = scope.kind
    if scope.os_packages:
        return ecosystem(kind) or kind
    purl = None
    if entry.get("PkgIdentifier") is not None:
        identifier = _json.object_at(entry["PkgIdentifier"], (*pointer, "PkgIdentifier"))
        purl = _json.text(identifier, "PURL", (*pointer, "PkgIdentifier"))
    purl_type = _purl_type(purl)
    return ecosystem(kind) or ecosystem(purl_type) or kind or purl_type


def _purl_type(purl: str | None) -> str | None:
    """`maven` of `pkg:maven/org.apache.tomcat/tomcat-catalina@9.0.109`."""
    if purl is None or not purl.startswith("pkg:"):
        return None
    return line(purl[4:].lstrip("/").split("/", 1)[0].lower())


def _fix_versions(text: str | None) -> tuple[str, ...]:
    """`FixedVersion`, a comma-separated list ("11.0.14, 10.1.49, 9.0.112"), as its
    versions in Trivy's order, each once."""
    if text is None:
        return ()
    versions = (line(part, LIMIT) for part in text.split(","))
    return tuple(dict.fromkeys(version for version in versions if version))


def _cwes(value: object, pointer: Pointer) -> tuple[str, ...]:
    cwes = (cwe_of(text) for text in _json.texts(value, pointer))
    return tuple(dict.fromkeys(cwe for cwe in cwes if cwe))


# -- misconfigurations and secrets -----------------------------------------------------


def _misconfiguration(entry: Entry, pointer: Pointer, scope: _Scope) -> Observation:
    raw = next(
        (
            text
            for key in ("ID", "AVDID", "Namespace")
            if (text := line(_json.text(entry, key, pointer), LIMIT))
        ),
        None,
    )
    if raw is None:
        raise FormatError("a misconfiguration without `ID`", pointer)
    rule = check_id(raw)
    cause: Entry = {}
    if entry.get("CauseMetadata") is not None:
        cause = _json.object_at(entry["CauseMetadata"], (*pointer, "CauseMetadata"))
    parts = (_json.text(entry, key, pointer) for key in ("Message", "Description", "Resolution"))
    word = from_word(_json.text(entry, "Severity", pointer))
    return Observation(
        tool=TOOL,
        tool_version=scope.version,
        category="config",
        title=_title(scope.target, line(_json.text(entry, "Title", pointer)) or rule),
        rule_id=rule,
        description=text_block(
            "\n\n".join(part.strip() for part in parts if part and part.strip())
        ),
        severity=word,
        severity_source="tool" if word else None,
        path=scope.target,
        start_line=_line_number(cause, "StartLine", (*pointer, "CauseMetadata")),
        end_line=_line_number(cause, "EndLine", (*pointer, "CauseMetadata")),
        marks=_fingerprint(entry, pointer),
        url=line(_json.text(entry, "PrimaryURL", pointer), limit=2000),
    )


def check_id(text: str) -> str:
    """A Trivy check id written one way: `KSV118`, `KSV-0118`, `AVD-KSV-0118` and
    `builtin.kubernetes.KSV118` are all `KSV-0118`; another shape is kept as it is."""
    match = _CHECK_ID.match(text.strip())
    if match is None:
        return text.strip()
    return f"{match.group(1).upper()}-{int(match.group(2)):04d}"


def _secret(entry: Entry, pointer: Pointer, scope: _Scope) -> Observation:
    # Only the rule, the file and the lines: `Match` and `Code` hold the secret's line.
    rule = _json.required(entry, "RuleID", pointer)
    word = from_word(_json.text(entry, "Severity", pointer))
    return Observation(
        tool=TOOL,
        tool_version=scope.version,
        category="secret",
        title=_title(scope.target, line(_json.text(entry, "Title", pointer)) or rule),
        rule_id=rule,
        severity=word,
        severity_source="tool" if word else None,
        path=scope.target,
        start_line=_line_number(entry, "StartLine", pointer),
        end_line=_line_number(entry, "EndLine", pointer),
        marks=_fingerprint(entry, pointer),
    )


def _title(target: str | None, what: str) -> str:
    return line(f"{target}: {what}" if target else what) or what


def _fingerprint(entry: Entry, pointer: Pointer) -> tuple[str, ...]:
    fingerprint = line(_json.text(entry, "Fingerprint", pointer))
    return (f"fingerprint:{fingerprint}",) if fingerprint else ()


def _line_number(entry: Entry, key: str, pointer: Pointer) -> int | None:
    """A line number; absent, null or 0 (Trivy's "no line") is None."""
    value = entry.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormatError(f"expected a line number, found {_json.kind(value)}", (*pointer, key))
    return value if value > 0 else None
