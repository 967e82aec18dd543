"""SARIF 2.1.0 read into observations: runs, rules, severity, locations, suppressions,
marks and categories, and what is not SARIF.

Fixtures: `zizmor-1.32.0_template-injection.sarif` is zizmor 1.32.0's real output
(`zizmor --offline --format sarif .`) for a five-line workflow using
`pull_request_target`; `trivy-shaped_vuln-misconfig-secret.sarif` is written by hand in
the shape of Trivy's SARIF writer (two packages hit by one rule, an UNKNOWN advisory, a
misconfiguration and a secret whose match must not be kept).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.security.formats.sarif import parse
from maintain_repo.security.observation import Cvss, FormatError, Observation, Package

FIXTURES = Path(__file__).parent / "fixtures" / "sarif"


def log(*results: object, rules: list[Any] | None = None, **run: Any) -> dict[str, Any]:
    """A SARIF log of one run of `tool` (a name, or a whole driver)."""
    tool = run.pop("tool", "scanner")
    driver = {"name": tool} if isinstance(tool, str) else tool
    if rules is not None:
        driver["rules"] = rules
    return {"version": "2.1.0", "runs": [{"tool": {"driver": driver}, "results": list(results)}]}


def at(uri: str | None = None, start: int | None = None, **more: Any) -> dict[str, Any]:
    """A result's `locations`, one physical location."""
    artifact: dict[str, Any] = {} if uri is None else {"uri": uri}
    artifact.update(more.pop("artifact", {}))
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if start is not None:
        physical["region"] = {"startLine": start, **more.pop("region", {})}
    physical.update(more)
    return {"locations": [{"physicalLocation": physical}]}


def one(data: dict[str, Any]) -> Observation:
    observations = parse(data).observations
    assert len(observations) == 1, observations
    return observations[0]


def result(text: str = "A problem.", **more: Any) -> dict[str, Any]:
    return {"ruleId": "R1", "message": {"text": text}, **more}


# -- empty and malformed ---------------------------------------------------------


def test_an_empty_log_has_no_observations() -> None:
    assert parse({"version": "2.1.0", "runs": []}) == ("sarif", (), ())
    assert parse(log()).observations == ()
    no_results = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}}]}
    assert parse(no_results).observations == ()
    null_results = {"runs": [{"tool": {"driver": {"name": "x"}}, "results": None}]}
    assert parse(null_results).observations == ()


@pytest.mark.parametrize(
    ("data", "pointer", "message"),
    [
        ([], (), "the report: a SARIF log is a JSON object"),
        ({"version": "2.1.0"}, ("runs",), "/runs: a SARIF log has a list of runs"),
        ({"runs": {"0": {}}}, ("runs",), "/runs: a SARIF log has a list of runs"),
        ({"runs": ["run"]}, ("runs", 0), "/runs/0: a run is an object"),
        ({"runs": [{}]}, ("runs", 0, "tool"), "/runs/0/tool: a run names its tool"),
        (
            {"runs": [{"tool": {"driver": []}}]},
            ("runs", 0, "tool", "driver"),
            "/runs/0/tool/driver: a tool has a driver",
        ),
        (
            {"runs": [{"tool": {"driver": {"name": " "}}}]},
            ("runs", 0, "tool", "driver", "name"),
            "/runs/0/tool/driver/name: a tool has a name",
        ),
        (
            {"runs": [{"tool": {"driver": {"name": "x"}}, "results": {"a": 1}}]},
            ("runs", 0, "results"),
            "/runs/0/results: a run's results are a list",
        ),
        (
            {"version": "2.0.0", "runs": []},
            ("version",),
            "/version: SARIF version 2.0.0 is not read (only 2.1.0)",
        ),
    ],
)
def test_what_is_not_sarif_is_a_format_error(
    data: object, pointer: tuple[str | int, ...], message: str
) -> None:
    with pytest.raises(FormatError) as caught:
        parse(data)
    assert caught.value.pointer == pointer
    assert str(caught.value) == message


def test_a_result_that_is_not_an_object_is_pointed_at() -> None:
    data = log(result(), result(), result(), "not a result")
    data["runs"].insert(0, {"tool": {"driver": {"name": "first"}}, "results": []})
    with pytest.raises(FormatError) as caught:
        parse(data)
    assert caught.value.pointer == ("runs", 1, "results", 3)
    assert str(caught.value) == "/runs/1/results/3: a result is an object"


def test_odd_shapes_are_read_as_absent() -> None:
    data = log(
        {
            "ruleId": 7,
            "ruleIndex": True,
            "kind": 3,
            "level": "fatal",
            "message": "not an object",
            "locations": {"physicalLocation": {}},
            "properties": ["x"],
            "partialFingerprints": ["x"],
            "suppressions": [None, "accepted"],
            "taxa": "CWE-89",
        },
        rules=[None, {"id": 5, "properties": {"tags": "external/cwe/cwe-089"}}],
        tool={"name": "scanner", "version": 2, "rules": "none"},
    )
    data["runs"][0]["artifacts"] = {"0": {}}
    data["runs"][0]["originalUriBaseIds"] = ["SRC"]
    assert one(data) == Observation(
        tool="scanner",
        category="code",
        title="scanner result",
        severity="medium",
        severity_source="tool",
    )


# -- runs, tools and rules -------------------------------------------------------


def test_every_run_is_read_with_its_tool_and_version() -> None:
    data = {
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": "CodeQL", "semanticVersion": "2.23.2", "version": "x"}},
                "results": [result("one")],
            },
            {"tool": {"driver": {"name": "LGTM.com", "version": "1.26.0"}}, "results": []},
            {"tool": {"driver": {"name": "Dockle"}}, "results": [result("two"), result("three")]},
        ],
    }
    observations = parse(data).observations
    assert [(o.tool, o.tool_version, o.description) for o in observations] == [
        ("CodeQL", "2.23.2", "one"),
        ("Dockle", None, "two"),
        ("Dockle", None, "three"),
    ]


RULES = [
    {"id": "A", "shortDescription": {"text": "Rule A"}},
    {"id": "B", "shortDescription": {"text": "Rule B"}},
    {"id": "CA2101", "shortDescription": {"text": "Rule CA2101"}},
]


@pytest.mark.parametrize(
    ("reference", "rule_id", "title"),
    [
        ({"ruleId": "B"}, "B", "Rule B"),
        ({"ruleIndex": 1}, "B", "Rule B"),
        ({"ruleId": "B", "ruleIndex": 1}, "B", "Rule B"),
        # -1 means "no index", never the last rule; out of range falls back on the id.
        ({"ruleId": "A", "ruleIndex": -1}, "A", "Rule A"),
        ({"ruleId": "A", "ruleIndex": 99}, "A", "Rule A"),
        ({"ruleIndex": -1}, None, "The message."),
        ({"rule": {"id": "B"}}, "B", "Rule B"),
        ({"rule": {"index": 0}}, "A", "Rule A"),
        # A hierarchical id names the rule of its first component.
        ({"ruleId": "CA2101/1"}, "CA2101/1", "Rule CA2101"),
        ({"ruleId": "unknown"}, "unknown", "The message."),
    ],
)
def test_a_result_finds_its_rule(reference: dict[str, Any], rule_id: str, title: str) -> None:
    found = one(log({"message": {"text": "The message."}, **reference}, rules=RULES))
    assert (found.rule_id, found.title) == (rule_id, title)


def test_rules_in_tool_extensions_are_found_through_the_tool_component() -> None:
    m = {"text": "m"}
    data = log(
        {
            "ruleId": "js/xss",
            "rule": {"index": 1, "toolComponent": {"index": 1}},
            "message": m,
        },
        {"rule": {"id": "py/sqli", "toolComponent": {"name": "python-pack"}}, "message": m},
        {"ruleId": "py/sqli", "ruleIndex": 0, "rule": {"toolComponent": {"index": 9}}},
        tool="CodeQL",
        rules=[{"id": "driver-rule", "shortDescription": {"text": "Driver rule"}}],
    )
    data["runs"][0]["tool"]["extensions"] = [
        {"name": "python-pack", "rules": [{"id": "py/sqli", "shortDescription": {"text": "SQLi"}}]},
        {
            "name": "js-pack",
            "rules": [{"id": "js/other"}, {"id": "js/xss", "shortDescription": {"text": "XSS"}}],
        },
    ]
    observations = parse(data).observations
    assert [(o.rule_id, o.title) for o in observations] == [
        ("js/xss", "XSS"),
        ("py/sqli", "SQLi"),
        # An unknown component: the id is looked up in every component.
        ("py/sqli", "SQLi"),
    ]


@pytest.mark.parametrize("kind", ["pass", "notApplicable", "informational", "open", "review"])
def test_results_that_are_not_failures_are_left_out(kind: str) -> None:
    data = log(result("kept"), result("left out", kind=kind), result("kept too", kind="fail"))
    assert [o.description for o in parse(data).observations] == ["kept", "kept too"]


# -- severity --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "default", "severity"),
    [
        ("error", {"level": "note"}, "high"),
        ("warning", None, "medium"),
        ("note", None, "low"),
        ("none", None, "info"),
        (None, {"level": "error"}, "high"),
        (None, {"level": "note"}, "low"),
        (None, {}, "medium"),  # LGTM: `defaultConfiguration: {}` is SARIF's "warning"
        (None, None, "medium"),
    ],
)
def test_the_level_is_the_result_s_then_the_rule_s_then_warning(
    level: str | None, default: dict[str, str] | None, severity: str
) -> None:
    rule: dict[str, Any] = {"id": "R1"}
    if default is not None:
        rule["defaultConfiguration"] = default
    more = {} if level is None else {"level": level}
    found = one(log(result(**more), rules=[rule]))
    assert (found.severity, found.severity_source) == (severity, "tool")


def test_security_severity_comes_before_the_level() -> None:
    rules = [{"id": "R1", "properties": {"security-severity": "9.1"}}]
    found = one(log(result(level="note"), rules=rules))
    assert (found.severity, found.severity_source) == ("critical", "security_severity")
    stated = result(level="note", properties={"security-severity": "4.0"})
    assert one(log(stated, rules=rules)).severity == "medium"  # the result's own first


def test_a_zero_or_unreadable_security_severity_says_nothing() -> None:
    for value in ("0.0", "high", "11", None):
        rules = [{"id": "R1", "properties": {"security-severity": value}}]
        found = one(log(result(level="note"), rules=rules))
        assert (found.severity, found.severity_source) == ("low", "tool")


def test_a_cvss_vector_in_the_properties_is_scored() -> None:
    properties = {
        "cvssv2_vector": "AV:N/AC:L/Au:N/C:P/I:N/A:N",
        "cvssv3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
        "cvssv3_baseScore": 9.8,  # stated scores are not trusted over the vector
        "security-severity": "9.8",
    }
    found = one(log(result(level="error"), rules=[{"id": "R1", "properties": properties}]))
    assert (found.severity, found.severity_source) == ("medium", "cvss_v3")
    assert found.cvss == (Cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N", 5.3),)


def test_a_cvss_v4_vector_comes_before_v3() -> None:
    v4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"
    properties = {
        "cvssv3_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N",
        "cvssv40_vector": v4,
        "cvss_bad_vector": "CVSS:3.1/AV:N",
    }
    found = one(log(result(), rules=[{"id": "R1", "properties": properties}]))
    assert (found.severity, found.severity_source) == ("critical", "cvss_v4")
    assert [c.version for c in found.cvss] == ["3.1", "4.0"]


# -- text ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "message", "title"),
    [
        ({"shortDescription": {"text": "SQL\ninjection "}, "name": "Sqli"}, "m", "SQL injection"),
        ({"name": "Use of a broken hash"}, "first\nsecond", "Use of a broken hash"),
        # A one-word name is an identifier: the message says more.
        ({"name": "artipacked"}, "\n  credential persistence\nmore", "credential persistence"),
        ({"name": "artipacked"}, None, "artipacked"),
        ({}, None, "R1"),
    ],
)
def test_the_title(rule: dict[str, Any], message: str | None, title: str) -> None:
    found = one(log({"ruleId": "R1", "message": {"text": message}}, rules=[{"id": "R1", **rule}]))
    assert found.title == title


def test_a_message_string_is_filled_in_with_its_arguments() -> None:
    rules = [
        {
            "id": "SARIF2012",
            "messageStrings": {
                "Note": {"text": "'{0}' lacks '{1}' ({{literal}}, {2}, {99999999})"}
            },
        }
    ]
    data = log(
        {"ruleIndex": 0, "message": {"id": "Note", "arguments": ["runs[0]", "rules"]}},
        {"ruleIndex": 0, "message": {"id": "Global", "arguments": ["a"]}},
        {"ruleIndex": 0, "message": {"id": "Missing"}},
        rules=rules,
        tool={"name": "Multitool", "globalMessageStrings": {"Global": {"text": "Global {0}."}}},
    )
    assert [o.description for o in parse(data).observations] == [
        "'runs[0]' lacks 'rules' ({literal}, {2}, {99999999})",
        "Global a.",
        None,
    ]


def test_the_description_is_the_message_then_the_rule_s() -> None:
    rules = [
        {"id": "A", "shortDescription": {"text": "A"}, "fullDescription": {"text": "About A."}},
        {"id": "B", "help": {"text": "Help on B."}},
        {"id": "C", "shortDescription": {"text": "Same"}, "fullDescription": {"text": "Same"}},
        {"id": "D", "fullDescription": {"text": "Said already"}},
    ]
    data = log(
        {"ruleId": "A", "message": {"text": "Found\r\nhere.\x07"}},
        {"ruleId": "B", "message": {"text": "Found."}},
        {"ruleId": "C", "message": {"text": "Found."}},
        {"ruleId": "D", "message": {"text": "Said already: twice"}},
        {"ruleId": "B"},
        rules=rules,
    )
    assert [o.description for o in parse(data).observations] == [
        "Found\nhere.\n\nAbout A.",
        "Found.\n\nHelp on B.",
        "Found.",
        "Said already: twice",
        "Help on B.",
    ]


def test_cwe_from_tags_properties_and_taxa() -> None:
    rules = [
        {
            "id": "R1",
            "properties": {
                "tags": ["security", "external/cwe/cwe-089", "CWE-79: Cross-site Scripting"],
                "cwe": ["CWE-022", 89],
            },
            "relationships": [
                {"target": {"id": "327", "toolComponent": {"name": "CWE"}}},
                {"target": {"id": "1", "toolComponent": {"name": "OWASP"}}},
            ],
        }
    ]
    data = log(
        result(
            taxa=[{"id": "CWE-20", "toolComponent": {"name": "cwe"}}],
            properties={"tags": ["external/cwe/cwe-0078"]},
        ),
        rules=rules,
    )
    assert one(data).cwe == ("CWE-89", "CWE-79", "CWE-22", "CWE-327", "CWE-78", "CWE-20")


@pytest.mark.parametrize(
    ("rule", "ids", "category"),
    [
        ({"id": "CVE-2019-1549"}, ("CVE-2019-1549",), "dependency"),
        (
            {"id": "CVE-2021-23424", "deprecatedIds": ["CVE-2021-23424", "GHSA-whgm-jr23-g3j9"]},
            ("CVE-2021-23424", "GHSA-whgm-jr23-g3j9"),
            "dependency",
        ),
        ({"id": "CVE-2022-28391-busybox"}, ("CVE-2022-28391",), "dependency"),  # Grype
        (
            {"id": "PYSEC-2024-47", "properties": {"aliases": "CVE-2024-27351"}},
            ("PYSEC-2024-47", "CVE-2024-27351"),
            "dependency",
        ),
        ({"id": "GHSA-9wv6-86v2-598j"}, ("GHSA-9wv6-86v2-598j",), "dependency"),
        ({"id": "CIS-DI-0010"}, (), "code"),
        ({"id": "py/sql-injection", "deprecatedIds": ["py/sqli"]}, (), "code"),
    ],
)
def test_advisory_ids_are_kept_and_make_a_dependency(
    rule: dict[str, Any], ids: tuple[str, ...], category: str
) -> None:
    found = one(log({"ruleIndex": 0, "message": {"text": "m"}}, rules=[rule]))
    assert (found.vulnerability_ids, found.category) == (ids, category)


# -- locations -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("location", "bases", "path"),
    [
        (at("src/app.py", artifact={"uriBaseId": "%SRCROOT%"}), None, "src/app.py"),
        (at("file:///work/repo/src/app.py"), None, "/work/repo/src/app.py"),
        (at("file://<rootdir>/package-lock.json"), None, "<rootdir>/package-lock.json"),
        (at("file:///C:/src/app.c"), None, "C:/src/app.c"),
        (at("src/my%20file.py"), None, "src/my file.py"),
        (at("https://example.com/a.js"), None, "https://example.com/a.js"),
        # Nested relative bases are prefixed; an absolute base is the repository root.
        (
            at("app.py", artifact={"uriBaseId": "PKG"}),
            {
                "PKG": {"uri": "pkg/", "uriBaseId": "SRC"},
                "SRC": {"uri": "src/", "uriBaseId": "ROOT"},
                "ROOT": {"uri": "file:///home/runner/work/shop/shop/"},
            },
            "src/pkg/app.py",
        ),
        (at("a.py", artifact={"uriBaseId": "X"}), {"X": {"uri": "x/", "uriBaseId": "X"}}, "x/a.py"),
        (at("a.py", artifact={"uriBaseId": "X"}), {"X": {"description": {}}}, "a.py"),
        (at(artifact={"index": 1}), None, "second.py"),
        (at(artifact={"index": -1}), None, None),  # never the last artifact
        (at(artifact={"index": 2}), None, None),
        (at(artifact={"index": 0}), None, "first.py"),
        ({}, None, None),
        ({"locations": []}, None, None),
    ],
)
def test_the_path(location: dict[str, Any], bases: dict[str, Any] | None, path: str) -> None:
    data = log(result(**location))
    data["runs"][0]["artifacts"] = [
        {"location": {"uri": "first.py", "uriBaseId": "%SRCROOT%"}},
        {"location": {"uri": "second.py"}},
    ]
    if bases is not None:
        data["runs"][0]["originalUriBaseIds"] = bases
    assert one(data).path == path


def test_a_chain_of_bases_is_followed_a_bounded_number_of_times() -> None:
    bases = {f"B{i}": {"uri": "d/", "uriBaseId": f"B{i + 1}"} for i in range(100)}
    data = log(result(**at("a.py", artifact={"uriBaseId": "B0"})))
    data["runs"][0]["originalUriBaseIds"] = bases
    assert one(data).path == "d/" * 16 + "a.py"


@pytest.mark.parametrize(
    ("region", "lines"),
    [
        ({"startLine": 12}, (12, None)),
        ({"startLine": 4, "endLine": 11}, (4, 11)),
        ({"startLine": 4, "endLine": 2}, (4, None)),
        ({"startLine": 0}, (None, None)),
        ({"startLine": True}, (None, None)),
        ({"charOffset": 10, "charLength": 3}, (None, None)),
    ],
)
def test_the_lines(region: dict[str, Any], lines: tuple[int | None, int | None]) -> None:
    found = one(log(result(locations=[{"physicalLocation": {"region": region}}])))
    assert (found.start_line, found.end_line) == lines


def test_only_the_first_location_is_read() -> None:
    locations = at("a.py", 3)["locations"] + at("b.py", 9)["locations"]
    found = one(log(result(locations=locations)))
    assert (found.path, found.start_line) == ("a.py", 3)


# -- status ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("suppressions", "status", "justification"),
    [
        ([{"kind": "inSource"}], "false_positive", None),
        (
            [{"kind": "external", "status": "accepted", "justification": "Test data only."}],
            "false_positive",
            "Test data only.",
        ),
        (
            [{"kind": "external", "justification": "Risk accepted until the vendor fixes it."}],
            "risk_accepted",
            "Risk accepted until the vendor fixes it.",
        ),
        (
            [{"kind": "inSource"}, {"kind": "external", "justification": "We accept the risk"}],
            "risk_accepted",
            "We accept the risk",
        ),
        ([{"kind": "external", "status": "underReview"}], "open", None),
        ([{"kind": "inSource"}, {"kind": "external", "status": "rejected"}], "open", None),
        ([], "open", None),
    ],
)
def test_suppressions(
    suppressions: list[dict[str, Any]], status: str, justification: str | None
) -> None:
    found = one(log(result(suppressions=suppressions)))
    assert (found.status, found.justification) == (status, justification)


def test_an_absent_baseline_state_is_mitigated() -> None:
    data = log(
        result(baselineState="new"),
        result(baselineState="unchanged"),
        result(baselineState="absent"),
        result(baselineState="absent", suppressions=[{"kind": "inSource"}]),
    )
    assert [o.status for o in parse(data).observations] == [
        "open",
        "open",
        "mitigated",
        "false_positive",  # a person's decision is kept over the tool's
    ]


# -- marks -----------------------------------------------------------------------


def test_fingerprints_are_the_marks() -> None:
    found = one(
        log(
            result(
                **at("a.py", 3, region={"snippet": {"text": "x = eval(user_input)"}}),
                partialFingerprints={
                    "primaryLocationStartColumnFingerprint": "4",
                    "primaryLocationLineHash": "9cbc869fbfffeb60:1",
                },
                fingerprints={"matchBasedId/v1": "abc123", "rank": 2, "bad": {"x": 1}},
            )
        )
    )
    assert found.marks == (
        "matchBasedId/v1:abc123",
        "primaryLocationLineHash:9cbc869fbfffeb60:1",
        "primaryLocationStartColumnFingerprint:4",
        "rank:2",
    )


def test_without_fingerprints_a_snippet_then_the_message_is_hashed() -> None:
    data = log(
        result(**at("a.py", 3, region={"snippet": {"text": "x = eval(user_input)"}})),
        # White space does not count, and a line number is never a mark when a hash is.
        result(**at("a.py", 90, region={"snippet": {"text": "  x =\n\teval(user_input) "}})),
        result(**at("a.py", 3, contextRegion={"snippet": {"text": "if (a) { run(a); }"}})),
        result("Unsafe eval of user input.", **at("a.py", 3)),
        result(" Unsafe eval\nof user input. ", **at("b.py", 7)),
    )
    assert [o.marks for o in parse(data).observations] == [
        ("snippet:83d7023d183e30d2",),
        ("snippet:83d7023d183e30d2",),
        ("snippet:18595b4cfa474c45",),
        ("message:13f0f133ef3640ed",),
        ("message:13f0f133ef3640ed",),
    ]


def test_a_result_with_nothing_to_hash_is_marked_by_its_line_or_not_at_all() -> None:
    data = log({"ruleId": "R1", **at("a.py", 3)}, {"ruleId": "R1", **at("a.py")})
    assert [o.marks for o in parse(data).observations] == [("line:3",), ()]


# -- categories and secrets ------------------------------------------------------


@pytest.mark.parametrize(
    ("tool", "rule", "path", "category"),
    [
        ("gitleaks", {"id": "aws-access-token"}, "a.py", "secret"),
        (
            "Semgrep OSS",
            {"id": "generic.secrets.gitleaks", "properties": {"tags": ["Secrets"]}},
            "a.py",
            "secret",
        ),
        ("zizmor", {"id": "zizmor/unpinned-uses"}, "action.yml", "workflow"),
        (
            "CodeQL",
            {"id": "actions/code-injection/critical"},
            ".github/workflows/ci.yml",
            "workflow",
        ),
        ("CodeQL", {"id": "py/sql-injection"}, "app/.github/workflows/x.yml", "workflow"),
        ("CodeQL", {"id": "py/sql-injection"}, "app/github/workflows/x.py", "code"),
        ("osv-scanner", {"id": "GHSA-cxjh-pqwp-8mfp"}, ".github/workflows/ci.yml", "dependency"),
        ("Checkov", {"id": "CKV_AWS_20"}, "main.tf", "config"),
        ("KICS", {"id": "a227ec01-f97a-4084-91a4-47b350c1db54"}, "Dockerfile", "config"),
        ("Hadolint", {"id": "DL3008"}, "Dockerfile", "config"),
        ("Trivy", {"id": "DS002"}, "Dockerfile", "config"),
        ("Trivy", {"id": "AVD-AWS-0086", "name": "Misconfiguration"}, "s3.tf", "config"),
        ("Trivy", {"id": "MIT:openssl", "name": "License"}, "go.mod", "dependency"),
        ("Trivy", {"id": "github-pat", "name": "Secret"}, "a.txt", "secret"),
        ("Bandit", {"id": "B608"}, "a.py", "code"),
        ("CodeQL", {"id": "js/x", "properties": {"tags": ["secret-handshake"]}}, "a.js", "code"),
    ],
)
def test_the_category(tool: str, rule: dict[str, Any], path: str, category: str) -> None:
    found = one(
        log({"ruleIndex": 0, "message": {"text": "m"}, **at(path)}, rules=[rule], tool=tool)
    )
    assert found.category == category


def test_a_secret_keeps_no_text_of_the_report_but_its_rule_s_title() -> None:
    secret = "ghp_012345678901234567890123456789abcdef"
    rules = [
        {
            "id": "github-pat",
            "shortDescription": {"text": "GitHub Personal Access Token"},
            "fullDescription": {"text": f"token = {secret}"},
            "help": {"text": f"Match: {secret}"},
        }
    ]
    data = log(
        {
            "ruleId": "github-pat",
            "message": {"text": f"Match: token = {secret}"},
            **at("src/settings.py", 12, region={"snippet": {"text": f"token = {secret}"}}),
        },
        {"ruleId": "github-pat", "message": {"text": f"{secret} found"}, **at("b.py", 4)},
        rules=rules,
        tool="gitleaks",
    )
    observations = parse(data).observations
    assert secret not in repr(observations)
    assert [(o.title, o.description, o.marks) for o in observations] == [
        ("GitHub Personal Access Token", None, ("line:12",)),
        ("GitHub Personal Access Token", None, ("line:4",)),
    ]
    no_rule = one(log({"ruleId": "generic-api-key", "message": {"text": secret}}, tool="gitleaks"))
    assert (no_rule.title, no_rule.description, no_rule.marks) == ("generic-api-key", None, ())


# -- packages --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "path", "package"),
    [
        (
            "Package: libssl1.1\nInstalled Version: 1.1.1c-r0\nVulnerability CVE-2019-1551",
            "alpine.tar.gz",
            Package("unknown", "libssl1.1", "1.1.1c-r0"),
        ),
        (
            "Package 'ansi-html@0.0.1' is vulnerable to 'CVE-2021-23424'.",
            "file://<rootdir>/web/package-lock.json",
            Package("npm", "ansi-html", "0.0.1"),
        ),
        (
            "Package '@babel/traverse@7.22.5' is vulnerable to 'GHSA-67hx-6x53-jw92'.",
            "yarn.lock",
            Package("npm", "@babel/traverse", "7.22.5"),
        ),
        (
            "Package 'django@3.2.4' is vulnerable to 'PYSEC-2021-98'.",
            "requirements/base.txt",
            Package("PyPI", "django", "3.2.4"),
        ),
        (
            "Package 'django@3.2.4' is vulnerable to 'PYSEC-2021-98'.",
            "requirements-dev.txt",
            Package("PyPI", "django", "3.2.4"),
        ),
        (
            "Package 'golang.org/x/net@v0.1.0' is vulnerable to 'GO-2023-1571'.",
            "go.mod",
            Package("Go", "golang.org/x/net", "v0.1.0"),
        ),
        (
            "Package: org.springframework:spring-beans\nInstalled Version: 5.3.15\n",
            "app/lib/spring-beans-5.3.15.jar",
            Package("Maven", "org.springframework:spring-beans", "5.3.15"),
        ),
        # A git source names a commit only: no package.
        ("Package '1234567890abcdef' is vulnerable to 'OSV-2021-1'.", "repo", None),
        ("Package: \nInstalled Version: 1.0", "a", None),
    ],
)
def test_the_package_a_dependency_scanner_names_in_its_message(
    message: str, path: str, package: Package | None
) -> None:
    found = one(log({"ruleId": "CVE-2020-0001", "message": {"text": message}, **at(path)}))
    assert found.package == package
    assert found.category == "dependency"
    assert found.manifest == found.path
    if package is not None:
        assert found.marks == ()  # the message names the installed version: not hashed


def test_the_fixture_from_trivy_s_writer() -> None:
    data = json.loads((FIXTURES / "trivy-shaped_vuln-misconfig-secret.sarif").read_text())
    observations = parse(data).observations
    assert "AKIAFIXTUREFIXTURE42" not in repr(observations)
    assert [
        (o.category, o.rule_id, o.package, o.fix_versions, o.path, o.severity, o.severity_source)
        for o in observations
    ] == [
        ("dependency", "CVE-2024-45296", Package("npm", "path-to-regexp", "0.1.7"),
         ("0.1.10", "1.9.0"), "web/package-lock.json", "high", "cvss_v4"),
        ("dependency", "CVE-2024-45296", Package("npm", "path-to-regexp", "1.8.0"),
         ("0.1.10", "1.9.0"), "web/package-lock.json", "high", "cvss_v4"),
        ("dependency", "CVE-2099-0001", Package("unknown", "zlib", "1.2.13-r0"), (),
         "library/app", "low", "tool"),
        ("config", "KSV-0118", None, (), "deploy/app.yaml", "high", "security_severity"),
        ("secret", "aws-access-key-id", None, (), "config/.env", "critical", "security_severity"),
    ]  # fmt: skip
    first = observations[0]
    assert first.title == "path-to-regexp: Backtracking regular expressions cause ReDoS"
    assert first.vulnerability_ids == ("CVE-2024-45296",)
    # The stated v4 score (7.7) is not trusted: the vector scores 8.2.
    assert [(c.version, c.score) for c in first.cvss] == [("3.1", 7.5), ("4.0", 8.2)]
    assert first.url == "https://avd.aquasec.com/nvd/cve-2024-45296"
    assert (first.start_line, first.end_line, first.manifest) == (812, 816, first.path)
    assert observations[3].marks == ("message:5c89c08276365001",)
    assert observations[4].marks == ("line:3",)
    assert observations[4].description is None


def test_the_fixture_from_zizmor() -> None:
    data = json.loads((FIXTURES / "zizmor-1.32.0_template-injection.sarif").read_text())
    observations = parse(data).observations
    assert {(o.tool, o.tool_version, o.category, o.status) for o in observations} == {
        ("zizmor", "1.32.0", "workflow", "open")
    }
    assert [
        (o.rule_id, o.severity, o.path, o.start_line, o.end_line, o.title) for o in observations
    ] == [
        ("zizmor/artipacked", "medium", ".github/workflows/ci.yml", 6, 8,
         "credential persistence through GitHub Actions artifacts: does not set "
         "persist-credentials: false"),
        ("zizmor/excessive-permissions", "medium", ".github/workflows/ci.yml", 3, 10,
         "overly broad permissions: default permissions used due to no permissions: block"),
        ("zizmor/dangerous-triggers", "high", ".github/workflows/ci.yml", 1, 1,
         "use of fundamentally insecure workflow trigger: pull_request_target is almost "
         "always used insecurely"),
        ("zizmor/template-injection", "high", ".github/workflows/ci.yml", 9, 9,
         "code injection via template expansion: may expand into attacker-controllable code"),
        ("zizmor/unpinned-uses", "high", ".github/workflows/ci.yml", 6, 6,
         "unpinned action reference: action is not pinned to a hash (required by blanket "
         "policy)"),
    ]  # fmt: skip
    # No fingerprints: the snippet of each result is hashed.
    assert [o.marks for o in observations] == [
        ("snippet:8ca7ba3c236a8a77",),
        ("snippet:c718445aa398f002",),
        ("snippet:68b22444c6903be3",),
        ("snippet:eeeae72bdd330b7e",),
        ("snippet:c3fe249fe73091a1",),
    ]
    assert observations[0].url == "https://docs.zizmor.sh/audits/#artipacked"
