"""The status page: escaping, the banner, chart downsampling, status.json, the files, and
the page as Debian's chromium renders it over a loopback server."""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from browser import chromium_path, launch, serve, visit
from maintain_repo.model.monitoring import (
    IncidentLink,
    MaintenanceNotice,
    ProbeStatus,
    Sample,
    ServiceStatus,
    State,
    StatusPage,
    Uptime,
)
from maintain_repo.report import status_page
from maintain_repo.report.status_page import (
    daily,
    downsample,
    format_uptime,
    overall_state,
    render_html,
    render_json,
    service_state,
    write,
)

NOW = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)
HOSTILE_TITLE = '<img src=x onerror="window.__pwned=1">'
HOSTILE_REASON = "<script>alert(1)</script>"
DAY = timedelta(days=1)
UPTIME = {
    "24h": Uptime(100.0, DAY, DAY),
    "7d": Uptime(99.4048, 7 * DAY, 7 * DAY),
    "30d": Uptime(99.95, 30 * DAY, 30 * DAY),
    "90d": Uptime(None, timedelta(0), 90 * DAY),
}


def history(
    count: int,
    *,
    every: timedelta = timedelta(minutes=15),
    end: datetime = NOW,
    down: range = range(0),
    degraded: range = range(0),
    maintenance: range = range(0),
) -> tuple[Sample, ...]:
    """`count` samples ending at `end`, latency a smooth wave around 120 ms; indexes in
    `down` timed out, `degraded` were slow, `maintenance` fell in a window."""
    start = end - every * (count - 1)
    samples = []
    for i in range(count):
        state: State = "up"
        latency: float | None = 120 + 35 * math.sin(i / 9) + 12 * math.sin(i / 2.3)
        code = "200"
        if i in down:
            state, latency, code = "down", None, "timeout"
        elif i in degraded:
            state, latency = "degraded", 900 + 10 * (i % 7)
        samples.append(Sample(start + every * i, state, latency, code, i in maintenance))
    return tuple(samples)


def probe(
    name: str = "health",
    *,
    service: str = "checkout-api",
    state: State = "up",
    samples: tuple[Sample, ...] = (),
    in_maintenance: bool = False,
    kind: str = "http",
    target: str = "https://shop.example.com/healthz",
) -> ProbeStatus:
    return ProbeStatus(
        service=service,
        probe=name,
        type=kind,
        target=target,
        state=state,
        since=NOW - timedelta(days=2, hours=3) if samples else None,
        checked_at=samples[-1].at if samples else None,
        uptime=dict(UPTIME) if samples else {k: Uptime(None, timedelta(0), DAY) for k in UPTIME},
        samples=samples,
        in_maintenance=in_maintenance,
    )


def example() -> StatusPage:
    """A page with a bit of everything: history with an outage and a maintenance window, a
    degraded probe, a probe never run, hostile text in an incident and a notice."""
    week = 7 * 96
    return StatusPage(
        title="Acme Shop status",
        generated_at=NOW,
        services=(
            ServiceStatus(
                "checkout-api",
                "Checkout API",
                1,
                (
                    probe(samples=history(week, down=range(week - 200, week - 193))),
                    probe(
                        "certificate",
                        kind="tls",
                        target="shop.example.com:443",
                        samples=history(30 * 24, every=timedelta(hours=1)),
                    ),
                ),
            ),
            ServiceStatus(
                "search",
                "Search",
                2,
                (
                    probe(
                        "query",
                        service="search",
                        state="degraded",
                        target="https://search.example.com/q?",
                        samples=history(
                            week, degraded=range(week - 6, week), maintenance=range(400, 420)
                        ),
                    ),
                ),
            ),
            ServiceStatus(
                "payments",
                "Payments webhook",
                2,
                (probe("port", service="payments", state="unknown", kind="tcp", target="pay:443"),),
            ),
        ),
        incidents=(
            IncidentLink(
                "INC-0042",
                "Search is slow " + HOSTILE_TITLE,
                "SEV2",
                "investigating",
                NOW - timedelta(minutes=95),
                "https://github.com/acme/ops/issues/42",
                ("search",),
            ),
            IncidentLink("INC-0041", "Odd link", "SEV4", "monitoring", None, "javascript:alert(1)"),
        ),
        maintenance=(
            MaintenanceNotice(
                "checkout-api",
                (),
                NOW + timedelta(days=1),
                NOW + timedelta(days=1, hours=2),
                "Database upgrade " + HOSTILE_REASON,
                ongoing=False,
            ),
        ),
        notes=("history of 1 probe could not be read",),
    )


def service(sid: str, states: Sequence[State], *, tier: int = 2, maint: int = 0) -> ServiceStatus:
    """A service whose probes have `states`; the first `maint` of them in maintenance."""
    return ServiceStatus(
        sid,
        sid.title(),
        tier,
        tuple(
            probe(f"p{i}", service=sid, state=s, in_maintenance=i < maint)
            for i, s in enumerate(states)
        ),
    )


def page_of(*services: ServiceStatus) -> StatusPage:
    return StatusPage("Status", NOW, services)


# -- what the page says ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("services", "expected"),
    [
        ((service("a", ["up", "up"]), service("b", ["up"])), "operational"),
        ((service("a", ["up", "degraded"]), service("b", ["up"])), "degraded"),
        ((service("a", ["up", "down"]), service("b", ["degraded"])), "partial_outage"),
        ((service("a", ["down"]), service("b", ["up"])), "partial_outage"),
        ((service("a", ["down"], tier=1), service("b", ["up"])), "major_outage"),
        ((service("a", ["down", "up"], tier=1), service("b", ["up"])), "partial_outage"),
        ((service("a", ["down", "unknown"]), service("b", ["down"])), "major_outage"),
        # A probe down inside its maintenance window does not count.
        ((service("a", ["down", "up"], tier=1, maint=1),), "operational"),
        ((service("a", ["down"], maint=1),), "maintenance"),
        ((service("a", ["unknown"]),), "unknown"),
        ((), "unknown"),
    ],
)
def test_the_banner_follows_the_probes(services, expected):
    page = page_of(*services)
    assert overall_state(page) == expected
    label = status_page.OVERALL_LABELS[expected]
    assert f'<h2 id="overall">{label}</h2>' in render_html(page)


def test_a_service_shows_its_worst_state_outside_maintenance():
    assert service_state(service("a", ["up", "degraded", "unknown"])) == "degraded"
    assert service_state(service("a", ["down", "up"], maint=1)) == "up"
    assert service_state(service("a", ["down"], maint=1)) == "maintenance"
    assert service_state(service("a", ["unknown"])) == "unknown"
    assert service_state(service("a", [])) == "unknown"


@pytest.mark.parametrize(
    ("value", "shown"),
    [(99.95, "99.95%"), (99.999, "99.99%"), (100.0, "100%"), (0.0, "0.00%"), (None, "—")],
)
def test_uptime_is_never_rounded_up(value, shown):
    assert format_uptime(value) == shown
    assert format_uptime(math.nan) == "—"


# -- escaping ----------------------------------------------------------------------------


def test_text_from_data_is_shown_never_run():
    html = render_html(example())
    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;" in html
    # Only an http(s) URL becomes a link: the javascript: one stays text.
    links = re.findall(r'href="([^"]*)"', html)
    assert "https://github.com/acme/ops/issues/42" in links
    assert not [link for link in links if "javascript" in link.lower()]
    assert set(links) <= {"https://github.com/acme/ops/issues/42", "status.json"} | {
        link for link in links if link.startswith("data:image/svg+xml,")
    }
    assert "Odd link" in html


def test_attributes_cannot_be_broken_out_of():
    hostile = 'x" onmouseover="alert(1)'
    page = page_of(
        ServiceStatus(
            "a", hostile, 1, (probe(hostile, service="a", samples=history(10), target=hostile),)
        )
    )
    html = render_html(page)
    assert 'onmouseover="' not in html
    assert "x&quot; onmouseover=&quot;alert(1)" in html
    for label in re.findall(r'aria-label="([^"]*)"', html):
        assert '"' not in label
        assert "<" not in label


def test_control_and_bidi_characters_are_shown_as_escapes():
    page = StatusPage("Status\u202e lol\x1b[2J", NOW, ())
    html = render_html(page)
    assert "\u202e" not in html
    assert "\x1b" not in html
    assert "Status\\u202e lol\\x1b[2J" in html


def test_the_page_asks_for_nothing_from_anywhere():
    html = render_html(example())
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert csp is not None
    assert csp.group(1).startswith("default-src 'none'; ")
    assert "script" not in csp.group(1)
    assert not re.search(r"<[a-z][^>]*\ssrc=", html, re.IGNORECASE)
    assert "@import" not in html
    assert "url(" not in html


# -- charts ------------------------------------------------------------------------------


def test_many_samples_are_downsampled_keeping_the_worst_state():
    samples = history(8640, down=range(5000, 5001), maintenance=range(7000, 7100))
    points = downsample(samples)
    assert 250 <= len(points) <= status_page.CHART_POINTS
    assert sum(p.count for p in points) == 8640
    assert [p.at for p in points] == sorted(p.at for p in points)
    downs = [p for p in points if p.state == "down"]
    assert len(downs) == 1
    assert downs[0].latency_ms is not None
    assert any(p.maintenance for p in points)
    assert points[0].at - samples[0].at < timedelta(hours=4)


def test_downsampling_averages_a_run():
    at = NOW - timedelta(minutes=3)
    samples = [
        Sample(at, "up", 100.0, "200"),
        Sample(at + timedelta(minutes=1), "degraded", 300.0, "200"),
        Sample(at + timedelta(minutes=2), "down", None, "timeout"),
        Sample(at + timedelta(minutes=3), "down", None, "timeout", maintenance=True),
    ]
    assert downsample(samples, 10) == [
        status_page.Point(
            s.at, s.latency_ms, s.state if not s.maintenance else "unknown", s.maintenance, 1
        )
        for s in samples
    ]
    (point,) = downsample(samples, 1)
    assert point.latency_ms == 200.0
    assert point.state == "down"
    assert point.maintenance
    assert point.at == at + timedelta(minutes=1, seconds=30)
    assert downsample([], 10) == []


def test_a_probe_without_samples_shows_no_data_yet():
    html = render_html(example())
    assert html.count("No data yet") == 1
    assert html.count('<svg class="chart"') == 3  # the other three probes


def chart_paths(html: str) -> list[str]:
    return re.findall(r'<path class="line" d="([^"]+)"', html)


def test_the_chart_breaks_at_outages_and_marks_them():
    html = render_html(example())
    checkout = chart_paths(html)[0]
    assert checkout.count("M") == 2  # the outage splits the line in two
    assert len(re.findall(r"[ML]", checkout)) > 100
    assert html.count('<path class="tick-down"') == 1
    assert html.count('<path class="tick-maintenance"') == 1
    assert 'aria-label="Response time of Checkout API/health, last 672 samples"' in html


def test_the_chart_breaks_where_the_probe_did_not_run():
    samples = history(50, end=NOW - timedelta(days=3)) + history(50)
    (line,) = chart_paths(
        render_html(page_of(ServiceStatus("a", "A", 1, (probe(samples=samples),))))
    )
    assert line.count("M") == 2


def test_the_daily_strip_covers_90_days():
    samples = history(3 * 96, down=range(100, 101), maintenance=range(200, 288))
    days = daily(samples, NOW.date())
    assert len(days) == 90
    assert days[-1].date == NOW.date()
    assert days[0].date == NOW.date() - timedelta(days=89)
    assert [d.state for d in days[:-4]] == ["unknown"] * 86
    by_date = {d.date: d for d in days}
    outage = by_date[samples[100].at.date()]
    assert outage.state == "down"
    assert outage.uptime is not None
    assert 98 < outage.uptime < 100
    assert by_date[date(2026, 11, 26)].state in ("up", "maintenance")
    html = render_html(example())
    strips = re.findall(r'<svg class="days".*?</svg>', html)
    assert len(strips) == 3
    assert [len(re.findall(r"M\d+ 0v1", strip)) for strip in strips] == [90, 90, 90]
    assert "<title>2026-08-30 to 2026-10-27: No data</title>" in strips[1]  # 30 days of history
    assert "<title>2026-10-28 to 2026-11-27: Operational, 100% up</title>" in strips[1]
    assert "<title>2026-11-27: Degraded, " in strips[2]


def test_twenty_long_histories_stay_small():
    samples = history(
        8640, down=range(0, 8640, 37), degraded=range(5, 8640, 41), maintenance=range(100, 300)
    )
    services = tuple(
        ServiceStatus(
            f"svc-{s}",
            f"Service {s}",
            1 + s % 4,
            tuple(probe(f"probe-{p}", service=f"svc-{s}", samples=samples) for p in range(4)),
        )
        for s in range(5)
    )
    html = render_html(page_of(*services))
    assert html.count('<svg class="chart"') == 20
    assert len(html.encode()) < 300_000
    document = render_json(page_of(*services))
    assert len(document.encode()) < 600_000


# -- status.json -------------------------------------------------------------------------


def test_status_json_is_stable_and_complete():
    text = render_json(example())
    document = json.loads(text)
    assert text == render_json(example())
    assert list(document) == [
        "schema",
        "title",
        "generated_at",
        "state",
        "summary",
        "notes",
        "incidents",
        "maintenance",
        "sample_fields",
        "day_fields",
        "services",
    ]
    assert document["schema"] == "maintain-status/1"
    assert document["generated_at"] == "2026-11-27T10:00:00Z"
    # The probes say degraded; the open SEV2 incident says more.
    assert (document["state"], document["summary"]) == ("partial_outage", "Partial outage")
    assert document["incidents"][0] == {
        "id": "INC-0042",
        "title": "Search is slow " + HOSTILE_TITLE,
        "severity": "SEV2",
        "status": "investigating",
        "started_at": "2026-11-27T08:25:00Z",
        "url": "https://github.com/acme/ops/issues/42",
        "services": ["search"],
        "proposed": False,
    }
    assert document["incidents"][1]["url"] is None  # javascript: is no link
    assert document["maintenance"][0]["start"] == "2026-11-28T10:00:00Z"
    assert document["sample_fields"] == ["at", "state", "latency_ms", "code", "maintenance"]
    assert [s["state"] for s in document["services"]] == ["up", "degraded", "unknown"]
    assert [s["incidents"] for s in document["services"]] == [[], ["INC-0042"], []]

    health = document["services"][0]["probes"][0]
    assert set(health) == {
        "name", "type", "target", "state", "in_maintenance", "since", "checked_at", "uptime",
        "uptime_coverage", "latency_ms", "code", "samples", "days",
    }  # fmt: skip
    assert health["uptime"] == {"24h": 100.0, "7d": 99.405, "30d": 99.95, "90d": None}
    assert health["uptime_coverage"] == {"24h": 1.0, "7d": 1.0, "30d": 1.0, "90d": 0.0}
    assert health["checked_at"] == "2026-11-27T10:00:00Z"
    assert health["since"] == "2026-11-25T07:00:00Z"
    assert len(health["samples"]) == 96  # the last 24 hours
    first_at, state, latency, code, maintenance = health["samples"][0]
    assert first_at == "2026-11-26T10:15:00Z"
    assert (state, code, maintenance) == ("up", "200", False)
    assert isinstance(latency, float)
    assert len(health["days"]) == 90
    assert health["days"][-1][0] == "2026-11-27"
    assert health["latency_ms"] == health["samples"][-1][2]

    never = document["services"][2]["probes"][0]
    assert never["samples"] == []
    assert never["days"] == []
    assert never["latency_ms"] is None
    assert never["since"] is None
    assert never["code"] is None
    # Sample rows stay on one line each: the file is readable and small.
    assert re.search(r'\n +\["2026-11-26T10:15:00Z", "up", [0-9.]+, "200", false\],\n', text)


# -- files -------------------------------------------------------------------------------


def test_write_puts_the_site_in_place(tmp_path):
    out = tmp_path / "site" / "status"
    paths = write(example(), out)
    assert paths == [out / "index.html", out / "status.json", out / ".nojekyll"]
    assert sorted(p.name for p in out.iterdir()) == [".nojekyll", "index.html", "status.json"]
    assert (out / ".nojekyll").read_bytes() == b""
    assert (out / "index.html").read_text(encoding="utf-8") == render_html(example())
    assert json.loads((out / "status.json").read_text(encoding="utf-8"))["schema"]

    later = StatusPage("Later", NOW + timedelta(minutes=5), ())
    write(later, out)  # replaces, leaves no temporary files behind
    assert sorted(p.name for p in out.iterdir()) == [".nojekyll", "index.html", "status.json"]
    assert "<h1>Later</h1>" in (out / "index.html").read_text(encoding="utf-8")


# -- in a real browser -------------------------------------------------------------------


def test_without_chromium_the_html_tests_fail_saying_what_to_do(monkeypatch, tmp_path):
    monkeypatch.delenv("MAINTAIN_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match="run scripts/bootstrap test"):
        chromium_path()


def test_chromium_renders_the_page(tmp_path):
    site = tmp_path / "site"
    write(example(), site)
    with launch() as browser, serve(site) as base:
        with visit(browser, base, viewport={"width": 1280, "height": 900}) as seen:
            page = seen.page
            shot = tmp_path / "status.png"
            page.screenshot(path=shot, full_page=True)
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
            assert shot.stat().st_size > 20_000

            text = page.inner_text("body")
            for expected in (
                "Acme Shop status",
                "Partial outage",
                "2 open incidents (worst: SEV2)",
                "SEV2 incident",
                "Checkout API",
                "health",
                "Operational",
                "Degraded",
                "99.95%",
                "No data yet",
                "Search is slow " + HOSTILE_TITLE,
                "Database upgrade " + HOSTILE_REASON,
                "2026-11-27T10:00:00Z",
            ):
                assert expected in text, expected
            # The CSP would stop an injected handler anyway: no element is the real proof.
            assert page.evaluate("window.__pwned") is None
            assert page.locator("img, script, [onerror]").count() == 0
            assert page.get_by_role("link", name=re.compile("Search is slow")).get_attribute(
                "href"
            ) == ("https://github.com/acme/ops/issues/42")

            chart = page.locator("svg.chart").first
            assert chart.is_visible()
            box = chart.bounding_box()
            assert box is not None
            assert box["width"] > 300
            assert box["height"] > 40
            assert chart.get_attribute("aria-label") == (
                "Response time of Checkout API/health, last 672 samples"
            )
            line = chart.locator("path.line")
            assert len(re.findall(r"[ML]", line.get_attribute("d") or "")) > 1
            line_box = line.bounding_box()
            assert line_box is not None
            assert line_box["width"] > 200
            assert page.locator("svg.days").first.is_visible()

            light = page.evaluate("getComputedStyle(document.body).backgroundColor")
            page.emulate_media(color_scheme="dark")
            assert page.evaluate("getComputedStyle(document.body).backgroundColor") != light
            page.screenshot(path=tmp_path / "status-dark.png", full_page=True)

        with visit(browser, base, viewport={"width": 390, "height": 844}) as phone:
            assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
            small = phone.page.locator("svg.chart").first.bounding_box()
            assert small is not None
            assert small["width"] > 150
            phone.page.screenshot(path=tmp_path / "status-390.png", full_page=True)

    for seen_visit in (seen, phone):
        assert seen_visit.requests, "the page was not loaded"
        assert all(url.startswith(base) for url in seen_visit.requests), seen_visit.requests
        assert seen_visit.console_errors == []
        assert seen_visit.page_errors == []
        assert seen_visit.dialogs == []


# -- open incidents, uptime coverage and the response-time axis ----------------------------


def incident(severity: str, status: str = "active", *services: str) -> IncidentLink:
    return IncidentLink(
        f"INC-20261127-{severity[-1]}AAA",
        f"{severity} trouble",
        severity,
        status,
        NOW - timedelta(hours=1),
        None,
        services,
    )


@pytest.mark.parametrize(
    ("services", "incidents", "expected"),
    [
        ((service("a", ["up"]),), [incident("SEV1")], "major_outage"),
        ((service("a", ["up"]),), [incident("SEV2")], "partial_outage"),
        ((service("a", ["up"]),), [incident("SEV3")], "degraded"),
        ((service("a", ["up"]),), [incident("SEV4")], "degraded"),
        ((service("a", ["up"]),), [incident("unknown", "triage")], "partial_outage"),
        ((service("a", ["up"]),), [incident("SEV1", "mitigated")], "degraded"),
        ((service("a", ["up"]),), [incident("SEV4"), incident("SEV1")], "major_outage"),
        # The probes say worse than the incident: they win.
        ((service("a", ["down"], tier=1),), [incident("SEV3")], "major_outage"),
        ((service("a", ["unknown"]),), [incident("SEV2")], "partial_outage"),
        ((service("a", ["down"], maint=1),), [incident("SEV4")], "degraded"),
        ((service("a", ["down"], maint=1),), [], "maintenance"),
        ((), [incident("SEV1")], "major_outage"),
        ((service("a", ["up"]),), [], "operational"),
    ],
)
def test_the_banner_reflects_the_worst_open_incident(services, incidents, expected):
    page = StatusPage("Status", NOW, services, tuple(incidents))
    assert overall_state(page) == expected
    html = render_html(page)
    assert f'<h2 id="overall">{status_page.OVERALL_LABELS[expected]}</h2>' in html
    assert json.loads(render_json(page))["state"] == expected
    if incidents:
        worst = max(
            incidents,
            key=lambda i: (
                ("SEV4", "SEV3", "SEV2", "SEV1").index(i.severity)
                if i.severity.startswith("SEV") and i.status != "mitigated"
                else -1
            ),
        )
        assert f"open incident{'s' if len(incidents) > 1 else ''} (worst: " in html
        assert worst.severity in html


def test_a_service_named_by_an_open_incident_is_not_counted_operational():
    page = StatusPage(
        "Status",
        NOW,
        (service("checkout", ["up"], tier=1), service("search", ["up"])),
        (incident("SEV1", "active", "checkout"),),
    )
    html = render_html(page)
    assert "1 of 2 services operational · 1 open incident (worst: SEV1)" in html
    checkout = html[html.index('aria-label="Checkout"') : html.index('aria-label="Search"')]
    assert (
        '<span class="badge s-down"><span class="dot" aria-hidden="true"></span>SEV1 incident'
        in (checkout)
    )
    assert "incident</span>" not in html[html.index('aria-label="Search"') :]


def test_a_proposed_incident_is_marked():
    proposed = IncidentLink("INC-20261127-PPPP", "Down", "SEV2", "triage", NOW, None, (), True)
    page = StatusPage("Status", NOW, (), (proposed,))
    assert f'<span class="pill proposed">{status_page.PROPOSED}</span>' in render_html(page)
    assert json.loads(render_json(page))["incidents"][0]["proposed"] is True


@pytest.mark.parametrize(
    ("uptime", "shown"),
    [
        (Uptime(99.25, DAY, DAY), ("99.25%", None)),
        (Uptime(99.25, DAY * 0.995, DAY), ("99.25%", None)),  # a missed run is not news
        (Uptime(99.25, 3 * DAY, 90 * DAY), ("99.25%", "over 3 d of data")),
        (
            Uptime(100.0, timedelta(hours=5, minutes=20), 7 * DAY),
            ("100%", "over 5 h 20 min of data"),
        ),
        (Uptime(None, timedelta(0), 7 * DAY), ("—", "no data")),
        (None, ("—", "no data")),
    ],
)
def test_uptime_says_how_much_of_its_window_has_data(uptime, shown):
    assert status_page.describe_uptime(uptime) == shown


def test_each_window_is_computed_over_its_own_span():
    from maintain_repo.engine.status import uptime_over

    # Three days of history: down for the last hour of the first day, up since.
    samples = history(3 * 96, down=range(92, 96))
    hold = timedelta(hours=1)
    windows = {days: uptime_over(list(samples), NOW, days * DAY, hold) for days in (1, 7, 30, 90)}
    assert windows[1].percent == 100.0
    assert windows[7].percent == windows[90].percent
    assert windows[7].percent is not None
    assert 98 < windows[7].percent < 99
    assert windows[1].coverage == 1.0
    assert windows[7].measured == windows[90].measured
    assert windows[90].coverage == pytest.approx(windows[7].measured / (90 * DAY))
    assert status_page.describe_uptime(windows[90])[1] == "over 2 d 23 h of data"


@pytest.mark.parametrize(
    ("highest", "labels"),
    [
        (3.0, ("0 ms", "1 ms", "2 ms", "3 ms", "4 ms")),  # a flat 3 ms series
        (3.2, ("0 ms", "1 ms", "2 ms", "3 ms", "4 ms")),
        (0.4, ("0.0 ms", "0.1 ms", "0.2 ms", "0.3 ms", "0.4 ms", "0.5 ms")),  # sub-ms
        (0.0, ("0.0 ms", "0.5 ms", "1.0 ms")),  # nothing measured
        (155.0, ("0 ms", "50 ms", "100 ms", "150 ms", "200 ms")),
        (418.0, ("0 ms", "200 ms", "400 ms", "600 ms")),
        (1900.0, ("0.0 s", "0.5 s", "1.0 s", "1.5 s", "2.0 s")),
        (12_000.0, ("0 s", "5 s", "10 s", "15 s")),
        (math.nan, ("0.0 ms", "0.5 ms", "1.0 ms")),
    ],
)
def test_the_latency_axis_has_distinct_round_labels(highest, labels):
    axis = status_page.latency_axis(highest)
    assert axis.labels == labels
    assert len(set(axis.labels)) == len(axis.labels)
    assert axis.ticks[0] == 0
    assert axis.top == axis.ticks[-1]
    assert not math.isfinite(highest) or axis.top > highest


def flat(count: int, latency: float, every: timedelta = timedelta(minutes=15)) -> tuple:
    return tuple(Sample(NOW - every * (count - 1 - i), "up", latency, "200") for i in range(count))


def test_a_flat_series_is_a_level_line_at_its_height():
    page = page_of(ServiceStatus("a", "A", 1, (probe(samples=flat(50, 3.0)),)))
    html = render_html(page)
    (line,) = chart_paths(html)
    heights = set(re.findall(r"[ML]\d+ (\d+)", line))
    assert heights == {"29"}  # 3 of 4 ms: a quarter of the plot (84 units) below the top (8)
    assert re.findall(r'<div class="yaxis"[^>]*>(.*?)</div>', html) == [
        '<span style="top:92.00%">0 ms</span><span style="top:71.00%">1 ms</span>'
        '<span style="top:50.00%">2 ms</span><span style="top:29.00%">3 ms</span>'
        '<span style="top:8.00%">4 ms</span>'
    ]
    assert "last 3.0 ms · avg 3.0 ms" in html


def test_chromium_shows_the_worst_incident_and_a_readable_axis(tmp_path):
    from maintain_repo.engine.status import uptime_over

    samples = flat(3 * 96 + 1, 3.0)  # three days of a steady 3 ms
    uptime = {
        key: uptime_over(list(samples), NOW, timedelta(hours=hours), timedelta(hours=1))
        for key, hours in status_page.UPTIME_WINDOWS.items()
    }
    steady = dataclasses.replace(probe(samples=samples), uptime=uptime)
    page = StatusPage(
        "Acme Shop status",
        NOW,
        (ServiceStatus("checkout-api", "Checkout API", 1, (steady,)),),
        (incident("SEV1", "active", "checkout-api"),),
    )
    site = tmp_path / "site"
    write(page, site)
    with (
        launch() as browser,
        serve(site) as base,
        visit(browser, base, viewport={"width": 1280, "height": 900}) as seen,
    ):
        view = seen.page
        view.screenshot(path=tmp_path / "incident.png", full_page=True)
        # Every probe is up, yet the banner says what the open SEV1 says, in red.
        assert view.inner_text("#overall") == "Major outage"
        assert view.title() == "Acme Shop status — Major outage"
        banner = view.locator("section.banner")
        assert "1 open incident (worst: SEV1)" in banner.inner_text()
        red = view.evaluate(
            "getComputedStyle(document.documentElement).getPropertyValue('--down').trim()"
        )
        assert banner.evaluate("e => getComputedStyle(e).backgroundColor") == _rgb(red)
        assert "SEV1 incident" in view.locator("section.service").inner_text()

        # Uptime: the full day plainly, the longer windows over the data they have.
        cells = view.locator("table.uptime td").all_inner_texts()
        assert cells[0] == "100%"
        assert cells[1:] == ["100%\nover 3 d of data"] * 3

        # The axis: five distinct labels, each at its grid line, the flat line at 3 ms.
        labels = view.locator(".yaxis span")
        assert labels.all_inner_texts() == ["0 ms", "1 ms", "2 ms", "3 ms", "4 ms"]
        centers = [_center(labels.nth(i)) for i in range(5)]
        assert centers == sorted(centers, reverse=True)  # 0 ms at the bottom
        chart = view.locator("svg.chart")
        box = chart.bounding_box()
        assert box is not None
        for value, center in enumerate(centers):
            grid_y = box["y"] + (8 + (4 - value) / 4 * 84) / 100 * box["height"]
            assert abs(center - grid_y) < 2.5, (value, center, grid_y)
        line = chart.locator("path.line").bounding_box()
        assert line is not None
        assert abs(line["y"] + line["height"] / 2 - centers[3]) < 2.5
    assert seen.console_errors == []
    assert all(url.startswith(base) for url in seen.requests)


def _rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def _center(locator) -> float:
    box = locator.bounding_box()
    assert box is not None
    return box["y"] + box["height"] / 2


@pytest.mark.parametrize(
    "now",
    [datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), datetime(1, 1, 1, 1, tzinfo=UTC)],
    ids=["end-of-time", "year-one"],
)
def test_a_page_at_the_ends_of_the_calendar_renders(now):
    from maintain_repo.engine.status import uptime_over

    samples = tuple(Sample(now - timedelta(minutes=10 * i), "up", 3.0, "200") for i in (5, 3, 1, 0))
    uptime = {
        key: uptime_over(list(samples), now, timedelta(hours=hours), timedelta(hours=1))
        for key, hours in status_page.UPTIME_WINDOWS.items()
    }
    ran = dataclasses.replace(probe(samples=samples), uptime=uptime, since=now)
    page = StatusPage("Status", now, (ServiceStatus("a", "A", 1, (ran,)),), (incident("SEV3"),))
    assert "Degraded performance" in render_html(page)
    document = json.loads(render_json(page))
    assert document["services"][0]["probes"][0]["uptime"]["24h"] == 100.0
    assert document["services"][0]["probes"][0]["days"][-1][0] == now.date().isoformat()
