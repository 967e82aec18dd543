"""SARIF 2.1.0 logs, from any tool (CodeQL, Trivy, OSV-Scanner, zizmor, gitleaks...).

Read: every run (its tool's `name`; `semanticVersion`, else `version`), and every result
of it. A result's rule is in `result.rule.toolComponent` (an extension, by index, guid or
name) or the driver, at `result.rule.index` / `ruleIndex` (-1 or out of range: no index),
else found by `ruleId` (a hierarchical `CA2101/1` by its first part); the rule id is
`ruleId`, else the found rule's.

Decisions:
- One observation per result whose `kind` is absent or `fail` (pass, open, review...
  are not findings and are left out). Only `locations[0]` is read (GitHub does the same);
  a result without locations, or without a region, has no path or lines.
- Severity: a CVSS v3/v4 vector in the result's or rule's properties (any key naming
  `cvss` whose value is a `CVSS:x.y/` vector: Trivy's `cvssv3_vector`, `cvssv40_vector`),
  else `security-severity` (the result's, then the rule's; 0.0 says nothing, as for
  GitHub: Trivy writes it for UNKNOWN), else the result's `level`, else the rule's
  `defaultConfiguration.level`, else SARIF's default `warning` (source `tool`).
- Title: the rule's `shortDescription`, else its `name` when that is a phrase (a one-word
  identifier such as `artipacked` or `ProvideRuleProperties` says less than the message),
  else the message's first line, else the name, else the rule id. The message is
  `message.text`, or `message.id` through the rule's (or tool's) `messageStrings`, with
  its `{0}` arguments filled in. Description: the message, then the rule's
  `fullDescription` (else `help.text`) unless the title or message already says it.
- Secrets keep no text of the report but the rule's title and id: tools put the match in
  messages (Trivy's `Match:`), descriptions and snippets, none of which is kept or hashed.
- Path: `artifactLocation.uri`, else `run.artifacts[index].location`. A `uriBaseId` is
  resolved through `run.originalUriBaseIds` while the bases are relative (their URIs are
  prefixed); a base that is absolute (the runner's checkout, `file:///home/runner/...`)
  or not defined (`%SRCROOT%`, `ROOTPATH`) is the repository root, so the path stays
  relative to it. `file://` is removed and %-escapes are decoded.
- Category: `secret` (secret scanners, Trivy's `Secret` rules, a rule tagged `secret`),
  `workflow` (zizmor and other workflow auditors), `dependency` (an advisory id as rule
  id, Trivy's package rules, a package read from the message), `workflow` (anything else
  under `.github/workflows/`), `config` (IaC and image linters, Trivy's
  misconfigurations), else `code`.
- Package: Trivy ("Package: X\\nInstalled Version: Y", and its fixed versions) and
  OSV-Scanner ("Package 'X@Y' is vulnerable to") name it only in the message. SARIF says
  no ecosystem: it is read from a well-known lock file or manifest name, else `unknown`.
  The file of a dependency result is also its `manifest`.
- Advisory ids: the rule id, the rule's `deprecatedIds` and `properties.aliases`, when
  they are CVE-, GHSA-, PYSEC-, OSV-... ids (a Grype-style `CVE-…-pkg` gives its CVE).
- CWE: the rule's and result's `properties.tags` (`external/cwe/cwe-089`, Semgrep's
  `CWE-89: …`), the rule's `properties.cwe`, and taxa or relationships into a `CWE`
  taxonomy.
- Suppressed (the SARIF SDK's rule: a suppression `accepted` or without a status, and
  none `underReview` or `rejected`): a person decided, so `false_positive`, or
  `risk_accepted` when the justification speaks of accepting a risk; the first
  justification is kept. Else `baselineState: absent` (the result vanished): `mitigated`.
- Marks: `fingerprints` and `partialFingerprints` as "key:value", sorted; without any, a
  hash of the snippet (`region`, else `contextRegion`; white space collapsed) as
  `snippet:<hash>`, else of the message as `message:<hash>`, unless a package was read
  from it (it names the installed version; the package tells results apart); a line
  (`line:<n>`) only when nothing else can (a secret without fingerprints, a result without
  text). Hashes are sha256, first 16 hex digits.
- Not the format (FormatError): `runs` missing or not a list; a run, its tool, driver or
  a result that is not an object; a driver without a name; `results` that is not a list;
  a `version` other than 2.1.0. Other members of the wrong type are read as absent.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple
from urllib.parse import unquote

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
from maintain_repo.security.severity import (
    from_cvss,
    from_level,
    from_security_severity,
    parse_cvss,
)

Json = dict[str, Any]
Pointer = tuple[str | int, ...]

FORMAT = "sarif"
LONG = 500  # the longest one-line value a record keeps (a path, an id, a version)

# Tools by name (lower-cased, without spaces, "-" or "_"): what they find.
SECRET_TOOLS = frozenset(
    {"gitleaks", "trufflehog", "detectsecrets", "ggshield", "gitguardian", "secretlint"}
    | {"noseyparker", "kingfisher", "talisman"}
)
SECRET_TAGS = frozenset({"secret", "secrets"})  # a rule's `properties.tags`, lower-cased
WORKFLOW_TOOLS = frozenset({"zizmor", "actionlint", "poutine"})
CONFIG_TOOLS = frozenset(
    {"checkov", "kics", "tfsec", "defsec", "terrascan", "dockle", "hadolint", "kubelinter"}
    | {"kubesec", "kubescore", "cfnlint", "cfnnag", "snykiac", "trivyconfig"}
)
# Trivy's rule names (`reportingDescriptor.name`) say what a result is.
TRIVY_PACKAGE_RULES = ("OsPackageVulnerability", "LanguageSpecificPackageVulnerability", "License")
_TRIVY_CONFIG_ID = re.compile(r"^(?:AVD-[A-Z0-9]+-[0-9]+|KSV-?[0-9]+|KCV-?[0-9]+|DS-?[0-9]+)$")

# Advisory ids: CVE and GHSA exactly (a suffix such as Grype's `-busybox` is dropped),
# other databases by their prefix.
_CVE_GHSA = re.compile(r"^(CVE-[0-9]{4}-[0-9]{4,}|GHSA(?:-[23456789cfghjmpqrvwx]{4}){3})(?:$|-)")
_ADVISORY = re.compile(
    r"^(?:PYSEC|RUSTSEC|GO|GSD|OSV|MAL|BIT|PSF|HSEC|CURL|LBSEC|RSEC|JLSEC|GMS|CGA|SNYK"
    r"|ALAS[0-9]*|ALSA|ALBA|ALEA|RLSA|RXSA|ELSA|RHSA|RHBA|RHEA|DSA|DLA|DTSA|USN|SUSE"
    r"|UBUNTU|DEBIAN|ALPINE|MGASA|OESA)-[A-Za-z0-9]"
)
_ALIAS_KEYS = ("aliases", "cve", "cves")

# Package names in the messages of dependency scanners.
_TRIVY_PACKAGE = re.compile(r"\APackage: ([^\n]+)\nInstalled Version: ([^\n]*)")
_TRIVY_FIXED = re.compile(r"^Fixed Version: ([^\n]*)$", re.MULTILINE)
_OSV_PACKAGE = re.compile(r"\APackage '([^'\n]+)@([^@'\n]*)' is vulnerable to '")
# Lock files and manifests whose name says the ecosystem (as `ecosystem()` words).
MANIFESTS = {
    "package-lock.json": "npm",
    "npm-shrinkwrap.json": "npm",
    "yarn.lock": "npm",
    "pnpm-lock.yaml": "npm",
    "package.json": "npm",
    "poetry.lock": "pypi",
    "pipfile.lock": "pypi",
    "uv.lock": "pypi",
    "pdm.lock": "pypi",
    "pyproject.toml": "pypi",
    "go.mod": "go",
    "go.sum": "go",
    "cargo.lock": "cargo",
    "gemfile.lock": "rubygems",
    "composer.lock": "composer",
    "pom.xml": "maven",
    "gradle.lockfile": "maven",
    "packages.lock.json": "nuget",
    "pubspec.lock": "pub",
    "mix.lock": "hex",
    "podfile.lock": "cocoapods",
    "package.resolved": "swift",
}
_WORKFLOWS = re.compile(r"(?:^|/)\.github/workflows/")
# requirements.txt, requirements-dev.in, requirements/base.txt
_REQUIREMENTS = re.compile(r"(?:^|/)requirements(?:[\w.-]*|/[\w.-]+)\.(?:txt|in)$")
UNKNOWN_ECOSYSTEM = "unknown"

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([0-9]{1,6})\}")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_URL = re.compile(r"^https?://[^\s]+$")
# A justification that names both says the risk is accepted ("accepted risk", "risk
# accepted until the vendor ships a fix").
_RISK = re.compile(r"(?i)\brisks?\b")
_ACCEPT = re.compile(r"(?i)\baccept")
_DRIVE = re.compile(r"^/[A-Za-z]:/")
MAX_BASE_DEPTH = 16  # nested uriBaseIds followed, at most


class _Rule(NamedTuple):
    """What a result takes from its rule, read once per rule."""

    id: str | None = None
    name: str | None = None
    title: str | None = None
    description: str | None = None
    url: str | None = None
    level: str | None = None
    security_severity: str | None = None
    cvss: tuple[Cvss, ...] = ()
    cwe: tuple[str, ...] = ()
    advisories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()  # lower-cased
    messages: Json = {}  # never mutated


_NO_RULE = _Rule()


def parse(data: object) -> Report:
    """The observations of a SARIF 2.1.0 log."""
    if not isinstance(data, dict):
        raise FormatError("a SARIF log is a JSON object")
    version = data.get("version")
    if version is not None and version != "2.1.0":
        shown = line(version, 40) if isinstance(version, str) else "that is not a string"
        raise FormatError(f"SARIF version {shown} is not read (only 2.1.0)", ("version",))
    runs = data.get("runs")
    if not isinstance(runs, list):
        raise FormatError("a SARIF log has a list of runs", ("runs",))
    observations: list[Observation] = []
    for index, run in enumerate(runs):
        observations.extend(_run(run, ("runs", index)))
    return Report(FORMAT, tuple(observations))


# -- runs ------------------------------------------------------------------------


class _Run:
    """A run's tool, rules and artifacts, and the rules already read."""

    def __init__(self, run: Json, pointer: Pointer) -> None:
        tool = run.get("tool")
        if not isinstance(tool, dict):
            raise FormatError("a run names its tool", (*pointer, "tool"))
        driver = tool.get("driver")
        if not isinstance(driver, dict):
            raise FormatError("a tool has a driver", (*pointer, "tool", "driver"))
        name = line(driver.get("name"), LONG)
        if name is None:
            raise FormatError("a tool has a name", (*pointer, "tool", "driver", "name"))
        self.tool = name
        self.version = line(driver.get("semanticVersion"), LONG) or line(
            driver.get("version"), LONG
        )
        self.kind = _squash(name)
        self.driver: Json = driver
        self.extensions = _list(tool.get("extensions"))
        self.artifacts = _list(run.get("artifacts"))
        self.bases = _obj(run.get("originalUriBaseIds"))
        self._by_id: dict[int, dict[str, Json]] = {}
        self._read: dict[int, _Rule] = {}

    def rule(self, result: Json) -> Json | None:
        """The rule a result names: by index in its tool component, else by id."""
        reference = _obj(result.get("rule"))
        component: Json | None = self.driver
        if "toolComponent" in reference:
            component = self._extension(_obj(reference.get("toolComponent")))
        index = _index(reference.get("index"))
        if index is None:
            index = _index(result.get("ruleIndex"))
        if component is not None and index is not None:
            rules = _list(component.get("rules"))
            found = rules[index] if index < len(rules) else None
            if isinstance(found, dict):
                return found
        rule_id = _text(result.get("ruleId")) or _text(reference.get("id"))
        if rule_id is None:
            return None
        components = [component] if component is not None else [self.driver, *self.extensions]
        for candidate in components:
            if isinstance(candidate, dict):
                by_id = self._ids(candidate)
                # A hierarchical id ("CA2101/1") names the rule of its first part.
                found = by_id.get(rule_id) or by_id.get(rule_id.split("/", 1)[0])
                if found is not None:
                    return found
        return None

    def facts(self, rule: Json | None) -> _Rule:
        if rule is None:
            return _NO_RULE
        read = self._read.get(id(rule))
        if read is None:
            read = self._read[id(rule)] = _read_rule(rule)
        return read

    def global_message(self, message_id: str) -> str | None:
        strings = _obj(self.driver.get("globalMessageStrings"))
        return _text(_obj(strings.get(message_id)).get("text"))

    def _extension(self, reference: Json) -> Json | None:
        index = _index(reference.get("index"))
        if index is not None and index < len(self.extensions):
            found = self.extensions[index]
            return found if isinstance(found, dict) else None
        for key in ("guid", "name"):
            wanted = _text(reference.get(key))
            if wanted is None:
                continue
            for extension in self.extensions:
                if isinstance(extension, dict) and extension.get(key) == wanted:
                    return extension
        return None

    def _ids(self, component: Json) -> dict[str, Json]:
        by_id = self._by_id.get(id(component))
        if by_id is None:
            by_id = {}
            for rule in _list(component.get("rules")):
                if isinstance(rule, dict) and (rule_id := _text(rule.get("id"))):
                    by_id.setdefault(rule_id, rule)
            self._by_id[id(component)] = by_id
        return by_id


def _run(data: object, pointer: Pointer) -> Iterator[Observation]:
    if not isinstance(data, dict):
        raise FormatError("a run is an object", pointer)
    run = _Run(data, pointer)
    results = data.get("results")
    if results is None:
        return
    if not isinstance(results, list):
        raise FormatError("a run's results are a list", (*pointer, "results"))
    for index, result in enumerate(results):
        if not isinstance(result, dict):
            raise FormatError("a result is an object", (*pointer, "results", index))
        observation = _observation(run, result)
        if observation is not None:
            yield observation


# -- rules -----------------------------------------------------------------------


def _read_rule(rule: Json) -> _Rule:
    properties = _obj(rule.get("properties"))
    rule_id = line(rule.get("id"), LONG)
    name = line(rule.get("name"), LONG)
    title = line(_multiformat(rule, "shortDescription"))
    description = text_block(_multiformat(rule, "fullDescription") or _multiformat(rule, "help"))
    if description is not None and line(description) == title:
        description = None  # Trivy repeats the title when an advisory has no description
    url = _text(rule.get("helpUri"))
    advisories = [rule_id, *_list(rule.get("deprecatedIds"))]
    for key in _ALIAS_KEYS:
        value = properties.get(key)
        advisories.extend(value if isinstance(value, list) else [value])
    cwe = [*_tag_cwes(properties), *_cwes(properties.get("cwe"))]
    for relationship in _list(rule.get("relationships")):
        cwe.extend(_taxon_cwe(_obj(_obj(relationship).get("target"))))
    return _Rule(
        id=rule_id,
        name=name,
        title=title,
        description=description,
        url=url if url and _URL.match(url) else None,
        level=from_level(_obj(rule.get("defaultConfiguration")).get("level")),
        security_severity=_security_severity(properties),
        cvss=_cvss(properties),
        cwe=tuple(dict.fromkeys(cwe)),
        advisories=_advisories(advisories),
        tags=tuple(tag.lower() for tag in _list(properties.get("tags")) if isinstance(tag, str)),
        messages=_obj(rule.get("messageStrings")),
    )


def _cvss(properties: Json) -> tuple[Cvss, ...]:
    """The CVSS v3/v4 vectors among properties (v2 and bare vectors are dropped)."""
    found: dict[str, Cvss] = {}
    for key, value in properties.items():
        if "cvss" in key.lower() and isinstance(value, str) and value.startswith("CVSS:"):
            cvss = parse_cvss(value)
            if cvss is not None:
                found.setdefault(cvss.vector, cvss)
    return tuple(found.values())


def _security_severity(properties: Json) -> str | None:
    severity = from_security_severity(properties.get("security-severity"))
    return None if severity == "info" else severity  # 0.0: no score (GitHub's reading)


def _tag_cwes(properties: Json) -> Iterator[str]:
    for tag in _list(properties.get("tags")):
        yield from _cwes(tag)


def _cwes(value: object) -> Iterator[str]:
    for item in value if isinstance(value, list) else [value]:
        cwe = cwe_of(item)
        if cwe is None and isinstance(item, str) and ":" in item:
            cwe = cwe_of(item.split(":", 1)[0])  # Semgrep: "CWE-89: Improper Neutralization…"
        if cwe is not None:
            yield cwe


def _taxon_cwe(reference: Json) -> Iterator[str]:
    """A reference into the CWE taxonomy: `{"id": "89", "toolComponent": {"name": "CWE"}}`."""
    component = _text(_obj(reference.get("toolComponent")).get("name"))
    if component is not None and component.upper() == "CWE":
        yield from _cwes(reference.get("id"))


def _advisories(values: Iterable[object]) -> tuple[str, ...]:
    found: list[str] = []
    for value in values:
        if isinstance(value, str):
            advisory = _advisory(value.strip())
            if advisory is not None:
                found.append(advisory)
    return vulnerability_ids(found)


def _advisory(text: str) -> str | None:
    match = _CVE_GHSA.match(text)
    if match:
        return match.group(1)
    return text if _ADVISORY.match(text) else None


# -- results ---------------------------------------------------------------------


def _observation(run: _Run, result: Json) -> Observation | None:
    kind = result.get("kind")
    if isinstance(kind, str) and kind != "fail":
        return None  # pass, notApplicable, informational, open, review: not a finding
    rule = run.facts(run.rule(result))
    rule_id = (
        line(result.get("ruleId"), LONG)
        or line(_obj(result.get("rule")).get("id"), LONG)
        or rule.id
    )
    message = _message(run, result, rule)
    location = _first(result.get("locations"))
    physical = _obj(location.get("physicalLocation"))
    path = _path(run, _obj(physical.get("artifactLocation")))
    start_line, end_line = _lines(_obj(physical.get("region")))
    package, fixes = _package(message, path)
    category = _category(run, rule, rule_id, path, package is not None)
    secret = category == "secret"
    properties = _obj(result.get("properties"))
    cvss = tuple(dict.fromkeys((*_cvss(properties), *rule.cvss)))
    severity, source = _severity(result, properties, rule, cvss)
    status, justification = _status(result)
    cwe = [*rule.cwe, *_tag_cwes(properties)]
    for taxon in _list(result.get("taxa")):
        cwe.extend(_taxon_cwe(_obj(taxon)))
    advisories = [*rule.advisories]
    if rule_id is not None and (advisory := _advisory(rule_id)) is not None:
        advisories.insert(0, advisory)
    return Observation(
        tool=run.tool,
        category=category,
        title=_title(run, rule, rule_id, None if secret else message),
        tool_version=run.version,
        rule_id=rule_id,
        description=None if secret else _description(message, rule),
        severity=severity,
        severity_source=source,
        vulnerability_ids=vulnerability_ids(advisories),
        cwe=tuple(dict.fromkeys(cwe)),
        cvss=cvss,
        path=path,
        start_line=start_line,
        end_line=end_line,
        package=package,
        manifest=path if category == "dependency" else None,
        fix_versions=fixes,
        marks=_marks(result, physical, message, secret, package is not None, start_line),
        status=status,
        justification=justification,
        url=rule.url,
    )


def _message(run: _Run, result: Json, rule: _Rule) -> str | None:
    """`message.text`, else the rule's (or tool's) message string `message.id`; either
    with its `{n}` arguments filled in."""
    message = _obj(result.get("message"))
    text = _text(message.get("text"))
    if text is None:
        message_id = _text(message.get("id"))
        if message_id is None:
            return None
        text = _text(_obj(rule.messages.get(message_id)).get("text")) or run.global_message(
            message_id
        )
        if text is None:
            return None
    arguments = _list(message.get("arguments"))
    if not arguments:
        return text

    def argument(match: re.Match[str]) -> str:
        if match.group(1) is None:
            return match.group(0)[0]  # "{{" is "{", "}}" is "}"
        index = int(match.group(1))
        value = arguments[index] if index < len(arguments) else None
        return value if isinstance(value, str) else match.group(0)

    return _PLACEHOLDER.sub(argument, text)


def _title(run: _Run, rule: _Rule, rule_id: str | None, message: str | None) -> str:
    if rule.title:
        return rule.title
    if rule.name and " " in rule.name:
        return rule.name
    for part in message.splitlines() if message else ():
        if first := line(part):
            return first
    return rule.name or line(rule_id) or f"{run.tool} result"


def _description(message: str | None, rule: _Rule) -> str | None:
    """The message, then what the rule says of itself unless the message says it."""
    text = text_block(message)
    about = rule.description
    if about is None or (text is not None and about in text):
        return text
    return about if text is None else text_block(f"{text}\n\n{about}")


def _severity(
    result: Json, properties: Json, rule: _Rule, cvss: tuple[Cvss, ...]
) -> tuple[str, str]:
    scored = from_cvss(cvss)
    if scored is not None:
        return scored
    stated = _security_severity(properties) or rule.security_severity
    if stated is not None:
        return stated, "security_severity"
    # Without a level of its own or its rule's, a result is SARIF's default "warning".
    return from_level(result.get("level")) or rule.level or "medium", "tool"


def _category(
    run: _Run, rule: _Rule, rule_id: str | None, path: str | None, has_package: bool
) -> str:
    trivy = run.kind == "trivy"
    if (
        run.kind in SECRET_TOOLS
        or (trivy and rule.name == "Secret")
        or not SECRET_TAGS.isdisjoint(rule.tags)
    ):
        return "secret"
    if run.kind in WORKFLOW_TOOLS:
        return "workflow"
    if (
        has_package
        or (rule_id is not None and _advisory(rule_id) is not None)
        or (trivy and rule.name in TRIVY_PACKAGE_RULES)
    ):
        return "dependency"
    if path is not None and _WORKFLOWS.search(path):
        return "workflow"
    if (
        run.kind in CONFIG_TOOLS
        or (trivy and rule.name == "Misconfiguration")
        or (trivy and rule_id is not None and _TRIVY_CONFIG_ID.match(rule_id) is not None)
    ):
        return "config"
    return "code"


def _package(message: str | None, path: str | None) -> tuple[Package | None, tuple[str, ...]]:
    """The package a dependency scanner names in its message (Trivy, OSV-Scanner), and the
    fixed versions Trivy gives there."""
    if message is None:
        return None, ()
    fixes: tuple[str, ...] = ()
    match = _TRIVY_PACKAGE.match(message)
    if match is not None:
        fixed = _TRIVY_FIXED.search(message)
        if fixed is not None:
            versions = (line(v, LONG) for v in fixed.group(1).split(","))
            fixes = tuple(dict.fromkeys(v for v in versions if v))
    else:
        match = _OSV_PACKAGE.match(message)
    if match is None:
        return None, ()
    name = line(match.group(1), LONG)
    if name is None:
        return None, ()
    return Package(_ecosystem_of(path), name, line(match.group(2), LONG)), fixes


def _ecosystem_of(path: str | None) -> str:
    """The ecosystem a lock file or manifest's name says; `unknown` otherwise (an image)."""
    if path is None:
        return UNKNOWN_ECOSYSTEM
    name = path.rsplit("/", 1)[-1].lower()
    word = "pypi" if _REQUIREMENTS.search(path.lower()) else MANIFESTS.get(name)
    if word is None and name.endswith((".jar", ".war", ".ear")):
        word = "maven"
    return ecosystem(word) or UNKNOWN_ECOSYSTEM


def _status(result: Json) -> tuple[str, str | None]:
    suppressions = [s for s in _list(result.get("suppressions")) if isinstance(s, dict)]
    # A suppression without a status is accepted (SARIF's default).
    statuses = [s.get("status") or "accepted" for s in suppressions]
    if "accepted" in statuses and not {"underReview", "rejected"} & set(statuses):
        justification = next(
            (
                text
                for s, status in zip(suppressions, statuses, strict=True)
                if status == "accepted" and (text := text_block(s.get("justification")))
            ),
            None,
        )
        accepted = (
            justification is not None
            and _RISK.search(justification) is not None
            and _ACCEPT.search(justification) is not None
        )
        return ("risk_accepted" if accepted else "false_positive"), justification
    if result.get("baselineState") == "absent":
        return "mitigated", None
    return "open", None


def _marks(
    result: Json,
    physical: Json,
    message: str | None,
    secret: bool,
    has_package: bool,
    start_line: int | None,
) -> tuple[str, ...]:
    marks: set[str] = set()
    for member in ("fingerprints", "partialFingerprints"):
        for key, value in _obj(result.get(member)).items():
            text = str(value) if isinstance(value, (int, float)) else value
            if (k := line(key)) and (v := line(text, LONG)):
                marks.add(f"{k}:{v}")
    if marks:
        return tuple(sorted(marks))
    if not secret:
        snippet = _text(_obj(_obj(physical.get("region")).get("snippet")).get("text")) or _text(
            _obj(_obj(physical.get("contextRegion")).get("snippet")).get("text")
        )
        if snippet is not None and (mark := _hash("snippet", snippet)):
            return (mark,)
        if message is not None and not has_package and (mark := _hash("message", message)):
            return (mark,)
    if start_line is not None and not has_package:
        return (f"line:{start_line}",)
    return ()


def _hash(kind: str, text: str) -> str | None:
    flat = " ".join(text.split())
    if not flat:
        return None
    return f"{kind}:{hashlib.sha256(flat.encode('utf-8', 'replace')).hexdigest()[:16]}"


# -- locations -------------------------------------------------------------------


def _path(run: _Run, artifact: Json) -> str | None:
    uri = _text(artifact.get("uri"))
    base = _text(artifact.get("uriBaseId"))
    if uri is None:
        index = _index(artifact.get("index"))  # -1 is "no index", never the last artifact
        if index is None or index >= len(run.artifacts):
            return None
        listed = _obj(_obj(run.artifacts[index]).get("location"))
        uri, base = _text(listed.get("uri")), _text(listed.get("uriBaseId"))
        if uri is None:
            return None
    return _file_path(_resolve(uri, base, run.bases))


def _resolve(uri: str, base: str | None, bases: Json) -> str:
    """`uri` with its relative bases prefixed; an absolute or undefined base is the
    repository root."""
    seen: set[str] = set()
    while base is not None and not _absolute(uri) and base not in seen:
        if len(seen) >= MAX_BASE_DEPTH:
            break
        seen.add(base)
        entry = _obj(bases.get(base))
        prefix = _text(entry.get("uri"))
        if prefix is None or _absolute(prefix):
            break
        uri = prefix.rstrip("/") + "/" + uri.lstrip("/")
        base = _text(entry.get("uriBaseId"))
    return uri


def _absolute(uri: str) -> bool:
    return uri.startswith("/") or _SCHEME.match(uri) is not None


def _file_path(uri: str) -> str | None:
    path = uri[7:] if uri[:7].lower() == "file://" else uri
    if _DRIVE.match(path):
        path = path[1:]  # file:///C:/src/a.c
    return line(unquote(path), LONG)


def _lines(region: Json) -> tuple[int | None, int | None]:
    start = _positive(region.get("startLine"))
    if start is None:
        return None, None
    end = _positive(region.get("endLine"))
    return start, end if end is not None and end >= start else None


# -- JSON shapes -----------------------------------------------------------------


def _obj(value: object) -> Json:
    """An object member, or an empty one for anything else (absent, null, wrong type)."""
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _first(value: object) -> Json:
    items = _list(value)
    return _obj(items[0]) if items else {}


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _multiformat(owner: Json, key: str) -> str | None:
    return _text(_obj(owner.get(key)).get("text"))


def _index(value: object) -> int | None:
    """An array index; SARIF's -1 ("none") and anything else that is not one: None."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def _positive(value: object) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    return None


def _squash(name: str) -> str:
    return re.sub(r"[\s_-]+", "", name.lower())
