"""`maintain report` end to end: this repository's own records, as JSON with the paths the
README promises, and as the HTML dashboard rendered in headless Chromium (a 1280 px and a
390 px viewport, screenshots kept in the test's directory)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from browser import launch, serve, visit
from maintain_repo.cli import main
from maintain_repo.report.dashboard import render_html
from maintain_repo.report.measures import Item, Window, measure

REPOSITORY = Path(__file__).resolve().parents[2]
NOW = "2026-12-01T00:00:00Z"

PATHS = (
    "incidents.count",
    "incidents.by_severity.SEV1",
    "incidents.time_to_acknowledge.n",
    "incidents.time_to_acknowledge.p50_minutes",
    "incidents.time_to_mitigate.p90_minutes",
    "incidents.time_to_resolve.p50_minutes",
    "dora.deployments",
    "dora.deployment_frequency_per_week",
    "dora.change_lead_time.n",
    "dora.change_lead_time.p50_hours",
    "dora.change_lead_time.p90_hours",
    "dora.change_failure_rate",
    "dora.failed_deployment_recovery_time.n",
    "dora.failed_deployment_recovery_time.p50_hours",
    "dora.failed_deployment_recovery_time.p90_hours",
    "security.open_by_severity.high",
    "security.sla_compliance",
    "slos",
    "unknown",
)


def lookup(doc: dict, dotted: str) -> object:
    value: object = doc
    for part in dotted.split("."):
        assert isinstance(value, dict), dotted
        assert part in value, dotted
        value = value[part]
    return value


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("state")  # no probe has run: SLOs without data


def report(capsys, *args: str) -> str:
    code = main(["--root", str(REPOSITORY), "report", "--now", NOW, *args])
    out = capsys.readouterr().out
    assert code == 0
    return out


def test_the_json_has_the_documented_paths(capsys, state_dir):
    doc = json.loads(report(capsys, "--format", "json", "--state-dir", str(state_dir)))
    assert doc["schema_version"] == 1
    for dotted in PATHS:
        lookup(doc, dotted)
    assert doc["window"] == {
        "since": "2026-09-02T00:00:00Z",  # 90 days before --until (default: --now)
        "until": "2026-12-01T00:00:00Z",
        "days": 90,
    }
    (slo,) = doc["slos"]
    assert (slo["service"], slo["name"], slo["objective"]) == ("tracking-api", "availability", 99.9)
    assert slo["availability"] is None


def test_since_until_and_service(capsys, state_dir):
    doc = json.loads(
        report(
            capsys,
            "--format",
            "json",
            "--since",
            "2026-11-01",
            "--until",
            "2026-11-15T00:00:00Z",
            "--service",
            "tracking-api",
            "--state-dir",
            str(state_dir),
        )
    )
    assert doc["window"]["since"] == "2026-11-01T00:00:00Z"
    assert doc["window"]["days"] == 14
    assert doc["service"] == "tracking-api"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "2026-11-02", "--until", "2026-11-01"], "--since must be before --until"),
        (["--since", "last week"], "--since: "),
        (["--service", "nope"], "--service nope: no such service record"),
    ],
)
def test_bad_options_are_usage_errors(capsys, args, message):
    code = main(["--root", str(REPOSITORY), "report", "--now", NOW, *args])
    assert code == 2
    assert message in capsys.readouterr().err


def test_markdown_for_the_job_summary(capsys, state_dir):
    markdown = report(capsys, "--format", "markdown", "--state-dir", str(state_dir))
    assert markdown.startswith("## Ops report: 2026-09-02T00:00:00Z to 2026-12-01T00:00:00Z")
    assert "### Delivery (DORA)" in markdown
    assert "| tracking-api/availability |" in markdown


def test_the_public_form_leaves_out_security_and_the_records_not_counted(capsys, state_dir):
    full = json.loads(report(capsys, "--format", "json", "--state-dir", str(state_dir)))
    assert full["security"] is not None
    assert full["unknown"]
    public = json.loads(
        report(capsys, "--format", "json", "--public", "--state-dir", str(state_dir))
    )
    assert (public["security"], public["unknown"], public["public"]) == (None, [], True)
    assert public["dora"] == full["dora"]


def test_the_dashboard_in_chromium(tmp_path, capsys, state_dir):
    site = tmp_path / "site"
    out = site / "report"
    code = main(
        [
            "--root",
            str(REPOSITORY),
            "report",
            "--now",
            NOW,
            "--format",
            "html",
            "--out",
            str(out),
            "--state-dir",
            str(state_dir),
        ]
    )
    assert code == 0
    capsys.readouterr()
    doc = json.loads((out / "report.json").read_text())
    with launch() as browser, serve(site) as base:
        with visit(browser, base + "report/", viewport={"width": 1280, "height": 900}) as seen:
            page = seen.page
            shot = tmp_path / "report.png"
            page.screenshot(path=shot, full_page=True)
            print(f"dashboard screenshot: {shot}")
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert shot.stat().st_size > 20_000
            text = page.inner_text("body")
            incidents = doc["incidents"]
            dora = doc["dora"]
            for expected in (
                "Ops report",
                "Delivery (DORA)",
                "Incident response",
                "Service level objectives",
                "tracking-api / availability",
                f"{dora['deployments']} deployments",
                "objective 99.9 % over 28d",
            ):
                assert expected in text, expected
            # The numbers on the cards are the JSON's.
            card = page.locator(".card", has_text="Incidents").first
            assert card.locator(".big").inner_text() == str(incidents["count"])
            for key, reached in dora["tiers"].items():
                if reached is not None:
                    assert page.locator(f".tier.t-{reached}").count() >= 1, key
            charts = page.locator("svg")
            assert charts.count() >= 4
            for index in range(charts.count()):
                box = charts.nth(index).bounding_box()
                assert box is not None
                assert box["width"] > 100
            assert page.locator("script, img, [onerror]").count() == 0

        with visit(browser, base + "report/", viewport={"width": 390, "height": 844}) as phone:
            assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
            phone.page.screenshot(path=tmp_path / "report-390.png", full_page=True)

    for seen_visit in (seen, phone):
        assert seen_visit.requests
        assert all(url.startswith(base) for url in seen_visit.requests), seen_visit.requests
        assert seen_visit.console_errors == []
        assert seen_visit.page_errors == []


def test_record_text_is_escaped_in_the_dashboard():
    hostile = Item(
        "records/incidents/x.yaml",
        {
            "id": '<script>alert(1)</script>"',
            "kind": "incident",
            "status": "active",
            "severity": "SEV3",
            "reported_at": "2026-10-02T00:00:00Z",
            "services": ["<img src=x onerror=alert(1)>"],
        },
    )
    since, until = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    html = render_html(measure([hostile], Window(since, until), now=until))
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;" in html
    assert re.search(r"Content-Security-Policy\" content=\"default-src 'none'", html)
