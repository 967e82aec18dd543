"""Loopback servers that network probes are tested and benchmarked against: HTTP(S), TCP
and DNS on 127.0.0.1, with latency and failures switched on and off while they run.

This module owns those servers -- their sockets, the private event loop each runs in a
daemon thread, their controls and what they record -- and the command line that runs
them in a separate process for benchmarks:

    python -m maintain_repo.testing.servers http --count N --delay 0.1

prints one JSON line (`{"urls": [...], ...}`) once every server listens, then serves until
SIGTERM, SIGINT or the end of its stdin (when stdin is a pipe). Nothing binds beyond
127.0.0.1. The TLS material comes from `maintain_repo.testing.certs`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import email.utils
import json
import math
import os
import resource
import signal
import socket
import stat
import struct
import sys
import threading
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from types import MappingProxyType, TracebackType
from typing import Any, Literal, Self, get_args

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from maintain_repo.testing.certs import Certificate

HOST = "127.0.0.1"
HttpFailure = Literal["status", "hang", "reset", "refuse"]
DnsFailure = Literal["servfail", "silent"]
DEFAULT_BODY = b'{"status":"ok"}'
UNAVAILABLE_BODY = b'{"status":"unavailable"}'

_BACKLOG = 4096  # a burst of 1,000 probes must not overflow the accept queue
_TIMEOUT = 10.0  # how long start(), stop() and the controls wait for a server's loop
_CLOSE_GRACE = 1.0  # how long a closing connection may take to say goodbye (TLS)
_PORT_ATTEMPTS = 20  # tries to find a port free for both UDP and TCP (DNS)

StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]


# -- running on a loop ----------------------------------------------------------------------


class _LoopServer:
    """Start/stop plumbing shared by the servers.

    `start()` (or `with`) runs the server on a private event loop in a daemon thread, so
    synchronous tests and asyncio clients on another loop can both use it; `await open()`
    (or `async with`) runs it on the caller's loop instead. Controls work from any thread.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._port = 0
        # Touched only on the server's loop.
        self._listeners: list[asyncio.Server] = []
        self._connections: dict[asyncio.Task[Any], asyncio.StreamWriter] = {}
        self._tasks: set[asyncio.Task[Any]] = set()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError(f"{type(self).__name__} has not started")
        return self._port

    @property
    def address(self) -> tuple[str, int]:
        return HOST, self.port

    @property
    def running(self) -> bool:
        return self._loop is not None

    def start(self) -> Self:
        """Serve from a daemon thread with its own event loop; `stop()` ends both."""
        if self._loop is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        loop = asyncio.new_event_loop()
        thread = threading.Thread(
            target=_run_loop, args=(loop,), name=type(self).__name__, daemon=True
        )
        thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self.open(), loop).result(_TIMEOUT)
        except BaseException:
            _halt(loop, thread)
            self._loop = None
            raise
        self._thread = thread
        return self

    def stop(self) -> None:
        """Close every socket, then end the thread (idempotent)."""
        loop, thread = self._loop, self._thread
        if loop is None:
            return
        if thread is None:
            raise RuntimeError("opened with `await open()`: close it with `await aclose()`")
        try:
            asyncio.run_coroutine_threadsafe(self._finish(), loop).result(_TIMEOUT)
        finally:
            self._loop = self._thread = None
            _halt(loop, thread)

    async def _finish(self) -> None:
        """Close, then cancel what is left on our private loop: a connection accepted just
        before the listener closed (a TLS handshake in flight, say) is still in asyncio's
        hands, and cancelling it closes its socket."""
        await self.aclose()
        rest = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    async def open(self) -> None:
        """Serve on the running (the caller's) event loop until `aclose()`."""
        if self._loop is not None:
            raise RuntimeError(f"{type(self).__name__} is already running")
        self._loop = asyncio.get_running_loop()
        try:
            await self._open()
        except BaseException:
            await self._close()
            self._loop = None
            raise

    async def aclose(self) -> None:
        if self._loop is None:
            return
        try:
            await self._close()
        finally:
            self._loop = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _open(self) -> None:
        raise NotImplementedError

    async def _close(self) -> None:
        self._stop_listening()
        await self._drop_connections()

    def _on_loop(self, action: Callable[[], Coroutine[Any, Any, None]]) -> None:
        """Run `action` on the server's loop: wait for it from another thread; from the loop
        itself, schedule it (it runs at the caller's next await)."""
        loop = self._running_loop()
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        if current is loop:
            self._spawn(action())
        else:
            asyncio.run_coroutine_threadsafe(action(), loop).result(_TIMEOUT)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return self._loop

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)  # a reference, or the task may be collected mid-flight
        task.add_done_callback(self._tasks.discard)

    async def _listen_on(
        self, sock: socket.socket, converse: StreamHandler, tls: Certificate | None = None
    ) -> None:
        """Accept streams on a bound, listening socket; each runs `converse`."""
        try:
            server = await asyncio.start_server(
                lambda reader, writer: self._accept(reader, writer, converse),
                sock=sock,
                backlog=_BACKLOG,
                ssl=tls.server_context() if tls is not None else None,
            )
        except BaseException:
            sock.close()
            raise
        self._listeners.append(server)

    def _stop_listening(self) -> None:
        for server in self._listeners:
            server.close()  # closes the listening socket now; new connections are refused
        self._listeners.clear()

    def _accept(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, converse: StreamHandler
    ) -> None:
        # Our own task, not one start_server makes from a coroutine: Python 3.11 calls
        # exception() on that one when it ends, which raises if stop() cancelled it.
        task = asyncio.get_running_loop().create_task(self._connection(reader, writer, converse))
        self._connections[task] = writer
        task.add_done_callback(self._connections.pop)

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, converse: StreamHandler
    ) -> None:
        try:
            await converse(reader, writer)
        except (OSError, EOFError, ValueError, asyncio.LimitOverrunError):
            pass  # the client left, or spoke nonsense: the conversation is over either way
        finally:
            await _shut(writer)

    async def _drop_connections(self) -> None:
        """Abort every open connection and cancel every task serving one."""
        for writer in self._connections.values():
            writer.transport.abort()
        tasks = [*self._connections, *self._tasks]
        tasks = [task for task in tasks if task is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _run_loop(loop: asyncio.AbstractEventLoop) -> None:
    try:
        loop.run_forever()
    finally:
        loop.run_until_complete(_cancel_pending())
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


async def _cancel_pending() -> None:
    """Whatever is still pending (a start() that timed out, say) is cancelled, not leaked."""
    pending = asyncio.all_tasks() - {asyncio.current_task()}
    for task in pending:
        task.cancel()
    await asyncio.gather(*pending, return_exceptions=True)


def _halt(loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
    loop.call_soon_threadsafe(loop.stop)
    thread.join(_TIMEOUT)


async def _shut(writer: asyncio.StreamWriter) -> None:
    """Close gracefully (TLS says close_notify), but never wait long for a peer that is gone."""
    writer.close()
    try:
        async with asyncio.timeout(_CLOSE_GRACE):
            await writer.wait_closed()
    except (OSError, TimeoutError):
        writer.transport.abort()


def _listen(port: int = 0) -> socket.socket:
    """A listening TCP socket on 127.0.0.1:port (0: any free port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        # Lets recover() listen again on a port whose old connections linger in TIME_WAIT.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((HOST, port))
        sock.listen(_BACKLOG)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


async def _until_eof(reader: asyncio.StreamReader) -> None:
    while await reader.read(65536):
        pass


def _seconds(value: float) -> float:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"a delay is a finite number of seconds >= 0, not {value!r}")
    return float(value)


def _bytes(value: bytes | str) -> bytes:
    return value.encode() if isinstance(value, str) else bytes(value)


def _mode(mode: str, allowed: Any) -> None:
    if mode not in get_args(allowed):
        raise ValueError(f"unknown failure mode {mode!r}: one of {', '.join(get_args(allowed))}")


# -- HTTP -----------------------------------------------------------------------------------


class Headers(Mapping[str, str]):
    """Request headers, looked up case-insensitively; a repeated field's values joined by ", "."""

    def __init__(self, fields: Iterable[tuple[str, str]] = ()) -> None:
        self._fields: dict[str, tuple[str, str]] = {}
        for name, value in fields:
            earlier = self._fields.get(name.lower())
            joined = (earlier[0], f"{earlier[1]}, {value}") if earlier else (name, value)
            self._fields[name.lower()] = joined

    def __getitem__(self, name: str) -> str:
        return self._fields[name.lower()][1]

    def __iter__(self) -> Iterator[str]:
        return (name for name, _ in self._fields.values())

    def __len__(self) -> int:
        return len(self._fields)

    def __repr__(self) -> str:
        return f"Headers({dict(self.items())!r})"


@dataclass(frozen=True, slots=True)
class Received:
    """One request as the HTTP server read it."""

    method: str
    path: str  # without the query
    query: str  # after "?", "" when none
    headers: Headers
    body: bytes


@dataclass(frozen=True, slots=True)
class _Answer:
    """How the HTTP server answers: one immutable snapshot that the controls swap whole."""

    status: int = 200
    body: bytes = DEFAULT_BODY
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    delay: float = 0.0
    failure: HttpFailure | None = None


class HttpServer(_LoopServer):
    """HTTP/1.1 (HTTPS with `tls`) on 127.0.0.1: answers every path with `status`, `body`
    and `headers` after `delay` seconds, or fails as `fail(mode)` says.

    Modes: "status" answers 503, "hang" never answers (until the client gives up),
    "reset" closes the connection with a TCP RST instead of answering, "refuse" stops
    listening (no connection, no TLS handshake) until `recover()`. `override(path, ...)`
    answers one path differently. `requests` is what arrived, oldest first.
    """

    def __init__(
        self,
        tls: Certificate | None = None,
        *,
        status: int = 200,
        body: bytes | str = DEFAULT_BODY,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
    ) -> None:
        super().__init__()
        self._tls = tls
        self._answer = _Answer(
            **_status(status),
            **_body(body),
            headers=MappingProxyType(dict(headers or {})),
            delay=_seconds(delay),
        )
        self._overrides: dict[str, dict[str, Any]] = {}
        self._received: list[Received] = []

    @property
    def url(self) -> str:
        """The base URL, without a trailing slash: `server.url + "/health"`."""
        return f"{'https' if self._tls else 'http'}://{HOST}:{self.port}"

    @property
    def tls(self) -> Certificate | None:
        return self._tls

    @property
    def status(self) -> int:
        return self._answer.status

    @status.setter
    def status(self, status: int) -> None:
        self._update(**_status(status))

    @property
    def body(self) -> bytes:
        return self._answer.body

    @body.setter
    def body(self, body: bytes | str) -> None:
        self._update(**_body(body))

    @property
    def headers(self) -> Mapping[str, str]:
        """Extra response headers (read-only: assign a new dict to change them)."""
        return self._answer.headers

    @headers.setter
    def headers(self, headers: Mapping[str, str]) -> None:
        self._update(headers=MappingProxyType(dict(headers)))

    @property
    def delay(self) -> float:
        return self._answer.delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self._update(delay=_seconds(seconds))

    @property
    def failure(self) -> HttpFailure | None:
        return self._answer.failure

    def fail(self, mode: HttpFailure = "status") -> None:
        """Fail every request from now on; "refuse" stops listening (connections are
        refused, no TLS handshake happens) until `recover()` listens on the same port."""
        _mode(mode, HttpFailure)
        if mode == "refuse" and self._answer.failure != "refuse":
            self._on_loop(self._close)
        elif mode != "refuse" and self._answer.failure == "refuse":
            self._listen_again()
        self._update(failure=mode)

    def recover(self) -> None:
        """Stop failing (status, body, headers and delay stay as they are)."""
        if self._answer.failure == "refuse":
            self._listen_again()
        self._update(failure=None)

    def _listen_again(self) -> None:
        self._running_loop()
        sock = _listen(self._port)  # bound here, so a busy port raises to the caller
        self._on_loop(lambda: self._listen_on(sock, self._converse, self._tls))

    def override(
        self,
        path: str,
        *,
        status: int | None = None,
        body: bytes | str | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float | None = None,
        failure: HttpFailure | None = None,
    ) -> None:
        """Answer `path` (exactly, without the query) differently; unset fields follow the
        server-wide controls."""
        changes: dict[str, Any] = {
            **(_status(status) if status is not None else {}),
            **(_body(body) if body is not None else {}),
            **({"headers": MappingProxyType(dict(headers))} if headers is not None else {}),
            **({"delay": _seconds(delay)} if delay is not None else {}),
        }
        if failure is not None:
            _mode(failure, HttpFailure)
            changes["failure"] = failure
        with self._lock:
            self._overrides = {**self._overrides, path: changes}

    def clear_overrides(self) -> None:
        with self._lock:
            self._overrides = {}

    @property
    def requests(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._received)

    def clear(self) -> None:
        """Forget the requests received so far."""
        with self._lock:
            self._received.clear()

    def _update(self, **changes: Any) -> None:
        with self._lock:
            self._answer = replace(self._answer, **changes)

    def _answer_for(self, path: str) -> _Answer:
        answer, overrides = self._answer, self._overrides  # each swapped whole, never mutated
        changes = overrides.get(path)
        return replace(answer, **changes) if changes else answer

    async def _open(self) -> None:
        sock = _listen()
        self._port = sock.getsockname()[1]
        await self._listen_on(sock, self._converse, self._tls)

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        keep_alive = True
        while keep_alive:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, version, headers = _parse_head(head)
            if "transfer-encoding" in headers:
                raise ValueError("chunked request bodies are not supported")
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            path, _, query = target.partition("?")
            with self._lock:
                self._received.append(Received(method, path, query, headers, body))
            keep_alive = _keeps_alive(version, headers)
            keep_alive = await self._respond(method, path, keep_alive, reader, writer)

    async def _respond(
        self,
        method: str,
        path: str,
        keep_alive: bool,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
    ) -> bool:
        """Answer one request; False when the connection must end."""
        answer = self._answer_for(path)
        if answer.delay:
            await asyncio.sleep(answer.delay)
        if answer.failure == "hang":
            await _until_eof(reader)
            return False
        if answer.failure in ("reset", "refuse"):  # one path cannot refuse: it resets
            _reset(writer)
            return False
        if answer.failure == "status":
            answer = _Answer(status=503, body=UNAVAILABLE_BODY)
        writer.write(_render(answer, head_only=method == "HEAD", keep_alive=keep_alive))
        await writer.drain()
        return keep_alive


def _status(status: int) -> dict[str, Any]:
    if not 200 <= status <= 599:
        raise ValueError(f"a final HTTP status is between 200 and 599, not {status}")
    return {"status": status}


def _body(body: bytes | str) -> dict[str, Any]:
    data = _bytes(body)
    try:
        json.loads(data)
    except ValueError:
        return {"body": data, "content_type": "text/plain; charset=utf-8"}
    return {"body": data, "content_type": "application/json"}


def _parse_head(head: bytes) -> tuple[str, str, str, Headers]:
    """Request line and header fields; ValueError when it is not HTTP/1.x."""
    request_line, *lines = head.decode("latin-1").split("\r\n")
    method, target, version = request_line.split(" ")
    if not version.startswith("HTTP/1."):
        raise ValueError(f"not HTTP/1.x: {request_line!r}")
    fields = []
    for line in filter(None, lines):
        name, colon, value = line.partition(":")
        if not colon:
            raise ValueError(f"not a header field: {line!r}")
        fields.append((name.strip(), value.strip()))
    return method, target, version, Headers(fields)


def _keeps_alive(version: str, headers: Headers) -> bool:
    connection = headers.get("connection", "").lower()
    if version == "HTTP/1.0":
        return connection == "keep-alive"
    return connection != "close"


def _render(answer: _Answer, *, head_only: bool, keep_alive: bool) -> bytes:
    no_body = answer.status in (204, 304)
    fields = {
        "date": ("Date", email.utils.formatdate(usegmt=True)),
        "server": ("Server", "maintain-testing"),
        "content-type": ("Content-Type", answer.content_type),
    }
    fields.update((name.lower(), (name, value)) for name, value in answer.headers.items())
    # Framing is the server's, never a control's: a wrong length would break the connection.
    if not no_body:
        fields["content-length"] = ("Content-Length", str(len(answer.body)))
    fields["connection"] = ("Connection", "keep-alive" if keep_alive else "close")
    lines = [f"HTTP/1.1 {answer.status} {_reason(answer.status)}"]
    lines += [f"{name}: {value}" for name, value in fields.values()]
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head if head_only or no_body else head + answer.body


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _reset(writer: asyncio.StreamWriter) -> None:
    """Close with a TCP RST (SO_LINGER 0), as a crashed or overloaded server would."""
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


# -- TCP ------------------------------------------------------------------------------------


class TcpServer(_LoopServer):
    """Accepts TCP connections on 127.0.0.1, writes `banner` (if any) after `delay`
    seconds, and holds each connection open until the client closes it.

    `fail()` closes the listening socket and every connection, so connections are refused;
    `recover()` listens again on the same port. `connections` counts those accepted.
    """

    def __init__(self, banner: bytes | str | None = None, *, delay: float = 0.0) -> None:
        super().__init__()
        self._banner = _bytes(banner) if banner is not None else b""
        self._delay = _seconds(delay)
        self._failing = False
        self._accepted = 0

    @property
    def banner(self) -> bytes:
        return self._banner

    @banner.setter
    def banner(self, banner: bytes | str | None) -> None:
        self._banner = _bytes(banner) if banner is not None else b""

    @property
    def delay(self) -> float:
        return self._delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self._delay = _seconds(seconds)

    @property
    def failing(self) -> bool:
        return self._failing

    @property
    def connections(self) -> int:
        with self._lock:
            return self._accepted

    def fail(self) -> None:
        """Stop listening and drop every connection: new connections are refused."""
        if not self._failing:
            self._on_loop(self._close)
            self._failing = True

    def recover(self) -> None:
        """Listen again, on the same port."""
        if not self._failing:
            return
        self._running_loop()
        sock = _listen(self._port)  # bound here, so a busy port raises to the caller
        self._on_loop(lambda: self._listen_on(sock, self._greet))
        self._failing = False

    async def _open(self) -> None:
        sock = _listen()
        self._port = sock.getsockname()[1]
        self._failing = False
        await self._listen_on(sock, self._greet)

    async def _greet(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self._accepted += 1
        if self._delay:
            await asyncio.sleep(self._delay)
        if self._banner:
            writer.write(self._banner)
            await writer.drain()
        await _until_eof(reader)


# -- DNS ------------------------------------------------------------------------------------

Records = Mapping[tuple[str, str], Sequence[str]]
_RRsets = dict[tuple[dns.name.Name, dns.rdatatype.RdataType], dns.rrset.RRset]


@dataclass(frozen=True, slots=True)
class Query:
    """One DNS question as the server received it."""

    name: str  # absolute, as asked: "status.example.test."
    rdtype: str  # "A", "AAAA", ...
    transport: Literal["udp", "tcp"]


@dataclass(frozen=True, slots=True)
class _Zone:
    """What the DNS server answers from: one immutable snapshot, swapped whole."""

    records: Mapping[tuple[str, str], tuple[str, ...]]
    rrsets: _RRsets
    names: frozenset[dns.name.Name]


class DnsServer(_LoopServer):
    """DNS over UDP (and TCP, on the same port) on 127.0.0.1, answering from `records`:
    `{("status.example.test.", "A"): ["192.0.2.10"]}`. A name it lacks is NXDOMAIN; a name
    it has without the asked type is an empty NOERROR answer.

    `fail("servfail")` answers SERVFAIL, `fail("silent")` drops queries (clients time
    out); `recover()` answers again. `queries` is what arrived, oldest first.
    """

    def __init__(
        self,
        records: Records | None = None,
        *,
        ttl: int = 60,
        delay: float = 0.0,
        tcp: bool = True,
    ) -> None:
        super().__init__()
        self._ttl = ttl
        self._zone = _compile(records or {}, ttl)
        self._delay = _seconds(delay)
        self._failure: DnsFailure | None = None
        self._tcp = tcp
        self._queries: list[Query] = []
        self._udp: asyncio.DatagramTransport | None = None

    @property
    def records(self) -> dict[tuple[str, str], list[str]]:
        return {key: list(values) for key, values in self._zone.records.items()}

    @records.setter
    def records(self, records: Records) -> None:
        zone = _compile(records, self._ttl)  # a bad record raises here, not at query time
        with self._lock:
            self._zone = zone

    def set(self, name: str, rdtype: str, values: Sequence[str]) -> None:
        """Add or replace one name's records of one type (empty `values`: no such records)."""
        with self._lock:
            self._zone = _compile({**self._zone.records, (name, rdtype): values}, self._ttl)

    @property
    def delay(self) -> float:
        return self._delay

    @delay.setter
    def delay(self, seconds: float) -> None:
        self._delay = _seconds(seconds)

    @property
    def failure(self) -> DnsFailure | None:
        return self._failure

    def fail(self, mode: DnsFailure = "servfail") -> None:
        _mode(mode, DnsFailure)
        self._failure = mode

    def recover(self) -> None:
        self._failure = None

    @property
    def queries(self) -> list[Query]:
        with self._lock:
            return list(self._queries)

    @property
    def count(self) -> int:
        with self._lock:
            return len(self._queries)

    def clear(self) -> None:
        with self._lock:
            self._queries.clear()

    async def _open(self) -> None:
        udp, tcp = _dns_sockets(self._tcp)
        self._port = udp.getsockname()[1]
        try:
            transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
                lambda: _Datagrams(self._datagram), sock=udp
            )
        except BaseException:
            udp.close()
            if tcp is not None:
                tcp.close()
            raise
        self._udp = transport
        if tcp is not None:
            await self._listen_on(tcp, self._converse)

    async def _close(self) -> None:
        await super()._close()  # cancels pending answers before their transport closes
        if self._udp is not None:
            self._udp.close()
            self._udp = None

    def _datagram(self, data: bytes, peer: Any) -> None:
        reply = self._reply(data, "udp")
        if reply is not None:
            self._spawn(self._send_later(reply, peer))

    async def _send_later(self, reply: bytes, peer: Any) -> None:
        if self._delay:
            await asyncio.sleep(self._delay)
        if self._udp is not None:
            self._udp.sendto(reply, peer)

    async def _converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            (size,) = struct.unpack("!H", await reader.readexactly(2))
            reply = self._reply(await reader.readexactly(size), "tcp")
            if reply is None:
                continue  # silent: the client waits until it gives up
            if self._delay:
                await asyncio.sleep(self._delay)
            writer.write(struct.pack("!H", len(reply)) + reply)
            await writer.drain()

    def _reply(self, wire: bytes, transport: Literal["udp", "tcp"]) -> bytes | None:
        """The answer to one message; None: say nothing (not DNS, or failing silently)."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        zone, failure = self._zone, self._failure
        question = query.question[0] if query.question else None
        if question is not None:
            asked = Query(
                question.name.to_text(), dns.rdatatype.to_text(question.rdtype), transport
            )
            with self._lock:
                self._queries.append(asked)
        if failure == "silent":
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if failure == "servfail":
            response.set_rcode(dns.rcode.SERVFAIL)
        elif question is None:
            response.set_rcode(dns.rcode.FORMERR)
        else:
            _resolve(response, question, zone)
        return response.to_wire(max_size=_max_size(query, transport), prefer_truncation=True)


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, received: Callable[[bytes, Any], None]) -> None:
        self._received = received

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self._received(data, addr)


def _compile(records: Records, ttl: int) -> _Zone:
    rrsets: _RRsets = {}
    texts: dict[tuple[str, str], tuple[str, ...]] = {}
    for (name, rdtype), values in records.items():
        # Names are absolute with or without the final dot, in keys and values alike.
        rrset = dns.rrset.from_text_list(
            dns.name.from_text(name),
            ttl,
            "IN",
            rdtype,
            list(values),
            origin=dns.name.root,
            relativize=False,
        )
        rrsets[(rrset.name, rrset.rdtype)] = rrset
        texts[(rrset.name.to_text(), dns.rdatatype.to_text(rrset.rdtype))] = tuple(values)
    return _Zone(texts, rrsets, frozenset(name for name, _ in rrsets))


def _resolve(response: dns.message.Message, question: dns.rrset.RRset, zone: _Zone) -> None:
    # An alias answers any type the name lacks; the client follows it.
    answer = zone.rrsets.get((question.name, question.rdtype)) or zone.rrsets.get(
        (question.name, dns.rdatatype.CNAME)
    )
    if answer is not None:
        response.answer.append(answer)
    elif question.name not in zone.names:
        response.set_rcode(dns.rcode.NXDOMAIN)


def _max_size(query: dns.message.Message, transport: str) -> int:
    # Over UDP, an answer larger than the client accepts is truncated (TC): it retries on TCP.
    if transport == "tcp":
        return 65535
    return max(512, query.payload) if query.edns >= 0 else 512


def _dns_sockets(tcp: bool) -> tuple[socket.socket, socket.socket | None]:
    """A UDP socket on a free port and, when `tcp`, a listening TCP socket on the same one."""
    for _ in range(_PORT_ATTEMPTS):
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            udp.bind((HOST, 0))
            return udp, _listen(udp.getsockname()[1]) if tcp else None
        except OSError:
            udp.close()  # the TCP side of this port is taken: try another
    raise OSError(f"no port on {HOST} free for both UDP and TCP")


# -- command line ---------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    _raise_file_limit()
    try:
        return asyncio.run(_serve(args))
    except (ValueError, dns.exception.DNSException) as error:  # a bad --status or --record
        print(f"error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m maintain_repo.testing.servers",
        description="Serve loopback test servers on 127.0.0.1 until SIGTERM, SIGINT or EOF "
        "on a piped stdin; print one JSON line with their addresses once they listen.",
    )
    kinds = parser.add_subparsers(dest="kind", required=True)
    http = _common(kinds.add_parser("http", help="HTTP(S) servers: prints {urls, ports, cafile}"))
    http.add_argument("--status", type=int, default=200)
    http.add_argument("--body", default=DEFAULT_BODY.decode())
    http.add_argument("--fail", choices=get_args(HttpFailure))
    http.add_argument("--tls", action="store_true", help="HTTPS with a throwaway CA (cafile)")
    http.add_argument("--days-valid", type=float, default=30.0, help="with --tls")
    tcp = _common(kinds.add_parser("tcp", help="TCP servers: prints {addresses, ports}"))
    tcp.add_argument("--banner", help="written to each connection")
    dns_ = _common(kinds.add_parser("dns", help="DNS servers: prints {addresses, ports}"))
    dns_.add_argument(
        "--record", nargs=3, action="append", default=[], metavar=("NAME", "TYPE", "VALUE")
    )
    dns_.add_argument("--fail", choices=get_args(DnsFailure))
    args = parser.parse_args(argv)
    if not 1 <= args.count <= 10_000:
        parser.error("--count is between 1 and 10000")
    if not math.isfinite(args.delay) or args.delay < 0:
        parser.error("--delay is a number of seconds >= 0")
    return args


def _common(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("--count", type=int, default=1, help="how many servers (ports)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before answering")
    return parser


def _build(args: argparse.Namespace) -> list[_LoopServer]:
    if args.kind == "http":
        tls = Certificate(days_valid=args.days_valid) if args.tls else None
        args.cafile = str(tls.ca_path) if tls is not None else None
        return [_http(args, tls) for _ in range(args.count)]
    if args.kind == "tcp":
        return [TcpServer(args.banner, delay=args.delay) for _ in range(args.count)]
    records: dict[tuple[str, str], list[str]] = {}
    for name, rdtype, value in args.record:
        records.setdefault((name, rdtype), []).append(value)
    return [_dns(records, args) for _ in range(args.count)]


def _http(args: argparse.Namespace, tls: Certificate | None) -> HttpServer:
    server = HttpServer(tls, status=args.status, body=args.body, delay=args.delay)
    if args.fail:
        server.fail(args.fail)
    return server


def _dns(records: Records, args: argparse.Namespace) -> DnsServer:
    server = DnsServer(records, delay=args.delay)
    if args.fail:
        server.fail(args.fail)
    return server


def _announcement(args: argparse.Namespace, servers: Sequence[_LoopServer]) -> dict[str, Any]:
    ports = [server.port for server in servers]
    if args.kind == "http":
        urls = [server.url for server in servers if isinstance(server, HttpServer)]
        return {"urls": urls, "ports": ports, "cafile": args.cafile}
    return {"addresses": [f"{HOST}:{port}" for port in ports], "ports": ports}


async def _serve(args: argparse.Namespace) -> int:
    servers = _build(args)
    try:
        for server in servers:
            await server.open()
        print(json.dumps(_announcement(args, servers)), flush=True)
        await _until_told_to_stop()
    finally:
        for server in servers:
            await server.aclose()
    return 0


async def _until_told_to_stop() -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, stop.set)
    watching = _watch_stdin(loop, stop.set)
    try:
        await stop.wait()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)
        if watching:
            loop.remove_reader(0)


def _watch_stdin(loop: asyncio.AbstractEventLoop, on_eof: Callable[[], None]) -> bool:
    """Call `on_eof` when the parent closes our stdin. Only a pipe or socket counts:
    /dev/null would end the servers at once, and a terminal has Ctrl-C."""
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        return False
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        return False

    def readable() -> None:
        try:
            data = os.read(0, 65536)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if not data:
            loop.remove_reader(0)
            on_eof()

    loop.add_reader(0, readable)
    return True


def _raise_file_limit() -> None:
    # Many servers plus a benchmark's connections outgrow the usual soft limit of 1,024.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


if __name__ == "__main__":
    sys.exit(main())
