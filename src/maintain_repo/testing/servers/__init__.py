"""Loopback servers that network probes are tested and benchmarked against: HTTP(S), TCP
and DNS on 127.0.0.1, with latency and failures switched on and off while they run.

This package owns those servers -- their sockets, the private event loop each runs in a
daemon thread, their controls and what they record -- and the command line that runs
them in a separate process for benchmarks:

    python -m maintain_repo.testing.servers http --count N --delay 0.1

prints one JSON line (`{"urls": [...], ...}`) once every server listens, then serves until
SIGTERM, SIGINT or the end of its stdin (when stdin is a pipe). Nothing binds beyond
127.0.0.1. The TLS material comes from `maintain_repo.testing.certs`.

One module per concept: `base` (start/stop plumbing shared by the servers, `HOST`, the
socket and validation helpers), `http`, `tcp` and `dns` (one server each), `cli` (the
command line) and `__main__` (`python -m`). The public names are re-exported here.
"""

from maintain_repo.testing.servers.base import HOST, StreamHandler
from maintain_repo.testing.servers.cli import main
from maintain_repo.testing.servers.dns import DnsFailure, DnsServer, Query, Records
from maintain_repo.testing.servers.http import (
    DEFAULT_BODY,
    UNAVAILABLE_BODY,
    Headers,
    HttpFailure,
    HttpServer,
    Received,
)
from maintain_repo.testing.servers.tcp import TcpServer

__all__ = [
    "DEFAULT_BODY",
    "HOST",
    "UNAVAILABLE_BODY",
    "DnsFailure",
    "DnsServer",
    "Headers",
    "HttpFailure",
    "HttpServer",
    "Query",
    "Received",
    "Records",
    "StreamHandler",
    "TcpServer",
    "main",
]
