"""An HTTP answer's body: read whole, decoded, bounded.

A body counts only when it arrived whole. A connection closed before Content-Length
bytes, a chunked body without its last chunk, or a compressed body whose stream stops
short is an answer that ended early (`Incomplete`), never a passing one. Bodies are
decoded here rather than by aiohttp, which takes a gzip stream cut short for a
complete one; requests ask for exactly the codings decoded here (`ACCEPTED`). At most
`LIMIT` bytes of decoded body are kept and no more is read, so a compressed bomb stops
there too.
"""

from __future__ import annotations

import zlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import aiohttp

LIMIT = 1024 * 1024
ACCEPTED = "gzip, deflate"
_GZIP = 16 + zlib.MAX_WBITS


class Incomplete(Exception):
    """The body did not arrive whole, or does not decode; the message says how."""


async def read(answer: aiohttp.ClientResponse) -> bytes:
    """The decoded body (at most LIMIT bytes); raises Incomplete."""
    import aiohttp
    from aiohttp.http_exceptions import ContentLengthError, TransferEncodingError

    decoder = _decoder(answer.headers.get("Content-Encoding", ""))
    body = bytearray()
    received = 0
    try:
        while len(body) < LIMIT:
            chunk = await answer.content.readany()
            if not chunk:
                body += decoder.finish()
                break
            received += len(chunk)
            body += decoder.feed(chunk, LIMIT - len(body))
    except aiohttp.ClientPayloadError as e:
        cause = e.__cause__
        if isinstance(cause, ContentLengthError):
            expected = answer.content_length
            how = f"after {received:,} of {expected:,} bytes" if expected else "too soon"
            raise Incomplete(f"the response ended early: the connection closed {how}") from None
        if isinstance(cause, TransferEncodingError):
            raise Incomplete(
                "the response ended early: its chunked body stopped before the last chunk"
            ) from None
        reason = (str(e).strip().splitlines() or [type(e).__name__])[0][:200]
        raise Incomplete(f"the response ended early: {reason}") from None
    return bytes(body[:LIMIT])


class _Identity:
    def feed(self, data: bytes, room: int) -> bytes:
        return data[:room]

    def finish(self) -> bytes:
        return b""


class _Compressed:
    """gzip (members one after another) or deflate (zlib-wrapped, or raw as some servers
    send it), checked to end where the stream says it ends."""

    def __init__(self, coding: str) -> None:
        self.coding = coding
        self.started = False
        self.stream = zlib.decompressobj(_GZIP if coding == "gzip" else zlib.MAX_WBITS)

    def feed(self, data: bytes, room: int) -> bytes:
        try:
            if not self.started and self.coding == "deflate" and not _zlib_header(data):
                self.stream = zlib.decompressobj(-zlib.MAX_WBITS)
            self.started = True
            out = self.stream.decompress(data, room)
            while self.coding == "gzip" and self.stream.eof and self.stream.unused_data:
                rest = self.stream.unused_data  # the next gzip member
                self.stream = zlib.decompressobj(_GZIP)
                out += self.stream.decompress(rest, max(room - len(out), 1))
        except zlib.error as e:
            raise Incomplete(f"the response's {self.coding} body does not decode: {e}") from None
        return out

    def finish(self) -> bytes:
        if self.started and not self.stream.eof:
            raise Incomplete(f"the response ended early: its {self.coding} body stops short")
        return b""


def _decoder(header: str) -> _Identity | _Compressed:
    codings = [part.strip().lower() for part in header.split(",") if part.strip()]
    codings = [coding for coding in codings if coding != "identity"]
    if not codings:
        return _Identity()
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Compressed("deflate" if codings[0] == "deflate" else "gzip")
    raise Incomplete(
        f"the response is encoded as {', '.join(codings)[:60]}, which maintain cannot read "
        f"(requests ask for {ACCEPTED})"
    )


def _zlib_header(data: bytes) -> bool:
    return len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
