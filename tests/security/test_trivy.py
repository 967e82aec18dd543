"""Trivy's JSON report (SchemaVersion 2) read into observations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.security.formats.trivy import check_id, parse
from maintain_repo.security.observation import Cvss, FormatError, Observation, Package

FIXTURES = Path(__file__).parent / "fixtures" / "trivy"
URLLIB3_V3 = "CVSS:3.1/AV:N/AC:H/PR:H/UI:N/S:U/C:H/I:N/A:N"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def report(*results: dict[str, Any]) -> dict[str, Any]:
    return {"SchemaVersion": 2, "Results": list(results)}


def vulnerability(**fields: Any) -> dict[str, Any]:
    return {"VulnerabilityID": "CVE-2026-1000", "PkgName": "demo", **fields}


def test_a_filesystem_scan_gives_vulnerabilities_failed_checks_and_secrets() -> None:
    observations = parse(load("fs-vulns-misconfigs-secrets.json")).observations

    assert [(o.category, o.rule_id, o.path or o.manifest) for o in observations] == [
        ("dependency", "CVE-2024-37891", "requirements.txt"),
        ("dependency", "CVE-2026-10001", "requirements.txt"),
        ("config", "DS-0002", "Dockerfile"),
        ("config", "DS-0013", "Dockerfile"),
        ("secret", "github-pat", "Dockerfile"),
    ]


def test_a_vulnerability_is_read_whole() -> None:
    first = parse(load("fs-vulns-misconfigs-secrets.json")).observations[0]

    assert first == Observation(
        tool="trivy",
        tool_version="0.58.1",
        category="dependency",
        title="urllib3 2.2.1: urllib3: proxy-authorization request header is not stripped "
        "during cross-origin redirects",
        rule_id="CVE-2024-37891",
        description="When using urllib3's proxy support with ProxyManager,\n"
        "the Proxy-Authorization header is only sent to the configured proxy.",
        severity="medium",
        severity_source="cvss_v3",
        vulnerability_ids=("CVE-2024-37891", "GHSA-34jh-p97f-mpxf"),
        cwe=("CWE-669",),
        # SeveritySource (ghsa) first, then nvd (the same vector: kept once), then the
        # others; the v2 vector is not kept.
        cvss=(
            Cvss("3.1", URLLIB3_V3, 4.4),
            Cvss("3.1", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N", 5.3),
        ),
        package=Package("PyPI", "urllib3", "2.2.1"),
        manifest="requirements.txt",
        fix_versions=("1.26.19", "2.2.2"),
        url="https://avd.aquasec.com/nvd/cve-2024-37891",
    )


def test_unknown_severity_and_an_empty_fixed_version_say_nothing() -> None:
    second = parse(load("fs-vulns-misconfigs-secrets.json")).observations[1]

    assert (second.title, second.severity, second.severity_source) == (
        "jinja2 3.1.3: CVE-2026-10001",
        None,
        None,
    )
    assert second.fix_versions == ()
    assert second.cvss == ()


def test_only_failed_checks_are_kept_with_their_lines_when_given() -> None:
    observations = parse(load("fs-vulns-misconfigs-secrets.json")).observations
    no_line, with_line = observations[2], observations[3]

    assert no_line == Observation(
        tool="trivy",
        tool_version="0.58.1",
        category="config",
        title="Dockerfile: Image user should not be 'root'",
        rule_id="DS-0002",
        description="Specify at least 1 USER command in Dockerfile with non-root user as "
        "argument\n\nRunning containers with 'root' user can lead to a container escape "
        "situation.\n\nAdd 'USER <non root user name>' line to the Dockerfile",
        severity="high",
        severity_source="tool",
        path="Dockerfile",
        url="https://avd.aquasec.com/misconfig/ds002",
    )
    assert (with_line.rule_id, with_line.start_line, with_line.end_line) == ("DS-0013", 7, 7)
    assert with_line.marks == (
        "fingerprint:sha256:1111111111111111111111111111111111111111111111111111111111111111",
    )
    assert "DS-0026" not in {o.rule_id for o in observations}  # Status PASS


def test_a_secret_keeps_rule_file_and_lines_never_the_secret() -> None:
    data = load("fs-vulns-misconfigs-secrets.json")
    secret = parse(data).observations[4]

    assert secret == Observation(
        tool="trivy",
        tool_version="0.58.1",
        category="secret",
        title="Dockerfile: GitHub Personal Access Token",
        rule_id="github-pat",
        severity="critical",
        severity_source="tool",
        path="Dockerfile",
        start_line=12,
        end_line=12,
        marks=(
            "fingerprint:sha256:2222222222222222222222222222222222222222222222222222222222222222",
        ),
    )
    assert "UNMASKED" in json.dumps(data)
    assert "UNMASKED" not in repr(parse(data))


def test_the_same_target_twice_stays_two_results() -> None:
    observations = parse(load("fs-vulns-misconfigs-secrets.json")).observations

    dockerfile = [o.category for o in observations if o.path == "Dockerfile"]
    assert dockerfile == ["config", "config", "secret"]


def test_an_image_scan_names_os_and_language_packages() -> None:
    os_package, jar = parse(load("image-os-and-jar.json")).observations

    assert os_package.package == Package("Debian", "libssl3", "3.0.11-1~deb12u2")
    assert os_package.manifest == "registry.example.com/shop/api:1.4.2 (debian 12.5)"
    assert os_package.tool_version is None
    # SeveritySource debian has no vector: nvd's decides over Trivy's word (LOW).
    assert (os_package.severity, os_package.severity_source) == ("critical", "cvss_v3")
    assert jar.package == Package("Maven", "org.apache.tomcat:tomcat-catalina", "9.0.109")
    assert (jar.manifest, jar.path) == ("Java", "usr/local/tomcat/lib/catalina.jar")
    assert jar.fix_versions == ("11.0.14", "10.1.49", "9.0.112")
    assert (jar.severity, jar.severity_source) == ("medium", "cvss_v4")
    assert [c.version for c in jar.cvss] == ["4.0", "3.1"]


def test_the_severity_source_vendor_decides_before_nvd() -> None:
    entry = vulnerability(
        SeveritySource="redhat",
        Severity="HIGH",
        CVSS={
            "nvd": {"V3Vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
            "redhat": {"V3Vector": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"},
        },
    )
    (only,) = parse(report({"Target": "go.sum", "Type": "gomod", "Vulnerabilities": [entry]}))[1]

    assert (only.severity, only.severity_source) == ("low", "cvss_v3")
    assert [c.score for c in only.cvss] == [1.8, 9.8]


def test_without_vectors_the_word_is_the_tools() -> None:
    entry = vulnerability(
        Severity="CRITICAL", CVSS={"nvd": {"V2Vector": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}
    )
    (only,) = parse(report({"Target": "go.sum", "Type": "gomod", "Vulnerabilities": [entry]}))[1]

    assert (only.severity, only.severity_source, only.cvss) == ("critical", "tool", ())


@pytest.mark.parametrize(
    ("result", "purl", "expected"),
    [
        ({"Class": "lang-pkgs", "Type": "rust-binary"}, "pkg:cargo/time@0.1.45", "crates.io"),
        ({"Class": "lang-pkgs", "Type": "npm"}, None, "npm"),
        ({"Class": "lang-pkgs", "Type": "julia"}, None, "julia"),
        ({"Class": "os-pkgs", "Type": "ubuntu"}, "pkg:deb/ubuntu/bash@5.1", "Ubuntu"),
        # An OS OSV does not name keeps Trivy's word; its `pkg:rpm` is not Red Hat.
        ({"Class": "os-pkgs", "Type": "slem"}, "pkg:rpm/slem/bash@4.4", "slem"),
    ],
)
def test_the_ecosystem_comes_from_the_type_then_the_purl(
    result: dict[str, Any], purl: str | None, expected: str
) -> None:
    entry = vulnerability(InstalledVersion="1.0")
    if purl:
        entry["PkgIdentifier"] = {"PURL": purl}
    (only,) = parse(report({"Target": "x", **result, "Vulnerabilities": [entry]}))[1]

    assert only.package == Package(expected, "demo", "1.0")


def test_without_type_or_purl_there_is_no_package() -> None:
    (only,) = parse(report({"Target": "x", "Vulnerabilities": [vulnerability()]}))[1]

    assert (only.package, only.title) == (None, "demo: CVE-2026-1000")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("KSV118", "KSV-0118"),
        ("KSV-0118", "KSV-0118"),
        ("AVD-KSV-0118", "KSV-0118"),
        ("builtin.kubernetes.KSV118", "KSV-0118"),
        ("ksv017", "KSV-0017"),
        ("DS002", "DS-0002"),
        ("AVD-AWS-0086", "AWS-0086"),
        ("custom-check", "custom-check"),
        ("CKV_AWS_20", "CKV_AWS_20"),
        ("KSV-10001", "KSV-10001"),
    ],
)
def test_check_ids_are_written_one_way(raw: str, expected: str) -> None:
    assert check_id(raw) == expected


def test_a_check_is_named_by_id_then_avdid_then_namespace() -> None:
    checks = [
        {"ID": "KSV118", "AVDID": "AVD-KSV-0999", "Status": "FAIL"},
        {"AVDID": "AVD-KSV-0118", "Status": "FAIL"},
        {"Namespace": "builtin.kubernetes.KSV118", "Status": "FAIL"},
    ]
    observations = parse(report({"Target": "deploy.yaml", "Misconfigurations": checks}))[1]

    assert [o.rule_id for o in observations] == ["KSV-0118"] * 3
    assert [o.title for o in observations] == ["deploy.yaml: KSV-0118"] * 3


def test_no_results_is_an_empty_report() -> None:
    assert parse({"SchemaVersion": 2, "ArtifactName": "."}).observations == ()
    assert parse(report()).observations == ()
    os_only = {"Target": "img (slem 5.4)", "Class": "os-pkgs", "Type": "slem"}
    assert parse(report(os_only, {"Target": "", "Class": "custom"})).observations == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the report: expected an object, found a list"),
        ({"Results": []}, "the report: not a Trivy JSON report: `SchemaVersion` is missing"),
        (
            {"SchemaVersion": 1, "Results": []},
            "/SchemaVersion: SchemaVersion 1 is not read (only 2)",
        ),
        ({"SchemaVersion": 2, "Results": {}}, "/Results: expected a list, found an object"),
        (report("Java"), "/Results/0: expected an object, found a string"),
        (
            report({"Vulnerabilities": [{"VulnerabilityID": "CVE-2026-1"}]}),
            "/Results/0/Vulnerabilities/0/PkgName: `PkgName` is missing or empty",
        ),
        (
            report({"Vulnerabilities": [vulnerability(CVSS=[])]}),
            "/Results/0/Vulnerabilities/0/CVSS: expected an object, found a list",
        ),
        (
            report({"Vulnerabilities": [vulnerability(VendorIDs=[7])]}),
            "/Results/0/Vulnerabilities/0/VendorIDs/0: expected a string, found a number",
        ),
        (
            report({"Secrets": [{"RuleID": "aws-access-key-id", "StartLine": "3"}]}),
            "/Results/0/Secrets/0/StartLine: expected a line number, found a string",
        ),
        (
            report({"Misconfigurations": [{"Status": "FAIL", "Title": "no id"}]}),
            "/Results/0/Misconfigurations/0: a misconfiguration without `ID`",
        ),
        (
            report({"Target": 3}),
            "/Results/0/Target: expected a string, found a number",
        ),
    ],
)
def test_what_is_not_a_trivy_report_is_a_format_error(data: object, message: str) -> None:
    with pytest.raises(FormatError) as raised:
        parse(data)

    assert str(raised.value) == message
