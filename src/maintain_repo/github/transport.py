"""The one road from PyGithub to the network, with the limits maintain keeps on it.

PyGithub's `Requester` makes its connections from three (private) class
attributes; `install` points them, for one client only, at `Connection`, so
every request of that client goes through a `Transport`, which:

- sends only to the API's own origin (scheme, host, port) -- a URL elsewhere
  is refused, so the token in `Authorization` never leaves for another host or
  port -- and follows no redirect: any 3xx answer is an error (PyGithub would
  take a 302 for a success);
- gives every attempt a total deadline, from connecting to the last byte
  (`MAINTAIN_GITHUB_TIMEOUT`): a watchdog cuts the connection at the deadline
  however slowly the bytes trickle (the socket timeout alone is per read);
- reads at most `MAINTAIN_GITHUB_MAX_BYTES` of an answer, streamed, and refuses
  a larger one without buffering it;
- waits out rate limits and 5xx answers by `retry.verdict`, each wait said
  through `config.say` and none longer than `MAINTAIN_GITHUB_MAX_WAIT` (a longer
  one ends the run with "rate limited until ..."); urllib3 retries nothing;
- spaces requests (0.25 s) and writes (1 s) as GitHub asks, and says so (again
  every `PACING_REMINDER` seconds while it lasts).

Left to itself, PyGithub follows a 301 on the same host name (whatever the
port), follows a 302 only for downloads and then drops `Authorization` only
when the host name differs (another port of the same host gets the token),
and hands any other 3xx back as a success; urllib3's `Retry` sleeps for any
`Retry-After`. None of that happens here.
"""

from __future__ import annotations

import contextlib
import functools
import json
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.util.retry import Retry

from maintain_repo.errors import redact
from maintain_repo.github.config import MEGABYTE, GitHubConfig
from maintain_repo.github.retry import (
    IDEMPOTENT,
    NoAnswer,
    RateLimited,
    Refused,
    TimedOut,
    span,
    stamp,
    too_long,
    verdict,
)

BETWEEN_REQUESTS = 0.25  # seconds
BETWEEN_WRITES = 1.0  # GitHub: "wait at least one second between each request" that writes
PACING_REMINDER = 10.0  # seconds of pacing before it is said again
CHUNK = 64 * 1024
# Where PyGithub's Requester keeps the classes it makes connections from (name-mangled).
_HOOKS = (
    "_Requester__connectionClass",
    "_Requester__httpConnectionClass",
    "_Requester__httpsConnectionClass",
)
_current = threading.local()  # the `_Watch` of the exchange this thread is in


def install(requester: Any, config: GitHubConfig) -> Transport:
    """Send every request of one PyGithub `Requester` through a new `Transport`.

    PyGithub has no per-client hook: `Requester.injectConnectionClasses` swaps the classes
    for every client in the process and turns connection reuse off. So the three
    attributes are set on this requester alone; if a PyGithub release renames them, this
    fails loudly instead of silently going around the transport.
    """
    transport = Transport(config)
    for name in _HOOKS:
        if not hasattr(requester, name):
            raise RuntimeError(f"PyGithub's Requester has no {name}: update transport.install")
    setattr(requester, _HOOKS[0], functools.partial(Connection, transport, transport.scheme))
    setattr(requester, _HOOKS[1], functools.partial(Connection, transport, "http"))
    setattr(requester, _HOOKS[2], functools.partial(Connection, transport, "https"))
    return transport


class Connection:
    """What PyGithub's Requester takes for a connection: `request` stores, `getresponse`
    performs the exchange through the transport."""

    def __init__(
        self, transport: Transport, scheme: str, host: str, port: int | None = None, **_: Any
    ) -> None:
        self.transport = transport
        self.scheme = scheme
        self.host = host
        self.port = port or (443 if scheme == "https" else 80)
        self._pending: tuple[str, str, Any, dict[str, str]] | None = None

    def request(
        self, verb: str, url: str, input: Any, headers: Mapping[str, str], stream: bool = False
    ) -> None:
        self._pending = (verb, url, input, dict(headers))

    def getresponse(self) -> Answer:
        assert self._pending is not None, "getresponse() before request()"
        verb, path, body, headers = self._pending
        self._pending = None
        origin = _origin(self.scheme, self.host, self.port)
        return self.transport.exchange(verb, origin, path, body, headers)

    def close(self) -> None:
        self.transport.close()


class Answer:
    """A complete answer, read within the limits, as PyGithub's Requester reads one."""

    def __init__(self, status: int, headers: Mapping[str, str], content: bytes) -> None:
        self.status = status
        self.headers = headers
        self.content = content

    def getheaders(self) -> Any:
        return self.headers.items()

    def read(self) -> str:
        return self.content.decode("utf-8", "replace")

    def iter_content(self, chunk_size: int | None = 1) -> Iterator[bytes]:
        size = chunk_size or len(self.content) or 1
        for start in range(0, len(self.content), size):
            yield self.content[start : start + size]

    def message(self) -> str:
        """GitHub's `message` of an error answer ("" when there is none)."""
        if self.status < 400:
            return ""
        try:
            data = json.loads(self.content)
        except ValueError:
            return ""
        message = data.get("message") if isinstance(data, dict) else None
        return message if isinstance(message, str) else ""


class Transport:
    """The requests of one client: one session, the limits, the pacing clock."""

    def __init__(self, config: GitHubConfig) -> None:
        self.config = config
        api = urlsplit(config.api_url)
        self.scheme = api.scheme
        self.origin = _origin(api.scheme, api.hostname or "", api.port)
        self.session = requests.Session()
        # Not None: requests would otherwise add credentials from ~/.netrc for the host.
        self.session.auth = _no_other_credentials
        # urllib3 tries nothing again and sleeps for no Retry-After: `exchange` decides.
        adapter = _Adapter(
            max_retries=Retry(
                0,
                read=False,
                redirect=False,
                respect_retry_after_header=False,
                raise_on_status=False,
            )
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self._last = float("-inf")
        self._last_write = float("-inf")
        self._told_pacing: float | None = None  # when the pacing was last said
        self._paced = 0  # writes that waited for their turn
        self.exchanges = 0  # attempts that reached the network (for tests)
        # Seconds waited for GitHub (rate limits, backoff) in this run: all the waits
        # together stay within MAINTAIN_GITHUB_MAX_WAIT, so a run ends before its job's
        # timeout, saying why, instead of being killed.
        self.waited = 0.0

    def close(self) -> None:
        self.session.close()

    def exchange(
        self, method: str, origin: str, path: str, body: Any, headers: Mapping[str, str]
    ) -> Answer:
        """One request, tried again as `retry.verdict` says; an `Answer` or a GitHubError."""
        what = f"{method} {_shown(path)}"
        if origin != self.origin:
            raise Refused(
                f"{what} was to go to {origin}, not to the API at {self.origin}; refused, so "
                "the token stays with the API",
                hint="check GITHUB_API_URL (or --api-url)",
            )
        url = origin + path
        data = body.encode("utf-8") if isinstance(body, str) else body
        attempts = max(1, self.config.attempts)
        for attempt in range(1, attempts + 1):
            self._pace(method)
            try:
                answer = self._once(method, url, data, headers, what)
            except NoAnswer as error:
                if method.upper() not in IDEMPOTENT or attempt == attempts:
                    raise
                self.wait(self.config.backoff * 2 ** (attempt - 1), error.message, what)
                continue
            finally:
                self._done(method)
            _check(answer, what, method)
            decision = verdict(
                method, answer.status, answer.headers, answer.message(), attempt, self.config
            )
            if decision.wait is None:
                return answer
            busy = f"GitHub is unavailable ({decision.reason})"
            limit = too_long(
                decision.wait, self.config, "rate limited" if decision.limited else busy
            )
            if limit is not None:
                raise limit
            if attempt == attempts:
                if decision.limited:
                    until = datetime.fromtimestamp(time.time() + decision.wait, UTC)
                    raise RateLimited(
                        f"still rate limited after {attempts} tries of {what}; GitHub asks to "
                        f"wait until {stamp(until)}",
                        until,
                    )
                return answer
            self.wait(decision.wait, f"{decision.reason} on {what}", what, decision.limited)
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(
        self, method: str, url: str, data: Any, headers: Mapping[str, str], what: str
    ) -> Answer:
        """One attempt, cut at the deadline, its body read up to the size bound."""
        limit = self.config.timeout
        watch = _Watch(limit)
        _current.watch = watch
        self.exchanges += 1
        try:
            with watch:
                try:
                    response = self.session.request(
                        method,
                        url,
                        data=data,
                        headers=headers,
                        stream=True,
                        timeout=(limit, limit),
                        allow_redirects=False,
                    )
                except (requests.RequestException, OSError) as error:
                    raise _broken(watch, what, error, limit) from None
                try:
                    content = self._read(response, what)
                except (requests.RequestException, OSError) as error:
                    raise _broken(watch, what, error, limit) from None
                finally:
                    response.close()  # an unread rest is dropped with the connection, not drained
        finally:
            _current.watch = None
        return Answer(response.status_code, response.headers, content)

    def _read(self, response: requests.Response, what: str) -> bytes:
        bound = self.config.max_bytes
        length = response.headers.get("content-length", "")
        if length.isdigit() and int(length) > bound:
            raise _too_large(what, bound, int(length))
        content = bytearray()
        for chunk in response.iter_content(CHUNK):
            content += chunk
            if len(content) > bound:
                raise _too_large(what, bound, None)
        return bytes(content)

    def _pace(self, method: str) -> None:
        if not self.config.pace:
            return
        write = method.upper() != "GET"
        ready = self._last + BETWEEN_REQUESTS
        if write:
            ready = max(ready, self._last_write + BETWEEN_WRITES)
        now = time.monotonic()
        if ready <= now:
            return
        if write:
            self._paced += 1
            if self._told_pacing is None:
                self._told_pacing = now
                self.config.say(
                    f"GitHub: pacing writes ({BETWEEN_WRITES:g} s between writes, as GitHub asks)"
                )
            elif now - self._told_pacing >= PACING_REMINDER:
                self._told_pacing = now
                self.config.say(f"GitHub: still pacing writes ({self._paced} so far)")
        time.sleep(ready - now)

    def _done(self, method: str) -> None:
        # Counted from the end of a request, as PyGithub does.
        self._last = time.monotonic()
        if method.upper() != "GET":
            self._last_write = self._last

    def wait(self, seconds: float, reason: str, what: str, limited: bool = False) -> None:
        """Wait before trying `what` again, said first; past the run's budget of waiting
        (MAINTAIN_GITHUB_MAX_WAIT in all), end the run instead."""
        if self.waited + seconds > self.config.max_wait:
            until = datetime.fromtimestamp(time.time() + seconds, UTC)
            raise RateLimited(
                f"{reason}; this run has waited {span(self.waited)} for GitHub already, and "
                f"another {span(seconds)} (until {stamp(until)}) is more than maintain waits in "
                f"all (MAINTAIN_GITHUB_MAX_WAIT={self.config.max_wait:g} s)",
                until,
            )
        if limited:  # GitHub's own wait, maybe long: say until when
            until = datetime.fromtimestamp(time.time() + seconds, UTC)
            self.config.say(f"GitHub: {reason}; waiting {span(seconds)} until {stamp(until)}")
        else:
            self.config.say(f"GitHub: {reason}; trying again in {span(seconds)}")
        self.waited += seconds
        time.sleep(seconds)


def _check(answer: Answer, what: str, method: str) -> None:
    """Answers PyGithub would mistake for success or loop on."""
    status = answer.status
    if 300 <= status < 400:
        location = answer.headers.get("location")
        where = f" to {_shown(location)}" if location else ""
        raise Refused(
            f"{what} answered HTTP {status} (a redirect{where}); maintain follows no redirect "
            "of the API, so the token goes nowhere else",
            hint="check GITHUB_API_URL (or --api-url): it is the API itself, e.g. "
            "https://api.github.com; after a 301 the repository may have a new name "
            "(GITHUB_REPOSITORY, github.repository)",
            status=status,
        )
    if status == 202 and method.upper() in ("GET", "HEAD"):
        # PyGithub would sleep and ask again, without end.
        raise Refused(f"{what} answered HTTP 202 (still processing); run again later")


def _too_large(what: str, bound: int, length: int | None) -> Refused:
    size = f" ({length / MEGABYTE:.1f} MB)" if length is not None else ""
    return Refused(
        f"the answer to {what} is larger than {bound / MEGABYTE:g} MB{size}; not read further",
        hint="GitHub's API does not answer this much: check GITHUB_API_URL, or raise "
        "MAINTAIN_GITHUB_MAX_BYTES",
    )


def _broken(watch: _Watch, what: str, error: BaseException, limit: float) -> Exception:
    if watch.fired or isinstance(error, requests.Timeout):
        return TimedOut(f"no complete answer to {what} within {limit:g} s")
    return NoAnswer(f"the connection broke on {what}: {_cause(error)}")


def _cause(error: BaseException) -> str:
    """The innermost reason of a requests/urllib3 error, in a line."""
    seen: set[int] = set()
    while id(error) not in seen:
        seen.add(id(error))
        inner = getattr(error, "reason", None) or error.__cause__ or error.__context__
        if not isinstance(inner, BaseException):
            if error.args and isinstance(error.args[0], BaseException):
                inner = error.args[0]
            else:
                break
        error = inner
    # Masked before it is cut: a secret cut in two would no longer be found whole.
    text = redact(" ".join(str(error).split())) or type(error).__name__
    return text if len(text) <= 200 else text[:200] + "..."


def _origin(scheme: str, host: str, port: int | None) -> str:
    port = port or (443 if scheme == "https" else 80)
    return f"{scheme}://{host.lower()}:{port}"


def _shown(url: str) -> str:
    """A URL or path as messages show it: without its query or credentials."""
    parts = urlsplit(url)
    if parts.hostname:
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{parts.hostname}{port}{parts.path}"
    return parts.path


def _no_other_credentials(request: Any) -> Any:
    return request


# -- the watchdog ---------------------------------------------------------------------


class _Watch:
    """Cuts the connection of one exchange at its deadline, in whatever phase it is:
    connecting, waiting for the status line, or reading a body that trickles."""

    def __init__(self, seconds: float) -> None:
        self.fired = False
        self._connection: HTTPConnection | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> _Watch:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()

    def attach(self, connection: HTTPConnection) -> None:
        """The connection this exchange uses (cut at once if the deadline has passed)."""
        with self._lock:
            self._connection = connection
            fired = self.fired
        if fired:
            _cut(connection)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            connection = self._connection
        if connection is not None:
            _cut(connection)


def _cut(connection: HTTPConnection) -> None:
    """Shut the socket down: a read blocked in another thread returns at once (closing it
    would not wake that read)."""
    sock = getattr(connection, "sock", None)
    sock = getattr(sock, "socket", sock)  # TLS inside a TLS proxy: the transport's socket
    if isinstance(sock, socket.socket):
        with contextlib.suppress(OSError):
            # socket.socket's own shutdown: an SSLSocket's would drop its TLS state under
            # the reading thread's feet.
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _attach(connection: HTTPConnection) -> None:
    watch = getattr(_current, "watch", None)
    if isinstance(watch, _Watch):
        watch.attach(connection)


if TYPE_CHECKING:
    _Connection = HTTPConnection
else:
    _Connection = object


class _Watched(_Connection):
    """A urllib3 connection that tells the current exchange's watch it carries it."""

    def connect(self) -> None:
        _attach(self)
        super().connect()
        _attach(self)  # the deadline passed while connecting: cut now

    def request(self, *args: Any, **kwargs: Any) -> None:
        _attach(self)  # a connection reused from the pool is not connected again
        super().request(*args, **kwargs)


class _WatchedHTTP(_Watched, HTTPConnection):
    pass


class _WatchedHTTPS(_Watched, HTTPSConnection):
    pass


class _HTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTP


class _HTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPS


_POOLS = {"http": _HTTPPool, "https": _HTTPSPool}


class _Adapter(HTTPAdapter):
    """requests' adapter, its connections watched; no retries (`Transport` decides)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **kwargs)
        manager.pool_classes_by_scheme = _POOLS
        return manager
