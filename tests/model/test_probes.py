"""Probe definitions in service records: durations, limits, addresses, windows, refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from maintain_repo.model.probes import (
    DEFAULT_CONDITIONS,
    DnsProbe,
    HttpProbe,
    MaintenanceWindow,
    TcpProbe,
    TlsProbe,
    resolver_address,
    seconds,
)
from maintain_repo.model.secrets import runner_variable, secret_refusal
from maintain_repo.model.service import Service
from maintain_repo.model.settings import MonitoringSettings

T0 = datetime(2026, 3, 1, 10, 0, tzinfo=UTC)

HTTP = {"type": "http", "name": "health", "url": "https://api.example.test/health"}
TCP = {"type": "tcp", "name": "database", "host": "db.example.test", "port": 5432}
TLS = {"type": "tls", "name": "certificate", "host": "api.example.test"}
DNS = {"type": "dns", "name": "lookup", "query": "api.example.test", "resolver": "192.0.2.53"}


def service(probes: list[dict], maintenance: list[dict] | None = None) -> Service:
    data = {
        "id": "checkout-api",
        "kind": "service",
        "schema_version": 1,
        "title": "Checkout API",
        "status": "active",
        "owner": "acme/payments",
        "created_at": "2025-06-01T09:00:00Z",
        "tier": 1,
        "probes": probes,
    }
    if maintenance is not None:
        data["maintenance"] = maintenance
    return Service.model_validate(data)


def window(**fields) -> dict:
    return {
        "start": "2026-03-01T10:00:00Z",
        "end": "2026-03-01T12:00:00Z",
        "reason": "database upgrade",
        **fields,
    }


# -- durations -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("500ms", 0.5),
        ("1ms", 0.001),
        ("10s", 10.0),
        ("1.5s", 1.5),
        ("1.125s", 1.125),
        ("2m", 120.0),
        ("0.25m", 15.0),
        ("999999ms", 999.999),
    ],
)
def test_seconds(text, value):
    assert seconds(text) == pytest.approx(value)


@pytest.mark.parametrize(
    "text", ["10", "1h", "s", ".5s", "1.5555s", "-1s", "1 s", "10S", "", "1e3ms", "1234567s"]
)
def test_seconds_refuses_what_is_not_a_duration(text):
    with pytest.raises(ValueError, match="is not a duration"):
        seconds(text)


@pytest.mark.parametrize(
    ("field", "text", "ok"),
    [
        ("timeout", "1ms", True),
        ("timeout", "120s", True),
        ("timeout", "2m", True),
        ("timeout", "120001ms", False),
        ("timeout", "2.001m", False),
        ("timeout", "0s", False),
        ("timeout", "0ms", False),
        ("timeout", "10", False),
        ("retry_delay", "10ms", True),
        ("retry_delay", "60s", True),
        ("retry_delay", "1m", True),
        ("retry_delay", "61s", False),
        ("retry_delay", "1.001m", False),
        ("retry_delay", "0s", False),
    ],
)
def test_timeout_and_delay_limits(field, text, ok):
    data = {**TCP, field: text}
    if ok:
        assert getattr(TcpProbe.model_validate(data), field) == text
    else:
        with pytest.raises(ValidationError):
            TcpProbe.model_validate(data)


def test_defaults():
    probe = TcpProbe.model_validate(TCP)
    assert (probe.timeout, probe.retry_delay, probe.retries) == ("10s", "2s", 2)
    assert (probe.failure_threshold, probe.success_threshold) == (3, 2)
    assert (probe.enabled, probe.severity, probe.condition, probe.degraded) == (
        True,
        "SEV2",
        None,
        None,
    )
    assert TlsProbe.model_validate(TLS).port == 443
    assert DnsProbe.model_validate(DNS).record_type == "A"
    http = HttpProbe.model_validate(HTTP)
    assert (http.method, http.follow_redirects, http.verify_tls) == ("GET", True, True)


# -- strict types and ranges ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "changes"),
    [
        (TCP, {"timeout": 10}),
        (TCP, {"failure_threshold": "3"}),
        (TCP, {"failure_threshold": True}),
        (TCP, {"failure_threshold": 3.0}),
        (TCP, {"failure_threshold": 0}),
        (TCP, {"failure_threshold": 101}),
        (TCP, {"success_threshold": 0}),
        (TCP, {"retries": 6}),
        (TCP, {"retries": -1}),
        (TCP, {"enabled": "yes"}),
        (TCP, {"severity": "SEV5"}),
        (TCP, {"port": "5432"}),
        (TCP, {"port": 0}),
        (TCP, {"port": 65536}),
        (TCP, {"host": "-db.example.test"}),
        (TCP, {"host": "db example"}),
        (TCP, {"name": "a"}),
        (TCP, {"name": "Database"}),
        (TCP, {"name": "data_base"}),
        (TCP, {"interval": "5m"}),
        (TCP, {"type": "icmp"}),
        (TCP, {"condition": ""}),
        (TCP, {"url": "https://db.example.test"}),
        (HTTP, {"url": "ftp://api.example.test/"}),
        (HTTP, {"url": "https://api.example.test/a b"}),
        (HTTP, {"method": "get"}),
        (HTTP, {"headers": {"Bad Header": "x"}}),
        (HTTP, {"headers": {"X-Trace": "two\nlines"}}),
        (HTTP, {"headers_from_env": {"Authorization": "1TOKEN"}}),
        (HTTP, {"headers_from_env": {"Authorization": "PROBE-TOKEN"}}),
        (HTTP, {"verify_tls": 0}),
        (DNS, {"record_type": "ANY"}),
        (DNS, {"query": "bad name.example"}),
    ],
)
def test_strict_fields(base, changes):
    with pytest.raises(ValidationError):
        service([{**base, **changes}])


@pytest.mark.parametrize("probe", [HTTP, TCP, TLS, DNS, {**DNS, "resolver": None}])
def test_every_type_validates(probe):
    model = service([probe]).probes[0]
    assert model.type == probe["type"]


# -- http: urls, credentials, headers ------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://user:secret@api.example.test/health",
        "https://token@api.example.test/",
        "https://:pw@api.example.test",
        "https://user@api.example.test:8443/health?x=1",
    ],
)
def test_credentials_in_the_url_are_refused(url):
    with pytest.raises(ValidationError, match=r"carries credentials.*headers_from_env"):
        HttpProbe.model_validate({**HTTP, "url": url})


@pytest.mark.parametrize(
    "url",
    [
        "https://api.example.test/users/@me",
        "https://api.example.test/health?email=a@b.test",
        "https://api.example.test/health#user@host",
        "http://127.0.0.1:8080/health",
    ],
)
def test_an_at_sign_after_the_host_is_not_a_credential(url):
    assert HttpProbe.model_validate({**HTTP, "url": url}).url == url


@pytest.mark.parametrize(
    ("headers", "from_env", "overlap"),
    [
        ({"Authorization": "Bearer x"}, {"Authorization": "TOKEN"}, "authorization"),
        ({"X-Api-Key": "k"}, {"x-api-key": "KEY"}, "x-api-key"),
        ({"Accept": "a", "x-B": "b"}, {"X-b": "B", "X-A": "A"}, "x-b"),
    ],
)
def test_a_header_set_twice_is_refused(headers, from_env, overlap):
    with pytest.raises(ValidationError, match=f"header {overlap} is set in both"):
        HttpProbe.model_validate({**HTTP, "headers": headers, "headers_from_env": from_env})


def test_different_headers_from_both_sources():
    probe = HttpProbe.model_validate(
        {**HTTP, "headers": {"Accept": "application/json"}, "headers_from_env": {"X-Key": "KEY"}}
    )
    assert probe.headers == {"Accept": "application/json"}
    assert probe.headers_from_env == {"X-Key": "KEY"}


@pytest.mark.parametrize(
    ("probe", "target"),
    [
        (
            {**HTTP, "url": "https://api.example.test/health?token=abc#frag"},
            "https://api.example.test/health",
        ),
        (
            {**HTTP, "url": "https://api.example.test/health#frag"},
            "https://api.example.test/health",
        ),
        (HTTP, "https://api.example.test/health"),
        (TCP, "db.example.test:5432"),
        (TLS, "api.example.test:443"),
        ({**TLS, "port": 8443, "server_name": "www.example.test"}, "www.example.test:8443"),
        (DNS, "api.example.test A"),
        ({**DNS, "record_type": "MX"}, "api.example.test MX"),
    ],
)
def test_target_is_safe_to_publish(probe, target):
    assert service([probe]).probes[0].target() == target


# -- conditions ----------------------------------------------------------------------------


@pytest.mark.parametrize("base", [HTTP, TCP, TLS, DNS])
def test_default_condition_per_type(base):
    probe = service([base]).probes[0]
    assert probe.check == DEFAULT_CONDITIONS[base["type"]]
    written = service([{**base, "condition": "true"}]).probes[0]
    assert written.check == "true"


def test_default_conditions():
    assert DEFAULT_CONDITIONS == {
        "http": "response.status >= 200 && response.status < 400",
        "tcp": "tcp.connected",
        "tls": "tls.verified && tls.days_remaining >= 14",
        "dns": 'dns.rcode == "NOERROR" && size(dns.answers) > 0',
    }


# -- dns resolvers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("192.0.2.53", ("192.0.2.53", 53)),
        ("192.0.2.53:5353", ("192.0.2.53", 5353)),
        ("127.0.0.1:1", ("127.0.0.1", 1)),
        ("127.0.0.1:65535", ("127.0.0.1", 65535)),
        ("[2001:db8::53]:5353", ("2001:db8::53", 5353)),
        ("[2001:db8::53]", ("2001:db8::53", 53)),
        ("2001:db8::53", ("2001:db8::53", 53)),
        ("::1", ("::1", 53)),
    ],
)
def test_resolver_address(text, address):
    assert resolver_address(text) == address
    assert DnsProbe.model_validate({**DNS, "resolver": text}).resolver == text


@pytest.mark.parametrize(
    "text",
    [
        "dns.example.test",
        "dns.example.test:53",
        "999.0.2.53",
        "192.0.2.53:0",
        "192.0.2.53:65536",
        "192.0.2.53:",
        "192.0.2.53:abc",
        "192.0.2.53:-1",
        "[2001:db8::53]:",
        "[2001:db8::53]:x",
        "[2001:db8::53]:0",
        "[dns.example.test]:53",
        "",
        # Something other than ":" after the bracket is no port separator.
        "[2001:db8::53]x53",
        "[2001:db8::53]153",
    ],
)
def test_resolver_address_refuses(text):
    with pytest.raises(ValueError, match=r"^resolver .* (is not an IP address|has no valid port)"):
        resolver_address(text)
    with pytest.raises(ValidationError, match="resolver"):
        DnsProbe.model_validate({**DNS, "resolver": text})


# -- maintenance windows -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("probes", "probe", "moment", "covered"),
    [
        ([], "health", T0 - timedelta(seconds=1), False),
        ([], "health", T0, True),  # the start is inside
        ([], "health", T0 + timedelta(hours=1), True),
        ([], "health", T0 + timedelta(hours=2) - timedelta(seconds=1), True),
        ([], "health", T0 + timedelta(hours=2), False),  # the end is not
        ([], "database", T0 + timedelta(hours=1), True),  # empty list: every probe
        (["health"], "health", T0 + timedelta(hours=1), True),
        (["health"], "database", T0 + timedelta(hours=1), False),
        (["health"], "database", T0 + timedelta(hours=3), False),
    ],
)
def test_maintenance_window_covers(probes, probe, moment, covered):
    win = MaintenanceWindow.model_validate(window(probes=probes))
    assert win.covers(probe, moment) is covered


def test_covers_compares_instants_across_offsets():
    win = MaintenanceWindow.model_validate(window(start="2026-03-01T12:00:00+02:00"))
    assert win.start == T0
    assert win.covers("health", datetime.fromisoformat("2026-03-01T11:30:00+01:00"))
    assert not win.covers("health", datetime.fromisoformat("2026-03-01T10:59:00+01:00"))


@pytest.mark.parametrize(
    "fields",
    [
        {"end": "2026-03-01T10:00:00Z"},
        {"end": "2026-03-01T09:00:00Z"},
        {"start": "yesterday"},
        {"reason": ""},
        {"reason": "two\nlines"},
        {"probes": ["health", "health"]},
        {"probes": ["Not A Slug"]},
        {"note": "extra"},
    ],
)
def test_maintenance_window_refuses(fields):
    with pytest.raises(ValidationError):
        MaintenanceWindow.model_validate(window(**fields))


def test_empty_window_message():
    with pytest.raises(ValidationError, match="must end after it starts"):
        MaintenanceWindow.model_validate(window(end="2026-03-01T10:00:00Z"))


# -- in a service --------------------------------------------------------------------------


def test_service_with_probes_and_maintenance():
    model = service([HTTP, TCP, TLS, DNS], [window(probes=["health", "database"]), window()])
    assert [p.name for p in model.probes] == ["health", "database", "certificate", "lookup"]
    assert [type(p) for p in model.probes] == [HttpProbe, TcpProbe, TlsProbe, DnsProbe]
    assert model.maintenance[0].probes == ["health", "database"]
    assert service([]).probes == []
    assert service([]).maintenance == []


def test_probe_names_are_unique_per_service():
    with pytest.raises(ValidationError, match="two probes are named health"):
        service([HTTP, {**TCP, "name": "health"}])


def test_maintenance_naming_an_unknown_probe():
    with pytest.raises(ValidationError, match="maintenance names probe nope, which the service"):
        service([HTTP], [window(probes=["health", "nope"])])


def test_maintenance_for_every_probe_of_a_service_without_probes():
    assert len(service([], [window()]).maintenance) == 1


# -- secrets: which environment variables a probe may send ----------------------------------

RUNNERS = [
    "GITHUB_TOKEN", "github_token", "GitHub_Token", "GITHUB_API_URL", "ACTIONS_RUNTIME_TOKEN",
    "ACTIONS_ID_TOKEN_REQUEST_TOKEN", "RUNNER_TEMP", "CI", "ci", "CI_JOB_TOKEN", "GH_TOKEN",
    "GH_ENTERPRISE_TOKEN", "GITLAB_TOKEN", "BUILDKITE_AGENT_ACCESS_TOKEN", "CIRCLE_TOKEN",
    "SYSTEM_ACCESSTOKEN", "MAINTAIN_NOW", "MAINTAIN_BOT_LOGIN", "maintain_github_timeout",
]  # fmt: skip
OTHERS = [
    "MAINTAIN_PROBE_TOKEN", "MAINTAIN_PROBE_", "CHECKOUT_PROBE_TOKEN", "CIRCLE", "CIA_KEY",
    "GH_TOKENS", "GITHUBTOKEN", "MY_GITHUB_TOKEN", "maintain_probe_key", "RUNNERS", "API_KEY",
]  # fmt: skip


@pytest.mark.parametrize("name", RUNNERS)
def test_the_runners_variables_are_never_sent(name):
    assert runner_variable(name)
    with pytest.raises(ValidationError, match=f"the variable {name} belongs to the CI runner"):
        HttpProbe.model_validate({**HTTP, "headers_from_env": {"Authorization": name}})
    with pytest.raises(ValidationError, match="belongs to the CI runner"):
        MonitoringSettings.model_validate({"secrets": [name]})
    assert secret_refusal(name, [name]) is not None  # declaring it changes nothing


@pytest.mark.parametrize("name", OTHERS)
def test_other_variables_are_names_a_probe_can_use(name):
    assert not runner_variable(name)
    probe = HttpProbe.model_validate({**HTTP, "headers_from_env": {"Authorization": name}})
    assert probe.headers_from_env == {"Authorization": name}
    assert MonitoringSettings.model_validate({"secrets": [name]}).secrets == [name]


@pytest.mark.parametrize(
    ("name", "declared", "allowed"),
    [
        ("MAINTAIN_PROBE_TOKEN", [], True),  # the prefix needs no declaration
        ("CHECKOUT_PROBE_TOKEN", ["CHECKOUT_PROBE_TOKEN"], True),
        ("CHECKOUT_PROBE_TOKEN", [], False),
        ("CHECKOUT_PROBE_TOKEN", ["checkout_probe_token"], False),  # names are exact
        ("maintain_probe_token", [], False),
        ("GITHUB_TOKEN", ["GITHUB_TOKEN"], False),
    ],
)
def test_secret_refusal(name, declared, allowed):
    refusal = secret_refusal(name, declared)
    assert (refusal is None) is allowed
    if refusal is not None:
        assert refusal.startswith(f"the variable {name} ")
        assert "MAINTAIN_PROBE_" in refusal


def test_settings_declare_secrets_once_each():
    with pytest.raises(ValidationError):
        MonitoringSettings.model_validate({"secrets": ["A_KEY", "A_KEY"]})
    assert MonitoringSettings().secrets == []


@pytest.mark.parametrize("name", RUNNERS + OTHERS)
def test_the_json_schema_refuses_the_same_names(name):
    # Editors validate with the exported JSON Schema: it must agree with the model.
    import jsonschema

    schema = Service.model_json_schema()
    document = {
        "id": "checkout-api", "kind": "service", "schema_version": 1, "title": "Checkout",
        "status": "active", "owner": "acme/payments", "created_at": "2025-06-01T09:00:00Z",
        "tier": 1, "probes": [{**HTTP, "headers_from_env": {"Authorization": name}}],
    }  # fmt: skip
    valid = jsonschema.Draft202012Validator(schema).is_valid(document)
    assert valid is not runner_variable(name)
