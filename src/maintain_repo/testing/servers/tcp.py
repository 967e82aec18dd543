"""The TCP loopback server: `TcpServer`, which accepts connections, writes an optional
banner and can refuse connections until it recovers.
"""

from __future__ import annotations

import asyncio

from maintain_repo.testing.servers.base import _bytes, _listen, _LoopServer, _seconds, _until_eof


class TcpServer(_LoopServer):
    """Accepts TCP connections on 127.0.0.1, writes `banner` (if any) after `delay`
    seconds, and holds each connection open until the client closes it (or, with
    `hang_up`, closes it itself once the banner is written: a peer that stops mid-way).

    `fail()` closes the listening socket and every connection, so connections are refused;
    `recover()` listens again on the same port. `connections` counts those accepted.
    """

    def __init__(
        self, banner: bytes | str | None = None, *, delay: float = 0.0, hang_up: bool = False
    ) -> None:
        super().__init__()
        self._banner = _bytes(banner) if banner is not None else b""
        self._delay = _seconds(delay)
        self._hang_up = hang_up
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
        if not self._hang_up:
            await _until_eof(reader)
