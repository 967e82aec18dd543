"""OSV-Scanner's JSON report read into observations: one per (source, package, group)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.security.formats.osv import parse
from maintain_repo.security.observation import Cvss, FormatError, Observation, Package, Report

FIXTURES = Path(__file__).parent / "fixtures" / "osv"
HIGH_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
CRITICAL_V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3
LOW_V3 = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 1.8


def load() -> Any:
    return json.loads((FIXTURES / "v2-groups-git-debian.json").read_text(encoding="utf-8"))


def observations() -> tuple[Observation, ...]:
    return parse(load()).observations


def scan(*vulnerabilities: dict[str, Any], **package: Any) -> dict[str, Any]:
    """A report of one lock file with one package (`groups` given in `package`)."""
    described = {"name": "demo", "version": "1.0", "ecosystem": "npm"}
    return {
        "results": [
            {
                "source": {"path": "package-lock.json", "type": "lockfile"},
                "packages": [
                    {"package": described, "vulnerabilities": list(vulnerabilities), **package}
                ],
            }
        ]
    }


def only(*vulnerabilities: dict[str, Any], **package: Any) -> Observation:
    (observation,) = parse(scan(*vulnerabilities, **package)).observations
    return observation


def test_one_observation_per_group_then_per_ungrouped_record() -> None:
    assert [(o.rule_id, o.package, o.manifest) for o in observations()] == [
        ("GHSA-q2m4-8v7x-2cpw", Package("PyPI", "django", "4.2.0"), "/src/app/poetry.lock"),
        ("GHSA-7h4p-3w9r-mq5c", Package("PyPI", "django", "4.2.0"), "/src/app/poetry.lock"),
        ("CVE-2026-20009", Package("PyPI", "django", "4.2.0"), "/src/app/poetry.lock"),
        (
            "CVE-2026-30001",
            Package(
                "GIT",
                "https://github.com/example/vendored-lib",
                "0123456789abcdef0123456789abcdef01234567",
            ),
            "/src/vendored-lib",
        ),
        ("DSA-5999-1", Package("Debian", "openssl", "3.0.11-1~deb12u1"), "/var/lib/dpkg/status"),
    ]


def test_a_group_of_aliases_is_one_observation_with_all_their_ids() -> None:
    assert observations()[0] == Observation(
        tool="osv-scanner",
        category="dependency",
        title="django 4.2.0: SQL injection in QuerySet.explain()",
        rule_id="GHSA-q2m4-8v7x-2cpw",
        description="Crafted options to `explain()` reach the SQL.\n\nUpgrade.",
        severity="critical",
        severity_source="cvss_v4",
        vulnerability_ids=("GHSA-q2m4-8v7x-2cpw", "PYSEC-2026-201", "CVE-2026-20001"),
        cwe=("CWE-89",),
        cvss=(Cvss("3.1", HIGH_V3, 7.5), Cvss("4.0", CRITICAL_V4, 9.3)),
        package=Package("PyPI", "django", "4.2.0"),
        manifest="/src/app/poetry.lock",
        # Only the versions of the entries about django (any spelling), not django-extra's
        # 9.9.9 nor the GIT range's commit.
        fix_versions=("4.2.7", "3.2.23"),
        url="https://github.com/advisories/GHSA-q2m4-8v7x-2cpw",
    )


def test_without_a_vector_the_advisory_word_decides_when_max_severity_is_empty() -> None:
    second = observations()[1]

    assert (second.severity, second.severity_source) == ("medium", "advisory")
    assert second.cwe == ("CWE-400",)  # CWE-0400 is the same weakness
    assert second.fix_versions == ("4.2.9",)  # a SEMVER range counts
    assert (second.description, second.url) == (None, None)


def test_a_record_with_only_a_cvss_v2_score_has_no_severity() -> None:
    third = observations()[2]

    assert (third.severity, third.severity_source, third.cvss) == (None, None, ())
    assert third.title == "django 4.2.0: CVE-2026-20009"
    assert third.fix_versions == ()  # last_affected is no fix


def test_a_git_checkout_is_a_git_package_named_by_its_repository() -> None:
    git = observations()[3]

    assert git.title == "https://github.com/example/vendored-lib 0123456789ab: CVE-2026-30001"
    assert git.fix_versions == ()  # GIT ranges hold commits
    assert (git.severity, git.severity_source) == ("low", "cvss_v3")
    assert git.cvss == (Cvss("3.1", LOW_V3, 1.8),)


def test_a_git_checkout_without_a_repository_is_named_by_its_path() -> None:
    data = {
        "results": [
            {
                "source": {"path": "/src/lib", "type": "git"},
                "packages": [
                    {
                        "package": {"name": "", "ecosystem": "", "commit": "abc123"},
                        "vulnerabilities": [{"id": "OSV-2026-1"}],
                    }
                ],
            }
        ]
    }

    (observation,) = parse(data).observations

    assert observation.package == Package("GIT", "/src/lib", "abc123")


def test_a_release_suffixed_ecosystem_is_named_as_osv_names_the_distribution() -> None:
    debian = observations()[4]

    assert debian.fix_versions == ("3.0.11-1~deb12u2",)  # matched on "Debian:12" too
    assert debian.vulnerability_ids == ("DSA-5999-1", "CVE-2026-40001")
    # `database_specific` of other shapes (a text, a number for severity) is nothing.
    assert (debian.severity, debian.cwe) == (None, ())


def test_max_severity_is_a_score_when_no_record_has_a_vector() -> None:
    observation = only(
        {"id": "GHSA-aaaa-bbbb-cccc", "database_specific": {"severity": "LOW"}},
        groups=[{"ids": ["GHSA-aaaa-bbbb-cccc"], "max_severity": "7.1"}],
    )

    assert (observation.severity, observation.severity_source) == ("high", "security_severity")


def test_the_newest_cvss_version_of_the_group_decides() -> None:
    observation = only(
        {"id": "GHSA-aaaa-bbbb-cccc", "severity": [{"type": "CVSS_V3", "score": LOW_V3}]},
        {"id": "PYSEC-2026-3", "severity": [{"type": "CVSS_V4", "score": CRITICAL_V4}]},
        groups=[{"ids": ["GHSA-aaaa-bbbb-cccc", "PYSEC-2026-3"], "max_severity": "1.0"}],
    )

    assert (observation.severity, observation.severity_source) == ("critical", "cvss_v4")
    assert observation.vulnerability_ids == ("GHSA-aaaa-bbbb-cccc", "PYSEC-2026-3")


def test_a_malicious_package_record_gives_its_cwe_and_no_severity() -> None:
    observation = only(
        {
            "id": "MAL-2026-10",
            "aliases": ["GHSA-aaaa-bbbb-cccc"],
            "summary": "Malicious code in demo (npm)",
            "affected": [
                {
                    "package": {"ecosystem": "npm", "name": "demo"},
                    "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}],
                    "database_specific": {"cwes": [{"cweId": "CWE-506", "name": "Embedded"}]},
                }
            ],
        },
        groups=[{"ids": ["MAL-2026-10"], "aliases": ["GHSA-aaaa-bbbb-cccc", "MAL-2026-10"]}],
    )

    assert observation.title == "demo 1.0: Malicious code in demo (npm)"
    assert observation.vulnerability_ids == ("MAL-2026-10", "GHSA-aaaa-bbbb-cccc")
    assert (observation.cwe, observation.fix_versions) == (("CWE-506",), ())
    assert (observation.severity, observation.severity_source) == (None, None)


def test_a_repeated_group_or_record_is_read_once() -> None:
    record = {"id": "GHSA-aaaa-bbbb-cccc"}
    group = {"ids": ["GHSA-aaaa-bbbb-cccc"]}

    report = parse(scan(record, record, groups=[group, group]))

    assert [o.rule_id for o in report.observations] == ["GHSA-aaaa-bbbb-cccc"]


def test_a_group_naming_no_record_still_says_the_package_is_vulnerable() -> None:
    observation = only(groups=[{"ids": ["GHSA-aaaa-bbbb-cccc"]}])

    assert observation.title == "demo 1.0: GHSA-aaaa-bbbb-cccc"
    assert observation.vulnerability_ids == ("GHSA-aaaa-bbbb-cccc",)


def test_the_same_advisory_in_two_manifests_is_two_observations() -> None:
    first = scan({"id": "GHSA-aaaa-bbbb-cccc"})
    second = scan({"id": "GHSA-aaaa-bbbb-cccc"})
    second["results"][0]["source"]["path"] = "web/package-lock.json"
    data = {"results": [*first["results"], *second["results"]]}

    assert [o.manifest for o in parse(data).observations] == [
        "package-lock.json",
        "web/package-lock.json",
    ]


def test_the_v1_package_source_and_a_file_uri_are_read() -> None:
    data = scan({"id": "GHSA-aaaa-bbbb-cccc"})
    result = data["results"][0]
    result["packageSource"] = {"path": "file:///src/yarn.lock"}
    del result["source"]

    assert parse(data).observations[0].manifest == "/src/yarn.lock"


@pytest.mark.parametrize(
    "data", [{"results": []}, {"results": None, "experimental_config": {}}, scan()]
)
def test_no_results_is_an_empty_report(data: object) -> None:
    assert parse(data) == Report("osv-scanner", ())


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the report: expected an object, found a list"),
        ({"runs": []}, "the report: not an OSV-Scanner JSON report: `results` is missing"),
        ({"results": {}}, "/results: expected a list, found an object"),
        ({"results": [{"source": "x"}]}, "/results/0/source: expected an object, found a string"),
        (
            {"results": [{"packages": [{}]}]},
            "/results/0/packages/0/package: expected an object, found null",
        ),
        (
            scan({"aliases": []}),
            "/results/0/packages/0/vulnerabilities/0/id: `id` is missing or empty",
        ),
        (
            scan({"id": "X-1"}, groups=[{"aliases": ["X-1"]}]),
            "/results/0/packages/0/groups/0/ids: a group without `ids`",
        ),
        (
            scan({"id": "X-1", "severity": {"type": "CVSS_V3"}}),
            "/results/0/packages/0/vulnerabilities/0/severity: expected a list, found an object",
        ),
        (
            scan({"id": "X-1", "affected": [{"package": {"name": "demo", "ecosystem": 7}}]}),
            "/results/0/packages/0/vulnerabilities/0/affected/0/package/ecosystem: "
            "expected a string, found a number",
        ),
        (
            scan(
                {
                    "id": "X-1",
                    "affected": [
                        {
                            "package": {"name": "demo", "ecosystem": "npm"},
                            "ranges": [{"type": "SEMVER", "events": ["x"]}],
                        }
                    ],
                }
            ),
            "/results/0/packages/0/vulnerabilities/0/affected/0/ranges/0/events/0: "
            "expected an object, found a string",
        ),
    ],
)
def test_what_is_not_osv_scanner_says_where(data: object, message: str) -> None:
    with pytest.raises(FormatError) as raised:
        parse(data)

    assert str(raised.value) == message
