"""The command line that runs loopback servers in a separate process for benchmarks
(`python -m maintain_repo.testing.servers`): its arguments, the JSON line announcing the
servers, and serving until SIGTERM, SIGINT or the end of a piped stdin.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import resource
import signal
import stat
import sys
from collections.abc import Callable, Sequence
from typing import Any, get_args

import dns.exception

from maintain_repo.testing.certs import Certificate
from maintain_repo.testing.servers.base import HOST, _LoopServer
from maintain_repo.testing.servers.dns import DnsFailure, DnsServer, Records
from maintain_repo.testing.servers.http import DEFAULT_BODY, HttpFailure, HttpServer
from maintain_repo.testing.servers.tcp import TcpServer


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
