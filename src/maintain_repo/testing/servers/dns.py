"""The DNS loopback server: `DnsServer`, answering over UDP and TCP on one port from its
records (`Records`), with its failure modes, the queries it records (`Query`), and the
zone it compiles those records into.
"""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdatatype
import dns.rrset

from maintain_repo.testing.servers.base import HOST, _listen, _LoopServer, _mode, _seconds

DnsFailure = Literal["servfail", "silent", "garble"]

_PORT_ATTEMPTS = 20  # tries to find a port free for both UDP and TCP (DNS)

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
    out), `fail("garble")` sends the first half of each answer; `recover()` answers
    again. `queries` is what arrived, oldest first.
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
        wire = response.to_wire(max_size=_max_size(query, transport), prefer_truncation=True)
        return wire[: len(wire) // 2] if failure == "garble" else wire


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
