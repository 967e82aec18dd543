"""What the loopback servers share: `_LoopServer`, the start/stop plumbing that runs a
server on a private event loop in a daemon thread (or on the caller's loop) and tracks its
listeners and connections; `HOST`; and the helpers every server uses to listen on
127.0.0.1, read to EOF and check its controls' values.
"""

from __future__ import annotations

import asyncio
import math
import socket
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, Self, get_args

from maintain_repo.testing.certs import Certificate

HOST = "127.0.0.1"

_BACKLOG = 4096  # a burst of 1,000 probes must not overflow the accept queue
_TIMEOUT = 10.0  # how long start(), stop() and the controls wait for a server's loop
_CLOSE_GRACE = 1.0  # how long a closing connection may take to say goodbye (TLS)

StreamHandler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Coroutine[Any, Any, None]]


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
