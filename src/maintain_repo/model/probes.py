"""Probe definitions and maintenance windows, as written in service records.

A probe is one check of a running service: `http` (a request and its
answer), `tcp` (a connection), `tls` (the certificate a server presents) or
`dns` (the answers for a name). Its `condition` is a CEL expression over the
result; `degraded` marks a passing result as slow or partial. Thresholds
decide when a run of failures opens an incident and a run of successes
resolves it; maintenance windows keep measuring but open nothing.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from maintain_repo.model.common import SLUG, Line, Strict, Timestamp, UniqueList
from maintain_repo.model.secrets import EnvName

SECONDS = r"^[0-9]{1,6}(\.[0-9]{1,3})?(ms|s|m)$"
_SECONDS = re.compile(SECONDS)
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0}
LONGEST_TIMEOUT = 120.0
LONGEST_DELAY = 60.0


def seconds(text: str) -> float:
    """`500ms`, `10s`, `1.5s`, `2m` in seconds."""
    match = _SECONDS.fullmatch(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration like 500ms, 10s or 2m")
    return float(text[: match.start(2)]) * _UNIT[match.group(2)]


def _at_most(limit: float) -> AfterValidator:
    def check(text: str) -> str:
        value = seconds(text)
        if value <= 0 or value > limit:
            raise ValueError(f"{text} must be more than 0 and at most {limit:g}s")
        return text

    return AfterValidator(check)


Timeout = Annotated[str, Field(pattern=SECONDS), _at_most(LONGEST_TIMEOUT)]
Delay = Annotated[str, Field(pattern=SECONDS), _at_most(LONGEST_DELAY)]
ProbeName = Annotated[str, Field(pattern=SLUG, min_length=2, max_length=63)]
Expression = Annotated[str, Field(min_length=1, max_length=2000)]
Hostname = Annotated[
    str, Field(pattern=r"^[A-Za-z0-9]([A-Za-z0-9.:_-]{0,252}[A-Za-z0-9.])?$", max_length=253)
]
HeaderName = Annotated[str, Field(pattern=r"^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")]

Port = Annotated[int, Field(ge=1, le=65535)]
Severity = Literal["SEV1", "SEV2", "SEV3", "SEV4"]
ProbeType = Literal["http", "tcp", "tls", "dns"]

# What a probe checks when it says nothing.
DEFAULT_CONDITIONS: dict[str, str] = {
    "http": "response.status >= 200 && response.status < 400",
    "tcp": "tcp.connected",
    "tls": "tls.verified && tls.days_remaining >= 14",
    "dns": 'dns.rcode == "NOERROR" && size(dns.answers) > 0',
}


class ProbeBase(Strict):
    """Fields every probe type shares."""

    type: ProbeType = Field(description="What the probe checks: `http`, `tcp`, `tls` or `dns`.")
    name: ProbeName = Field(
        description=(
            "Probe name, a lowercase slug like `health` (2 to 63 characters); unique within "
            "the service."
        )
    )
    description: Line | None = Field(None, description="One line saying what the probe checks.")
    enabled: bool = Field(
        True, description="`false`: the probe is not run and not shown on the status page."
    )
    timeout: Timeout = Field(
        "10s",
        description="Time allowed per attempt: `500ms`, `10s`, `1.5s`, `2m`; at most 120s.",
    )
    # None: DEFAULT_CONDITIONS[type]
    condition: Expression | None = Field(
        None,
        description=(
            "CEL expression over the result that must be true for the probe to pass. Default "
            "per type, e.g. `response.status >= 200 && response.status < 400` for http."
        ),
    )
    degraded: Expression | None = Field(
        None,
        description=(
            "CEL expression over the result; when true on a passing result, the probe is "
            "degraded (shown on the status page, still counted as passing)."
        ),
    )
    failure_threshold: int = Field(
        default=3,
        ge=1,
        le=100,
        description="Failing runs in a row that open an incident (1 to 100).",
    )
    success_threshold: int = Field(
        default=2,
        ge=1,
        le=100,
        description="Passing runs in a row that resolve the incident the probe opened (1 to 100).",
    )
    # A runner's network blip is not an outage.
    retries: int = Field(
        default=2,
        ge=0,
        le=5,
        description=(
            "Times a failing result is tested again within the run before it counts as "
            "failing (0 to 5); the first pass wins."
        ),
    )
    retry_delay: Delay = Field(
        "2s", description="Wait between retries: `500ms`, `2s`, `1m`; at most 60s."
    )
    severity: Severity = Field(
        "SEV2", description="Severity of the incident the probe opens: `SEV1` to `SEV4`."
    )

    @property
    def check(self) -> str:
        return self.condition or DEFAULT_CONDITIONS[self.type]

    def target(self) -> str:
        """What the probe checks, safe to publish (no credentials, no query string)."""
        raise NotImplementedError


class HttpProbe(ProbeBase):
    """One HTTP request on a fresh connection; the condition reads `response` and `tls`."""

    type: Literal["http"] = Field(description="`http`: one request and its answer.")
    url: Annotated[str, Field(pattern=r"^https?://[^\s]+$", max_length=2000)] = Field(
        description=(
            "http(s) URL to request. No credentials in it: put them in a secret named in "
            "`headers_from_env`. The page and history show it without its query string."
        )
    )
    method: Literal["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] = Field(
        "GET", description="HTTP method of the request."
    )
    headers: dict[HeaderName, Line] = Field(
        {}, description="Request headers: header name to value, written here (no secrets)."
    )
    headers_from_env: dict[HeaderName, EnvName] = Field(
        {},
        description=(
            "Secret request headers: header name to the environment variable holding the "
            "value, named `MAINTAIN_PROBE_...` or listed in Settings `monitoring.secrets`."
        ),
    )
    body: Annotated[str, Field(max_length=100_000)] | None = Field(
        None, description="Request body, as text (at most 100,000 characters)."
    )
    follow_redirects: bool = Field(
        True, description="`false`: judge the first answer instead of following redirects."
    )
    verify_tls: bool = Field(
        True,
        description="`false`: do not verify the server's certificate (an untrusted one passes).",
    )

    def target(self) -> str:
        return _public_url(self.url)

    @model_validator(mode="after")
    def _no_credentials_in_url(self) -> HttpProbe:
        if re.match(r"^https?://[^/@?#]*@", self.url):
            raise ValueError(
                "the url carries credentials; put them in a secret and name it in headers_from_env"
            )
        overlap = {k.lower() for k in self.headers} & {k.lower() for k in self.headers_from_env}
        if overlap:
            raise ValueError(
                f"header {sorted(overlap)[0]} is set in both headers and headers_from_env"
            )
        return self


class TcpProbe(ProbeBase):
    """Opens a TCP connection and closes it; the condition reads `tcp`."""

    type: Literal["tcp"] = Field(description="`tcp`: opens a connection and closes it.")
    host: Hostname = Field(description="Host name or IP address to connect to.")
    port: Port = Field(description="TCP port to connect to, 1 to 65535.")

    def target(self) -> str:
        return f"{self.host}:{self.port}"


class TlsProbe(ProbeBase):
    """A TLS handshake, to check the certificate a server presents; the condition reads `tls`."""

    type: Literal["tls"] = Field(
        description="`tls`: a handshake, to check the certificate the server presents."
    )
    host: Hostname = Field(description="Host name or IP address to connect to.")
    port: Port = Field(443, description="TCP port to connect to, 1 to 65535.")
    server_name: Hostname | None = Field(
        None,
        description="Name sent as SNI and verified against the certificate; default: `host`.",
    )

    def target(self) -> str:
        return f"{self.server_name or self.host}:{self.port}"


class DnsProbe(ProbeBase):
    """One DNS query for a name; the condition reads `dns`."""

    type: Literal["dns"] = Field(description="`dns`: one query for a name, judged by its answers.")
    query: Hostname = Field(
        description="Name to resolve: a fully qualified domain name (a trailing dot is optional)."
    )
    record_type: Literal["A", "AAAA", "CNAME", "MX", "NS", "TXT", "SOA", "SRV", "CAA", "PTR"] = (
        Field("A", description="DNS record type to ask for.")
    )
    resolver: Annotated[str, Field(max_length=100)] | None = Field(
        None,
        description=(
            "Resolver to ask: an IP address, optionally with a port (`192.0.2.53`, "
            "`192.0.2.53:5353`, `[2001:db8::53]:53`); default: the machine's resolver."
        ),
    )

    def target(self) -> str:
        return f"{self.query} {self.record_type}"

    @model_validator(mode="after")
    def _resolver_address(self) -> DnsProbe:
        if self.resolver is not None:
            resolver_address(self.resolver)
        return self


Probe = Annotated[HttpProbe | TcpProbe | TlsProbe | DnsProbe, Field(discriminator="type")]


class MaintenanceWindow(Strict):
    """Planned work: probes keep measuring, but no incident is opened inside it."""

    start: Timestamp = Field(
        description="When the window starts: an RFC 3339 timestamp with an offset."
    )
    end: Timestamp = Field(
        description="When the window ends (exclusive): an RFC 3339 timestamp, after `start`."
    )
    reason: Line = Field(description="Why: one line, shown on the status page.")
    probes: UniqueList[ProbeName] = Field(
        [], description="Names of the service's probes it covers; empty: every probe."
    )

    @model_validator(mode="after")
    def _ordered(self) -> MaintenanceWindow:
        if self.end <= self.start:
            raise ValueError("a maintenance window must end after it starts")
        return self

    def covers(self, probe: str, moment: datetime) -> bool:
        return self.start <= moment < self.end and (not self.probes or probe in self.probes)


def unique_probe_names(probes: list[HttpProbe | TcpProbe | TlsProbe | DnsProbe]) -> None:
    seen: set[str] = set()
    for probe in probes:
        if probe.name in seen:
            raise ValueError(f"two probes are named {probe.name}; probe names must be unique")
        seen.add(probe.name)


def resolver_address(text: str) -> tuple[str, int]:
    """`ip`, `ip:port`, `[ipv6]:port` or a bare IPv6 address -> (ip, port)."""
    import ipaddress

    host, port = text, 53
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        if rest:
            port = int(rest[1:]) if rest.startswith(":") and rest[1:].isdigit() else -1
    elif text.count(":") == 1:
        host, _, number = text.partition(":")
        port = int(number) if number.isdigit() else -1
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ValueError(
            f"resolver {text!r} is not an IP address (optionally with :port)"
        ) from None
    if not 1 <= port <= 65535:
        raise ValueError(f"resolver {text!r} has no valid port")
    return host, port


def _public_url(url: str) -> str:
    """The url without its query string or fragment (they can carry tokens)."""
    return re.split(r"[?#]", url, maxsplit=1)[0]
