"""Which format a report is, read from its content, and reading it with its parser.

`load` turns a file's bytes into JSON values, refusing what is too big, too deeply
nested or not UTF-8 JSON before any parser sees it. `detect` names the format from
the keys a format is known by (a file's name or extension is never trusted), and
`parse` hands the document to that format's module (imported only when used).

Detection, in this order:

- a list: its first item tells. `security_advisory`: Dependabot alerts;
  `rule` and `most_recent_instance`: code-scanning alerts; `name` with `vulns` or
  `skip_reason`: pip-audit's legacy (1.x) list. An empty list could be any of the
  three: the caller must say which (`--format`).
- an object: `runs`: SARIF; `SchemaVersion`: Trivy; `auditReportVersion`: npm audit;
  `matches` and `descriptor`: Grype; `dependencies` and `fixes`: pip-audit; `results`
  with `experimental_config` or results that have `packages`: OSV-Scanner; `action`
  and `alert`: a GitHub webhook event, Dependabot's when its alert has
  `security_advisory`, code scanning's when it has `rule`; `number` with either of
  those: one alert as the REST API returns it.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Callable
from itertools import accumulate
from typing import Any

from maintain_repo.security.observation import FormatError, Report

# Format name: (module under maintain_repo.security.formats, its function).
PARSERS = {
    "sarif": ("sarif", "parse"),
    "trivy": ("trivy", "parse"),
    "pip-audit": ("pip_audit", "parse"),
    "osv-scanner": ("osv", "parse"),
    "npm-audit": ("npm_audit", "parse"),
    "grype": ("grype", "parse"),
    "dependabot": ("github_alerts", "parse_dependabot"),
    "code-scanning": ("github_alerts", "parse_code_scanning"),
}
FORMATS = tuple(PARSERS)
# Deeper than any report format needs (SARIF's code flows are about 15 levels), and
# far from the recursion limit `json.loads` would otherwise reach.
MAX_DEPTH = 64

_BOM = b"\xef\xbb\xbf"
_UTF16_32 = (b"\xff\xfe", b"\xfe\xff")
_ESCAPE = re.compile(rb"\\.", re.DOTALL)
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'[]{}"')
_STRING = re.compile(rb'"[^"]*"')
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_UNKNOWN = f"not in a format maintain reads ({', '.join(FORMATS)}): give it with --format"


def load(raw: bytes, *, limit: int) -> object:
    """The JSON document in `raw`: UTF-8 (a byte order mark is allowed), at most `limit`
    bytes, nested at most `MAX_DEPTH` levels deep."""
    if len(raw) > limit:
        raise FormatError(f"{len(raw)} bytes, more than the limit of {limit}")
    if raw.startswith(_UTF16_32):
        raise FormatError("UTF-16 or UTF-32, not UTF-8: convert it to UTF-8")
    raw = raw.removeprefix(_BOM)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise FormatError(f"not UTF-8 (byte {error.start} is not valid UTF-8)") from None
    if not text.strip():
        raise FormatError("empty: no JSON at all")
    _check_depth(raw)
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise FormatError(
            f"not JSON: {error.msg} (line {error.lineno}, column {error.colno})"
        ) from None
    except FormatError:
        raise
    except ValueError as error:  # an integer of more than 4300 digits
        raise FormatError(f"not readable JSON: {error}") from None


def _no_constant(name: str) -> object:
    raise FormatError(f"not JSON: {name} is not a JSON number")


def _check_depth(raw: bytes) -> None:
    """Refuse nesting deeper than `MAX_DEPTH`, counting the brackets outside strings.
    Done in C (bytes.translate, re) rather than byte by byte in Python: escapes go
    first, so that every string is a plain `"..."`; then everything but brackets and
    quotes; then the strings."""
    if b"\\" in raw:
        raw = _ESCAPE.sub(b"", raw)
    brackets = _STRING.sub(b"", raw.translate(None, _NOT_STRUCTURE))
    # A quote left over opens a string never closed: what follows is in it (json.loads
    # says what is wrong there).
    brackets = brackets.partition(b'"')[0]
    if brackets and max(accumulate(map(_STEP.__getitem__, brackets))) > MAX_DEPTH:
        raise FormatError(f"nested more than {MAX_DEPTH} levels deep")


def detect(data: object) -> str:
    """The name of the format `data` (a JSON document) is in, one of `FORMATS`."""
    if isinstance(data, list):
        return _detect_list(data)
    if not isinstance(data, dict):
        raise FormatError(f"a JSON object or list was expected, not {_kind(data)}")
    if "runs" in data:
        return "sarif"
    if "SchemaVersion" in data:
        return "trivy"
    if "auditReportVersion" in data:
        return "npm-audit"
    if "matches" in data and "descriptor" in data:
        return "grype"
    if "dependencies" in data and "fixes" in data:
        return "pip-audit"
    if _is_osv(data):
        return "osv-scanner"
    if "action" in data and "alert" in data:
        return _alert_format(
            data["alert"], "a webhook event other than dependabot_alert or code_scanning_alert"
        )
    if "number" in data:
        return _alert_format(data, _UNKNOWN)
    raise FormatError(_UNKNOWN)


def _detect_list(data: list[Any]) -> str:
    if not data:
        raise FormatError(
            "an empty list could be pip-audit's legacy report, Dependabot alerts or"
            " code-scanning alerts: give the format (--format)"
        )
    first = data[0]
    if isinstance(first, dict):
        if "security_advisory" in first:
            return "dependabot"
        if "rule" in first and "most_recent_instance" in first:
            return "code-scanning"
        if "name" in first and ("vulns" in first or "skip_reason" in first):
            return "pip-audit"
    raise FormatError(
        "a list of neither Dependabot alerts, code-scanning alerts nor pip-audit dependencies"
    )


def _is_osv(data: dict[str, Any]) -> bool:
    results = data.get("results")
    if not isinstance(results, list):
        return False
    if "experimental_config" in data:
        return True
    first = results[0] if results else None
    return isinstance(first, dict) and "packages" in first


def _alert_format(alert: object, what: str) -> str:
    if isinstance(alert, dict):
        if "security_advisory" in alert:
            return "dependabot"
        if "rule" in alert:
            return "code-scanning"
    raise FormatError(what)


def _kind(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def parse(data: object, format: str = "auto") -> Report:
    """`data` read by its format's parser; `auto`: the format `detect` finds."""
    name = detect(data) if format == "auto" else format
    if name not in PARSERS:
        raise FormatError(f"unknown format {name!r}: one of auto, {', '.join(FORMATS)}")
    module, function = PARSERS[name]
    parser: Callable[[object], Report] = getattr(
        importlib.import_module(f"maintain_repo.security.formats.{module}"), function
    )
    return parser(data)
