"""npm audit's JSON report (auditReportVersion 2) read into observations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.security.formats.npm_audit import parse
from maintain_repo.security.observation import Cvss, FormatError, Observation, Package, Report

FIXTURES = Path(__file__).parent / "fixtures" / "npm-audit"
HIGH_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
MEDIUM_V30 = "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L"  # 5.3


def load() -> Any:
    return json.loads((FIXTURES / "v2-chains.json").read_text(encoding="utf-8"))


def advisory(**fields: Any) -> dict[str, Any]:
    return {
        "source": 1094219,
        "name": "debug",
        "dependency": "debug",
        "title": "Regular Expression Denial of Service in debug",
        "url": "https://github.com/advisories/GHSA-gxpj-cx7g-858c",
        "severity": "moderate",
        "cwe": ["CWE-400"],
        "cvss": {"score": 5.3, "vectorString": MEDIUM_V30},
        "range": "<2.6.9",
        **fields,
    }


def audit(*via: object, **package: Any) -> dict[str, Any]:
    entry = {"name": "debug", "severity": "high", "via": list(via), **package}
    return {"auditReportVersion": 2, "vulnerabilities": {"debug": entry}}


def only(*via: object, **package: Any) -> Observation:
    (observation,) = parse(audit(*via, **package)).observations
    return observation


def test_one_observation_per_advisory_never_per_chain() -> None:
    observations = parse(load()).observations

    # app-shell is vulnerable only through path-to-regexp and left-pad: no observation;
    # path-to-regexp lists its advisory twice: one.
    assert [(o.rule_id, o.package) for o in observations] == [
        ("GHSA-x2q4-7mcv-3jw8", Package("npm", "left-pad", None)),
        ("GHSA-9wv6-86v2-598j", Package("npm", "path-to-regexp", None)),
    ]


def test_an_advisory_with_a_vector_and_a_fix_of_its_own_package() -> None:
    assert parse(load()).observations[1] == Observation(
        tool="npm-audit",
        category="dependency",
        title="path-to-regexp: path-to-regexp outputs backtracking regular expressions",
        rule_id="GHSA-9wv6-86v2-598j",
        description="Vulnerable versions: <0.1.10",
        severity="high",
        severity_source="cvss_v3",
        vulnerability_ids=("GHSA-9wv6-86v2-598j",),
        cwe=("CWE-1333",),
        cvss=(Cvss("3.1", HIGH_V3, 7.5),),
        package=Package("npm", "path-to-regexp", None),
        fix_versions=("0.1.10",),
        url="https://github.com/advisories/GHSA-9wv6-86v2-598j",
    )


def test_without_a_vector_the_advisory_word_decides_and_the_dangling_chain_is_ignored() -> None:
    left_pad = parse(load()).observations[0]

    assert (left_pad.severity, left_pad.severity_source) == ("low", "advisory")
    assert (left_pad.cvss, left_pad.cwe) == ((), ())
    assert left_pad.fix_versions == ()  # `fixAvailable: true` names no version


def test_the_numeric_source_is_never_an_id() -> None:
    first = only(advisory())
    second = only(advisory(source=1094222))

    assert first == second
    assert first.vulnerability_ids == ("GHSA-gxpj-cx7g-858c",)
    assert first.marks == ()
    assert (first.severity, first.severity_source) == ("medium", "cvss_v3")
    assert first.cvss == (Cvss("3.0", MEDIUM_V30, 5.3),)


def test_two_advisories_on_one_package_are_two_observations() -> None:
    report = parse(
        audit(
            advisory(),
            advisory(
                source=1094457,
                url="https://github.com/advisories/GHSA-9vvw-cc9w-f27h",
                severity="high",
                cvss={"score": 7.5, "vectorString": HIGH_V3},
            ),
            "ms",
        )
    )

    assert [(o.rule_id, o.severity) for o in report.observations] == [
        ("GHSA-gxpj-cx7g-858c", "medium"),
        ("GHSA-9vvw-cc9w-f27h", "high"),
    ]


def test_a_fix_naming_a_parent_package_is_no_fix_version() -> None:
    fix = {"name": "express", "version": "4.18.3", "isSemVerMajor": False}

    assert only(advisory(), fixAvailable=fix).fix_versions == ()
    assert only(advisory(), fixAvailable={**fix, "name": "debug"}).fix_versions == ("4.18.3",)


def test_an_advisory_without_a_ghsa_is_known_by_its_url() -> None:
    observation = only(advisory(url="https://npmjs.com/advisories/534", cvss=None))

    assert observation.rule_id == "https://npmjs.com/advisories/534"
    assert observation.vulnerability_ids == ()
    assert (observation.severity, observation.severity_source) == ("medium", "advisory")


def test_a_ghsa_is_written_one_way() -> None:
    url = "https://github.com/advisories/ghsa-GXPJ-cx7g-858c"

    assert only(advisory(url=url)).rule_id == "GHSA-gxpj-cx7g-858c"


def test_an_advisory_without_a_name_takes_its_packages() -> None:
    observation = only(advisory(name=None, title=None))

    assert observation.package == Package("npm", "debug", None)
    assert observation.title == "debug: GHSA-gxpj-cx7g-858c"


def test_no_vulnerabilities_is_an_empty_report() -> None:
    data = {"auditReportVersion": 2, "vulnerabilities": {}, "metadata": {}}

    assert parse(data) == Report("npm-audit", ())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the report: expected an object, found a list"),
        (
            {"vulnerabilities": {}},
            "the report: not an npm audit report: `auditReportVersion` is missing",
        ),
        (
            {"auditReportVersion": 1, "advisories": {}},
            "/auditReportVersion: audit report version 1 is not read: "
            "only version 2 (npm 7 and later)",
        ),
        (
            {"auditReportVersion": True, "vulnerabilities": {}},
            "/auditReportVersion: audit report version True is not read: "
            "only version 2 (npm 7 and later)",
        ),
        ({"auditReportVersion": 2}, "/vulnerabilities: expected an object, found null"),
        (
            {"auditReportVersion": 2, "vulnerabilities": {"debug": []}},
            "/vulnerabilities/debug: expected an object, found a list",
        ),
        (audit(7), "/vulnerabilities/debug/via/0: expected an object, found a number"),
        (
            {"auditReportVersion": 2, "vulnerabilities": {"debug": {"via": "ms"}}},
            "/vulnerabilities/debug/via: expected a list, found a string",
        ),
        (
            audit(advisory(url=None)),
            "/vulnerabilities/debug/via/0/url: `url` is missing or empty: the advisory has no id",
        ),
        (
            audit(advisory(cwe=[400])),
            "/vulnerabilities/debug/via/0/cwe/0: expected a string, found a number",
        ),
        (
            audit(advisory(cvss="7.5")),
            "/vulnerabilities/debug/via/0/cvss: expected an object, found a string",
        ),
        (
            audit(advisory(), fixAvailable="yes"),
            "/vulnerabilities/debug/fixAvailable: expected an object, found a string",
        ),
    ],
)
def test_what_is_not_npm_audit_v2_says_where(data: object, message: str) -> None:
    with pytest.raises(FormatError) as raised:
        parse(data)

    assert str(raised.value) == message
