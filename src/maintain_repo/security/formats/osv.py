"""OSV-Scanner's JSON report (`osv-scanner … --format json`), versions 1 and 2.

Read: `results[]`, one per source scanned (a lock file, a git checkout), each with
`packages[]`: the package, its `vulnerabilities[]` (whole OSV records) and `groups[]`
(OSV-Scanner's alias groups: the ids of the records that are one vulnerability). One
observation per (source, package, group), category `dependency`: django in one lock file
with GHSA-2gwj-7jmv-h26r and PYSEC-2022-190 is one problem, not two. A record no group
names is a group of its own (v1 reports before `groups` existed have none); a record two
groups name is read in the first, and a group whose ids all came before is skipped.

* Package: `package.name` at `package.version`; its ecosystem as OSV writes it, a
  release suffix dropped when the name before it is known ("Debian:11" is Debian). The
  manifest is `source.path` (v1's docs call it `packageSource`), kept as written, often
  absolute.
* A git checkout is scanned by commit: its package has empty name, version and ecosystem,
  and a `commit`. It is kept as OSV itself names a repository, ecosystem `GIT`, named
  by the repository URL the records' GIT ranges give (the scanned path when none does),
  at the commit as its version.
* Ids: the group's `ids` first, then each record's `id` and `aliases`, then the group's
  `aliases`, each once; the rule is the group's first id. Title: the package and the
  first `summary` of the group's records; description: the first `details`.
* Fix versions: the `fixed` events of ECOSYSTEM and SEMVER ranges, in the `affected[]`
  entries about this package only (a record can cover other packages; GIT ranges hold
  commits, not versions).
* CWE: `database_specific.cwe_ids` (GitHub's records) and
  `affected[].database_specific.cwes[].cweId` (malicious-package records).
  `database_specific` is free-form in OSV: it is read where it has these shapes and
  ignored where it has not.
* URL: the first `ADVISORY` reference of the group's records.

Severity: the CVSS v4.0/v3.x vectors of the records' `severity[]` (types CVSS_V4 and
CVSS_V3), scored by `severity.parse_cvss`, all kept, each once; else the group's
`max_severity` (v2: the highest score OSV-Scanner found, a 0-10 number written as text),
with source `security_severity` as it is a score with no vector behind it; else the first
`database_specific.severity` word of the records (GitHub's, source `advisory`); else none.
Other severity types (Ubuntu's words, CVSS v2) are not read.

Not read: `experimental_analysis` (call analysis), `dependency_groups`, licenses. The
report names no OSV-Scanner version. Marks: none (the package, the manifest and the
advisory are the identity).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from maintain_repo.security.formats import _json
from maintain_repo.security.formats._json import (
    LIMIT,
    Entry,
    Pointer,
)
from maintain_repo.security.identity import package_key
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
from maintain_repo.security.severity import from_cvss, from_security_severity, from_word, parse_cvss

Record = tuple[Entry, Pointer]  # an OSV record, and where it is in the report

TOOL = "osv-scanner"
GIT = "GIT"  # OSV's ecosystem for a repository named by its URL
CVSS_TYPES = ("CVSS_V4", "CVSS_V3")
VERSION_RANGES = ("ECOSYSTEM", "SEMVER")  # GIT ranges hold commits


class _Group(NamedTuple):
    ids: tuple[str, ...]
    aliases: tuple[str, ...]
    records: tuple[Record, ...]
    max_severity: object


def parse(data: object) -> Report:
    """The observations of an OSV-Scanner JSON report (`json.loads` of it)."""
    report = _json.object_at(data, ())
    if "results" not in report:
        raise FormatError("not an OSV-Scanner JSON report: `results` is missing", ())
    observations: list[Observation] = []
    for index, value in enumerate(_json.items(report["results"], ("results",))):
        pointer = ("results", index)
        result = _json.object_at(value, pointer)
        manifest = _manifest(result, pointer)
        for number, item in enumerate(_json.items(result.get("packages"), (*pointer, "packages"))):
            where = (*pointer, "packages", number)
            observations.extend(_observations(_json.object_at(item, where), where, manifest))
    return Report("osv-scanner", tuple(observations))


def _manifest(result: Entry, pointer: Pointer) -> str | None:
    key = "source" if result.get("source") is not None else "packageSource"
    if result.get(key) is None:
        return None
    source = _json.object_at(result[key], (*pointer, key))
    path = line(_json.text(source, "path", (*pointer, key)), LIMIT)
    return path.removeprefix("file://") if path else None


def _observations(entry: Entry, pointer: Pointer, manifest: str | None) -> Iterator[Observation]:
    described = _json.object_at(entry.get("package"), (*pointer, "package"))
    records: dict[str, Record] = {}
    for index, value in enumerate(
        _json.items(entry.get("vulnerabilities"), (*pointer, "vulnerabilities"))
    ):
        where = (*pointer, "vulnerabilities", index)
        record = _json.object_at(value, where)
        records.setdefault(_json.required(record, "id", where), (record, where))
    for group in _groups(entry, pointer, records):
        package = _package(described, (*pointer, "package"), group.records, manifest)
        yield _observation(group, package, manifest)


def _groups(entry: Entry, pointer: Pointer, records: dict[str, Record]) -> list[_Group]:
    """The package's alias groups, then each record no group names, alone."""
    claimed: set[str] = set()
    found = []
    for index, value in enumerate(_json.items(entry.get("groups"), (*pointer, "groups"))):
        where = (*pointer, "groups", index)
        group = _json.object_at(value, where)
        ids = tuple(
            dict.fromkeys(
                i
                for text in _json.texts(group.get("ids"), (*where, "ids"))
                if (i := line(text, LIMIT))
            )
        )
        if not ids:
            raise FormatError("a group without `ids`", (*where, "ids"))
        if claimed.issuperset(ids):
            continue  # a group repeated: already an observation
        members = tuple(records[i] for i in ids if i in records and i not in claimed)
        claimed.update(ids)
        aliases = tuple(_json.texts(group.get("aliases"), (*where, "aliases")))
        found.append(_Group(ids, aliases, members, group.get("max_severity")))
    for advisory, record in records.items():
        if advisory not in claimed:
            found.append(_Group((advisory,), (), (record,), None))
    return found


def _package(
    described: Entry, pointer: Pointer, records: tuple[Record, ...], manifest: str | None
) -> Package | None:
    name = line(_json.text(described, "name", pointer), LIMIT)
    version = line(_json.text(described, "version", pointer), LIMIT)
    word = line(_json.text(described, "ecosystem", pointer))
    if name and word:
        return Package(_ecosystem(word), name, version)
    commit = line(_json.text(described, "commit", pointer), LIMIT)
    if commit:
        repository = next(_repositories(records), None) or manifest
        return Package(GIT, repository, commit) if repository else None
    return None


def _observation(group: _Group, package: Package | None, manifest: str | None) -> Observation:
    records = group.records
    vectors = tuple({c.vector: c for c in _vectors(records)}.values())
    severity = _severity(group, vectors)
    summary = _first(records, "summary")
    advisory = group.ids[0]
    return Observation(
        tool=TOOL,
        category="dependency",
        title=_title(package, line(summary) or advisory),
        rule_id=advisory,
        description=text_block(_first(records, "details")),
        severity=severity[0] if severity else None,
        severity_source=severity[1] if severity else None,
        vulnerability_ids=vulnerability_ids(
            [
                *group.ids,
                *(i for record, at in records for i in _ids(record, at)),
                *group.aliases,
            ]
        ),
        cwe=tuple(dict.fromkeys(_cwes(records))),
        cvss=vectors,
        package=package,
        manifest=manifest,
        fix_versions=tuple(dict.fromkeys(_fix_versions(records, package))),
        url=_advisory_url(records),
    )


def _title(package: Package | None, text: str) -> str:
    if package is None:
        return text
    version = package.version
    if version and package.ecosystem == GIT:
        version = version[:12]  # a commit: its short form says enough in a title
    subject = f"{package.name} {version}" if version else package.name
    return line(f"{subject}: {text}") or text


def _ids(record: Entry, pointer: Pointer) -> list[str]:
    return [
        _json.text(record, "id", pointer) or "",
        *_json.texts(record.get("aliases"), (*pointer, "aliases")),
    ]


def _first(records: tuple[Record, ...], key: str) -> str | None:
    for record, pointer in records:
        text = _json.text(record, key, pointer)
        if text and text.strip():
            return text
    return None


# -- severity --------------------------------------------------------------------------


def _severity(group: _Group, vectors: tuple[Cvss, ...]) -> tuple[str, str] | None:
    decided = from_cvss(vectors)
    if decided:
        return decided
    score = from_security_severity(group.max_severity)
    if score:
        return score, "security_severity"
    for record, _ in group.records:
        word = from_word(_specific(record).get("severity"))
        if word:
            return word, "advisory"
    return None


def _vectors(records: tuple[Record, ...]) -> Iterator[Cvss]:
    for record, pointer in records:
        for index, value in enumerate(_json.items(record.get("severity"), (*pointer, "severity"))):
            where = (*pointer, "severity", index)
            entry = _json.object_at(value, where)
            if _json.text(entry, "type", where) in CVSS_TYPES:
                cvss = parse_cvss(_json.text(entry, "score", where))
                if cvss is not None:
                    yield cvss


# -- affected packages -----------------------------------------------------------------


def _affected(record: Entry, pointer: Pointer) -> Iterator[tuple[Entry, Pointer]]:
    for index, value in enumerate(_json.items(record.get("affected"), (*pointer, "affected"))):
        where = (*pointer, "affected", index)
        yield _json.object_at(value, where), where


def _ranges(affected: Entry, pointer: Pointer) -> Iterator[tuple[Entry, Pointer]]:
    for index, value in enumerate(_json.items(affected.get("ranges"), (*pointer, "ranges"))):
        where = (*pointer, "ranges", index)
        yield _json.object_at(value, where), where


def _fix_versions(records: tuple[Record, ...], package: Package | None) -> Iterator[str]:
    if package is None:
        return
    for record, pointer in records:
        for affected, at in _affected(record, pointer):
            if not _concerns(affected, at, package):
                continue
            for span, where in _ranges(affected, at):
                if _json.text(span, "type", where) not in VERSION_RANGES:
                    continue
                for index, value in enumerate(_json.items(span.get("events"), (*where, "events"))):
                    event = _json.object_at(value, (*where, "events", index))
                    fixed = line(_json.text(event, "fixed", (*where, "events", index)), LIMIT)
                    if fixed:
                        yield fixed


def _concerns(affected: Entry, pointer: Pointer, package: Package) -> bool:
    """Whether an `affected[]` entry is about `package` (same ecosystem and name)."""
    if affected.get("package") is None:
        return False
    named = _json.object_at(affected["package"], (*pointer, "package"))
    word = line(_json.text(named, "ecosystem", (*pointer, "package")))
    name = line(_json.text(named, "name", (*pointer, "package")), LIMIT)
    if not word or not name or _ecosystem(word) != package.ecosystem:
        return False
    return package_key(package.ecosystem, name) == package_key(package.ecosystem, package.name)


def _repositories(records: tuple[Record, ...]) -> Iterator[str]:
    """The repository URLs of the records' GIT ranges."""
    for record, pointer in records:
        for affected, at in _affected(record, pointer):
            for span, where in _ranges(affected, at):
                repository = line(_json.text(span, "repo", where), LIMIT)
                if _json.text(span, "type", where) == "GIT" and repository:
                    yield repository


def _cwes(records: tuple[Record, ...]) -> Iterator[str]:
    for record, pointer in records:
        cwe_ids = _specific(record).get("cwe_ids")
        for value in cwe_ids if isinstance(cwe_ids, list) else []:
            if cwe := cwe_of(value):
                yield cwe
        for affected, _ in _affected(record, pointer):
            cwes = _specific(affected).get("cwes")
            for item in cwes if isinstance(cwes, list) else []:
                if isinstance(item, dict) and (cwe := cwe_of(item.get("cweId"))):
                    yield cwe


def _advisory_url(records: tuple[Record, ...]) -> str | None:
    for record, pointer in records:
        for index, value in enumerate(
            _json.items(record.get("references"), (*pointer, "references"))
        ):
            where = (*pointer, "references", index)
            reference = _json.object_at(value, where)
            url = line(_json.text(reference, "url", where), limit=2000)
            if url and _json.text(reference, "type", where) == "ADVISORY":
                return url
    return None


def _ecosystem(word: str) -> str:
    """OSV's name for an ecosystem: the known one for the word, or for the word before a
    release suffix ("Debian:11", "Alpine:v3.18"); else the word as written."""
    return ecosystem(word) or ecosystem(word.partition(":")[0]) or word


def _specific(entry: Entry) -> Entry:
    """`database_specific`: free-form in OSV, so an entry of another shape is nothing."""
    value = entry.get("database_specific")
    return value if isinstance(value, dict) else {}
