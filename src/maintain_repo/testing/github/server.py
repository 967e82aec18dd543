"""The HTTP side: dispatching a request (authentication, faults, the route's handler,
GitHub's headers, recording) and the stdlib `ThreadingHTTPServer` that serves it.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import socket
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from maintain_repo.testing.github.exchange import Exchange
from maintain_repo.testing.github.faults import Fault, FaultBook
from maintain_repo.testing.github.gitrepo import ZERO, GitRepo
from maintain_repo.testing.github.protocol import ApiError, Context, Reply, Request, not_found
from maintain_repo.testing.github.render import View
from maintain_repo.testing.github.routes import Route, all_routes, match
from maintain_repo.testing.github.routes.meta import LIMITS
from maintain_repo.testing.github.scopes import allows, refusal
from maintain_repo.testing.github.state import State, User

CONTROL_PREFIX = "/_emulator/"
JSON_TYPE = "application/json; charset=utf-8"
_INVALID = object()
ANONYMOUS_LIMIT = 60  # requests an hour without a token
ControlHandler = Callable[["Core", Request], Reply]


class Core:
    """The emulator without its socket: `dispatch(request) -> reply`, thread-safe."""

    def __init__(self, state: State, git: GitRepo | None, page_size: int) -> None:
        self.state = state
        self.git = git
        self.page_size = page_size
        self.faults = FaultBook()
        self.routes: list[Route] = all_routes()
        self.stopping = threading.Event()
        self.control: ControlHandler | None = None
        self._exchanges: list[Exchange] = []
        self.errors: list[str] = []  # tracebacks of the emulator's own failures
        self._exchanges_lock = threading.Lock()
        self._request_ids = itertools.count(1)
        self.watching = False  # pushes to the git repository are logged (see `GitRepo`)
        self._push_offset = 0

    def exchanges(self) -> list[Exchange]:
        with self._exchanges_lock:
            return list(self._exchanges)

    def failures(self) -> list[str]:
        with self._exchanges_lock:
            return list(self.errors)

    def view(self, base_url: str) -> View:
        return View(self.state, base_url, self.git, self.page_size)

    def dispatch(self, request: Request) -> Reply:
        if request.path.startswith(CONTROL_PREFIX):
            return self._control(request)
        self._take_pushes()
        request_id = self._request_id()
        fault = self.faults.take(request.method, request.path)
        found = match(self.routes, request.method, request.path)
        resource = found[0].resource if found is not None else "core"
        user = self._authenticate(request)
        if fault is not None and fault.when == "before":
            self.stopping.wait(fault.delay)
        if fault is not None and fault.when == "before" and fault.status is not None:
            reply = _fault_reply(fault, request_id)
        else:
            reply = self._perform(request, found, user)
            if fault is not None and fault.when == "after":
                self.stopping.wait(fault.delay)
                if fault.status is not None:
                    reply = _fault_reply(fault, request_id)
        # A fault's own rate-limit headers (a primary limit's reset) win over the usual ones.
        github = self._headers(user, resource, request_id, reply, request.path)
        reply.headers = {**github, **reply.headers}
        if fault is not None:
            reply.rate, reply.pad, reply.unsized = fault.rate, fault.pad, fault.unsized
        self._record(request, reply, fault, user)
        return reply

    def _take_pushes(self) -> None:
        """Record the pushes made since the last request as the repository's activity."""
        if self.git is None or not self.watching:
            return
        with self.state.lock:
            updates, self._push_offset = self.git.pushes(self._push_offset)
            for old, new, ref in updates:
                if not ref.startswith("refs/heads/"):
                    continue
                if old == ZERO:
                    kind = "branch_creation"
                elif new == ZERO:
                    kind = "branch_deletion"
                else:
                    kind = "push" if self.git.is_ancestor(old, new) else "force_push"
                self.state.record_activity(old, new, ref, kind)

    def _perform(
        self, request: Request, found: tuple[Route, dict[str, str]] | None, user: User | None
    ) -> Reply:
        """The route's answer, or GitHub's error for a bad token, bad JSON or unknown path."""
        try:
            if user is None:
                raise ApiError(401, "Bad credentials")
            if request.body is _INVALID:
                raise ApiError(400, "Problems parsing JSON")
            if found is None:
                raise not_found()
            granted = self.state.scopes.get(self._token(request))
            if granted is not None and not allows(granted, request.method, found[0].template):
                return refusal(found[0].template, request.path)
            return self._handle(found[0], found[1], request, user)
        except ApiError as error:
            return Reply(error.status, error.body(), dict(error.headers))
        except Exception as error:  # a bug of the emulator: answer 500, and keep it for the tests
            with self._exchanges_lock:
                self.errors.append(traceback.format_exc())
            return Reply(500, ApiError(500, f"GitHub emulator error: {error!r}").body())

    def _handle(self, route: Route, params: dict[str, str], request: Request, user: User) -> Reply:
        params = {key: unquote(value) for key, value in params.items()}
        state = self.state
        if route.in_repo and (
            params["owner"].lower() != state.owner.lower()
            or params["repo"].lower() != state.name.lower()
        ):
            raise not_found()
        ctx = Context(request, params, user, state, self.view(request.base_url), self.git)
        with state.lock:
            return route.handler(ctx)

    def _authenticate(self, request: Request) -> User | None:
        return self.state.tokens.get(self._token(request))

    @staticmethod
    def _token(request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() in ("token", "bearer") else ""

    def _headers(
        self, user: User | None, resource: str, request_id: str, reply: Reply, path: str
    ) -> dict[str, str]:
        key = (user.login if user is not None else "", resource)
        with self.state.lock:
            used = self.state.rate_used.get(key, 0) + (0 if path == "/rate_limit" else 1)
            self.state.rate_used[key] = used
        limit = LIMITS.get(resource, 5000) if user is not None else ANONYMOUS_LIMIT
        headers = {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - used)),
            "x-ratelimit-reset": str(self.state.rate_reset),
            "x-ratelimit-used": str(used),
            "x-ratelimit-resource": resource,
            "x-github-request-id": request_id,
            "x-github-api-version-selected": "2022-11-28",
            "x-github-media-type": "github.v3; format=json",
        }
        if reply.body is not None:
            headers["content-type"] = JSON_TYPE
        return headers

    def _request_id(self) -> str:
        n = next(self._request_ids)
        return f"{n:04X}:{n * 7 % 65536:04X}:{n * 131:06X}:{n * 257:06X}:{int(time.time()):08X}"

    def _record(
        self, request: Request, reply: Reply, fault: Fault | None, user: User | None
    ) -> None:
        exchange = Exchange(
            method=request.method,
            path=request.path,
            query=dict(request.query),
            request_body=None if request.body is _INVALID else request.body,
            status=reply.status,
            headers=dict(reply.headers),
            body=reply.body,
            faulted=fault is not None and fault.status is not None,
            login=user.login if user is not None else None,
            request_headers=_redacted(request.headers),
        )
        with self._exchanges_lock:
            self._exchanges.append(exchange)

    def _control(self, request: Request) -> Reply:
        if self.control is None:
            return Reply(404, {"message": "Not Found"})
        try:
            return self.control(self, request)
        except ApiError as error:
            return Reply(error.status, error.body())


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as two writes
    server: HTTPServer
    server_version = "GitHub.com"
    sys_version = ""

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = urlsplit(self.path)
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            body=_parse(raw),
            headers={k.lower(): v for k, v in self.headers.items()},
            base_url=f"http://{host}",
        )
        reply = self.server.core.dispatch(request)
        payload = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if reply.unsized:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            self.send_header("Content-Length", str(len(payload) + reply.pad))
        self.end_headers()
        if self.command != "HEAD":
            self._send(payload, reply)

    def _send(self, payload: bytes, reply: Reply) -> None:
        """The body, with its padding, streamed (never held whole), trickled at `rate`."""
        stopping = self.server.core.stopping
        pieces = _padded(payload, reply.pad)
        if reply.rate is not None:
            size = max(1, round(reply.rate / 20))  # about 20 writes a second, at most
            pieces = _split(pieces, size)
            pause = size / reply.rate
        for piece in pieces:
            if reply.rate is not None and stopping.wait(pause):
                return
            self.wfile.write(piece)  # a client that gave up makes this raise: we stop

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the exchanges are recorded instead."""


def _padded(payload: bytes, pad: int) -> Iterator[bytes]:
    yield payload
    blank = b" " * 65536
    while pad > 0:
        yield blank[: min(pad, len(blank))]
        pad -= len(blank)


def _split(pieces: Iterator[bytes], size: int) -> Iterator[bytes]:
    for piece in pieces:
        for start in range(0, len(piece), size):
            yield piece[start : start + size]


def _redacted(headers: dict[str, str]) -> dict[str, str]:
    """Request headers as recorded: the token's scheme is kept, never the token."""
    out = dict(headers)
    if "authorization" in out:
        out["authorization"] = out["authorization"].partition(" ")[0] + " <redacted>"
    return out


def _fault_reply(fault: Fault, request_id: str) -> Reply:
    body, headers = fault.error(request_id)
    return Reply(fault.status or 500, body, headers)


def _parse(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return _INVALID


class HTTPServer(ThreadingHTTPServer):
    """A threading server that knows its open connections, so it can close them at stop."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], core: Core) -> None:
        self.core = core
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (a timeout in a test) is not an error of the emulator."""
        import sys

        error = sys.exc_info()[1]
        if isinstance(error, OSError):
            return
        super().handle_error(request, client_address)
