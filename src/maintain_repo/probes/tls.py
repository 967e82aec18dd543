"""The tls probe: a handshake, and what the server's certificate says.

The handshake verifies the chain and the name (the system's trust store, or
SSL_CERT_FILE). When verification fails the probe connects once more without
it, only to read the certificate, so `tls.days_remaining` and `tls.issuer`
are known even for a certificate nobody should trust; `tls.verified` is false
and `tls.error` says why.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping
from datetime import datetime

from maintain_repo.model.probes import TlsProbe
from maintain_repo.probes.certificates import describe
from maintain_repo.probes.result import Observation
from maintain_repo.probes.tcp import close, os_reason


async def observe(probe: TlsProbe, env: Mapping[str, str], now: datetime) -> Observation:
    name = probe.server_name or probe.host
    started = time.perf_counter()
    error = ""
    try:
        der, version = await handshake(probe.host, probe.port, name, verify=True)
    except ssl.SSLCertVerificationError as e:
        error = (e.verify_message or str(e)).strip()[:200]
        try:
            der, version = await handshake(probe.host, probe.port, name, verify=False)
        except (OSError, ssl.SSLError) as again:
            return _failed(again)
    except (OSError, ssl.SSLError) as e:
        return _failed(e)
    latency = (time.perf_counter() - started) * 1000
    tls = describe(der, now, verified=not error, version=version)
    tls |= {"error": error, "latency_ms": round(latency, 3)}
    days = tls["days_remaining"]
    summary = f"certificate expires in {days} days" if days is not None else "no certificate"
    if error:
        summary += f", not trusted: {error}"
    return Observation({"tls": tls}, latency, "verified" if not error else "untrusted", summary)


async def handshake(
    host: str, port: int, name: str, *, verify: bool
) -> tuple[bytes | None, str | None]:
    context = ssl.create_default_context()
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    _, writer = await asyncio.open_connection(host, port, ssl=context, server_hostname=name)
    try:
        ssl_object = writer.get_extra_info("ssl_object")
        return ssl_object.getpeercert(binary_form=True), ssl_object.version()
    finally:
        await close(writer)


def _failed(error: BaseException) -> Observation:
    if isinstance(error, ssl.SSLError):
        message = f"TLS handshake failed: {error.reason or error}"
        return Observation({}, None, "handshake", message, error=message)
    message = f"cannot connect: {os_reason(error)}" if isinstance(error, OSError) else str(error)
    return Observation({}, None, "refused", message, error=message)
