"""Running probes against real loopback servers: verdicts, retries, timeouts, secrets, TLS.

Every address is 127.0.0.1; dns probes always name their resolver (the loopback DnsServer).
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

import pytest

from maintain_repo.model.probes import DnsProbe, HttpProbe, TcpProbe, TlsProbe
from maintain_repo.probes.run import DETAIL_LIMIT, Target, run_probes, select, shard_of
from maintain_repo.testing.certs import Certificate
from maintain_repo.testing.servers import DnsServer, HttpServer, TcpServer

NOW = datetime.now(UTC).replace(microsecond=0)


def http(url: str, **fields) -> HttpProbe:
    return HttpProbe.model_validate(
        {"type": "http", "name": "web", "url": url, "retries": 0, "timeout": "5s", **fields}
    )


def tcp(port: int, **fields) -> TcpProbe:
    return TcpProbe.model_validate(
        {"type": "tcp", "name": "port", "host": "127.0.0.1", "port": port, "retries": 0, **fields}
    )


def tls(port: int, **fields) -> TlsProbe:
    return TlsProbe.model_validate(
        {"type": "tls", "name": "cert", "host": "127.0.0.1", "port": port, "retries": 0, **fields}
    )


def dns(server: DnsServer, query: str, **fields) -> DnsProbe:
    return DnsProbe.model_validate(
        {
            "type": "dns",
            "name": "lookup",
            "query": query,
            "resolver": f"127.0.0.1:{server.port}",
            "retries": 0,
            "timeout": "2s",
            **fields,
        }
    )


def run(*probes, env=None, **options):
    return run_probes([Target("svc", probe) for probe in probes], now=NOW, env=env or {}, **options)


def run_one(probe, **options):
    [outcome] = run(probe, **options)
    return outcome


@pytest.fixture
def server():
    with HttpServer() as running:
        yield running


@pytest.fixture
def certificate():
    return Certificate(days_valid=5)


@pytest.fixture
def trusted(monkeypatch, certificate):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.ca_path))
    return certificate


@pytest.fixture
def untrusted(monkeypatch, certificate):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return certificate


def settle(server: TcpServer, connections: int) -> None:
    """Wait until the server has taken the probe's connection over (the probe closed it at
    once): a server stopped before its loop took a connection over leaks that socket."""
    deadline = time.monotonic() + 5
    while server.connections < connections and time.monotonic() < deadline:
        time.sleep(0.001)
    assert server.connections >= connections


def days_left(certificate: Certificate) -> int:
    return math.floor((certificate.not_after - NOW).total_seconds() / 86400)


# -- shards and selection ------------------------------------------------------------------


def target(service: str, name: str) -> Target:
    return Target(service, tcp(1, name=name))


def test_shard_of_is_deterministic_and_in_range():
    for count in (1, 2, 3, 7):
        shards = [shard_of(f"svc/probe-{i}", count) for i in range(200)]
        assert shards == [shard_of(f"svc/probe-{i}", count) for i in range(200)]
        assert set(shards) == set(range(count))
    assert shard_of("checkout-api/health", 1) == 0


def test_shards_are_roughly_balanced():
    counts = Counter(shard_of(f"service-{i % 37}/probe-{i}", 4) for i in range(1000))
    assert sorted(counts) == [0, 1, 2, 3]
    assert all(200 <= count <= 300 for count in counts.values()), counts


def test_select_by_shard_partitions_the_targets():
    targets = [target(f"svc-{i % 5}", f"probe-{i}") for i in range(60)]
    chosen = [select(targets, shard=(index, 3), only=()) for index in (1, 2, 3)]
    assert sorted(t.key for part in chosen for t in part) == sorted(t.key for t in targets)
    assert all(chosen), "every shard has probes"
    for part in chosen:  # the order given is kept
        assert part == [t for t in targets if t in part]
    assert select(targets, shard=None, only=()) == targets
    assert select(targets, shard=(1, 1), only=()) == targets


def test_a_probe_keeps_its_shard_when_others_are_added():
    before = [target("svc", f"probe-{i}") for i in range(40)]
    after = before + [target("new", f"probe-{i}") for i in range(40)]
    for index in (1, 2, 3, 4):
        old = {t.key for t in select(before, shard=(index, 4), only=())}
        new = {t.key for t in select(after, shard=(index, 4), only=())}
        assert old == new & {t.key for t in before}


@pytest.mark.parametrize(
    ("only", "keys"),
    [
        ((), ["api/health", "api/latency", "web/health", "web/cert"]),
        (("health",), ["api/health", "web/health"]),
        (("api",), ["api/health", "api/latency"]),
        (("web/health",), ["web/health"]),
        (("api/latency", "cert"), ["api/latency", "web/cert"]),
        (("web/latency",), []),
        (("nope",), []),
    ],
)
def test_select_only(only, keys):
    targets = [
        target("api", "health"),
        target("api", "latency"),
        target("web", "health"),
        target("web", "cert"),
    ]
    assert [t.key for t in select(targets, shard=None, only=only)] == keys


def test_select_only_within_a_shard():
    targets = [target(f"svc-{i}", "health") for i in range(20)]
    for index in (1, 2):
        both = select(targets, shard=(index, 2), only=("health",))
        assert both == select(targets, shard=(index, 2), only=())


# -- http ----------------------------------------------------------------------------------


def test_http_up(server):
    outcome = run_one(http(server.url + "/health"))
    assert (outcome.service, outcome.probe, outcome.key) == ("svc", "web", "svc/web")
    assert (outcome.state, outcome.code, outcome.attempts, outcome.problem) == (
        "up",
        "200",
        1,
        False,
    )
    assert outcome.detail.startswith("HTTP 200 in ")
    assert outcome.latency_ms is not None
    assert outcome.latency_ms >= 0
    assert outcome.at == NOW
    assert outcome.variables["response"]["status"] == 200
    assert "body" not in outcome.variables["response"]  # not kept for the whole run
    assert [r.path for r in server.requests] == ["/health"]


@pytest.mark.parametrize(
    ("answer", "fields", "state", "detail"),
    [
        ({"status": 503}, {}, "down", "HTTP 503 in"),
        ({"status": 503}, {}, "down", "condition is false: response.status >= 200"),
        ({"status": 404}, {"condition": "response.status == 404"}, "up", "HTTP 404"),
        ({}, {"condition": 'response.json.status == "ok"'}, "up", "HTTP 200"),
        ({"body": '{"status":"down"}'}, {"condition": 'response.json.status == "ok"'}, "down", ""),
        (
            {"body": '{"status":"slow"}'},
            {"degraded": 'response.json.status == "slow"'},
            "degraded",
            'degraded: response.json.status == "slow"',
        ),
        ({}, {"degraded": 'response.json.status == "slow"'}, "up", "HTTP 200"),
        (
            {"headers": {"X-Version": "2"}},
            {"condition": 'response.headers["x-version"] == "2"'},
            "up",
            "",
        ),
        (
            {"headers": {"X-Version": "1"}},
            {"condition": 'response.headers["x-version"] == "2"'},
            "down",
            "condition is false",
        ),
        (
            {"body": "all systems go"},
            {"condition": 'response.body.contains("go") && response.json == null'},
            "up",
            "",
        ),
        (
            {"body": "all systems go"},
            {"condition": 'response.headers["content-type"].startsWith("text/plain")'},
            "up",
            "",
        ),
        # A condition that fails on the answer is down, and says why.
        (
            {},
            {"condition": "response.json.missing == 1"},
            "down",
            "HTTP 200 in",
        ),
        ({}, {"condition": "response.json.missing == 1"}, "down", "the condition failed"),
        ({}, {"condition": "response.json.missing == 1"}, "down", "missing"),
        # A condition that gives something other than true or false.
        ({}, {"condition": "dyn(response.status)"}, "down", "gave 200, not true or false"),
        ({}, {"condition": "response.json.status"}, "down", "gave 'ok', not true or false"),
        # A degraded expression that fails still passes (the condition held).
        ({}, {"degraded": "response.json.missing"}, "degraded", "degraded expression failed"),
        # No certificate over plain http: its fields are unset.
        ({}, {"condition": "!has(tls.verified) && !has(tls.days_remaining)"}, "up", ""),
        # Numbers compare across int and double.
        ({}, {"condition": "response.latency_ms < 60000 && response.status >= 200.0"}, "up", ""),
    ],
)
def test_http_verdicts(server, answer, fields, state, detail):
    for name, value in answer.items():
        setattr(server, name, value)
    outcome = run_one(http(server.url + "/", **fields))
    assert outcome.state == state
    assert detail in outcome.detail
    assert outcome.problem is False


@pytest.mark.parametrize(
    ("failure", "code", "detail"),
    [
        ("status", "503", "HTTP 503"),
        ("reset", None, ""),
    ],
)
def test_http_server_failures(server, failure, code, detail):
    server.fail(failure)
    outcome = run_one(http(server.url + "/"))
    assert outcome.state == "down"
    if code is not None:
        assert outcome.code == code
    assert detail in outcome.detail


def test_http_refused():
    with HttpServer() as gone:
        url = gone.url
    outcome = run_one(http(url + "/"))
    assert (outcome.state, outcome.code) == ("down", "connect")
    assert "cannot connect: connection refused" in outcome.detail
    assert outcome.latency_ms is None


def test_http_method_headers_and_body(server):
    probe = http(
        server.url + "/submit?q=1",
        method="POST",
        headers={"X-Trace": "probe"},
        body='{"ping":true}',
    )
    assert run_one(probe).state == "up"
    [received] = server.requests
    assert (received.method, received.path, received.query) == ("POST", "/submit", "q=1")
    assert received.headers["x-trace"] == "probe"
    assert received.body == b'{"ping":true}'


def test_a_condition_that_does_not_compile_is_a_problem(server):
    outcome = run_one(http(server.url + "/", condition="response.status =="))
    assert (outcome.state, outcome.problem, outcome.code, outcome.attempts) == (
        "unknown",
        True,
        "config",
        0,
    )
    assert outcome.detail.startswith("cannot run: its condition does not compile: Syntax error")
    assert server.count == 0


def test_a_long_detail_is_cut(server):
    condition = " || ".join(f"response.status == {n}" for n in range(600, 640))
    outcome = run_one(http(server.url + "/", condition=condition))
    assert outcome.state == "down"
    assert len(outcome.detail) == DETAIL_LIMIT
    assert outcome.detail.endswith("…")


def test_outcomes_come_in_the_order_given(server):
    server.override("/bad", status=500)
    probes = [http(f"{server.url}/{path}", name=f"p-{path}") for path in ("ok", "bad", "x", "bad")]
    outcomes = run(*probes)
    assert [o.probe for o in outcomes] == ["p-ok", "p-bad", "p-x", "p-bad"]
    assert [o.state for o in outcomes] == ["up", "down", "up", "down"]
    assert run() == []


# -- answers cut short or garbled ----------------------------------------------------------

PADDED = '{"status":"ok","pad":"' + "x" * 300_000 + '"}'


@pytest.mark.parametrize("body", ['{"status":"ok"}', PADDED])
@pytest.mark.parametrize(
    ("failure", "code", "detail"),
    [
        ("cut", "incomplete", "the response ended early: the connection closed after "),
        (
            "cut-chunked",
            "incomplete",
            "the response ended early: its chunked body stopped before the last chunk",
        ),
        ("cut-gzip", "incomplete", "the response ended early: its gzip body stops short"),
        ("bad-chunk", "error", "request failed"),
    ],
)
def test_an_answer_cut_short_is_a_failed_attempt(server, body, failure, code, detail):
    # The status line and headers say 200: only the body shows the answer is not whole.
    server.body = body
    server.fail(failure)
    outcome = run_one(http(server.url + "/", condition="response.status == 200"))
    assert (outcome.state, outcome.code, outcome.problem) == ("down", code, False)
    assert outcome.detail.startswith(detail), outcome.detail
    assert outcome.latency_ms is None


def test_a_cut_body_says_how_much_arrived(server):
    server.body = "0123456789" * 10
    server.fail("cut")
    outcome = run_one(http(server.url + "/"))
    assert outcome.detail == "the response ended early: the connection closed after 50 of 100 bytes"


def test_a_cut_answer_is_retried_and_a_whole_one_wins(server):
    server.fail("cut")

    async def sleep(seconds: float) -> None:
        server.recover()

    outcome = run_one(http(server.url + "/", retries=1, retry_delay="10ms"), sleep=sleep)
    assert (outcome.state, outcome.attempts) == ("up", 2)


def compressed(kind: str, data: bytes) -> bytes:
    import gzip
    import zlib

    if kind == "gzip":
        return gzip.compress(data)
    if kind == "two-members":
        half = len(data) // 2
        return gzip.compress(data[:half]) + gzip.compress(data[half:])
    if kind == "raw-deflate":
        packer = zlib.compressobj(wbits=-zlib.MAX_WBITS)
        return packer.compress(data) + packer.flush()
    return zlib.compress(data)


@pytest.mark.parametrize(
    ("kind", "coding"),
    [("gzip", "gzip"), ("two-members", "gzip"), ("gzip", "x-gzip"), ("zlib", "deflate"),
     ("raw-deflate", "deflate")],
)  # fmt: skip
def test_a_compressed_body_is_read_whole(server, kind, coding):
    server.body = compressed(kind, PADDED.encode())
    server.headers = {"Content-Encoding": coding, "Content-Type": "application/json"}
    condition = f'response.json.status == "ok" && size(response.body) == {len(PADDED)}'
    outcome = run_one(http(server.url + "/", condition=condition))
    assert outcome.state == "up", outcome.detail
    assert server.requests[0].headers["accept-encoding"] == "gzip, deflate"


@pytest.mark.parametrize("body", ['{"status":"ok"}', PADDED])
def test_a_body_arriving_in_pieces_is_read_whole(server, body):
    # The condition sees all of it, not the piece that had arrived at the first read.
    server.body = body
    server.stall = 0.05
    condition = f'response.json.status == "ok" && size(response.body) == {len(body)}'
    assert run_one(http(server.url + "/", condition=condition)).state == "up"


def test_a_large_body_is_read_whole(server):
    server.body = PADDED
    condition = f'response.json.status == "ok" && size(response.body) == {len(PADDED)}'
    assert run_one(http(server.url + "/", condition=condition)).state == "up"


@pytest.mark.parametrize("coding", [None, "gzip"])
def test_a_body_is_read_up_to_the_limit_and_no_further(server, coding):
    from maintain_repo.probes.body import LIMIT

    data = b"0" * (8 * LIMIT)  # compressed, a bomb: 8 MiB from a few kilobytes
    server.body = compressed("gzip", data) if coding else data
    server.headers = {"Content-Encoding": coding} if coding else {}
    condition = f"size(response.body) == {LIMIT} && response.json == null"
    outcome = run_one(http(server.url + "/", condition=condition))
    assert outcome.state == "up", outcome.detail


@pytest.mark.parametrize(
    ("headers", "body", "detail"),
    [
        ({"Content-Encoding": "br"}, b"\x1b\x0e", "the response is encoded as br, which maintain"),
        ({"Content-Encoding": "gzip, br"}, b"x", "the response is encoded as gzip, br"),
        ({"Content-Encoding": "gzip"}, b"not gzip at all", "the response's gzip body does not"),
        ({"Content-Encoding": "deflate"}, b"\x78\x9cnot deflate", "the response's deflate body"),
    ],
)
def test_a_body_that_does_not_decode_is_a_failed_attempt(server, headers, body, detail):
    server.body = body
    server.headers = headers
    outcome = run_one(http(server.url + "/", condition="response.status == 200"))
    assert (outcome.state, outcome.code) == ("down", "incomplete")
    assert outcome.detail.startswith(detail), outcome.detail


def test_an_empty_compressed_answer_is_whole(server):
    server.status = 204
    server.headers = {"Content-Encoding": "gzip"}
    assert run_one(http(server.url + "/", condition="response.status == 204")).state == "up"
    assert run_one(http(server.url + "/", method="HEAD")).state == "up"


def test_a_tls_handshake_cut_short_is_a_failed_attempt():
    # A TLS record header announcing a ServerHello, two bytes of it, then the peer hangs up.
    with TcpServer(b"\x16\x03\x03\x00\x50\x02\x00", hang_up=True) as broken:
        outcome = run_one(tls(broken.port, timeout="2s"))
        settle(broken, 1)
    assert (outcome.state, outcome.problem) == ("down", False)
    assert outcome.code in ("handshake", "refused")
    assert outcome.latency_ms is None


def test_an_https_answer_cut_short_is_a_failed_attempt(untrusted):
    with HttpServer(untrusted, body=PADDED) as secure:
        secure.fail("cut")
        outcome = run_one(http(secure.url + "/", verify_tls=False))
    assert (outcome.state, outcome.code) == ("down", "incomplete")


# -- secrets -------------------------------------------------------------------------------

TOKEN_VARIABLE = "MAINTAIN_PROBE_TOKEN"


def secret() -> str:
    return f"tok-{uuid.uuid4().hex}"


@pytest.mark.parametrize(
    ("variable", "declared"),
    [("MAINTAIN_PROBE_TOKEN", ()), ("CHECKOUT_TOKEN", ("CHECKOUT_TOKEN",))],
)
def test_headers_from_env_sends_the_secret(server, variable, declared):
    token = secret()
    probe = http(server.url + "/", headers_from_env={"Authorization": variable})
    outcome = run_one(probe, env={variable: f"Bearer {token}"}, secrets=declared)
    assert outcome.state == "up"
    assert server.requests[0].headers["authorization"] == f"Bearer {token}"


@pytest.mark.parametrize(
    "condition",
    [
        'dyn(response.headers["x-echo"])',  # not true or false: the value is shown
        'response.json[response.headers["x-echo"]] == 1',  # an error naming the value
        'response.headers["x-echo"] == "nothing"',
    ],
)
def test_the_secret_never_appears_in_the_detail(server, condition):
    token = secret()
    server.headers = {"X-Echo": token}  # the server echoes it back
    probe = http(
        server.url + "/", headers_from_env={"X-Token": TOKEN_VARIABLE}, condition=condition
    )
    outcome = run_one(probe, env={TOKEN_VARIABLE: token})
    assert server.requests[0].headers["x-token"] == token
    assert outcome.state == "down"
    assert token not in outcome.detail
    if "==" not in condition:
        assert "***" in outcome.detail


@pytest.mark.parametrize("env", [{}, {TOKEN_VARIABLE: ""}, {"OTHER": "value"}])
def test_a_missing_secret_is_a_problem_not_an_outage(server, env):
    probe = http(server.url + "/", headers_from_env={"Authorization": TOKEN_VARIABLE}, retries=2)
    outcome = run_one(probe, env=env)
    assert (outcome.state, outcome.problem, outcome.code, outcome.attempts) == (
        "unknown",
        True,
        "config",
        0,
    )
    assert TOKEN_VARIABLE in outcome.detail
    assert "not set" in outcome.detail
    assert server.count == 0


@pytest.mark.parametrize(
    ("variable", "declared", "reason"),
    [
        # Neither declared nor named MAINTAIN_PROBE_...
        ("CHECKOUT_TOKEN", (), "CHECKOUT_TOKEN is not a probe secret: name it MAINTAIN_PROBE_"),
        ("CHECKOUT_TOKEN", ("OTHER",), "declare it under monitoring.secrets"),
        ("maintain_probe_token", (), "maintain_probe_token is not a probe secret"),
        # The runner's own, even if the settings declared it (a probe built without the
        # model's checks, as a record edited after loading would be).
        ("GITHUB_TOKEN", ("GITHUB_TOKEN",), "GITHUB_TOKEN belongs to the CI runner"),
        ("ACTIONS_RUNTIME_TOKEN", (), "ACTIONS_RUNTIME_TOKEN belongs to the CI runner"),
        ("RUNNER_TEMP", (), "belongs to the CI runner"),
        ("MAINTAIN_GITHUB_TIMEOUT", (), "or to maintain (MAINTAIN_*)"),
    ],
)
def test_a_variable_a_probe_may_not_send_is_a_problem(server, variable, declared, reason):
    token = secret()
    probe = http(server.url + "/", retries=2).model_copy(  # not validated again
        update={"headers_from_env": {"X-Key": variable}}
    )
    outcome = run_one(probe, env={variable: token}, secrets=declared)
    assert (outcome.state, outcome.problem, outcome.code, outcome.attempts) == (
        "unknown",
        True,
        "config",
        0,
    )
    assert outcome.detail.startswith("cannot run: header X-Key: ")
    assert reason in outcome.detail
    assert token not in outcome.detail
    assert server.count == 0  # nothing was sent anywhere


def test_redirects_keep_secrets_to_the_probes_own_origin(server):
    token = secret()
    with HttpServer() as elsewhere:
        server.override("/start", status=302, headers={"Location": "/next"})
        server.override("/next", status=307, headers={"Location": elsewhere.url + "/landing"})
        elsewhere.override("/landing", status=302, headers={"Location": server.url + "/home"})
        probe = http(
            server.url + "/start",
            headers={"Authorization": "Basic c3RhdGlj", "X-Trace": "probe"},
            headers_from_env={"X-Api-Key": TOKEN_VARIABLE},
            condition='response.redirects == 3 && response.url.endsWith("/home")',
        )
        outcome = run_one(probe, env={TOKEN_VARIABLE: token})
        away = elsewhere.requests
    home = server.requests
    assert outcome.state == "up", outcome.detail
    assert [r.path for r in home] == ["/start", "/next", "/home"]
    assert all(r.headers["x-api-key"] == token for r in home)
    assert all(r.headers["authorization"] == "Basic c3RhdGlj" for r in home)
    [landing] = away
    assert landing.path == "/landing"
    assert "x-api-key" not in landing.headers
    assert "authorization" not in landing.headers
    assert landing.headers["x-trace"] == "probe"  # other headers go along


@pytest.mark.parametrize(
    ("status", "method", "after"),
    [(303, "POST", "GET"), (302, "POST", "GET"), (301, "POST", "GET"), (307, "POST", "POST"),
     (308, "PUT", "PUT"), (302, "PUT", "PUT"), (303, "HEAD", "HEAD")],
)  # fmt: skip
def test_redirects_change_the_method_as_browsers_do(server, status, method, after):
    server.override("/form", status=status, headers={"Location": "/done"})
    probe = http(server.url + "/form", method=method, body='{"a":1}')
    assert run_one(probe).state == "up"
    first, second = server.requests
    assert (first.method, second.method) == (method, after)
    assert second.body == (first.body if after == method else b"")


@pytest.mark.parametrize(
    ("location", "detail"),
    [
        ("/loop", "more than 10 redirects"),
        ("ftp://files.example.test/x", "a redirect to a ftp URL"),
        ("mailto:ops@example.test", "a redirect to a mailto URL"),
    ],
)
def test_redirects_that_lead_nowhere(server, location, detail):
    server.override("/loop", status=302, headers={"Location": location})
    outcome = run_one(http(server.url + "/loop"))
    assert (outcome.state, outcome.code) == ("down", "redirects")
    assert outcome.detail == detail
    assert server.count == (11 if location == "/loop" else 1)


def test_redirects_not_followed_when_the_probe_says_so(server):
    server.override("/old", status=301, headers={"Location": "/new"})
    probe = http(
        server.url + "/old",
        follow_redirects=False,
        condition='response.status == 301 && response.headers["location"] == "/new"',
    )
    assert run_one(probe).state == "up"
    assert [r.path for r in server.requests] == ["/old"]


# -- retries, timeouts, the deadline, concurrency -----------------------------------------


def test_a_failure_then_a_recovery_is_up_after_a_retry(server):
    server.fail("status")
    delays = []

    async def sleep(seconds: float) -> None:
        delays.append(seconds)
        server.recover()  # the blip is over by the retry
        await asyncio.sleep(seconds)

    outcome = run_one(http(server.url + "/", retries=2, retry_delay="10ms"), sleep=sleep)
    assert (outcome.state, outcome.attempts) == ("up", 2)
    assert delays == [0.01]
    assert server.count == 2


def test_retries_run_out(server):
    server.fail("status")
    started = time.monotonic()
    outcome = run_one(http(server.url + "/", retries=2, retry_delay="10ms"))
    assert (outcome.state, outcome.attempts, outcome.code) == ("down", 3, "503")
    assert server.count == 3
    assert time.monotonic() - started >= 0.02


@pytest.mark.parametrize(
    ("fields", "state"),
    [({}, "up"), ({"degraded": "true"}, "degraded")],
)
def test_a_passing_result_is_not_retried(server, fields, state):
    outcome = run_one(http(server.url + "/", retries=3, retry_delay="10ms", **fields))
    assert (outcome.state, outcome.attempts) == (state, 1)
    assert server.count == 1


def test_per_probe_timeout(server):
    server.delay = 1.0
    started = time.monotonic()
    outcome = run_one(http(server.url + "/", timeout="100ms"))
    elapsed = time.monotonic() - started
    assert (outcome.state, outcome.code) == ("down", "timeout")
    assert outcome.detail.startswith("no answer within 100ms")
    assert 0.1 <= elapsed < 0.9


def test_the_deadline_leaves_unfinished_probes_unknown(server):
    # The deadline leaves the fast probe time to finish on a loaded machine (its first
    # request pays for the client); the hanging one would take 10 s.
    server.override("/hang", failure="hang")
    started = time.monotonic()
    slow, fast = run(
        http(server.url + "/hang", name="slow", timeout="10s"),
        http(server.url + "/fast", name="fast"),
        deadline=1.5,
    )
    elapsed = time.monotonic() - started
    assert (slow.state, slow.code, slow.problem) == ("unknown", "deadline", False)
    assert "deadline" in slow.detail
    assert slow.latency_ms is None
    assert fast.state == "up"
    assert 1.5 <= elapsed < 5


@pytest.mark.parametrize(("concurrency", "least", "most"), [(5, 0.8, 5.0), (20, 0.2, 0.79)])
def test_concurrency_bounds_probes_in_flight(server, concurrency, least, most):
    server.delay = 0.2
    probes = [http(f"{server.url}/{i}", name=f"p-{i}") for i in range(20)]
    started = time.monotonic()
    outcomes = run(*probes, concurrency=concurrency)
    elapsed = time.monotonic() - started
    assert [o.state for o in outcomes] == ["up"] * 20
    assert least <= elapsed < most
    assert server.count == 20


# -- https ---------------------------------------------------------------------------------


def test_https_trusted_through_ssl_cert_file(trusted):
    with HttpServer(trusted) as secure:
        outcome = run_one(http(secure.url + "/"))
    assert (outcome.state, outcome.code) == ("up", "200"), outcome.detail


def test_https_certificate_fields_with_ssl_cert_file_set_before_start(certificate):
    # As a workflow runs it: SSL_CERT_FILE is in the environment the process starts with.
    script = """
import json, sys
from datetime import UTC, datetime
from maintain_repo.model.probes import HttpProbe
from maintain_repo.probes.run import Target, run_probes
probe = HttpProbe.model_validate({"type": "http", "name": "web", "url": sys.argv[1],
    "retries": 0, "condition": "tls.verified && tls.days_remaining <= 5"})
[outcome] = run_probes([Target("svc", probe)], now=datetime.fromisoformat(sys.argv[2]), env={})
print(json.dumps([outcome.state, outcome.detail, outcome.variables.get("tls")]))
"""
    env = {**os.environ, "SSL_CERT_FILE": str(certificate.ca_path), "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop("SSL_CERT_DIR", None)
    with HttpServer(certificate) as secure:
        done = subprocess.run(
            [sys.executable, "-c", script, secure.url + "/", NOW.isoformat()],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    state, detail, fields = json.loads(done.stdout)
    assert state == "up", detail
    assert fields["verified"] is True
    assert fields["days_remaining"] == days_left(certificate)
    assert fields["issuer"] == "maintain test CA"
    assert fields["version"].startswith("TLS")


def test_https_untrusted_certificate(untrusted):
    with HttpServer(untrusted) as secure:
        outcome = run_one(http(secure.url + "/"))
        assert secure.count == 0
    assert (outcome.state, outcome.code) == ("down", "tls")
    assert outcome.detail.startswith("certificate not trusted")


def test_https_without_verification(untrusted):
    with HttpServer(untrusted) as secure:
        outcome = run_one(http(secure.url + "/", verify_tls=False))
    assert (outcome.state, outcome.code) == ("up", "200"), outcome.detail


@pytest.mark.parametrize("body", ['{"status":"ok"}', "x" * 300_000])
def test_https_answers_describe_the_certificate(untrusted, body):
    with HttpServer(untrusted, body=body) as secure:
        outcome = run_one(
            http(
                secure.url + "/",
                verify_tls=False,
                condition="response.status == 200 && !tls.verified && tls.days_remaining >= 3",
            )
        )
    assert outcome.state == "up", outcome.detail
    fields = outcome.variables["tls"]
    assert fields["days_remaining"] == days_left(untrusted)
    assert fields["issuer"] == "maintain test CA"
    assert "127.0.0.1" in fields["names"]


# -- tls -----------------------------------------------------------------------------------


def test_tls_expiring_soon(trusted):
    with HttpServer(trusted) as secure:
        outcome = run_one(tls(secure.port, condition="tls.days_remaining >= 14"))
    days = days_left(trusted)
    assert days in (4, 5)
    assert (outcome.state, outcome.code) == ("down", "verified")
    assert f"certificate expires in {days} days" in outcome.detail
    assert "tls.days_remaining >= 14" in outcome.detail
    assert outcome.variables["tls"]["verified"] is True
    assert outcome.variables["tls"]["days_remaining"] == days


def test_tls_default_condition(trusted):
    with HttpServer(trusted) as secure:
        soon = run_one(tls(secure.port))
        passing = run_one(tls(secure.port, condition="tls.verified && tls.days_remaining >= 3"))
    assert soon.state == "down"  # the default asks for 14 days
    assert passing.state == "up"
    assert passing.latency_ms is not None


def test_tls_server_name(trusted):
    with HttpServer(trusted) as secure:
        named = run_one(tls(secure.port, server_name="localhost", condition="tls.verified"))
        wrong = run_one(tls(secure.port, server_name="other.test", condition="tls.verified"))
    assert named.state == "up"
    assert "localhost" in named.variables["tls"]["names"]
    assert wrong.state == "down"
    assert wrong.code == "untrusted"


def test_tls_untrusted_still_knows_the_days(untrusted):
    with HttpServer(untrusted) as secure:
        outcome = run_one(
            tls(secure.port, condition="tls.verified == false && tls.days_remaining >= 3")
        )
        default = run_one(tls(secure.port))
    assert (outcome.state, outcome.code) == ("up", "untrusted")
    variables = outcome.variables["tls"]
    assert variables["verified"] is False
    assert variables["days_remaining"] == days_left(untrusted)
    assert variables["issuer"] == "maintain test CA"
    assert variables["error"]
    assert default.state == "down"
    assert "not trusted" in default.detail


def test_tls_refused():
    with TcpServer() as gone:
        port = gone.port
    outcome = run_one(tls(port))
    assert (outcome.state, outcome.code) == ("down", "refused")
    assert "cannot connect" in outcome.detail


def test_tls_against_a_plain_server():
    with TcpServer(b"SSH-2.0-OpenSSH_9.6\r\n") as plain:
        outcome = run_one(tls(plain.port, timeout="2s"))
    assert outcome.state == "down"
    assert outcome.code in ("handshake", "refused", "timeout")


# -- tcp -----------------------------------------------------------------------------------


def test_tcp_up_refused_and_up_again():
    with TcpServer() as listening:
        up = run_one(tcp(listening.port))
        settle(listening, 1)
        listening.fail()
        refused = run_one(tcp(listening.port))
        listening.recover()
        again = run_one(tcp(listening.port))
        settle(listening, 2)
    assert (up.state, up.code) == ("up", "connected")
    assert up.detail.startswith("connected in")
    assert up.variables["tcp"]["connected"] is True
    assert (refused.state, refused.code) == ("down", "refused")
    assert refused.detail == "cannot connect: connection refused"
    assert (again.state, again.code) == ("up", "connected")


def test_tcp_condition_on_latency():
    with TcpServer() as listening:
        outcome = run_one(tcp(listening.port, condition="tcp.latency_ms < 0.0"))
        settle(listening, 1)
    assert outcome.state == "down"
    assert "condition is false" in outcome.detail


# -- dns -----------------------------------------------------------------------------------

RECORDS = {
    ("status.example.test.", "A"): ["192.0.2.10", "192.0.2.11"],
    ("status.example.test.", "TXT"): ['"v=ok"'],
    ("mail.example.test.", "MX"): ["10 mx.example.test."],
}


@pytest.fixture
def resolver():
    with DnsServer(RECORDS) as running:
        yield running


def test_dns_answers(resolver):
    outcome = run_one(dns(resolver, "status.example.test"))
    assert (outcome.state, outcome.code) == ("up", "NOERROR")
    assert "192.0.2.10" in outcome.detail
    answers = outcome.variables["dns"]
    assert answers["answers"] == ["192.0.2.10", "192.0.2.11"]
    assert answers["ttl"] == 60
    assert [q.name for q in resolver.queries] == ["status.example.test."]


@pytest.mark.parametrize(
    ("query", "fields", "state", "code"),
    [
        ("status.example.test.", {"condition": '"192.0.2.11" in dns.answers'}, "up", "NOERROR"),
        ("status.example.test", {"condition": '"192.0.2.99" in dns.answers'}, "down", "NOERROR"),
        ("status.example.test", {"record_type": "TXT"}, "up", "NOERROR"),
        ("mail.example.test", {"record_type": "MX"}, "up", "NOERROR"),
        # The name exists without the asked type: an empty NOERROR answer.
        ("status.example.test", {"record_type": "AAAA"}, "down", "NOERROR"),
        (
            "status.example.test",
            {"record_type": "AAAA", "condition": 'dns.rcode == "NOERROR"'},
            "up",
            "NOERROR",
        ),
        # NXDOMAIN is an answer; the default condition fails on it.
        ("nope.example.test", {}, "down", "NXDOMAIN"),
        ("nope.example.test", {"condition": 'dns.rcode == "NXDOMAIN"'}, "up", "NXDOMAIN"),
    ],
)
def test_dns_verdicts(resolver, query, fields, state, code):
    outcome = run_one(dns(resolver, query, **fields))
    assert (outcome.state, outcome.code) == (state, code), outcome.detail


def test_dns_nxdomain_detail(resolver):
    outcome = run_one(dns(resolver, "nope.example.test"))
    assert outcome.detail.startswith("NXDOMAIN in ")
    assert 'condition is false: dns.rcode == "NOERROR"' in outcome.detail
    assert outcome.variables["dns"]["answers"] == []


def test_dns_servfail(resolver):
    resolver.fail("servfail")
    outcome = run_one(dns(resolver, "status.example.test"))
    assert (outcome.state, outcome.code) == ("down", "SERVFAIL")
    assert outcome.variables["dns"]["rcode"] == "SERVFAIL"


def test_dns_a_truncated_answer_is_asked_again_over_tcp():
    addresses = [f"192.0.2.{n}" for n in range(1, 201)]  # too many for one UDP answer
    with DnsServer({("many.example.test.", "A"): addresses}) as server:
        outcome = run_one(dns(server, "many.example.test", condition="size(dns.answers) == 200"))
        transports = {q.transport for q in server.queries}
    assert outcome.state == "up", outcome.detail
    assert transports == {"udp", "tcp"}


@pytest.mark.parametrize("condition", ['dns.rcode != "NXDOMAIN"', 'dns.rcode == "SERVFAIL"'])
def test_dns_a_truncated_answer_without_tcp_is_a_failed_attempt(condition):
    # Before, this read as a made-up SERVFAIL answer, which a condition could pass.
    addresses = [f"192.0.2.{n}" for n in range(1, 201)]
    with DnsServer({("many.example.test.", "A"): addresses}, tcp=False) as server:
        outcome = run_one(dns(server, "many.example.test", condition=condition))
    assert (outcome.state, outcome.code) == ("down", "error")
    assert outcome.detail.startswith("no usable answer from the resolver: UDP: the answer was")
    assert "TCP: " in outcome.detail


def test_dns_a_garbled_answer_is_not_an_answer(resolver):
    resolver.fail("garble")
    outcome = run_one(
        dns(resolver, "status.example.test", timeout="300ms", condition='dns.rcode != "NXDOMAIN"')
    )
    assert outcome.state == "down"
    assert outcome.code in ("timeout", "error")
    assert resolver.count >= 1


def test_dns_silent_resolver_times_out(resolver):
    resolver.fail("silent")
    started = time.monotonic()
    outcome = run_one(dns(resolver, "status.example.test", timeout="200ms"))
    assert (outcome.state, outcome.code) == ("down", "timeout")
    assert "no answer" in outcome.detail
    assert time.monotonic() - started < 2
    assert resolver.count >= 1


# -- one probe's surprise is not everyone's ------------------------------------------------


def test_an_unknown_charset_does_not_stop_the_run(server):
    server.headers = {"Content-Type": "text/plain; charset=no-such-charset"}
    server.body = "plain"
    outcome = run_one(http(server.url + "/"))
    assert outcome.code == "200"
    assert outcome.state == "up"


def test_every_type_in_one_run(server, resolver):
    with TcpServer() as listening:
        outcomes = run(
            http(server.url + "/"),
            tcp(listening.port),
            dns(resolver, "status.example.test"),
            concurrency=2,
        )
        settle(listening, 1)
    assert [o.state for o in outcomes] == ["up", "up", "up"]


def test_every_probe_type_has_an_observer():
    from typing import get_args

    from maintain_repo.model.probes import ProbeType
    from maintain_repo.probes.run import PROBES

    assert set(PROBES) == set(get_args(ProbeType))
