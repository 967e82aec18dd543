"""The emulator's Dependabot and code scanning alerts, driven through real PyGithub where it
has the endpoint and plain HTTP otherwise; the `github` fixture checks every exchange against
GitHub's OpenAPI description at teardown."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from emulated import OpenAPI, check_exchanges, client, validate_webhook
from github import GithubException, UnknownObjectException
from maintain_repo.testing.github import Emulator, Exchange
from maintain_repo.testing.github.routes import alerts

START = datetime(2026, 4, 1, tzinfo=UTC)
DEPENDABOT = "/repos/acme/shop/dependabot/alerts"
CODE_SCANNING = "/repos/acme/shop/code-scanning/alerts"


@pytest.fixture
def clock() -> list[datetime]:
    return [START]


@pytest.fixture
def emu(make_github: Callable[..., Emulator], clock: list[datetime]) -> Emulator:
    """The usual emulator, on a clock the test moves."""
    return make_github(clock=lambda: clock[0])


@pytest.fixture
def http(emu: Emulator) -> Iterator[Callable[..., requests.Response]]:
    """A plain HTTP request to the emulator as a user: `http(method, path, login, **kwargs)`."""
    session = requests.Session()

    def send(method: str, path: str, login: str = "bob", **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"token {emu.token(login)}"}
        return session.request(method, emu.base_url + path, headers=headers, timeout=10, **kwargs)

    yield send
    session.close()


def seed_dependabot(emu: Emulator, clock: list[datetime]) -> None:
    """Four alerts a minute apart: 1 requests (pip, high, open), 2 lodash (npm, critical,
    development), 3 django (pip, medium, dismissed), 4 minimist (npm, low, no patch)."""
    emu.seed_dependabot_alert("requests", cve_id="CVE-2024-35195")
    clock[0] += timedelta(minutes=1)
    emu.seed_dependabot_alert("lodash", ecosystem="npm", severity="critical", scope="development")
    clock[0] += timedelta(minutes=1)
    emu.seed_dependabot_alert("django", severity="medium", state="dismissed", dismissed_by="bob")
    clock[0] += timedelta(minutes=1)
    emu.seed_dependabot_alert(
        "minimist", ecosystem="npm", severity="low", first_patched_version=None
    )
    clock[0] += timedelta(minutes=1)


# -- Dependabot: reading ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "numbers"),
    [
        ({}, [4, 3, 2, 1]),
        ({"direction": "asc"}, [1, 2, 3, 4]),
        ({"state": "open"}, [4, 2, 1]),
        ({"state": "dismissed"}, [3]),
        ({"severity": "critical"}, [2]),
        ({"ecosystem": "npm"}, [4, 2]),
        ({"package": "requests"}, [1]),
        ({"manifest": "package-lock.json"}, [4, 2]),
        ({"scope": "development"}, [2]),
        ({"scope": "runtime", "ecosystem": "pip"}, [3, 1]),
        ({"sort": "updated", "direction": "asc"}, [1, 2, 3, 4]),
    ],
)
def test_dependabot_alerts_are_listed_and_filtered(
    emu: Emulator, clock: list[datetime], filters: dict[str, str], numbers: list[int]
) -> None:
    seed_dependabot(emu, clock)
    repo = client(emu, "bob").get_repo("acme/shop")
    assert [a.number for a in repo.get_dependabot_alerts(**filters)] == numbers


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("state=open,dismissed&severity=high,critical,medium", [3, 2, 1]),
        ("package=Requests,minimist", [4, 1]),
        ("has=patch&ecosystem=npm", [2]),
        ("classification=general", [4, 3, 2, 1]),
        ("classification=malware", []),
    ],
)
def test_dependabot_filters_take_comma_separated_lists(
    emu: Emulator,
    clock: list[datetime],
    http: Callable[..., requests.Response],
    query: str,
    numbers: list[int],
) -> None:
    seed_dependabot(emu, clock)
    response = http("GET", f"{DEPENDABOT}?{query}")
    assert response.status_code == 200
    assert [a["number"] for a in response.json()] == numbers


@pytest.mark.parametrize(
    "query",
    ["state=closed", "severity=urgent", "scope=test", "sort=size", "direction=up", "has=cve"],
)
def test_dependabot_list_refuses_unknown_filter_values(
    emu: Emulator, http: Callable[..., requests.Response], query: str
) -> None:
    response = http("GET", f"{DEPENDABOT}?{query}")
    assert response.status_code == 422
    assert response.json()["message"].startswith("Invalid request.")


def test_dependabot_alert_has_github_s_shape(emu: Emulator, clock: list[datetime]) -> None:
    emu.seed_dependabot_alert(
        "requests",
        "GHSA-9wx4-h78v-vm56",
        cve_id="CVE-2024-35195",
        summary="Requests `Session` object does not verify requests after making first request",
        cwes={"CWE-670": "Always-Incorrect Control Flow Implementation"},
        vulnerable_version_range="< 2.32.0",
        first_patched_version="2.32.0",
        cvss_score=5.6,
        cvss_vector="CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N",
        severity="medium",
    )
    alert = client(emu, "bob").get_repo("acme/shop").get_dependabot_alert(1)
    advisory = alert.security_advisory
    assert (alert.number, alert.state, alert.created_at) == (1, "open", START)
    assert (alert.dependency.package.ecosystem, alert.dependency.package.name) == (
        "pip",
        "requests",
    )
    assert (alert.dependency.manifest_path, alert.dependency.scope) == (
        "requirements.txt",
        "runtime",
    )
    assert (advisory.ghsa_id, advisory.cve_id, advisory.severity) == (
        "GHSA-9wx4-h78v-vm56",
        "CVE-2024-35195",
        "medium",
    )
    assert advisory.identifiers == [
        {"type": "GHSA", "value": "GHSA-9wx4-h78v-vm56"},
        {"type": "CVE", "value": "CVE-2024-35195"},
    ]
    assert [(c.cwe_id, c.name) for c in advisory.cwes] == [
        ("CWE-670", "Always-Incorrect Control Flow Implementation")
    ]
    assert advisory.raw_data["cvss"] == {
        "score": 5.6,
        "vector_string": "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N",
    }
    vulnerability = alert.security_vulnerability
    assert (vulnerability.vulnerable_version_range, vulnerability.first_patched_version) == (
        "< 2.32.0",
        {"identifier": "2.32.0"},
    )
    assert alert.url == f"{emu.base_url}{DEPENDABOT}/1"
    assert alert.html_url == f"{emu.base_url}/acme/shop/security/dependabot/1"
    assert (alert.dismissed_at, alert.dismissed_by, alert.fixed_at) == (None, None, None)
    assert emu.dependabot_alert(1)["security_advisory"]["ghsa_id"] == "GHSA-9wx4-h78v-vm56"


def test_seeding_needs_only_the_package(emu: Emulator) -> None:
    first = emu.seed_dependabot_alert("pyyaml")
    second = emu.seed_dependabot_alert("left-pad", ecosystem="npm", severity="critical")
    assert (first, second) == (1, 2)
    one, two = emu.dependabot_alerts
    assert one["security_advisory"]["ghsa_id"].startswith("GHSA-")
    assert len(one["security_advisory"]["ghsa_id"]) == len("GHSA-xxxx-xxxx-xxxx")
    assert one["security_advisory"]["ghsa_id"] != two["security_advisory"]["ghsa_id"]
    assert one["security_advisory"]["cvss"]["score"] == 7.5
    assert two["security_advisory"]["cvss"]["score"] == 9.8
    assert two["dependency"]["manifest_path"] == "package-lock.json"


def test_dependabot_alerts_paginate(make_github: Callable[..., Emulator]) -> None:
    emu = make_github(page_size=3)
    for n in range(7):
        emu.seed_dependabot_alert(f"package-{n}")
    alerts_ = client(emu, "bob", per_page=3).get_repo("acme/shop").get_dependabot_alerts()
    assert [a.number for a in alerts_] == [7, 6, 5, 4, 3, 2, 1]
    pages = [e for e in emu.exchanges if e.path == DEPENDABOT]
    assert [e.query.get("page") for e in pages] == [None, "2", "3"]
    assert 'rel="next"' in pages[0].headers["link"]
    assert 'rel="next"' not in pages[2].headers.get("link", "")
    assert [len(e.body) for e in pages] == [3, 3, 1]


# -- Dependabot: dismissing and reopening -----------------------------------------------------


def test_a_dependabot_alert_is_dismissed_and_reopened(emu: Emulator, clock: list[datetime]) -> None:
    emu.seed_dependabot_alert("requests")
    clock[0] += timedelta(hours=1)
    repo = client(emu, "bob").get_repo("acme/shop")
    dismissed = repo.update_dependabot_alert(
        1, "dismissed", "tolerable_risk", "We never send credentials with this client."
    )
    assert (dismissed.state, dismissed.dismissed_reason, dismissed.dismissed_by.login) == (
        "dismissed",
        "tolerable_risk",
        "bob",
    )
    assert dismissed.dismissed_comment == "We never send credentials with this client."
    assert dismissed.dismissed_at == dismissed.updated_at == START + timedelta(hours=1)
    assert [a.number for a in repo.get_dependabot_alerts(state="open")] == []
    assert emu.dependabot_alert(1)["state"] == "dismissed"

    clock[0] += timedelta(hours=1)
    reopened = repo.update_dependabot_alert(1, "open")
    assert (reopened.state, reopened.dismissed_reason, reopened.dismissed_by) == (
        "open",
        None,
        None,
    )
    assert (reopened.dismissed_comment, reopened.dismissed_at) == (None, None)
    assert reopened.updated_at == START + timedelta(hours=2)
    assert repo.update_dependabot_alert(1, "open").state == "open"  # already open: no change


def test_a_comment_of_280_characters_is_accepted(emu: Emulator) -> None:
    emu.seed_dependabot_alert("requests")
    repo = client(emu, "bob").get_repo("acme/shop")
    alert = repo.update_dependabot_alert(1, "dismissed", "not_used", "x" * 280)
    assert len(alert.dismissed_comment or "") == 280


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"state": "dismissed"}, "`dismissed_reason` must be provided"),
        ({"state": "dismissed", "dismissed_reason": "false positive"}, "is not a member of"),
        ({"state": "dismissed", "dismissed_reason": None}, "is not a string"),
        (
            {"state": "dismissed", "dismissed_reason": "not_used", "dismissed_comment": "x" * 281},
            "too long (281 > 280",
        ),
        ({"state": "dismissed", "dismissed_reason": "not_used", "dismissed_comment": 7}, "string"),
        ({"state": "closed"}, "is not a member of"),
        ({}, '"state" wasn\'t supplied'),
        ({"dismissed_reason": "not_used"}, '"state" wasn\'t supplied'),
        ({"state": "open", "note": "x"}, '"note" is not a permitted key'),
        ({"assignees": ["nobody"]}, "Could not resolve to a User"),
    ],
)
def test_bad_dependabot_updates_are_refused_422(
    emu: Emulator, http: Callable[..., requests.Response], body: dict[str, Any], problem: str
) -> None:
    emu.seed_dependabot_alert("requests")
    response = http("PATCH", f"{DEPENDABOT}/1", json=body)
    assert response.status_code == 422
    message = response.json()["message"]
    assert message.startswith("Invalid request.\n\n")
    assert problem in message
    assert emu.dependabot_alert(1)["state"] == "open"


def test_pygithub_sees_422_on_a_bad_dismissal(emu: Emulator) -> None:
    emu.seed_dependabot_alert("requests")
    repo = client(emu, "bob").get_repo("acme/shop")
    with pytest.raises(GithubException) as too_long:
        repo.update_dependabot_alert(1, "dismissed", "inaccurate", "y" * 281)
    assert too_long.value.status == 422


def test_dependabot_assignees_are_replaced(
    emu: Emulator, http: Callable[..., requests.Response]
) -> None:
    emu.seed_dependabot_alert("requests")
    response = http("PATCH", f"{DEPENDABOT}/1", json={"assignees": ["alice", "Bob"]})
    assert response.status_code == 200
    assert [a["login"] for a in response.json()["assignees"]] == ["alice", "bob"]
    cleared = http("PATCH", f"{DEPENDABOT}/1", json={"assignees": []}).json()
    assert (cleared["assignees"], cleared["state"]) == ([], "open")


@pytest.mark.parametrize(
    ("state", "body", "message"),
    [
        ("dismissed", {"state": "dismissed", "dismissed_reason": "no_bandwidth"}, "already"),
        ("fixed", {"state": "dismissed", "dismissed_reason": "no_bandwidth"}, "fixed"),
        ("fixed", {"state": "open"}, "fixed"),
    ],
)
def test_dependabot_state_conflicts_are_409(
    emu: Emulator,
    http: Callable[..., requests.Response],
    state: str,
    body: dict[str, Any],
    message: str,
) -> None:
    emu.seed_dependabot_alert("requests", state=state)
    response = http("PATCH", f"{DEPENDABOT}/1", json=body)
    assert response.status_code == 409
    assert message in response.json()["message"]


def test_an_auto_dismissed_alert_can_be_reopened(emu: Emulator) -> None:
    emu.seed_dependabot_alert("requests", state="auto_dismissed", scope="development")
    repo = client(emu, "bob").get_repo("acme/shop")
    assert repo.get_dependabot_alert(1).auto_dismissed_at == START
    reopened = repo.update_dependabot_alert(1, "open")
    assert (reopened.state, reopened.raw_data["auto_dismissed_at"]) == ("open", None)


# -- code scanning ------------------------------------------------------------------------------


def seed_code_scanning(emu: Emulator, clock: list[datetime]) -> None:
    """1 py/sql-injection (error, high), 2 py/unused-import (note, fixed), 3 on a feature
    branch, 4 js/xss by another tool (warning, medium, dismissed), 5 on pull request 7."""
    emu.seed_code_scanning_alert(
        "py/sql-injection",
        "app/db.py",
        start_line=42,
        end_line=44,
        start_column=9,
        end_column=30,
        message="This query depends on a user-provided value.",
        severity="error",
        security_severity_level="high",
        tags=("security", "external/cwe/cwe-089"),
    )
    clock[0] += timedelta(minutes=1)
    emu.seed_code_scanning_alert("py/unused-import", "app/x.py", severity="note", state="fixed")
    clock[0] += timedelta(minutes=1)
    emu.seed_code_scanning_alert("py/sql-injection", "app/new.py", ref="feature")
    clock[0] += timedelta(minutes=1)
    emu.seed_code_scanning_alert(
        "js/xss",
        "web/page.js",
        tool="Semgrep",
        tool_guid="semgrep-guid",
        security_severity_level="medium",
        state="dismissed",
        dismissed_reason="used in tests",
    )
    clock[0] += timedelta(minutes=1)
    emu.seed_code_scanning_alert("py/path-injection", "app/files.py", ref="refs/pull/7/merge")
    clock[0] += timedelta(minutes=1)


@pytest.mark.parametrize(
    ("filters", "numbers"),
    [
        ({}, [4, 2, 1]),  # the default branch's alerts, newest first
        ({"direction": "asc"}, [1, 2, 4]),
        ({"state": "open"}, [1]),
        ({"state": "closed"}, [4, 2]),
        ({"state": "fixed"}, [2]),
        ({"state": "dismissed"}, [4]),
        ({"tool_name": "Semgrep"}, [4]),
        ({"tool_guid": "semgrep-guid"}, [4]),
        ({"ref": "feature"}, [3]),
        ({"ref": "refs/heads/feature"}, [3]),
        ({"ref": "refs/heads/main"}, [4, 2, 1]),
        ({"pr": 7}, [5]),
        ({"severity": "high"}, [1]),
        ({"severity": "note"}, [2]),
        ({"severity": "medium"}, [4]),
        ({"sort": "updated", "direction": "asc"}, [1, 2, 4]),
    ],
)
def test_code_scanning_alerts_are_listed_and_filtered(
    emu: Emulator, clock: list[datetime], filters: dict[str, Any], numbers: list[int]
) -> None:
    seed_code_scanning(emu, clock)
    repo = client(emu, "bob").get_repo("acme/shop")
    assert [a.number for a in repo.get_codescan_alerts(**filters)] == numbers


@pytest.mark.parametrize("query", ["state=closed,open", "severity=urgent", "sort=size"])
def test_code_scanning_list_refuses_unknown_filter_values(
    emu: Emulator, http: Callable[..., requests.Response], query: str
) -> None:
    assert http("GET", f"{CODE_SCANNING}?{query}").status_code == 422


def test_code_scanning_alerts_paginate(make_github: Callable[..., Emulator]) -> None:
    emu = make_github()
    for n in range(5):
        emu.seed_code_scanning_alert("py/clear-text-logging", f"app/m{n}.py")
    found = client(emu, "bob", per_page=2).get_repo("acme/shop").get_codescan_alerts()
    assert [a.number for a in found] == [5, 4, 3, 2, 1]
    pages = [e for e in emu.exchanges if e.path == CODE_SCANNING]
    assert [e.query.get("page") for e in pages] == [None, "2", "3"]


def test_code_scanning_alert_has_github_s_shape(emu: Emulator, clock: list[datetime]) -> None:
    seed_code_scanning(emu, clock)
    repo = client(emu, "bob").get_repo("acme/shop")
    alert = repo.get_codescan_alert(1)
    assert (alert.number, alert.state, alert.created_at) == (1, "open", START)
    assert (alert.rule.id, alert.rule.severity, alert.rule.security_severity_level) == (
        "py/sql-injection",
        "error",
        "high",
    )
    assert alert.rule.tags == ["security", "external/cwe/cwe-089"]
    assert (alert.tool.name, alert.tool.version) == ("CodeQL", "2.20.1")
    instance = alert.most_recent_instance
    assert (instance.ref, instance.state, instance.message) == (
        "refs/heads/main",
        "open",
        {"text": "This query depends on a user-provided value."},
    )
    location = instance.location
    assert (location.path, location.start_line, location.end_line) == ("app/db.py", 42, 44)
    assert (location.start_column, location.end_column) == (9, 30)
    assert instance.environment == '{"language":"python"}'
    assert alert.html_url == f"{emu.base_url}/acme/shop/security/code-scanning/1"
    assert alert.raw_data["rule"]["full_description"]
    listed = next(iter(repo.get_codescan_alerts(state="open")))
    assert "full_description" not in listed.raw_data["rule"]  # lists carry the rule's summary
    assert [i.ref for i in alert.get_instances()] == ["refs/heads/main"]
    assert emu.code_scanning_alert(4)["dismissed_reason"] == "used in tests"


def test_seeding_needs_only_the_rule_and_path(emu: Emulator) -> None:
    assert emu.seed_code_scanning_alert("go/sql-injection", "db/query.go") == 1
    (alert,) = emu.code_scanning_alerts
    assert alert["most_recent_instance"]["location"] == {
        "path": "db/query.go",
        "start_line": 1,
        "end_line": 1,
        "start_column": 1,
        "end_column": 2,
    }
    assert alert["rule"]["description"] == "Sql injection"
    assert alert["most_recent_instance"]["category"].endswith("/language:go")


def test_a_code_scanning_alert_is_dismissed_and_reopened(
    emu: Emulator, clock: list[datetime], http: Callable[..., requests.Response]
) -> None:
    emu.seed_code_scanning_alert("py/sql-injection", "app/db.py")
    clock[0] += timedelta(hours=1)
    body = {
        "state": "dismissed",
        "dismissed_reason": "false positive",
        "dismissed_comment": "The value is a constant.",
    }
    dismissed = http("PATCH", f"{CODE_SCANNING}/1", json=body).json()
    assert (dismissed["state"], dismissed["dismissed_by"]["login"]) == ("dismissed", "bob")
    assert (dismissed["dismissed_reason"], dismissed["dismissed_comment"]) == (
        "false positive",
        "The value is a constant.",
    )
    assert dismissed["dismissed_at"] == "2026-04-01T01:00:00Z"
    assert dismissed["most_recent_instance"]["state"] == "dismissed"
    alert = client(emu, "bob").get_repo("acme/shop").get_codescan_alert(1)
    assert (alert.state, alert.dismissed_reason) == ("dismissed", "false positive")

    reopened = http("PATCH", f"{CODE_SCANNING}/1", json={"state": "open"}).json()
    assert (reopened["state"], reopened["dismissed_by"], reopened["dismissed_reason"]) == (
        "open",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"state": "dismissed"}, "`dismissed_reason` must be provided"),
        ({"state": "dismissed", "dismissed_reason": None}, "`dismissed_reason` must be provided"),
        ({"state": "dismissed", "dismissed_reason": "tolerable_risk"}, "is not a member of"),
        (
            {
                "state": "dismissed",
                "dismissed_reason": "won't fix",
                "dismissed_comment": "z" * 281,
            },
            "too long (281 > 280",
        ),
        ({"state": "fixed"}, "is not a member of"),
        ({}, '"state" wasn\'t supplied'),
    ],
)
def test_bad_code_scanning_updates_are_refused_422(
    emu: Emulator, http: Callable[..., requests.Response], body: dict[str, Any], problem: str
) -> None:
    emu.seed_code_scanning_alert("py/sql-injection", "app/db.py")
    response = http("PATCH", f"{CODE_SCANNING}/1", json=body)
    assert response.status_code == 422
    assert problem in response.json()["message"]
    assert emu.code_scanning_alert(1)["state"] == "open"


def test_code_scanning_state_conflicts_are_400(
    emu: Emulator, http: Callable[..., requests.Response]
) -> None:
    emu.seed_code_scanning_alert("py/a", "a.py", state="dismissed")
    emu.seed_code_scanning_alert("py/b", "b.py", state="fixed")
    again = {"state": "dismissed", "dismissed_reason": "won't fix"}
    response = http("PATCH", f"{CODE_SCANNING}/1", json=again)
    assert response.status_code == 400
    assert response.json()["message"] == "Alert is already dismissed."
    assert http("PATCH", f"{CODE_SCANNING}/2", json=again).status_code == 400
    assert http("PATCH", f"{CODE_SCANNING}/2", json={"state": "open"}).status_code == 400


# -- unknown alerts, permissions, fixing --------------------------------------------------------


def test_unknown_alerts_are_404(emu: Emulator, http: Callable[..., requests.Response]) -> None:
    repo = client(emu, "bob").get_repo("acme/shop")
    with pytest.raises(UnknownObjectException):
        repo.get_dependabot_alert(99)
    with pytest.raises(GithubException) as unknown:  # GitHub's message is not "Not Found"
        repo.get_codescan_alert(99)
    assert unknown.value.status == 404
    with pytest.raises(UnknownObjectException):
        repo.update_dependabot_alert(99, "open")
    response = http("GET", f"{CODE_SCANNING}/99")
    assert (response.status_code, response.json()["message"]) == (
        404,
        "No alert found for alert number 99",
    )
    assert http("PATCH", f"{CODE_SCANNING}/99", json={"state": "open"}).status_code == 404
    assert http("GET", f"{DEPENDABOT}/one").status_code == 404
    assert http("GET", "/repos/acme/other/dependabot/alerts").status_code == 404


@pytest.mark.parametrize("login", ["mallory", "carol"])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", DEPENDABOT, None),
        ("GET", f"{DEPENDABOT}/1", None),
        ("PATCH", f"{DEPENDABOT}/1", {"state": "dismissed", "dismissed_reason": "not_used"}),
        ("GET", CODE_SCANNING, None),
        ("GET", f"{CODE_SCANNING}/1", None),
        ("GET", f"{CODE_SCANNING}/1/instances", None),
        ("PATCH", f"{CODE_SCANNING}/1", {"state": "dismissed", "dismissed_reason": "won't fix"}),
    ],
)
def test_alerts_need_write_access(
    emu: Emulator,
    http: Callable[..., requests.Response],
    login: str,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    emu.seed_dependabot_alert("requests")
    emu.seed_code_scanning_alert("py/sql-injection", "app/db.py")
    assert http(method, path, login, json=body).status_code == 403
    assert emu.dependabot_alert(1)["state"] == emu.code_scanning_alert(1)["state"] == "open"
    assert http(method, path, "bob", json=body).status_code == 200


def test_read_only_users_get_403_from_pygithub(emu: Emulator) -> None:
    emu.seed_dependabot_alert("requests")
    repo = client(emu, "mallory").get_repo("acme/shop")
    with pytest.raises(GithubException) as denied:
        list(repo.get_dependabot_alerts())
    assert denied.value.status == 403
    with pytest.raises(GithubException) as dismissing:
        repo.update_dependabot_alert(1, "dismissed", "not_used")
    assert dismissing.value.status == 403
    bot = client(emu).get_repo("acme/shop")  # GITHUB_TOKEN with write access
    assert bot.update_dependabot_alert(1, "dismissed", "not_used").dismissed_by.type == "Bot"


def test_fix_alert_marks_an_alert_fixed(emu: Emulator, clock: list[datetime]) -> None:
    emu.seed_dependabot_alert("requests")
    emu.seed_code_scanning_alert("py/sql-injection", "app/db.py")
    clock[0] += timedelta(days=1)
    emu.fix_alert("dependabot", 1)
    emu.fix_alert("code_scanning", 1)
    repo = client(emu, "bob").get_repo("acme/shop")
    fixed = repo.get_dependabot_alert(1)
    assert (fixed.state, fixed.fixed_at, fixed.updated_at) == (
        "fixed",
        "2026-04-02T00:00:00Z",
        START + timedelta(days=1),
    )
    assert [a.number for a in repo.get_dependabot_alerts(state="fixed")] == [1]
    scanned = repo.get_codescan_alert(1)
    assert (scanned.state, scanned.fixed_at) == ("fixed", START + timedelta(days=1))
    assert scanned.most_recent_instance.state == "fixed"
    with pytest.raises(ValueError, match="fixed already"):
        emu.fix_alert("dependabot", 1)
    with pytest.raises(KeyError):
        emu.fix_alert("code_scanning", 9)
    with pytest.raises(ValueError, match="kind of alert"):
        emu.fix_alert("secret_scanning", 1)


@pytest.mark.parametrize(
    ("seed", "problem"),
    [
        (lambda e: e.seed_dependabot_alert("x", severity="urgent"), "severity"),
        (lambda e: e.seed_dependabot_alert("x", state="closed"), "state"),
        (lambda e: e.seed_dependabot_alert("x", scope="test"), "scope"),
        (lambda e: e.seed_dependabot_alert("x", cvss_score=11), "CVSS"),
        (lambda e: e.seed_dependabot_alert("x", state="dismissed", dismissed_by="nobody"), "user"),
        (
            lambda e: e.seed_dependabot_alert("x", state="dismissed", dismissed_reason="won't fix"),
            "dismissed_reason",
        ),
        (lambda e: e.seed_code_scanning_alert("r", "p", severity="high"), "severity"),
        (lambda e: e.seed_code_scanning_alert("r", "p", state="auto_dismissed"), "state"),
        (lambda e: e.seed_code_scanning_alert("r", "p", start_line=0), "lines"),
    ],
)
def test_seeding_refuses_what_github_never_holds(
    seed: Callable[[Emulator], int], problem: str
) -> None:
    emu = Emulator(users={"bob": "write"})
    with pytest.raises(ValueError, match=problem):
        seed(emu)


# -- webhooks -----------------------------------------------------------------------------------


def test_alert_webhook_payloads_match_github(emu: Emulator) -> None:
    repo = client(emu, "bob").get_repo("acme/shop")
    emu.seed_dependabot_alert("requests", cve_id="CVE-2024-35195", cwes=["CWE-670"])
    emu.seed_dependabot_alert("lodash", ecosystem="npm", state="auto_dismissed")
    emu.seed_code_scanning_alert("py/sql-injection", "app/db.py", security_severity_level="high")
    emu.seed_code_scanning_alert("py/b", "b.py")
    repo.update_dependabot_alert(1, "dismissed", "fix_started", "upgrading")
    http_dismissal = {"state": "dismissed", "dismissed_reason": "used in tests"}
    token = {"Authorization": f"token {emu.token('alice')}"}
    url = f"{emu.base_url}{CODE_SCANNING}/1"
    assert requests.patch(url, json=http_dismissal, headers=token, timeout=10).status_code == 200
    emu.fix_alert("code_scanning", 2)

    cases: list[tuple[str, str, int, str]] = [
        ("dependabot_alert", "dismissed", 1, "bob"),
        ("dependabot_alert", "auto_dismissed", 2, "dependabot[bot]"),
        ("dependabot_alert", "created", 2, "dependabot[bot]"),
        ("code_scanning_alert", "closed_by_user", 1, "alice"),
        ("code_scanning_alert", "fixed", 2, "github-advanced-security[bot]"),
    ]
    for event, action, number, sender in cases:
        payload = emu.webhook(event, action, alert=number)
        validate_webhook(event, action, payload)
        assert (payload["action"], payload["alert"]["number"]) == (action, number)
        assert payload["sender"]["login"] == sender
    closed = emu.webhook("code_scanning_alert", "closed_by_user", alert=1)
    assert (closed["ref"], closed["commit_oid"]) == ("", "")  # a user acted: no analysis
    fixed = emu.webhook("code_scanning_alert", "fixed", alert_number=2)
    assert fixed["ref"] == "refs/heads/main"
    assert len(fixed["commit_oid"]) == 40
    assert fixed["sender"]["type"] == "Bot"

    repo.update_dependabot_alert(1, "open")
    requests.patch(url, json={"state": "open"}, headers=token, timeout=10)
    emu.fix_alert("dependabot", 2)
    for event, action, number in [
        ("dependabot_alert", "reopened", 1),
        ("dependabot_alert", "fixed", 2),
        ("code_scanning_alert", "reopened_by_user", 1),
        ("code_scanning_alert", "reopened", 1),
        ("code_scanning_alert", "created", 1),
    ]:
        validate_webhook(event, action, emu.webhook(event, action, alert=number))
    assert emu.webhook("dependabot_alert", "reopened", alert=1)["sender"]["login"] == "bob"
    by = emu.webhook("dependabot_alert", "created", alert=1, sender="alice")
    assert by["sender"]["login"] == "alice"


@pytest.mark.parametrize(
    ("event", "action", "ids", "problem"),
    [
        ("dependabot_alert", "dismissed", {"alert": 1}, "alert #1 is open"),
        ("dependabot_alert", "created", {}, "need alert="),
        ("dependabot_alert", "created", {"alert": 9}, "no dependabot alert #9"),
        ("code_scanning_alert", "dismissed", {"alert": 1}, "closed_by_user"),
        ("code_scanning_alert", "fixed", {"alert": 1}, "is fixed"),
    ],
)
def test_alert_webhooks_refuse_what_github_never_sends(
    emu: Emulator, event: str, action: str, ids: dict[str, Any], problem: str
) -> None:
    emu.seed_dependabot_alert("requests")
    emu.seed_code_scanning_alert("py/a", "a.py")
    with pytest.raises(ValueError, match=problem):
        emu.webhook(event, action, **ids)


# -- the control endpoints and the OpenAPI judge -------------------------------------------------


def test_control_endpoints_seed_and_fix_alerts(emu: Emulator) -> None:
    def post(path: str, body: dict[str, Any]) -> requests.Response:
        return requests.post(f"{emu.base_url}/_emulator/{path}", json=body, timeout=10)

    created = post("dependabot-alerts", {"package": "requests", "severity": "critical"})
    assert (created.status_code, created.json()["number"]) == (201, 1)
    scanned = post("code-scanning-alerts", {"rule_id": "py/xss", "path": "a.py"})
    assert (scanned.status_code, scanned.json()["rule"]["id"]) == (201, "py/xss")
    fixed = post("fixed-alerts", {"kind": "dependabot", "number": 1})
    assert (fixed.status_code, fixed.json()["state"]) == (200, "fixed")
    assert post("fixed-alerts", {"kind": "dependabot", "number": 1}).status_code == 422
    assert post("fixed-alerts", {"kind": "dependabot", "number": "1"}).status_code == 422
    assert post("dependabot-alerts", {"packge": "typo"}).status_code == 422
    bad_state = {"rule_id": "r", "path": "p", "state": "x"}
    assert post("code-scanning-alerts", bad_state).status_code == 422
    hook = post("webhooks", {"event": "dependabot_alert", "action": "fixed", "alert": 1})
    validate_webhook("dependabot_alert", "fixed", hook.json())
    state = requests.get(f"{emu.base_url}/_emulator/state", timeout=10).json()
    assert [a["state"] for a in state["dependabot_alerts"]] == ["fixed"]
    assert [a["number"] for a in state["code_scanning_alerts"]] == [1]


def test_every_alert_route_is_a_documented_github_operation(openapi: OpenAPI) -> None:
    for found in alerts.ROUTES:
        path = found.template.format(owner="acme", repo="shop", alert_number=1)
        operation = openapi.operation(found.method, path)
        assert operation is not None, found.template
        assert operation.template == found.template


def test_the_openapi_check_catches_a_broken_alert(
    emu: Emulator, clock: list[datetime], openapi: OpenAPI
) -> None:
    seed_dependabot(emu, clock)
    seed_code_scanning(emu, clock)
    repo = client(emu, "bob").get_repo("acme/shop")
    repo.get_dependabot_alert(1)
    repo.get_codescan_alert(1)
    good_dependabot, good_code_scanning = emu.exchanges[-2:]
    assert check_exchanges(openapi, emu.exchanges) == {}

    def broken(exchange: Exchange, change: Callable[[dict[str, Any]], None]) -> list[str]:
        body = json.loads(json.dumps(exchange.body))
        change(body)
        method, path, query = exchange.method, exchange.path, exchange.query
        return openapi.check(Exchange(method, path, query, None, 200, exchange.headers, body))

    assert broken(good_dependabot, lambda b: b.pop("security_advisory"))
    assert broken(good_dependabot, lambda b: b.update(state="closed"))
    assert broken(good_dependabot, lambda b: b.update(surprise=True))  # no other keys allowed
    assert broken(good_dependabot, lambda b: b.update(dismissed_reason="won't fix"))
    assert broken(good_code_scanning, lambda b: b.update(dismissed_reason="not_used"))
    assert broken(good_code_scanning, lambda b: b["rule"].update(severity="high"))
