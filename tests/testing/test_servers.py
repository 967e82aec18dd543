"""The loopback servers probes are tested against, driven by real clients: urllib, aiohttp,
ssl sockets, plain sockets and dnspython, plus the command line in a child process."""

from __future__ import annotations

import asyncio
import json
import resource
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import dns.exception
import dns.message
import dns.query
import dns.rcode
import pytest

from maintain_repo.testing.certs import Certificate
from maintain_repo.testing.servers import DnsServer, HttpServer, TcpServer

NAME = "status.example.test."


def get(
    url: str, timeout: float = 2.0, context: ssl.SSLContext | None = None, **kwargs: Any
) -> tuple[int, bytes, dict[str, str]]:
    """Status, body and headers of a request (a GET unless `data`), error statuses included."""
    request = urllib.request.Request(url, **kwargs)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read(), dict(error.headers)


def server_threads() -> list[str]:
    names = {"HttpServer", "TcpServer", "DnsServer"}
    return [thread.name for thread in threading.enumerate() if thread.name in names]


def refused(address: tuple[str, int]) -> bool:
    try:
        socket.create_connection(address, timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


# -- HTTP -------------------------------------------------------------------------------------


def test_http_answers_healthy_and_records_each_request() -> None:
    with HttpServer() as server:
        assert server.url == f"http://127.0.0.1:{server.port}"
        auth = {"Authorization": "Bearer s3cret"}
        status, body, headers = get(server.url + "/health?full=1", headers=auth)
        get(server.url + "/submit", data=b"payload")  # a POST

    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert headers["Content-Type"] == "application/json"
    assert server.count == 2
    first, second = server.requests
    assert (first.method, first.path, first.query) == ("GET", "/health", "full=1")
    assert first.headers["authorization"] == "Bearer s3cret"  # looked up case-insensitively
    assert (second.method, second.path, second.body) == ("POST", "/submit", b"payload")
    server.clear()
    assert server.requests == []


def test_http_controls_change_while_running() -> None:
    with HttpServer() as server:
        server.status, server.body, server.headers = 500, "broken", {"Retry-After": "7"}
        status, body, headers = get(server.url)
        assert (status, body, headers["Retry-After"]) == (500, b"broken", "7")
        assert headers["Content-Type"].startswith("text/plain")

        server.status, server.body = 200, b'{"version": 2}'
        server.override("/ready", status=404, body="nope")
        assert get(server.url + "/ready")[:2] == (404, b"nope")
        assert get(server.url + "/other")[:2] == (200, b'{"version": 2}')
        server.clear_overrides()
        assert get(server.url + "/ready")[0] == 200

        live: Any = server.headers
        with pytest.raises(TypeError):
            live["X-Mutated"] = "1"  # read-only: a silent no-op would mislead a test
        with pytest.raises(ValueError):
            server.fail("slow")  # type: ignore[arg-type]
        with pytest.raises(ValueError):
            server.delay = -1
        with pytest.raises(ValueError):
            server.status = 101


def test_http_fail_modes_and_recover() -> None:
    with HttpServer() as server:
        server.fail("status")
        status, body, _ = get(server.url)
        assert (status, json.loads(body)) == (503, {"status": "unavailable"})

        server.fail("reset")
        with pytest.raises(ConnectionResetError):
            get(server.url)

        server.fail("hang")
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            get(server.url, timeout=0.2)
        assert time.monotonic() - started < 1.0

        server.recover()
        assert get(server.url)[0] == 200
        assert server.count == 4  # the failed requests arrived too


def test_http_delay_does_not_block_a_thousand_concurrent_requests() -> None:
    _allow_files(2_500)  # 1,000 client and 1,000 server sockets in this one process

    async def burst(url: str) -> list[tuple[int, float]]:
        async def one(session: aiohttp.ClientSession) -> tuple[int, float]:
            started = time.monotonic()
            async with session.get(url) as response:
                await response.read()
                return response.status, time.monotonic() - started

        connector = aiohttp.TCPConnector(limit=0)
        async with aiohttp.ClientSession(connector=connector) as session:
            return await asyncio.gather(*(one(session) for _ in range(1_000)))

    with HttpServer(delay=0.2) as server:
        started = time.monotonic()
        results = asyncio.run(burst(server.url))
        elapsed = time.monotonic() - started

    assert {status for status, _ in results} == {200}
    assert min(latency for _, latency in results) >= 0.2
    assert elapsed < 3.0  # one after another would take 200 s
    assert server.count == 1_000


def _allow_files(needed: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))


def test_the_server_can_run_on_the_callers_event_loop() -> None:
    async def scenario() -> list[int]:
        statuses = []
        async with HttpServer() as http, TcpServer() as tcp, aiohttp.ClientSession() as session:
            http.fail("status")
            async with session.get(http.url) as response:
                statuses.append(response.status)
            tcp.fail()
            await asyncio.sleep(0)  # from the loop itself, the control runs at the next await
            with pytest.raises(ConnectionRefusedError):
                await asyncio.open_connection(*tcp.address)
            tcp.recover()
            _, writer = await asyncio.open_connection(*tcp.address)
            writer.close()
            await writer.wait_closed()
        return statuses

    assert asyncio.run(scenario()) == [503]


# -- HTTPS ------------------------------------------------------------------------------------


def _handshake(port: int, context: ssl.SSLContext) -> dict[str, Any]:
    with (
        socket.create_connection(("127.0.0.1", port), timeout=2) as raw,
        context.wrap_socket(raw, server_hostname="127.0.0.1") as tls,
    ):
        return dict(tls.getpeercert() or {})


def test_https_is_trusted_through_the_generated_ca(tmp_path: Path) -> None:
    cert = Certificate(tmp_path, days_valid=5, issuer="Loopback Test CA")
    with HttpServer(tls=cert) as server:
        assert server.url.startswith("https://127.0.0.1:")
        peer = _handshake(server.port, ssl.create_default_context(cafile=cert.ca_path))
        with pytest.raises(ssl.SSLCertVerificationError):
            _handshake(server.port, ssl.create_default_context())
        status, body, _ = get(server.url, context=cert.client_context())

    assert (status, body) == (200, b'{"status":"ok"}')
    not_after = datetime.fromtimestamp(ssl.cert_time_to_seconds(peer["notAfter"]), UTC)
    assert not_after == cert.not_after
    assert abs(not_after - datetime.now(UTC) - timedelta(days=5)) < timedelta(minutes=1)
    assert dict(name[0] for name in peer["issuer"])["commonName"] == "Loopback Test CA"
    assert ("IP Address", "127.0.0.1") in peer["subjectAltName"]
    assert ("DNS", "localhost") in peer["subjectAltName"]
    assert cert.ca_path.read_bytes() == cert.ca_pem


def test_ssl_cert_file_trusts_the_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    cert = Certificate()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert.ca_path))
    with HttpServer(tls=cert) as server:
        peer = _handshake(server.port, ssl.create_default_context())
    assert peer["subject"]


def test_an_expired_certificate_fails_verification() -> None:
    ended = datetime.now(UTC) - timedelta(days=1)
    cert = Certificate(not_after=ended, days_valid=10)
    assert cert.not_before == (ended - timedelta(days=10)).replace(microsecond=0)
    with HttpServer(tls=cert) as server, pytest.raises(ssl.SSLCertVerificationError) as caught:
        _handshake(server.port, cert.client_context())
    assert "expired" in caught.value.verify_message


def test_https_reset_ends_the_connection_without_an_answer() -> None:
    cert = Certificate()
    with HttpServer(tls=cert) as server:
        server.fail("reset")
        # After the request arrived; OpenSSL may report the RST as an EOF without close_notify.
        with pytest.raises((ConnectionResetError, ssl.SSLEOFError)):
            get(server.url, context=cert.client_context())
        assert server.count == 1
        server.recover()
        assert get(server.url, context=cert.client_context())[0] == 200


def test_https_refuse_stops_listening_and_recover_listens_on_the_same_port() -> None:
    cert = Certificate()
    with HttpServer(tls=cert) as server:
        port = server.port
        server.fail("refuse")
        assert refused(server.address)  # no connection, so no TLS handshake either
        server.fail("status")  # another mode listens again
        assert get(server.url, context=cert.client_context())[0] == 503
        server.fail("refuse")
        server.recover()
        assert server.port == port
        assert get(server.url, context=cert.client_context())[0] == 200


def test_certificate_validity_is_checked() -> None:
    now = datetime.now(UTC)
    with pytest.raises(ValueError):
        Certificate(not_before=now, not_after=now - timedelta(days=1))
    with pytest.raises(ValueError):
        Certificate(not_after=datetime(2030, 1, 1))  # naive: no time zone


# -- TCP --------------------------------------------------------------------------------------


def test_tcp_refuses_after_fail_and_accepts_again_on_the_same_port() -> None:
    with TcpServer(banner="220 ready\r\n") as server:
        port = server.port
        with socket.create_connection(server.address, timeout=1) as client:
            assert client.recv(64) == b"220 ready\r\n"
            server.fail()
            assert client.recv(64) == b""  # the open connection went down too
        assert server.failing
        assert refused(server.address)

        server.recover()
        assert server.port == port
        with socket.create_connection(server.address, timeout=1) as client:
            assert client.recv(64) == b"220 ready\r\n"
        assert server.connections == 2


def test_tcp_delay_holds_the_banner() -> None:
    with TcpServer(banner=b"hi", delay=0.2) as server:
        started = time.monotonic()
        with socket.create_connection(server.address, timeout=2) as client:
            assert client.recv(2) == b"hi"
        assert time.monotonic() - started >= 0.2


# -- DNS --------------------------------------------------------------------------------------


def _ask(
    server: DnsServer, name: str, rdtype: str = "A", *, tcp: bool = False, timeout: float = 1.0
) -> Any:
    query = dns.message.make_query(name, rdtype)
    ask = dns.query.tcp if tcp else dns.query.udp
    return ask(query, "127.0.0.1", port=server.port, timeout=timeout)


def test_dns_answers_from_its_records() -> None:
    with DnsServer({(NAME, "A"): ["192.0.2.10", "192.0.2.11"]}) as server:
        udp, tcp = _ask(server, NAME), _ask(server, NAME, tcp=True)
        nxdomain = _ask(server, "missing.example.test.")
        nodata = _ask(server, NAME, "AAAA")
        server.set("api.example.test", "CNAME", ["status.example.test"])
        alias = _ask(server, "api.example.test.")
        server.records = {("status.example.test", "a"): ["198.51.100.7"]}
        changed = _ask(server, NAME)

    assert sorted(r.address for r in udp.answer[0]) == ["192.0.2.10", "192.0.2.11"]
    assert tcp.answer == udp.answer
    assert nxdomain.rcode() == dns.rcode.NXDOMAIN
    assert (nodata.rcode(), nodata.answer) == (dns.rcode.NOERROR, [])
    assert alias.answer[0][0].target.to_text() == NAME
    assert [r.address for r in changed.answer[0]] == ["198.51.100.7"]
    assert [(q.name, q.rdtype, q.transport) for q in server.queries[:4]] == [
        (NAME, "A", "udp"),
        (NAME, "A", "tcp"),
        ("missing.example.test.", "A", "udp"),
        (NAME, "AAAA", "udp"),
    ]
    assert server.records == {(NAME, "A"): ["198.51.100.7"]}


def test_dns_fail_modes_and_recover() -> None:
    with DnsServer({(NAME, "A"): ["192.0.2.10"]}) as server:
        server.fail("servfail")
        assert _ask(server, NAME).rcode() == dns.rcode.SERVFAIL
        server.fail("silent")
        for tcp in (False, True):
            with pytest.raises(dns.exception.Timeout):
                _ask(server, NAME, tcp=tcp, timeout=0.1)
        server.recover()
        assert _ask(server, NAME).rcode() == dns.rcode.NOERROR
        server.delay = 0.1
        started = time.monotonic()
        assert _ask(server, NAME).answer
        assert time.monotonic() - started >= 0.1
        assert server.count == 5
        with pytest.raises(ValueError):
            server.fail("refused")  # type: ignore[arg-type]
        with pytest.raises(dns.exception.SyntaxError):
            server.records = {(NAME, "A"): ["not an address"]}


# -- lifecycle --------------------------------------------------------------------------------


def test_stop_closes_the_sockets_and_ends_the_thread() -> None:
    servers = [HttpServer(), TcpServer(), DnsServer()]
    for server in servers:
        server.start()
        with pytest.raises(RuntimeError):
            server.start()
    assert len(server_threads()) == 3
    for server in servers:
        server.stop()
        server.stop()  # idempotent
        assert not server.running
    assert server_threads() == []
    assert refused(servers[0].address)
    assert refused(servers[1].address)


# -- command line -----------------------------------------------------------------------------


def _spawn(*args: str) -> tuple[subprocess.Popen[bytes], dict[str, Any]]:
    child = subprocess.Popen(
        [sys.executable, "-m", "maintain_repo.testing.servers", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert child.stdout is not None
    return child, json.loads(child.stdout.readline())


def test_cli_serves_http_until_sigterm() -> None:
    child, announced = _spawn("http", "--count", "3", "--delay", "0.05")
    try:
        urls = announced["urls"]
        assert len(set(urls)) == 3
        for url in urls:
            started = time.monotonic()
            assert get(url)[:2] == (200, b'{"status":"ok"}')
            assert time.monotonic() - started >= 0.05
        child.terminate()
        assert child.wait(timeout=5) == 0
    finally:
        _reap(child)
    assert all(refused(("127.0.0.1", port)) for port in announced["ports"])


def test_cli_stops_when_its_stdin_closes() -> None:
    child, announced = _spawn("tcp", "--banner", "hello")
    try:
        [address] = announced["addresses"]
        host, port = address.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=2) as client:
            assert client.recv(5) == b"hello"
        assert child.stdin is not None
        child.stdin.close()
        assert child.wait(timeout=5) == 0
    finally:
        _reap(child)


def _reap(child: subprocess.Popen[bytes]) -> None:
    if child.poll() is None:
        child.kill()
        child.wait()
    for stream in (child.stdin, child.stdout):
        if stream is not None:
            stream.close()
