"""The HTTP(S) loopback server: `HttpServer`, its controls (status, body, headers, delay, stall,
failure modes, per-path overrides), the requests it records (`Received`, `Headers`), and
its HTTP/1.1 parsing and rendering.
"""

from __future__ import annotations

import asyncio
import email.utils
import gzip
import json
import socket
import struct
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from http import HTTPStatus
from types import MappingProxyType
from typing import Any, Literal

from maintain_repo.testing.certs import Certificate
from maintain_repo.testing.servers.base import (
    HOST,
    _bytes,
    _listen,
    _LoopServer,
    _mode,
    _seconds,
    _until_eof,
)

HttpFailure = Literal[
    "status", "hang", "reset", "refuse", "cut", "cut-chunked", "cut-gzip", "bad-chunk"
]
# The modes that answer, but with a body that does not arrive whole (then close).
_BROKEN = frozenset({"cut", "cut-chunked", "cut-gzip", "bad-chunk"})
DEFAULT_BODY = b'{"status":"ok"}'
UNAVAILABLE_BODY = b'{"status":"unavailable"}'


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
    stall: float = 0.0  # a pause after the first half of the body


class HttpServer(_LoopServer):
    """HTTP/1.1 (HTTPS with `tls`) on 127.0.0.1: answers every path with `status`, `body`
    and `headers` after `delay` seconds, or fails as `fail(mode)` says.

    Modes: "status" answers 503, "hang" never answers (until the client gives up),
    "reset" closes the connection with a TCP RST instead of answering, "refuse" stops
    listening (no connection, no TLS handshake) until `recover()`. Four modes answer
    `status` with a body cut short, then close: "cut" sends half the body that its
    Content-Length announces, "cut-chunked" half of a chunk and no last chunk,
    "cut-gzip" the first half of the gzip-compressed body (framed whole: a
    Content-Length of what is sent), "bad-chunk" a chunk size that is not hexadecimal.
    `override(path, ...)` answers one path differently. `requests` is what arrived,
    oldest first.
    """

    def __init__(
        self,
        tls: Certificate | None = None,
        *,
        status: int = 200,
        body: bytes | str = DEFAULT_BODY,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        stall: float = 0.0,
    ) -> None:
        super().__init__()
        self._tls = tls
        self._answer = _Answer(
            **_status(status),
            **_body(body),
            headers=MappingProxyType(dict(headers or {})),
            delay=_seconds(delay),
            stall=_seconds(stall),
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
    def stall(self) -> float:
        """Seconds the server pauses after sending the first half of a body (a slow or
        congested peer: the body arrives in pieces)."""
        return self._answer.stall

    @stall.setter
    def stall(self, seconds: float) -> None:
        self._update(stall=_seconds(seconds))

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
        if answer.failure in _BROKEN:
            writer.write(_broken(answer))
            await writer.drain()
            return False
        if answer.failure == "status":
            answer = _Answer(status=503, body=UNAVAILABLE_BODY)
        message = _render(answer, head_only=method == "HEAD", keep_alive=keep_alive)
        if answer.stall and answer.body and message.endswith(answer.body):  # a body is sent
            half = len(message) - len(answer.body) // 2
            writer.write(message[:half])
            await writer.drain()
            await asyncio.sleep(answer.stall)
            message = message[half:]
        writer.write(message)
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
    # Framing is the server's, never a control's: a wrong length would break the connection.
    framing = {} if no_body else {"Content-Length": str(len(answer.body))}
    head = _head(answer, framing, keep_alive=keep_alive)
    return head if head_only or no_body else head + answer.body


def _broken(answer: _Answer) -> bytes:
    """The answer of a `_BROKEN` mode: its head, and a body that does not arrive whole."""
    body, half = answer.body, len(answer.body) // 2
    chunked = {"Transfer-Encoding": "chunked"}
    if answer.failure == "cut":
        return _head(answer, {"Content-Length": str(len(body))}) + body[:half]
    if answer.failure == "cut-chunked":
        return _head(answer, chunked) + f"{len(body):x}\r\n".encode() + body[:half]
    if answer.failure == "cut-gzip":
        packed = gzip.compress(body)
        sent = packed[: len(packed) // 2]
        framing = {"Content-Encoding": "gzip", "Content-Length": str(len(sent))}
        return _head(answer, framing) + sent
    return _head(answer, chunked) + b"zz\r\n" + body + b"\r\n0\r\n\r\n"  # bad-chunk


def _head(answer: _Answer, framing: Mapping[str, str], *, keep_alive: bool = False) -> bytes:
    fields = {
        "date": ("Date", email.utils.formatdate(usegmt=True)),
        "server": ("Server", "maintain-testing"),
        "content-type": ("Content-Type", answer.content_type),
    }
    fields.update((name.lower(), (name, value)) for name, value in answer.headers.items())
    fields.update((name.lower(), (name, value)) for name, value in framing.items())
    fields["connection"] = ("Connection", "keep-alive" if keep_alive else "close")
    lines = [f"HTTP/1.1 {answer.status} {_reason(answer.status)}"]
    lines += [f"{name}: {value}" for name, value in fields.values()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


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
