"""The dns probe: ask a resolver for one name and record type.

NXDOMAIN and SERVFAIL are answers (the condition sees `dns.rcode`); a
resolver that does not answer within the timeout is an error, and so is one
whose answers were all unusable (truncated with no TCP to ask again,
malformed): an rcode is never made up for it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import datetime

from maintain_repo.model.probes import DnsProbe, resolver_address
from maintain_repo.probes.result import Observation


async def observe(
    probe: DnsProbe, env: Mapping[str, str], now: datetime, timeout: float
) -> Observation:
    import dns.asyncresolver
    import dns.exception
    import dns.resolver

    resolver = dns.asyncresolver.Resolver(configure=probe.resolver is None)
    if probe.resolver is not None:
        address, port = resolver_address(probe.resolver)
        resolver.nameservers = [address]
        resolver.port = port
    resolver.lifetime = timeout
    resolver.timeout = timeout
    started = time.perf_counter()
    answers: list[str] = []
    ttl: int | None = None
    try:
        answer = await resolver.resolve(probe.query, probe.record_type, raise_on_no_answer=False)
        rcode = "NOERROR"
        if answer.rrset is not None:
            answers = sorted(rdata.to_text() for rdata in answer.rrset)
            ttl = answer.rrset.ttl
    except dns.resolver.NXDOMAIN:
        rcode = "NXDOMAIN"
    except dns.resolver.NoNameservers as e:
        answered = _rcode(e)
        if answered is None:
            message = f"no usable answer from the resolver: {_failures(e)}"
            return Observation({}, None, "error", message, error=message)
        rcode = answered
    except dns.exception.Timeout:
        message = f"no answer from the resolver within {timeout:g}s"
        return Observation({}, None, "timeout", message, error=message)
    except dns.exception.DNSException as e:
        message = f"DNS query failed: {str(e)[:200]}"
        return Observation({}, None, "error", message, error=message)
    latency = (time.perf_counter() - started) * 1000
    shown = ", ".join(answers[:3]) + (" ..." if len(answers) > 3 else "")
    summary = f"{rcode} in {latency:.0f} ms" + (f": {shown}" if answers else "")
    variables = {
        "dns": {"rcode": rcode, "answers": answers, "ttl": ttl, "latency_ms": round(latency, 3)}
    }
    return Observation(variables, latency, rcode, summary)


def _rcode(error: Exception) -> str | None:
    """SERVFAIL, REFUSED, ...: what a server answered (NoNameservers lists them); None when
    no server gave a whole answer with an rcode of its own."""
    import dns.flags
    import dns.message
    import dns.rcode

    # Each entry describes one attempt: (server, over tcp, port, error or rcode, answer).
    for entry in _entries(error):
        answer = entry[-1]
        if not isinstance(answer, dns.message.Message) or answer.flags & dns.flags.TC:
            continue  # an error, or an answer cut short
        if answer.rcode() != dns.rcode.NOERROR:
            return str(dns.rcode.to_text(answer.rcode()))
    return None


def _failures(error: Exception) -> str:
    """What went wrong with each attempt, in a few words."""
    reasons = []
    for entry in _entries(error):
        over = "TCP" if len(entry) > 1 and entry[1] is True else "UDP"
        what = entry[3] if len(entry) > 3 else None
        if type(what).__name__ == "Truncated":
            reason = "the answer was truncated"
        else:
            reason = (str(what).strip() or type(what).__name__)[:120]
        reasons.append(f"{over}: {reason}")
    return "; ".join(dict.fromkeys(reasons)) or "every attempt failed"


def _entries(error: Exception) -> list[tuple[object, ...]]:
    entries = getattr(error, "kwargs", {}).get("errors", [])
    return [entry for entry in entries if isinstance(entry, tuple) and entry]
