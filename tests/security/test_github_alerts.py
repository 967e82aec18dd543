"""GitHub's Dependabot and code-scanning alerts (REST lists, single alerts and webhook
events) read into observations: identity marks, severity order, dismissal statuses,
and refusals of what is not an alert."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.security.formats.github_alerts import parse_code_scanning, parse_dependabot
from maintain_repo.security.observation import Cvss, FormatError, Observation, Package

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "github"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def dependabot_alert(**changes: Any) -> dict[str, Any]:
    """The first alert of the REST fixture (open, pip django), changed."""
    alert: dict[str, Any] = copy.deepcopy(fixture("dependabot-alerts.json")[0])
    alert.update(changes)
    return alert


def code_alert(**changes: Any) -> dict[str, Any]:
    """The first alert of the code-scanning fixture (open CodeQL js/zipslip), changed."""
    alert: dict[str, Any] = copy.deepcopy(fixture("code-scanning-alerts.json")[0])
    alert.update(changes)
    return alert


def one_dependabot(alert: dict[str, Any]) -> Observation:
    (observation,) = parse_dependabot([alert]).observations
    return observation


def one_code(alert: dict[str, Any]) -> Observation:
    (observation,) = parse_code_scanning([alert]).observations
    return observation


# -- Dependabot ------------------------------------------------------------------------


def test_dependabot_rest_list_reads_every_alert_in_order() -> None:
    report = parse_dependabot(fixture("dependabot-alerts.json"))
    assert report.format == "dependabot"
    assert report.skipped == ()
    assert [o.marks for o in report.observations] == [
        ("alert:1",),
        ("alert:2",),
        ("alert:3",),
        ("alert:4",),
        ("alert:5",),
    ]


def test_dependabot_open_alert_in_full() -> None:
    (first, *_) = parse_dependabot(fixture("dependabot-alerts.json")).observations
    assert first == Observation(
        tool="dependabot",
        category="dependency",
        title="Django allows remote attackers to learn whether an account is inactive",
        rule_id="GHSA-rf4j-j272-fj86",
        description=(
            "django.contrib.auth.forms.AuthenticationForm in Django 2.0 before 2.0.2\nexposes data."
        ),
        severity="high",
        severity_source="cvss_v4",
        vulnerability_ids=("GHSA-rf4j-j272-fj86", "CVE-2018-6188"),
        cwe=("CWE-200",),
        cvss=(
            Cvss("3.0", "CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 7.5),
            Cvss("4.0", "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N", 8.7),
        ),
        package=Package("PyPI", "django", None),
        manifest="requirements/base.txt",
        fix_versions=("2.0.2",),
        marks=("alert:1",),
        status="open",
        url="https://github.com/acme/shop/security/dependabot/1",
    )


def test_dependabot_fixture_statuses_and_severities() -> None:
    observations = parse_dependabot(fixture("dependabot-alerts.json")).observations
    assert [(o.status, o.justification) for o in observations] == [
        ("open", None),
        ("risk_accepted", "Only reachable from the admin CLI, which reads trusted input."),
        ("mitigated", None),
        ("out_of_scope", "Dismissed on GitHub by a Dependabot auto-triage rule."),
        ("false_positive", "GitHub withdrew the advisory (2023-06-13T17:04:43Z)."),
    ]
    assert [(o.severity, o.severity_source) for o in observations] == [
        ("high", "cvss_v4"),  # v4 8.7 over v3 7.5
        ("low", "cvss_v3"),  # v4 vector null: v3 3.7
        ("critical", "cvss_v3"),  # legacy `cvss` only, no cvss_severities
        ("medium", "advisory"),  # no vector at all
        ("high", "advisory"),  # a CVSS v2 vector is not kept
    ]
    assert [o.package for o in observations] == [
        Package("PyPI", "django", None),
        Package("npm", "debug", None),
        Package("Maven", "org.springframework:spring-beans", None),
        Package("npm", "semver", None),
        Package("crates.io", "smallvec", None),
    ]
    assert observations[2].cwe == ("CWE-74", "CWE-94")
    assert observations[4].cvss == ()
    assert observations[4].fix_versions == ()  # first_patched_version: null
    assert observations[4].vulnerability_ids == ("GHSA-43w2-9j62-hq99",)  # cve_id: null


def test_dependabot_webhook_event() -> None:
    report = parse_dependabot(fixture("dependabot-webhook-dismissed.json"))
    (observation,) = report.observations
    assert observation.package == Package("GitHub Actions", "tj-actions/changed-files", None)
    assert observation.manifest == ".github/workflows/ci.yml"
    assert observation.category == "dependency"
    assert observation.marks == ("alert:12",)
    assert (observation.severity, observation.severity_source) == ("high", "cvss_v4")
    assert [c.score for c in observation.cvss] == [7.5, 8.2]
    assert (observation.status, observation.justification) == (
        "risk_accepted",
        "Dismissed on GitHub: no_bandwidth.",
    )


def test_dependabot_single_alert_object() -> None:
    (observation,) = parse_dependabot(dependabot_alert(number=7)).observations
    assert observation.marks == ("alert:7",)


@pytest.mark.parametrize(
    ("reason", "comment", "status", "justification"),
    [
        ("inaccurate", None, "false_positive", "Dismissed on GitHub: inaccurate."),
        ("inaccurate", "Not our parser.", "false_positive", "Not our parser."),
        ("tolerable_risk", "", "risk_accepted", "Dismissed on GitHub: tolerable_risk."),
        ("no_bandwidth", "Later.", "risk_accepted", "Later."),
        ("not_used", "Dev only.", "out_of_scope", "Dev only."),
        ("fix_started", "PR #12.", "open", None),
        ("something_new", "?", "open", None),
        (None, None, "open", None),
    ],
)
def test_dependabot_dismissal_reasons(
    reason: str | None, comment: str | None, status: str, justification: str | None
) -> None:
    alert = dependabot_alert(state="dismissed", dismissed_reason=reason, dismissed_comment=comment)
    observation = one_dependabot(alert)
    assert (observation.status, observation.justification) == (status, justification)


def test_dependabot_withdrawn_advisory() -> None:
    alert = dependabot_alert()
    alert["security_advisory"]["withdrawn_at"] = "2024-05-01T00:00:00Z"
    assert one_dependabot(alert).status == "false_positive"
    # A fix or a person's dismissal stands; `fix_started` does not close it.
    assert one_dependabot({**alert, "state": "fixed"}).status == "mitigated"
    dismissed = {**alert, "state": "dismissed", "dismissed_reason": "not_used"}
    assert one_dependabot(dismissed).status == "out_of_scope"
    started = {**alert, "state": "dismissed", "dismissed_reason": "fix_started"}
    assert one_dependabot(started).status == "false_positive"
    # The `withdrawn` webhook action says it even when the alert does not.
    event = {"action": "withdrawn", "alert": dependabot_alert(), "repository": {}, "sender": {}}
    (observation,) = parse_dependabot(event).observations
    assert (observation.status, observation.justification) == (
        "false_positive",
        "GitHub withdrew the advisory.",
    )


def test_dependabot_severity_falls_back_in_order() -> None:
    alert = dependabot_alert()
    advisory = alert["security_advisory"]
    advisory["cvss_severities"] = {"cvss_v3": {"vector_string": "not a vector", "score": 9.9}}
    advisory["cvss"] = {"vector_string": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", "score": 9}
    observation = one_dependabot(alert)
    # The stated 9.0 is not trusted over the vector's 5.3.
    assert (observation.severity, observation.severity_source) == ("medium", "cvss_v3")
    assert observation.cvss == (Cvss("3.1", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", 5.3),)
    del advisory["cvss"]
    advisory["severity"] = "moderate"
    assert one_dependabot(alert).severity == "medium"
    advisory["severity"] = None
    alert["security_vulnerability"]["severity"] = "critical"
    assert (one_dependabot(alert).severity, one_dependabot(alert).severity_source) == (
        "critical",
        "advisory",
    )
    alert["security_vulnerability"]["severity"] = "unknown"
    assert (one_dependabot(alert).severity, one_dependabot(alert).severity_source) == (None, None)


def test_dependabot_text_is_data() -> None:
    alert = dependabot_alert()
    alert["security_advisory"]["summary"] = "Bad\n\x1b[31mthing\x00   here " + "x" * 300
    observation = one_dependabot(alert)
    assert observation.title.startswith("Bad [31mthing here xxx")
    assert len(observation.title) == 200
    assert observation.title.endswith("…")
    alert["security_advisory"]["summary"] = "  "
    assert one_dependabot(alert).title == "GHSA-rf4j-j272-fj86 in django"


def test_dependabot_ids_keep_only_advisory_ids_once() -> None:
    alert = dependabot_alert()
    alert["security_advisory"]["identifiers"] = [
        {"type": "CVE", "value": "CVE-2018-6188"},
        {"type": "OTHER", "value": "not an id"},
        "junk",
        {"type": "GHSA", "value": 12},
    ]
    alert["security_advisory"]["cwes"] = [{"cwe_id": "CWE-0200"}, {"cwe_id": "NVD-CWE-Other"}]
    observation = one_dependabot(alert)
    assert observation.vulnerability_ids == ("GHSA-rf4j-j272-fj86", "CVE-2018-6188")
    assert observation.cwe == ("CWE-200",)


def test_dependabot_unknown_ecosystem_is_kept_as_written() -> None:
    alert = dependabot_alert()
    alert["dependency"]["package"] = {"ecosystem": "erlang", "name": "plug"}
    assert one_dependabot(alert).package == Package("erlang", "plug", None)
    alert["dependency"] = {"manifest_path": "mix.lock"}  # the advisory's package, then
    alert["security_vulnerability"]["package"] = {"ecosystem": "pub", "name": "http"}
    assert one_dependabot(alert).package == Package("Pub", "http", None)
    alert["security_vulnerability"]["package"] = {"name": "http"}
    assert one_dependabot(alert).package is None


def test_dependabot_empty_list() -> None:
    assert parse_dependabot([]).observations == ()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("alerts", "the report: not Dependabot alerts: expected a list of alerts"),
        ({"alerts": []}, "the report: not Dependabot alerts: expected a list of alerts"),
        ([1], "/0: expected an object, found a number"),
        ([{"number": 1}], "/0: not a Dependabot alert: `security_advisory` is missing"),
        (
            [{"number": 1, "security_advisory": "GHSA-x"}],
            "/0: not a Dependabot alert: `security_advisory` is missing or not an object",
        ),
        (
            {"action": "created", "alert": None},
            "/alert: expected an object, found null",
        ),
        (
            {"action": "created", "alert": {"number": 1, "rule": {}}},
            "/alert: not a Dependabot alert",
        ),
    ],
)
def test_dependabot_refuses_other_shapes(data: object, message: str) -> None:
    with pytest.raises(FormatError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        parse_dependabot(data)


@pytest.mark.parametrize("number", [None, "1", 0, -3, True, 1.5])
def test_dependabot_refuses_an_alert_without_a_number(number: object) -> None:
    alert = dependabot_alert(number=number)
    with pytest.raises(FormatError) as error:
        parse_dependabot([dependabot_alert(), alert])
    assert str(error.value) == "/1/number: an alert's `number` must be a positive integer"
    assert error.value.pointer == (1, "number")


@pytest.mark.parametrize(
    ("key", "value", "pointer"),
    [
        ("dependency", [], (0, "dependency")),
        ("security_vulnerability", "x", (0, "security_vulnerability")),
    ],
)
def test_dependabot_refuses_a_non_object_part(key: str, value: object, pointer: tuple[Any]) -> None:
    with pytest.raises(FormatError) as error:
        parse_dependabot([dependabot_alert(**{key: value})])
    assert error.value.pointer == pointer


def test_dependabot_nested_non_objects_say_where() -> None:
    alert = dependabot_alert()
    alert["dependency"]["package"] = "django"
    with pytest.raises(FormatError) as error:
        parse_dependabot({"action": "created", "alert": alert})
    assert error.value.pointer == ("alert", "dependency", "package")
    alert = dependabot_alert()
    alert["security_vulnerability"]["first_patched_version"] = "2.0.2"
    with pytest.raises(FormatError) as error:
        parse_dependabot([alert])
    assert error.value.pointer == (0, "security_vulnerability", "first_patched_version")


def test_dependabot_leaves_of_the_wrong_type_are_absent() -> None:
    alert = dependabot_alert(html_url="https://github.com/\n", state=["open"])
    alert["dependency"]["manifest_path"] = {"path": "x"}
    alert["security_advisory"].update(cwes="CWE-79", identifiers=None, description=3)
    observation = one_dependabot(alert)
    assert (observation.url, observation.manifest, observation.description) == (None, None, None)
    assert observation.cwe == ()
    assert observation.status == "open"


# -- code scanning ---------------------------------------------------------------------


def test_code_scanning_rest_list_in_full() -> None:
    report = parse_code_scanning(fixture("code-scanning-alerts.json"))
    assert report.format == "code-scanning"
    first, *rest = report.observations
    assert first == Observation(
        tool="CodeQL",
        category="code",
        title='Arbitrary file access during archive extraction ("Zip Slip")',
        tool_version="2.23.2",
        rule_id="js/zipslip",
        description=(
            "Unsanitized archive entry, which may contain '..', is used in a file system"
            " operation.\n\nExtracting files from a malicious archive without validating the"
            " destination path can overwrite files outside it."
        ),
        severity="high",
        severity_source="security_severity",
        cwe=("CWE-22",),
        path="web/src/upload.ts",
        start_line=917,
        end_line=919,
        marks=("alert:4",),
        status="open",
        url="https://github.com/acme/shop/security/code-scanning/4",
    )
    assert [(o.marks, o.status, o.justification) for o in rest] == [
        (("alert:3",), "false_positive", "The name is checked by safe_join() two lines above."),
        (("alert:5",), "mitigated", None),
        (("alert:6",), "open", None),
        (("alert:7",), "risk_accepted", "Dismissed on GitHub: won't fix."),
        (("alert:8",), "out_of_scope", "Test fixture for the TLS client."),
    ]
    assert [(o.severity, o.severity_source) for o in rest] == [
        ("high", "security_severity"),
        ("critical", "security_severity"),
        ("medium", "tool"),  # zizmor: no security severity, SARIF level warning
        ("medium", "security_severity"),
        ("medium", "security_severity"),  # security severity over the `error` level
    ]
    assert rest[0].cwe == ("CWE-22", "CWE-23", "CWE-36")
    zizmor = rest[2]
    assert (zizmor.tool, zizmor.tool_version, zizmor.category) == ("zizmor", "1.5.2", "workflow")
    assert (zizmor.path, zizmor.start_line, zizmor.cwe) == (".github/workflows/release.yml", 22, ())


def test_code_scanning_webhook_event() -> None:
    (observation,) = parse_code_scanning(fixture("code-scanning-webhook-created.json")).observations
    # Outside the default branch the state is null: open. CodeQL's actions/ queries
    # are about workflows and composite actions.
    assert observation.status == "open"
    assert observation.category == "workflow"
    assert (observation.severity, observation.severity_source) == ("high", "tool")
    assert (observation.path, observation.start_line, observation.end_line) == (
        "actions/deploy/action.yml",
        14,
        16,
    )
    assert observation.marks == ("alert:9",)


@pytest.mark.parametrize(
    ("path", "category"),
    [
        (".github/workflows/ci.yml", "workflow"),
        ("./.github/workflows/ci.yml", "workflow"),
        ("src/.github/workflows.py", "code"),
        ("docs/github/workflows/x.yml", "code"),
    ],
)
def test_code_scanning_category_by_path(path: str, category: str) -> None:
    alert = code_alert()
    alert["most_recent_instance"]["location"]["path"] = path
    assert one_code(alert).category == category


def test_code_scanning_workflow_tools() -> None:
    alert = code_alert(tool={"name": "zizmor", "version": "1.5.2"})
    alert["most_recent_instance"]["location"]["path"] = "actions/setup/action.yml"
    assert one_code(alert).category == "workflow"
    alert["tool"] = {"name": "Semgrep"}
    assert one_code(alert).category == "code"
    alert["rule"]["id"] = "actions/code-injection/critical"  # a CodeQL query id, not CodeQL
    assert one_code(alert).category == "code"
    alert["tool"] = {"name": "CodeQL"}
    assert one_code(alert).category == "workflow"


@pytest.mark.parametrize(
    ("reason", "comment", "status", "justification"),
    [
        ("false positive", None, "false_positive", "Dismissed on GitHub: false positive."),
        ("won't fix", "Legacy.", "risk_accepted", "Legacy."),
        ("used in tests", None, "out_of_scope", "Dismissed on GitHub: used in tests."),
        ("mitigated", "WAF rule 12.", "mitigated", "WAF rule 12."),
        ("whatever", "?", "open", None),
        (None, None, "open", None),
    ],
)
def test_code_scanning_dismissal_reasons(
    reason: str | None, comment: str | None, status: str, justification: str | None
) -> None:
    alert = code_alert(state="dismissed", dismissed_reason=reason, dismissed_comment=comment)
    observation = one_code(alert)
    assert (observation.status, observation.justification) == (status, justification)


def test_code_scanning_without_instance_or_tool() -> None:
    alert = code_alert(most_recent_instance=None, tool=None)
    alert["rule"] = {"id": "js/xss", "severity": "note"}
    observation = one_code(alert)
    assert observation.tool == "code-scanning"
    assert observation.tool_version is None
    assert observation.title == "js/xss"
    assert (observation.path, observation.start_line, observation.description) == (None, None, None)
    assert (observation.severity, observation.severity_source) == ("low", "tool")
    alert["rule"] = {}
    observation = one_code(alert)
    assert (observation.title, observation.rule_id, observation.severity) == (
        "Code scanning alert 4",
        None,
        None,
    )


def test_code_scanning_location_oddities() -> None:
    alert = code_alert()
    alert["most_recent_instance"]["location"] = {
        "path": "file:///src/app.py",
        "start_line": 0,
        "end_line": True,
    }
    observation = one_code(alert)
    assert (observation.path, observation.start_line, observation.end_line) == (
        "/src/app.py",
        None,
        None,
    )


def test_code_scanning_single_alert_and_empty_list() -> None:
    assert parse_code_scanning(code_alert()).observations[0].marks == ("alert:4",)
    assert parse_code_scanning([]).observations == ()


@pytest.mark.parametrize(
    ("data", "pointer", "message"),
    [
        (3, (), "not code-scanning alerts"),
        ([{"number": 2, "security_advisory": {}}], (0,), "not a code-scanning alert"),
        ([code_alert(rule=["js/xss"])], (0,), "not a code-scanning alert"),
        ([code_alert(tool="CodeQL")], (0, "tool"), "expected an object, found a string"),
        ([code_alert(most_recent_instance=[])], (0, "most_recent_instance"), "found a list"),
        ({"action": "fixed", "alert": code_alert(number="4")}, ("alert", "number"), "positive"),
    ],
)
def test_code_scanning_refuses_other_shapes(
    data: object, pointer: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(FormatError, match=message) as error:
        parse_code_scanning(data)
    assert error.value.pointer == pointer


def test_code_scanning_location_must_be_an_object() -> None:
    alert = code_alert()
    alert["most_recent_instance"]["location"] = "web/src/upload.ts:917"
    with pytest.raises(FormatError) as error:
        parse_code_scanning([alert])
    assert error.value.pointer == (0, "most_recent_instance", "location")


def test_who_dismissed_an_alert_is_kept_for_the_record() -> None:
    report = parse_code_scanning(fixture("code-scanning-alerts.json"))
    by_number = {o.marks[0]: o for o in report.observations}
    dismissed = by_number["alert:3"]
    assert dismissed.status == "false_positive"
    assert dismissed.decided_by == "alice"
    assert all(o.decided_by is None for o in report.observations if o.status == "open")
