"""What each probe type's result holds: the one declaration of the values conditions read.

A probe's result is one or more *variables* (`response` and `tls` for http, `tcp`, `tls`,
`dns`), each an object of declared, typed fields. From this declaration the policy layer
builds one CEL message type per variable, so a condition that names a field the result
does not have (`response.stauts`) is reported when the service record is checked, not when
the probe runs; the same declaration turns each attempt's answer into the values the
condition reads, and the table of fields in docs/monitoring.md is generated from it. A test
runs every probe type and compares what it produced with what is declared here.

Only genuinely open parts stay dynamic: the response headers (a map of whatever the server
sent) and the JSON body.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# bool, int, double, string: one value; strings: a list of text; headers: a map of text to
# text; json: any JSON value (dynamic: `response.json.items.size()`, null when absent).
FieldKind = Literal["bool", "int", "double", "string", "strings", "headers", "json"]

# How each kind reads in CEL, for messages and the docs.
CEL_NAMES: dict[FieldKind, str] = {
    "bool": "bool",
    "int": "int",
    "double": "double",
    "string": "string",
    "strings": "list(string)",
    "headers": "map(string, string)",
    "json": "dyn (JSON)",
}

# A JSON body nested deeper than this is not given to conditions (`response.json` is null):
# the CEL engine refuses deeper messages, and no health answer needs them.
JSON_DEPTH = 30


@dataclass(frozen=True, slots=True)
class ResultField:
    name: str
    kind: FieldKind
    meaning: str  # one line, for the docs


@dataclass(frozen=True, slots=True)
class ResultShape:
    """The fields of one variable; `name` is its CEL type (`maintain.probe.<name>`)."""

    name: str
    fields: tuple[ResultField, ...]

    def field_names(self) -> tuple[str, ...]:
        return tuple(field.name for field in self.fields)


_field = ResultField


_CERTIFICATE = (
    _field("verified", "bool", "the chain and the name verified against the trust store"),
    _field("version", "string", "the TLS version, e.g. `TLSv1.3`"),
    _field("days_remaining", "int", "whole days until the certificate expires"),
    _field("not_after", "string", "when it expires, `2026-12-01T00:00:00Z`"),
    _field("issuer", "string", "the issuer's common name (else its full name)"),
    _field("subject", "string", "the subject's common name (else its full name)"),
    _field("names", "strings", "the DNS names and IP addresses it is valid for"),
)

HTTP_RESPONSE = ResultShape(
    "HttpResponse",
    (
        _field("status", "int", "the status code of the final answer"),
        _field("latency_ms", "double", "milliseconds from connecting to the whole body"),
        _field("headers", "headers", "the answer's headers, lower-case names"),
        _field("body", "string", "the body as text (at most 1 MiB)"),
        _field("json", "json", "the body parsed as JSON; null when it is not JSON"),
        _field("redirects", "int", "redirects followed"),
        _field("url", "string", "the final URL, without its query string"),
    ),
)
# An https answer's certificate; over plain http no field is set (`has(tls.verified)` is false).
CERTIFICATE = ResultShape("Certificate", _CERTIFICATE)
TLS_RESULT = ResultShape(
    "TlsResult",
    (
        *_CERTIFICATE,
        _field("error", "string", "why it did not verify (empty when it did)"),
        _field("latency_ms", "double", "milliseconds to connect and complete the handshake"),
    ),
)
TCP_RESULT = ResultShape(
    "TcpResult",
    (
        _field("connected", "bool", "the connection was accepted"),
        _field("latency_ms", "double", "milliseconds to connect"),
    ),
)
DNS_RESULT = ResultShape(
    "DnsResult",
    (
        _field("rcode", "string", "`NOERROR`, `NXDOMAIN`, `SERVFAIL`, ..."),
        _field("answers", "strings", "the answers as text, sorted"),
        _field("ttl", "int", "the answers' time to live in seconds (unset without answers)"),
        _field("latency_ms", "double", "milliseconds to the answer"),
    ),
)

# Per probe type, its variables in the order the docs list them.
RESULTS: dict[str, dict[str, ResultShape]] = {
    "http": {"response": HTTP_RESPONSE, "tls": CERTIFICATE},
    "tcp": {"tcp": TCP_RESULT},
    "tls": {"tls": TLS_RESULT},
    "dns": {"dns": DNS_RESULT},
}
