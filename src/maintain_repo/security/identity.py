"""Which observations are the same problem: fingerprints and alias groups.

A finding's fingerprint must survive what does not change the problem: a line moved,
a dependency bumped to another vulnerable version, the tool upgraded. So it is made
of (recipe `v1`):

- a dependency: its ecosystem, its normalised package name, the canonical advisory
  id (the lowest CVE among its ids, else the lowest GHSA, else the lowest id) and the
  manifest it comes from; never the installed version;
- anything else (code, workflow, config, secret): the tool, its rule, the file, and
  what the tool offers to tell results apart at one place (`Observation.marks`: SARIF
  partial fingerprints, a snippet's hash); the line only when there is nothing else.

Advisory ids differ between tools (pip-audit says PYSEC-2021-439, Trivy
CVE-2021-44420, Dependabot GHSA-v6rh-hp5x-86rv): dependency observations of one
package in one manifest that share any id are one problem (`groups`), whatever the
tool, and become one finding that lists every id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

from maintain_repo.security.observation import Observation

RECIPE = "v1"
_CVE = re.compile(r"^CVE-([0-9]{4})-([0-9]{4,})$")
_PEP503 = re.compile(r"[-_.]+")


def canonical_advisory(ids: Iterable[str]) -> str | None:
    """The id a dependency finding is known by: the lowest CVE (by year, then number),
    else the lowest GHSA, else the lowest id; None without any."""
    known = sorted(set(ids))
    cves = [(int(m.group(1)), int(m.group(2)), i) for i in known if (m := _CVE.match(i))]
    if cves:
        return min(cves)[2]
    ghsas = [i for i in known if i.startswith("GHSA-")]
    if ghsas:
        return min(ghsas, key=str.upper)
    return min(known, key=str.upper) if known else None


def package_key(ecosystem: str, name: str) -> str:
    """A package's name as its ecosystem compares names: PyPI's normalisation (PEP 503),
    case folded elsewhere (npm and Maven names are case-sensitive in principle, but two
    packages differing only in case are one problem to a reader)."""
    if ecosystem == "PyPI":
        return _PEP503.sub("-", name).lower()
    return name.strip().lower()


def path_key(path: str | None) -> str:
    """A path as compared: forward slashes, no `./`, no trailing slash."""
    if not path:
        return ""
    text = path.replace("\\", "/")
    while text.startswith("./"):
        text = text[2:]
    return text.rstrip("/")


def fingerprint(observation: Observation, ids: Iterable[str] = ()) -> str:
    """The 64-hex fingerprint of an observation (with `ids`: every advisory id of its
    alias group, when it is one of several)."""
    return _digest(_parts(observation, ids))


def _parts(observation: Observation, ids: Iterable[str]) -> list[str]:
    package = observation.package
    if observation.category == "dependency" and package is not None:
        advisory = canonical_advisory([*observation.vulnerability_ids, *ids])
        return [
            "dependency",
            package.ecosystem.lower(),
            package_key(package.ecosystem, package.name),
            (advisory or observation.rule_id or "").upper(),
            path_key(observation.manifest or observation.path),
        ]
    where = (
        list(observation.marks)
        if observation.marks
        else [f"line:{observation.start_line}"]
        if observation.start_line is not None
        else []
    )
    return [
        observation.category,
        observation.tool.lower(),
        observation.rule_id or "",
        path_key(observation.path),
        *where,
    ]


def _digest(parts: Sequence[str]) -> str:
    # Each part is length-prefixed: no part can run into the next.
    text = "".join(f"{len(part)}:{part}|" for part in (RECIPE, *parts))
    return hashlib.sha256(text.encode()).hexdigest()


def groups(observations: Sequence[Observation]) -> list[list[int]]:
    """The observations (by index) that are one problem, in the order of their first
    member: dependency observations of one package in one manifest that share an
    advisory id (through any chain of aliases), from any tool; every other observation
    is its own group."""
    parent = list(range(len(observations)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[tuple[str, str, str, str], int] = {}
    for index, observation in enumerate(observations):
        package = observation.package
        if observation.category != "dependency" or package is None:
            continue
        place = (
            package.ecosystem.lower(),
            package_key(package.ecosystem, package.name),
            path_key(observation.manifest or observation.path),
        )
        for advisory in observation.vulnerability_ids:
            key = (*place, advisory.upper())  # GHSA ids are written in either case
            if key in owner:
                a, b = root(owner[key]), root(index)
                if a != b:
                    parent[max(a, b)] = min(a, b)
            else:
                owner[key] = index
    members: dict[int, list[int]] = {}
    for index in range(len(observations)):
        members.setdefault(root(index), []).append(index)
    return [members[key] for key in sorted(members)]


def group_ids(observations: Sequence[Observation], group: Sequence[int]) -> tuple[str, ...]:
    """Every advisory id of a group, the canonical one first, the rest in the order met."""
    seen: dict[str, str] = {}  # upper-cased -> as first written
    for index in group:
        for advisory in observations[index].vulnerability_ids:
            seen.setdefault(advisory.upper(), advisory)
    canonical = canonical_advisory(seen.values())
    if canonical is None:
        return ()
    return (canonical, *(i for i in seen.values() if i != canonical))
