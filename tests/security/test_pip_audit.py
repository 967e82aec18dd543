"""pip-audit's JSON report read into observations (2.x object and 1.x list shapes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.security.formats.pip_audit import parse
from maintain_repo.security.observation import FormatError, Observation, Package, Report

FIXTURES = Path(__file__).parent / "fixtures" / "pip-audit"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def test_the_current_shape_gives_one_observation_per_dependency_and_vulnerability() -> None:
    report = parse(load("current-2.x.json"))

    assert report == Report(
        format="pip-audit",
        observations=(
            Observation(
                tool="pip-audit",
                category="dependency",
                title="urllib3 2.2.1: GHSA-34jh-p97f-mpxf",
                rule_id="GHSA-34jh-p97f-mpxf",
                description="Proxy-Authorization header kept on cross-origin redirects.\n\n"
                "Upgrade to 2.2.2.",
                vulnerability_ids=("GHSA-34jh-p97f-mpxf", "CVE-2024-37891"),
                package=Package("PyPI", "urllib3", "2.2.1"),
                fix_versions=("1.26.19", "2.2.2"),
            ),
            Observation(
                tool="pip-audit",
                category="dependency",
                title="urllib3 2.2.1: PYSEC-2026-101",
                rule_id="PYSEC-2026-101",
                vulnerability_ids=("PYSEC-2026-101",),
                package=Package("PyPI", "urllib3", "2.2.1"),
            ),
        ),
        skipped=(
            "internal-tools: Dependency not found on PyPI and could not be audited: "
            "internal-tools (0.3.0)",
        ),
    )


def test_nothing_gives_a_severity_a_manifest_or_a_cwe() -> None:
    for observation in parse(load("current-2.x.json")).observations:
        assert (observation.severity, observation.severity_source) == (None, None)
        assert (observation.manifest, observation.cwe, observation.cvss) == (None, (), ())
        assert observation.marks == ()


def test_the_legacy_list_shape_is_read_and_its_skipped_dependency_reported() -> None:
    report = parse(load("legacy-1.x.json"))

    assert [(o.rule_id, o.package, o.fix_versions) for o in report.observations] == [
        ("PYSEC-2021-66", Package("PyPI", "jinja2", "2.11.2"), ("2.11.3",))
    ]
    assert report.observations[0].vulnerability_ids == ("PYSEC-2021-66",)  # 1.x: no aliases
    assert report.skipped == (
        "private-lib: Dependency not found on PyPI and could not be audited: private-lib (1.0)",
    )


@pytest.mark.parametrize("data", [[], {"dependencies": [], "fixes": []}, {"dependencies": None}])
def test_no_dependencies_is_an_empty_report(data: object) -> None:
    assert parse(data) == Report("pip-audit", ())


def test_a_dependency_listed_twice_with_one_advisory_is_one_observation() -> None:
    vuln = {"id": "PYSEC-2026-7", "fix_versions": ["2.0", "2.0"]}
    data = [
        {"name": "demo", "version": "1.0", "vulns": [vuln, vuln]},
        {"name": "demo", "version": "1.0", "vulns": [vuln]},
    ]

    (observation,) = parse(data).observations

    assert observation.fix_versions == ("2.0",)


def test_a_dependency_without_version_has_an_unknown_one() -> None:
    (observation,) = parse([{"name": "demo", "vulns": [{"id": "PYSEC-2026-8"}]}]).observations

    assert observation.package == Package("PyPI", "demo", None)
    assert observation.title == "demo: PYSEC-2026-8"


def test_text_from_the_report_is_flattened_and_non_ids_are_left_out() -> None:
    data = [
        {
            "name": "demo\nlib",
            "version": "1.0",
            "vulns": [{"id": "PYSEC-2026-9", "aliases": ["not an id", "CVE-2026-9999"]}],
        }
    ]

    (observation,) = parse(data).observations

    assert observation.package == Package("PyPI", "demo lib", "1.0")
    assert observation.vulnerability_ids == ("PYSEC-2026-9", "CVE-2026-9999")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("[]", "the report: expected an object or a list, found a string"),
        ({"fixes": []}, "the report: not a pip-audit JSON report: `dependencies` is missing"),
        ({"dependencies": {}}, "/dependencies: expected a list, found an object"),
        ({"dependencies": [7]}, "/dependencies/0: expected an object, found a number"),
        ([{"version": "1.0"}], "/0/name: `name` is missing or empty"),
        ([{"name": "a", "skip_reason": 3}], "/0/skip_reason: expected a string, found a number"),
        ([{"name": "a", "vulns": [{}]}], "/0/vulns/0/id: `id` is missing or empty"),
        ([{"name": "a", "vulns": "PYSEC-1"}], "/0/vulns: expected a list, found a string"),
        (
            [{"name": "a", "vulns": [{"id": "X-1", "fix_versions": [1]}]}],
            "/0/vulns/0/fix_versions/0: expected a string, found a number",
        ),
        (
            [{"name": "a", "vulns": [{"id": "X-1", "aliases": "CVE-1"}]}],
            "/0/vulns/0/aliases: expected a list, found a string",
        ),
    ],
)
def test_what_is_not_pip_audit_says_where(data: object, message: str) -> None:
    with pytest.raises(FormatError) as raised:
        parse(data)

    assert str(raised.value) == message
