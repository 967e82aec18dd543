"""What a scanner reported, read from its format into one shape: an observation.

Every parser (`security.formats.*`) turns a report into observations, never into
records: identity, re-import and the SLA are decided once, for every format, by the
importer. Text from a report is data: it is kept as it was written (control
characters aside), never interpreted.
"""

from __future__ import annotations

import re
from typing import NamedTuple

CATEGORIES = ("dependency", "code", "workflow", "config", "secret")
SEVERITIES = ("critical", "high", "medium", "low", "info")
# A closed status a report can state for a result (a suppression, a dismissed alert);
# `mitigated`: the tool says the problem is gone (an `absent` baseline, a fixed alert).
STATED = ("open", "mitigated", "false_positive", "risk_accepted", "out_of_scope")


class FormatError(ValueError):
    """A report that is not of its format: says where (a JSON pointer) and what."""

    def __init__(self, message: str, pointer: tuple[str | int, ...] = ()) -> None:
        where = "/" + "/".join(str(part) for part in pointer) if pointer else "the report"
        super().__init__(f"{where}: {message}")
        self.pointer = pointer


class Package(NamedTuple):
    ecosystem: str  # as OSV names them: PyPI, npm, Maven, Go, crates.io, Debian, Alpine...
    name: str
    version: str | None  # installed; None when the report does not say


class Cvss(NamedTuple):
    version: str  # "3.0", "3.1" or "4.0" (others are not kept)
    vector: str  # with its `CVSS:x.y/` prefix
    score: float  # the base score, computed from the vector


class Observation(NamedTuple):
    """One problem as one tool reported it (one result, one match, one alert)."""

    tool: str
    category: str  # one of CATEGORIES
    title: str  # one line
    tool_version: str | None = None
    rule_id: str | None = None  # the tool's rule or advisory id, normalised (see formats)
    description: str | None = None
    severity: str | None = None  # one of SEVERITIES; None: the report gives none
    severity_source: str | None = None  # cvss_v4, cvss_v3, security_severity, tool, advisory
    vulnerability_ids: tuple[str, ...] = ()  # advisory ids and their aliases, as reported
    cwe: tuple[str, ...] = ()  # "CWE-89" (never zero-padded)
    cvss: tuple[Cvss, ...] = ()
    path: str | None = None  # the file, as the report names it (a URI's scheme removed)
    start_line: int | None = None
    end_line: int | None = None
    package: Package | None = None
    manifest: str | None = None  # the lock file or manifest a dependency comes from
    fix_versions: tuple[str, ...] = ()
    # What the tool offers to tell this result apart from others at the same place, as
    # "key:value" texts: SARIF partial fingerprints, a hash of a snippet, an alert
    # number. Never the secret itself, nor a line number when anything else exists.
    marks: tuple[str, ...] = ()
    status: str = "open"  # one of STATED
    justification: str | None = None  # why it was suppressed or dismissed, as written
    url: str | None = None  # the alert's or the advisory's page
    decided_by: str | None = None  # who suppressed or dismissed it (a GitHub login), if said


class Report(NamedTuple):
    """A scanner's report, read."""

    format: str  # sarif, trivy, pip-audit, osv-scanner, npm-audit, grype, dependabot, code-scanning
    observations: tuple[Observation, ...]
    # What the report says it did not check (pip-audit's skipped dependencies), in words.
    skipped: tuple[str, ...] = ()


# -- helpers every parser uses ------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SPACES = re.compile(r"\s+")
_CWE = re.compile(r"(?i)^(?:external/cwe/)?cwe[-_ ]?0*([0-9]{1,6})$")
_VULN_ID = re.compile(r"^[A-Z][A-Z0-9]*-[A-Za-z0-9._:-]+$")
TITLE_LIMIT = 200

# Package ecosystems as OSV names them, from the names tools use (lower-cased).
ECOSYSTEMS = {
    "pypi": "PyPI",
    "pip": "PyPI",
    "python": "PyPI",
    "python-pkg": "PyPI",
    "pipenv": "PyPI",
    "poetry": "PyPI",
    "uv": "PyPI",
    "npm": "npm",
    "yarn": "npm",
    "pnpm": "npm",
    "node-pkg": "npm",
    "javascript": "npm",
    "maven": "Maven",
    "jar": "Maven",
    "java-archive": "Maven",
    "gradle": "Maven",
    "pom": "Maven",
    "go": "Go",
    "gomod": "Go",
    "gobinary": "Go",
    "go-module": "Go",
    "cargo": "crates.io",
    "crates.io": "crates.io",
    "rust": "crates.io",
    "rust-crate": "crates.io",
    "rubygems": "RubyGems",
    "gem": "RubyGems",
    "bundler": "RubyGems",
    "gemspec": "RubyGems",
    "nuget": "NuGet",
    "dotnet-core": "NuGet",
    "dotnet": "NuGet",
    "composer": "Packagist",
    "packagist": "Packagist",
    "php-composer": "Packagist",
    "pub": "Pub",
    "hex": "Hex",
    "swift": "SwiftURL",
    "cocoapods": "CocoaPods",
    "debian": "Debian",
    "deb": "Debian",
    "ubuntu": "Ubuntu",
    "alpine": "Alpine",
    "apk": "Alpine",
    "redhat": "Red Hat",
    "rpm": "Red Hat",
    "centos": "Red Hat",
    "rocky": "Rocky Linux",
    "alma": "AlmaLinux",
    "amazon": "Amazon Linux",
    "photon": "Photon OS",
    "wolfi": "Wolfi",
    "chainguard": "Chainguard",
    "github-actions": "GitHub Actions",
    "actions": "GitHub Actions",
    "binary": "binary",
}


def line(text: object, limit: int = TITLE_LIMIT) -> str | None:
    """`text` on one line: control characters and runs of white space become one space,
    cut to `limit` characters (ending in "…" when cut); None for nothing to say."""
    if not isinstance(text, str):
        return None
    flat = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    if not flat:
        return None
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return flat


def text_block(text: object, limit: int = 20_000) -> str | None:
    """A description: line breaks kept, other control characters dropped, cut to `limit`."""
    if not isinstance(text, str):
        return None
    kept = re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]", "", text.replace("\r\n", "\n"))
    kept = kept.strip()
    if not kept:
        return None
    return kept if len(kept) <= limit else kept[: limit - 1].rstrip() + "…"


def cwe_of(value: object) -> str | None:
    """`CWE-89` from "CWE-89", "cwe-089", "external/cwe/cwe-089", 89 or "89"."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**6:
        return f"CWE-{value}"
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.isdigit():
        text = f"CWE-{text}"
    match = _CWE.match(text)
    return f"CWE-{int(match.group(1))}" if match and int(match.group(1)) > 0 else None


def vulnerability_ids(values: object) -> tuple[str, ...]:
    """The advisory ids among `values` (CVE-, GHSA-, PYSEC-, OSV ids...), in order, once
    each; anything else (an npm advisory number, free text) is left out."""
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple)):
        return ()
    seen: dict[str, None] = {}
    for value in values:
        if isinstance(value, str):
            text = value.strip()
            if len(text) <= 100 and _VULN_ID.match(text):
                seen.setdefault(text, None)
    return tuple(seen)


def ecosystem(name: object) -> str | None:
    """The OSV name of a package ecosystem, from a tool's word for it (None: unknown)."""
    if not isinstance(name, str) or not name.strip():
        return None
    return ECOSYSTEMS.get(name.strip().lower())
