"""Grype's JSON report read into observations (today's schema and 0.7's)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.security.formats.grype import parse
from maintain_repo.security.observation import Cvss, FormatError, Observation, Package

FIXTURES = Path(__file__).parent / "fixtures" / "grype"
HIGH_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
LOW_V3 = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 1.8


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def match(vulnerability: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "vulnerability": {"id": "CVE-2026-1000", **vulnerability},
        "artifact": {"name": "demo", "version": "1.0", "type": "npm"},
        **fields,
    }


def only(*matches: dict[str, Any]) -> Observation:
    (observation,) = parse({"matches": list(matches)}).observations
    return observation


def test_one_observation_per_match() -> None:
    observations = parse(load("image-current.json")).observations

    assert [(o.rule_id, o.package and o.package.name) for o in observations] == [
        ("CVE-2024-26308", "commons-compress"),
        ("CVE-2023-4911", "libc6"),
        ("GHSA-9wv6-86v2-598j", "path-to-regexp"),
        ("CVE-2026-20001", "left-pad"),
        ("CVE-2026-20002", "plugin-x"),
    ]
    assert {o.category for o in observations} == {"dependency"}
    assert {o.tool_version for o in observations} == {"0.87.0"}


def test_a_match_without_severity_takes_its_related_advisorys_vector() -> None:
    first = parse(load("image-current.json")).observations[0]

    assert first == Observation(
        tool="grype",
        tool_version="0.87.0",
        category="dependency",
        title="commons-compress 1.21: CVE-2024-26308",
        rule_id="CVE-2024-26308",
        description="Allocation of Resources Without Limits or Throttling in Apache Commons "
        "Compress.",
        severity="high",
        severity_source="cvss_v3",
        vulnerability_ids=("CVE-2024-26308", "GHSA-4265-ccf5-phj5"),
        cvss=(Cvss("3.1", HIGH_V3, 7.5),),
        package=Package("Maven", "commons-compress", "1.21"),
        manifest="/opt/app/lib/commons-compress-1.21.jar",
        fix_versions=("1.26.0",),
        url="https://nvd.nist.gov/vuln/detail/CVE-2024-26308",
    )


def test_negligible_is_info_and_cvss_v2_is_dropped() -> None:
    libc = parse(load("image-current.json")).observations[1]

    assert (libc.severity, libc.severity_source, libc.cvss) == ("info", "tool", ())
    # The distribution in the PURL names the ecosystem: Ubuntu, not Debian.
    assert libc.package == Package("Ubuntu", "libc6", "2.35-0ubuntu3.1")
    assert libc.manifest == "/var/lib/dpkg/status"
    assert libc.fix_versions == ()


def test_a_v4_vector_decides_over_v3_and_a_bare_v3_vector_gets_its_prefix() -> None:
    regexp = parse(load("image-current.json")).observations[2]

    assert (regexp.severity, regexp.severity_source) == ("high", "cvss_v4")
    assert regexp.cvss == (
        Cvss("4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N", 8.7),
        Cvss("3.1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:L", 3.7),
    )
    assert regexp.vulnerability_ids == ("GHSA-9wv6-86v2-598j", "CVE-2024-45296")
    assert regexp.fix_versions == ("0.1.10",)
    assert regexp.manifest == "web/package-lock.json"


def test_unknown_falls_back_to_a_related_advisorys_word() -> None:
    unknown = parse(load("image-current.json")).observations[3]

    assert (unknown.severity, unknown.severity_source) == ("medium", "advisory")
    assert unknown.title == "left-pad: CVE-2026-20001"
    assert unknown.package == Package("npm", "left-pad", None)
    assert (unknown.manifest, unknown.url) == (None, "https://example.org/advisory/20001")


def test_no_severity_anywhere_is_none_and_an_unknown_type_is_kept() -> None:
    plugin = parse(load("image-current.json")).observations[4]

    assert (plugin.severity, plugin.severity_source) == (None, None)
    assert plugin.package == Package("jenkins-plugin", "plugin-x", "2.0")
    assert plugin.vulnerability_ids == ("CVE-2026-20002",)


def test_the_0_7_schema_is_read() -> None:
    pysaml, zstd = parse(load("image-0.7.json")).observations

    assert pysaml == Observation(
        tool="grype",
        tool_version="0.7.0",
        category="dependency",
        title="pysaml2 4.0.5: CVE-2016-10127",
        rule_id="CVE-2016-10127",
        description="pysaml2 allows remote attackers to conduct XML external entity (XXE) attacks.",
        severity="critical",
        severity_source="cvss_v3",
        vulnerability_ids=("CVE-2016-10127",),
        cvss=(Cvss("3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 9.8),),
        package=Package("PyPI", "pysaml2", "4.0.5"),
        manifest="/usr/local/lib/python3.8/site-packages/pysaml2-4.0.5.dist-info/METADATA",
        url="https://github.com/rohe/pysaml2/issues/366",
    )
    # An empty `cvssV3` vector says nothing; `fixedInVersion` is the fix.
    assert (zstd.severity, zstd.severity_source, zstd.cvss) == ("medium", "tool", ())
    assert zstd.fix_versions == ("1.3.8+dfsg-3+deb10u1",)
    assert zstd.package == Package("Debian", "libzstd1", "1.3.8+dfsg-3")


def test_the_vulnerabilitys_own_vectors_decide_before_related_ones() -> None:
    observation = only(
        match(
            {"severity": "Critical", "cvss": [{"version": "3.1", "vector": LOW_V3}]},
            relatedVulnerabilities=[
                {"id": "GHSA-aaaa-bbbb-cccc", "cvss": [{"version": "3.1", "vector": HIGH_V3}]}
            ],
        )
    )

    assert (observation.severity, observation.severity_source) == ("low", "cvss_v3")
    assert [c.vector for c in observation.cvss] == [LOW_V3, HIGH_V3]


def test_a_v2_vector_is_dropped_not_given_a_v3_prefix() -> None:
    v2 = {"version": "2.0", "vector": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}
    observation = only(match({"severity": "High", "cvss": [v2]}))

    assert (observation.severity, observation.severity_source, observation.cvss) == (
        "high",
        "tool",
        (),
    )


def test_match_details_as_a_list_or_an_object_are_both_fine() -> None:
    as_list = only(match({"severity": "Low"}, matchDetails=[{"matcher": "npm-matcher"}]))
    as_object = only(match({"severity": "Low"}, matchDetails={"matcher": "npm-matcher"}))

    assert as_list == as_object


@pytest.mark.parametrize(
    ("artifact", "expected"),
    [
        ({"type": "rpm", "purl": "pkg:rpm/amazon/curl@8.3.0"}, "Amazon Linux"),
        ({"type": "rpm", "purl": "pkg:rpm/rhel/curl@7.61.1"}, "Red Hat"),
        ({"type": "apk", "purl": "pkg:apk/alpine/curl@8.5.0"}, "Alpine"),
        ({"type": "go-module"}, "Go"),
        ({"purl": "pkg:cargo/time@0.1.45"}, "crates.io"),
    ],
)
def test_the_ecosystem(artifact: dict[str, Any], expected: str) -> None:
    observation = only(
        {"vulnerability": {"id": "CVE-2026-1"}, "artifact": {"name": "x", **artifact}}
    )

    assert observation.package is not None
    assert observation.package.ecosystem == expected


def test_no_type_nor_purl_is_no_package() -> None:
    observation = only({"vulnerability": {"id": "CVE-2026-1"}, "artifact": {"name": "x"}})

    assert (observation.package, observation.title) == (None, "x: CVE-2026-1")


def test_zero_matches_is_an_empty_report() -> None:
    assert parse({"matches": [], "descriptor": {"name": "grype"}}).observations == ()
    assert parse({"matches": None}).observations == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the report: expected an object, found a list"),
        ({"descriptor": {}}, "the report: not a Grype JSON report: `matches` is missing"),
        ({"matches": {}}, "/matches: expected a list, found an object"),
        (
            {"matches": [{"artifact": {}}]},
            "/matches/0/vulnerability: expected an object, found null",
        ),
        (
            {"matches": [{"vulnerability": {"severity": "High"}, "artifact": {"name": "x"}}]},
            "/matches/0/vulnerability/id: `id` is missing or empty",
        ),
        (
            {"matches": [{"vulnerability": {"id": "CVE-2026-1"}, "artifact": {"version": "1"}}]},
            "/matches/0/artifact/name: `name` is missing or empty",
        ),
        (
            {"matches": [match({"cvss": ["CVSS:3.1/AV:N"]})]},
            "/matches/0/vulnerability/cvss/0: expected an object, found a string",
        ),
        (
            {"matches": [match({}, relatedVulnerabilities=[{"id": 5}])]},
            "/matches/0/relatedVulnerabilities/0/id: expected a string, found a number",
        ),
        (
            {"matches": [match({"fix": {"versions": "1.2"}})]},
            "/matches/0/vulnerability/fix/versions: expected a list, found a string",
        ),
        (
            {"matches": [], "descriptor": {"version": 94}},
            "/descriptor/version: expected a string, found a number",
        ),
    ],
)
def test_what_is_not_a_grype_report_is_a_format_error(data: object, message: str) -> None:
    with pytest.raises(FormatError) as raised:
        parse(data)

    assert str(raised.value) == message
