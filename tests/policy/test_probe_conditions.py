"""Probe conditions: compiled per probe type, evaluated on a result, reported at the field."""

from __future__ import annotations

import pytest

from maintain_repo.model.findings import Severity
from maintain_repo.model.probes import DEFAULT_CONDITIONS
from maintain_repo.model.service import Service
from maintain_repo.policy.cel import (
    CelError,
    compile_condition,
    evaluate,
    probe_context,
)
from maintain_repo.policy.probes import (
    PROBE_VARIABLES,
    RULE,
    SECRET_RULE,
    condition_findings,
    secret_findings,
)

PATH = "records/services/checkout-api.yaml"


def service(*probes: dict) -> Service:
    return Service.model_validate(
        {
            "id": "checkout-api",
            "kind": "service",
            "schema_version": 1,
            "title": "Checkout API",
            "status": "active",
            "owner": "acme/payments",
            "created_at": "2025-06-01T09:00:00Z",
            "tier": 1,
            "probes": list(probes),
        }
    )


def http(**fields) -> dict:
    return {"type": "http", "name": "health", "url": "https://api.example.test/", **fields}


def tcp(**fields) -> dict:
    return {"type": "tcp", "name": "database", "host": "db.example.test", "port": 5432, **fields}


def test_probe_variables():
    assert PROBE_VARIABLES == {
        "http": ("response", "tls"),
        "tcp": ("tcp",),
        "tls": ("tls",),
        "dns": ("dns",),
    }


@pytest.mark.parametrize("probe_type", sorted(DEFAULT_CONDITIONS))
def test_default_conditions_compile(probe_type):
    # Every field is typed, so `tcp.connected` alone is a bool too.
    assert compile_condition(DEFAULT_CONDITIONS[probe_type], probe_type).returns == "BOOL"


@pytest.mark.parametrize(
    ("probe_type", "source", "returns"),
    [
        ("http", "response.status == 200 && response.json.status == 'ok'", "BOOL"),
        ("http", "tls.days_remaining >= 14", "BOOL"),  # https answers describe the certificate
        ("http", 'response.headers["content-type"].startsWith("application/json")', "BOOL"),
        ("http", "response.?json.?ok.orValue(false)", "DYN"),
        ("http", "response.json.status", "DYN"),  # the JSON body is open: judged when it runs
        ("http", "response.json.items.size() > 0 && has(response.json.next)", "BOOL"),
        ("http", "response.headers.exists(name, name.startsWith('x-'))", "BOOL"),
        ("http", "has(tls.days_remaining) && tls.names.size() > 0", "BOOL"),
        # Numbers compare across int and double, as CEL defines it.
        ("http", "response.latency_ms > 400", "BOOL"),
        ("http", "response.status < 400.5 && 400 >= response.latency_ms", "BOOL"),
        ("http", "response.redirects == 0 && response.url.endsWith('/health')", "BOOL"),
        ("tcp", "tcp.connected", "BOOL"),
        ("tcp", "tcp.connected && tcp.latency_ms < 100.0", "BOOL"),
        ("tls", "tls.error == '' && tls.latency_ms < 300 && tls.version == 'TLSv1.3'", "BOOL"),
        ("tls", "timestamp(tls.not_after) > timestamp('2026-01-01T00:00:00Z')", "BOOL"),
        ("dns", "has(dns.ttl) && dns.ttl >= 60 && dns.latency_ms < 50", "BOOL"),
        ("tls", "size(tls.names) > 0 && tls.issuer == 'R3'", "BOOL"),
        ("dns", "dns.answers.exists(a, a.startsWith('192.0.2.'))", "BOOL"),
        ("dns", "'192.0.2.10' in dns.answers", "BOOL"),
    ],
)
def test_conditions_that_compile(probe_type, source, returns):
    expression = compile_condition(source, probe_type)
    assert expression.returns == returns
    assert expression.source == source


@pytest.mark.parametrize(
    ("probe_type", "source", "message", "line", "column"),
    [
        # Another type's result is unknown to this type.
        ("tcp", "tls.days_remaining > 1", "undeclared reference to 'tls.days_remaining'", 1, 4),
        ("tls", "tcp.connected", "undeclared reference to 'tcp.connected'", 1, 4),
        ("dns", "response.status == 200", "undeclared reference to 'response.status'", 1, 9),
        ("http", "dns.rcode == 'NOERROR'", "undeclared reference to 'dns.rcode'", 1, 4),
        ("http", "response.status == 200 &&\n  tcp.connected", "undeclared reference", 2, 6),
        ("http", "response.status ==", "Syntax error", 1, 19),
        # A field the result does not have: a typo, or another type's field.
        (
            "http",
            "response.stauts == 200",
            "response has no field 'stauts' (did you mean response.status?); its fields: "
            "status, latency_ms, headers, body, json, redirects, url",
            1,
            9,
        ),
        ("http", 'response.header["x"] == ""', "did you mean response.headers?", 1, 9),
        ("http", "tls.error == ''", "tls has no field 'error'; its fields: verified,", 1, 4),
        ("http", "tls.days_remainig >= 14", "did you mean tls.days_remaining?", 1, 4),
        ("tls", "tls.verified && tls.expires > 3", "tls has no field 'expires'", 1, 20),
        ("tcp", "tcp.conected", "tcp has no field 'conected' (did you mean tcp.connected?)", 1, 4),
        ("dns", "size(dns.answer) > 0", "did you mean dns.answers?", 1, 9),
        ("dns", "dns.rcode == 'NOERROR' &&\n  dns.tll > 0", "dns has no field 'tll'", 2, 6),
        # A value of the wrong type for what the condition does with it.
        ("http", "response.status == '200'", "no matching overload for '_==_'", 1, 17),
        ("tcp", "tcp.connected > 0", "no matching overload for '_>_'", 1, 15),
        ("dns", "dns.answers.contains('x')", "found no matching overload for 'contains'", 1, 21),
        (
            "http",
            "response.status",
            "a condition must be true or false, but this gives an int",
            1,
            1,
        ),
        ("dns", "dns.rcode", "but this gives a string", 1, 1),
        # A value that is never true or false.
        ("http", "1 + 1", "a condition must be true or false, but this gives an int", 1, 1),
        ("dns", "'NOERROR'", "a condition must be true or false, but this gives a string", 1, 1),
        ("tls", "[1, 2]", "but this gives a list<int>", 1, 1),
    ],
)
def test_conditions_that_do_not_compile(probe_type, source, message, line, column):
    with pytest.raises(CelError) as caught:
        compile_condition(source, probe_type)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.column) == (line, column)
    assert "<input>" not in caught.value.message


RESULT = {
    "response": {
        "status": 200,
        "headers": {"content-type": "application/json"},
        "json": {"status": "ok", "items": [1, 2, 3]},
        "body": '{"status":"ok"}',
        "latency_ms": 12.5,
    },
    "tls": {},
}


@pytest.mark.parametrize(
    ("source", "value"),
    [
        ("response.status == 200", True),
        ("response.status >= 500", False),
        ('response.json.status == "ok" && size(response.json.items) == 3', True),
        ("response.latency_ms > 400.0", False),
        ('response.body.contains("ok")', True),
        ("response.?json.?missing.orValue(false)", False),
        ("response.latency_ms > 12", True),
        ("response.json.items[0] == 1 && response.json.items[0] == 1.0", True),
        ("has(response.json.items) && !has(response.json.next)", True),
        ('"content-type" in response.headers && !("x-nope" in response.headers)', True),
        ("has(response.status) && !has(response.redirects)", True),  # not produced: unset
        ("has(tls.verified) || has(tls.days_remaining)", False),  # plain http: no certificate
        ("tls.days_remaining == 0 && tls.issuer == '' && tls.names.size() == 0", True),
        ("response.json.status", "ok"),  # DYN: the runner refuses it as not true or false
    ],
)
def test_evaluating_a_condition(source, value):
    context = probe_context("http", RESULT)
    assert evaluate(compile_condition(source, "http"), context) == value


@pytest.mark.parametrize(
    "source",
    [
        "response.json.missing == 1",
        "response.json.items[7] == 1",
        'response.headers["x-missing"] == "1"',
        "response.json.status > 1",
    ],
)
def test_a_condition_that_fails_on_a_result(source):
    context = probe_context("http", RESULT)
    with pytest.raises(CelError) as caught:
        evaluate(compile_condition(source, "http"), context)
    assert caught.value.message


# -- findings ------------------------------------------------------------------------------


def test_valid_conditions_give_no_findings():
    model = service(
        http(condition="response.status == 200", degraded="response.latency_ms > 400.0"),
        tcp(),
        {"type": "dns", "name": "lookup", "query": "api.example.test", "resolver": "192.0.2.53"},
    )
    assert list(condition_findings(model, PATH)) == []


def test_a_condition_naming_another_types_result():
    model = service(http(), tcp(condition="tls.days_remaining > 1"))
    [finding] = condition_findings(model, PATH)
    assert finding.rule == RULE == "probe-condition"
    assert finding.severity is Severity.ERROR
    assert finding.path == PATH
    assert finding.record == "checkout-api"
    assert finding.pointer == ("probes", 1, "condition")
    assert finding.message == (
        "probe database, condition: undeclared reference to 'tls.days_remaining' "
        "(line 1, column 4); a tcp probe's conditions can use tcp"
    )


def test_condition_and_degraded_are_both_checked_in_order():
    model = service(
        tcp(),
        http(condition="response.status ==", degraded="1 + 1"),
        {"type": "tls", "name": "certificate", "host": "api.example.test", "degraded": "x"},
    )
    findings = list(condition_findings(model, PATH))
    assert [f.pointer for f in findings] == [
        ("probes", 1, "condition"),
        ("probes", 1, "degraded"),
        ("probes", 2, "degraded"),
    ]
    first, second, third = (f.message for f in findings)
    assert first.startswith("probe health, condition: Syntax error")
    assert first.endswith("(line 1, column 19); an http probe's conditions can use response, tls")
    assert second == (
        "probe health, degraded: a condition must be true or false, but this gives an int "
        "(line 1, column 1); an http probe's conditions can use response, tls"
    )
    assert third.startswith("probe certificate, degraded: undeclared reference to 'x'")
    assert third.endswith("a tls probe's conditions can use tls")


def test_default_conditions_are_not_findings():
    model = service(
        http(),
        tcp(),
        {"type": "tls", "name": "certificate", "host": "api.example.test"},
        {"type": "dns", "name": "lookup", "query": "api.example.test"},
    )
    assert list(condition_findings(model, PATH)) == []


@pytest.mark.parametrize(
    ("probe", "message"),
    [
        (
            http(condition="response.stauts == 200"),
            "probe health, condition: response has no field 'stauts' (did you mean "
            "response.status?); its fields: status, latency_ms, headers, body, json, redirects, "
            "url (line 1, column 9)",
        ),
        (
            tcp(degraded="tcp.latency > 50"),
            "probe database, degraded: tcp has no field 'latency' (did you mean "
            "tcp.latency_ms?); its fields: connected, latency_ms (line 1, column 4)",
        ),
        (
            http(degraded='response.latency_ms > "400ms"'),
            "probe health, degraded: found no matching overload for '_>_' applied to "
            "'(double, string)' (line 1, column 21); an http probe's conditions can use "
            "response, tls",
        ),
    ],
)
def test_a_field_the_result_does_not_have_is_a_finding(probe, message):
    [finding] = condition_findings(service(probe), PATH)
    assert finding.rule == "probe-condition"
    assert finding.message == message
    assert finding.pointer == ("probes", 0, "degraded" if "degraded" in probe else "condition")


# -- secrets: headers_from_env names only variables a probe may send ------------------------

SERVICE_YAML = """\
id: checkout-api
kind: service
schema_version: 1
title: Checkout API
status: active
owner: acme/payments
created_at: 2025-06-01T09:00:00Z
tier: 1
probes:
  - name: health
    type: http
    url: https://api.example.test/
    headers_from_env: {Authorization: CHECKOUT_TOKEN, X-Key: MAINTAIN_PROBE_KEY}
  - name: search
    type: http
    url: https://search.example.test/
    headers_from_env:
      X-Api-Key: SEARCH_KEY
  - {name: database, type: tcp, host: db.example.test, port: 5432}
"""


@pytest.mark.parametrize(
    ("declared", "refused"),
    [
        ((), ["CHECKOUT_TOKEN", "SEARCH_KEY"]),
        (("SEARCH_KEY",), ["CHECKOUT_TOKEN"]),
        (("CHECKOUT_TOKEN", "SEARCH_KEY"), []),
        (("checkout_token", "SEARCH"), ["CHECKOUT_TOKEN", "SEARCH_KEY"]),  # names are exact
    ],
)
def test_secret_findings_name_each_variable_not_declared(declared, refused):
    from maintain_repo.store.yaml import parse

    model = Service.model_validate(parse(SERVICE_YAML).data)
    findings = list(secret_findings(model, PATH, declared))
    assert [f.message.split(": ")[1].split(" ")[2] for f in findings] == refused
    assert {f.rule for f in findings} <= {SECRET_RULE} == {"probe-secret"}
    assert all(f.severity is Severity.ERROR and f.record == "checkout-api" for f in findings)


def test_a_secret_finding_is_at_its_headers_from_env_entry():
    from maintain_repo.store.yaml import locate_findings, parse

    model = Service.model_validate(parse(SERVICE_YAML).data)
    first, second = locate_findings(list(secret_findings(model, PATH, ())), SERVICE_YAML)
    assert first.pointer == ("probes", 0, "headers_from_env", "Authorization")
    assert (first.line, first.column) == (13, 24)  # the entry: its key
    assert first.message == (
        "probe health, header Authorization: the variable CHECKOUT_TOKEN is not a probe "
        "secret: name it MAINTAIN_PROBE_... or declare it under monitoring.secrets in "
        "policies/settings.yaml"
    )
    assert second.pointer == ("probes", 1, "headers_from_env", "X-Api-Key")
    assert (second.line, second.column) == (18, 7)


@pytest.mark.parametrize(
    ("deep", "said"),
    [
        ("(" * 40 + "response.status == 200" + ")" * 40, "recursion limit exceeded"),
        ("size(response.body" + ".trim()" * 40 + ") > 0", "Exceeded max recursion depth"),
    ],
)
def test_an_expression_nested_too_deep_has_no_position_and_no_names_hint(deep, said):
    (finding,) = condition_findings(service(http(condition=deep)), PATH)
    assert said in finding.message
    assert "line -1" not in finding.message
    assert "conditions can use" not in finding.message
