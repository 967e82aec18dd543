"""`maintain status build` from a real state branch, rendered in Chromium.

Probes run against loopback servers (one fails for a while), their state goes
to the state branch on a real origin, and the page built from that branch is
opened in headless Chromium: the text a visitor reads, the chart, no request
to any other origin.
"""

from __future__ import annotations

import json
import re

import pytest

from browser import launch, serve, visit
from githubops import make_ops_repo
from maintain_repo.cli import main
from maintain_repo.testing.servers import HttpServer, TcpServer

OPEN_INCIDENT = """\
id: INC-20261127-7K2M
kind: incident
schema_version: 1
title: Search results are stale
status: active
owner: acme/sre
created_at: 2026-11-27T10:05:00Z
type: performance
severity: SEV3
services:
  - checkout-api
detected_at: 2026-11-27T10:00:00Z
reported_at: 2026-11-27T10:02:00Z
acknowledged_at: 2026-11-27T10:06:00Z
links:
  github_issue: 7
"""


def services(http_url: str, tcp_port: int) -> dict[str, str]:
    head = "kind: service\nschema_version: 1\nstatus: active\nowner: acme/sre\n"
    head += "created_at: 2025-06-01T09:00:00Z\n"
    return {
        "records/services/checkout-api.yaml": f"""\
id: checkout-api
{head}title: Checkout API
tier: 1
probes:
  - name: health
    type: http
    url: {http_url}/health?token=not-for-the-page
    condition: response.status == 200
    degraded: response.latency_ms > 2000
    retries: 0
""",
        "records/services/payments.yaml": f"""\
id: payments
{head}title: Payments
tier: 1
probes:
  - name: port
    type: tcp
    host: 127.0.0.1
    port: {tcp_port}
    retries: 0
maintenance:
  - start: 2026-11-28T22:00:00Z
    end: 2026-11-29T01:00:00Z
    reason: Card vault failover test
""",
    }


@pytest.fixture
def probed(tmp_path, monkeypatch):
    """An ops repository whose probes ran every 5 minutes for an hour (10:20-10:35 down)."""
    for name in ("GITHUB_TOKEN", "GITHUB_REPOSITORY", "GITHUB_API_URL"):
        monkeypatch.delenv(name, raising=False)
    with HttpServer() as web, TcpServer() as tcp:
        files = services(web.url, tcp.port)
        files["records/incidents/INC-20261127-7K2M.yaml"] = OPEN_INCIDENT
        repo = make_ops_repo(tmp_path, files)
        for minute in range(0, 65, 5):
            if minute == 20:
                web.fail("status")
            if minute == 35:
                web.recover()
            now = f"2026-11-27T{10 + minute // 60}:{minute % 60:02d}:00Z"
            assert main(["--root", str(repo.root), "probe", "run", "--now", now]) == 0
    return repo


def test_the_page_built_from_the_state_branch_shows_what_the_probes_saw(probed, tmp_path, capsys):
    site = tmp_path / "site"
    code = main(
        ["--root", str(probed.root), "status", "build", "--out", str(site),
         "--now", "2026-11-27T11:00:00Z"]
    )  # fmt: skip
    assert code == 0
    assert "2 probe(s)" in capsys.readouterr().out
    data = json.loads((site / "status.json").read_text())
    probes = {
        f"{service['id']}/{probe['name']}": probe
        for service in data["services"]
        for probe in service["probes"]
    }
    health = probes["checkout-api/health"]
    assert health["state"] == "up"
    assert health["target"].endswith("/health")  # no query string on the page
    # Down from 10:20 to 10:35 of the hour measured: 75% of the last 24 hours that were measured.
    assert health["uptime"]["24h"] == pytest.approx(75.0)
    # An hour of history: every window says so, none passes it off as 90 days of uptime.
    assert health["uptime_coverage"] == pytest.approx(
        {"24h": 1 / 24, "7d": 1 / 168, "30d": 1 / 720, "90d": 1 / 2160}, abs=1e-4
    )
    # Every probe is up again, but the SEV3 incident is open: the banner says so.
    assert (data["state"], data["summary"]) == ("degraded", "Degraded performance")
    assert probes["payments/port"]["uptime"]["24h"] == 100.0
    assert [m["reason"] for m in data["maintenance"]] == ["Card vault failover test"]
    (incident,) = data["incidents"]  # the closed incident of the corpus is not shown
    assert incident["id"] == "INC-20261127-7K2M"
    assert incident["url"] == "https://github.com/acme/shop/issues/7"
    assert "not-for-the-page" not in (site / "index.html").read_text()

    with (
        launch() as browser,
        serve(site) as base,
        visit(browser, base, viewport={"width": 1280, "height": 900}) as seen,
    ):
        page = seen.page
        shot = tmp_path / "status.png"
        page.screenshot(path=shot, full_page=True)
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        text = page.inner_text("body")
        for expected in (
            "Degraded performance",
            "1 open incident (worst: SEV3)",
            "Checkout API",
            "health",
            "Payments",
            "75.00%\nover 1 h of data",
            "Card vault failover test",
        ):
            assert expected in text, expected
        chart = page.locator("svg.chart").first
        assert chart.is_visible()
        box = chart.bounding_box()
        assert box is not None
        assert box["width"] > 200
        path = chart.locator("path.line").get_attribute("d") or ""
        assert len(re.findall(r"[ML]", path)) > 2
        assert all(url.startswith(base) for url in seen.requests), seen.requests
        assert seen.console_errors == []


def test_before_any_probe_ran_the_page_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    repo = make_ops_repo(tmp_path, services("http://127.0.0.1:9", 9))
    site = tmp_path / "site"
    assert main(["--root", str(repo.root), "status", "build", "--out", str(site)]) == 0
    data = json.loads((site / "status.json").read_text())
    assert data["notes"] == ["No probe has run yet: the state branch is empty."]
    assert {p["state"] for s in data["services"] for p in s["probes"]} == {"unknown"}
