"""The tcp probe: open a connection, time it, close it."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from datetime import datetime

from maintain_repo.model.probes import TcpProbe
from maintain_repo.probes.result import Observation


async def observe(probe: TcpProbe, env: Mapping[str, str], now: datetime) -> Observation:
    started = time.perf_counter()
    try:
        _, writer = await asyncio.open_connection(probe.host, probe.port)
    except OSError as e:
        message = f"cannot connect: {os_reason(e)}"
        return Observation({}, None, "refused", message, error=message)
    latency = (time.perf_counter() - started) * 1000
    await close(writer)
    variables = {"tcp": {"connected": True, "latency_ms": round(latency, 3)}}
    return Observation(variables, latency, "connected", f"connected in {latency:.0f} ms")


async def close(writer: asyncio.StreamWriter) -> None:
    writer.close()
    with contextlib.suppress(OSError):  # the peer went first; closed either way
        await writer.wait_closed()


def os_reason(error: OSError) -> str:
    if isinstance(error, ConnectionRefusedError):
        return "connection refused"
    return (error.strerror or str(error) or type(error).__name__).strip()[:200]
