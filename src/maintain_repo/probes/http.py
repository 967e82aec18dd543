"""The http probe: one request, its answer timed, its body read whole (bounded).

Every attempt opens a fresh connection (the session never reuses one), so
the latency includes connecting and the TLS handshake, as a user's first
request does. Redirects are followed (at most 10; secrets stay with the
probe's own origin, see probes.redirects) unless the probe says not to. For
https the server's certificate is described in `tls` too, so one probe can
check both the answer and the certificate's expiry.
"""

from __future__ import annotations

import json
import re
import ssl
import sys
import time
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

import aiohttp

from maintain_repo.errors import conceal
from maintain_repo.model.probe_results import JSON_DEPTH
from maintain_repo.model.probes import HttpProbe
from maintain_repo.model.secrets import secret_refusal
from maintain_repo.probes import body
from maintain_repo.probes.certificates import describe
from maintain_repo.probes.redirects import RedirectError, exchange
from maintain_repo.probes.result import Observation, ProbeConfigError
from maintain_repo.probes.tcp import os_reason

# Before CPython 3.12.8 and 3.13.1 a closed TLS connection whose peer never answers the
# close_notify keeps its socket (https://github.com/python/cpython/pull/118960); there,
# the connector aborts closed TLS transports when the session closes.
_LEAKS_CLOSED_TLS = sys.version_info < (3, 12, 8) or (3, 13, 0) <= sys.version_info < (3, 13, 1)


def session(concurrency: int) -> aiohttp.ClientSession:
    """The one client session of a run: no pooling (fresh connections), no cookies kept."""
    # The trust store as this run finds it (SSL_CERT_FILE / SSL_CERT_DIR included), not
    # as it was when aiohttp was first imported.
    trusted = ssl.create_default_context()
    connector = aiohttp.TCPConnector(
        limit=max(concurrency, 1),
        force_close=True,
        use_dns_cache=False,
        ssl=trusted,
        enable_cleanup_closed=_LEAKS_CLOSED_TLS,
    )
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        headers={
            "User-Agent": "maintain-probe (+https://github.com/maintain-repo)",
            # Exactly the codings probes.body decodes (and checks for completeness).
            "Accept-Encoding": body.ACCEPTED,
        },
        auto_decompress=False,
    )


def headers_of(
    probe: HttpProbe, env: Mapping[str, str], secrets: Collection[str] = ()
) -> dict[str, str]:
    """The request headers, secrets read from the environment and registered for masking.

    Only variables a probe may send are read (`secrets`: Settings `monitoring.secrets`);
    any other is a ProbeConfigError, as `maintain check` reports it."""
    headers = dict(probe.headers)
    for name, variable in probe.headers_from_env.items():
        refusal = secret_refusal(variable, secrets)
        if refusal is not None:
            raise ProbeConfigError(f"header {name}: {refusal}")
        value = env.get(variable)
        if not value:
            raise ProbeConfigError(
                f"header {name} comes from the environment variable {variable}, which is not set"
            )
        conceal(value)
        headers[name] = value
    return headers


async def observe(
    probe: HttpProbe,
    client: aiohttp.ClientSession,
    env: Mapping[str, str],
    now: datetime,
    secrets: Collection[str] = (),
) -> Observation:
    headers = headers_of(probe, env, secrets)
    started = time.perf_counter()
    try:
        async with exchange(client, probe, headers) as (answer, hops):
            tls = _tls(answer, now, verified=probe.verify_tls)
            content = await body.read(answer)
            latency = (time.perf_counter() - started) * 1000
            response = _response(answer, content, latency, hops)
            final = answer.url
    except body.Incomplete as e:
        return _failed("incomplete", str(e))
    except RedirectError as e:
        return _failed("redirects", str(e))
    except aiohttp.ClientConnectorCertificateError as e:
        return _failed("tls", f"certificate not trusted: {_reason(e.certificate_error)}")
    except aiohttp.ClientSSLError as e:
        return _failed("tls", f"TLS handshake failed: {_reason(e)}")
    except aiohttp.ClientConnectorError as e:
        return _failed("connect", f"cannot connect: {os_reason(e.os_error)}")
    except aiohttp.ServerDisconnectedError:
        return _failed("disconnected", "the server closed the connection without answering")
    except aiohttp.ClientError as e:
        return _failed("error", f"request failed: {_reason(e)}")
    if not tls and final.scheme == "https" and _reads_tls(probe):
        # A short answer arrives with the connection already released: ask the server
        # for its certificate on a connection of its own (not timed).
        tls = await _certificate(final.host or "", final.port or 443, now, probe.verify_tls)
    summary = f"HTTP {response['status']} in {latency:.0f} ms"
    return Observation(
        {"response": response, "tls": tls}, latency, str(response["status"]), summary
    )


def _response(
    answer: aiohttp.ClientResponse, content: bytes, latency: float, redirects: int
) -> dict[str, Any]:
    headers: dict[str, str] = {}
    for name, value in answer.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]}, {value}" if key in headers else value
    text = content.decode(_encoding(answer), errors="replace")
    return {
        "status": answer.status,
        "latency_ms": round(latency, 3),
        "headers": headers,
        "body": text,
        "json": _json(text),
        "redirects": redirects,
        "url": str(answer.url.with_query(None).with_fragment(None)),
    }


def _encoding(answer: aiohttp.ClientResponse) -> str:
    """The declared charset when Python knows it, else UTF-8."""
    import codecs

    charset = answer.charset
    if charset:
        try:
            return codecs.lookup(charset).name
        except LookupError:
            pass
    return "utf-8"


def _reads_tls(probe: HttpProbe) -> bool:
    return any(re.search(r"\btls\b", text or "") for text in (probe.check, probe.degraded))


async def _certificate(host: str, port: int, now: datetime, verify: bool) -> dict[str, Any]:
    from maintain_repo.probes.tls import handshake

    try:
        der, version = await handshake(host, port, host, verify=verify)
    except (OSError, ssl.SSLError):
        return {}
    return describe(der, now, verified=verify, version=version)


def _json(text: str) -> Any:
    """The body as JSON; None when it is not, or nests deeper than a condition can read
    (JSON_DEPTH: such a value would only be carried around to be read as null)."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return value if _depth(value) <= JSON_DEPTH else None


def _depth(value: Any) -> int:
    """How deep lists and objects nest in `value` (without recursion: it may be deep)."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > JSON_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return deepest


def _tls(answer: aiohttp.ClientResponse, now: datetime, *, verified: bool) -> dict[str, Any]:
    connection = answer.connection
    transport = connection.transport if connection is not None else None
    ssl_object = transport.get_extra_info("ssl_object") if transport is not None else None
    if ssl_object is None:
        return {}
    return describe(
        ssl_object.getpeercert(binary_form=True),
        now,
        verified=verified,
        version=ssl_object.version(),
    )


def _failed(code: str, message: str) -> Observation:
    return Observation({}, None, code, message, error=message)


def _reason(error: BaseException) -> str:
    text = str(getattr(error, "strerror", None) or error)
    return text.strip().splitlines()[0][:200] if text.strip() else type(error).__name__
