"""Reading a report file: `load` (size, encoding, nesting, JSON errors), `detect` (the
format from the keys a format is known by) and `parse` (the format's parser)."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.security.detect import FORMATS, MAX_DEPTH, detect, load, parse
from maintain_repo.security.observation import FormatError, Observation, Report

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "github"

# The smallest document of each shape that names its format.
SHAPES: list[tuple[str, object]] = [
    ("sarif", {"version": "2.1.0", "$schema": "https://json.schemastore.org/sarif", "runs": []}),
    ("trivy", {"SchemaVersion": 2, "ArtifactName": ".", "ArtifactType": "filesystem"}),
    ("npm-audit", {"auditReportVersion": 2, "vulnerabilities": {}, "metadata": {}}),
    ("grype", {"matches": [], "descriptor": {"name": "grype", "version": "0.94.0"}}),
    (
        "pip-audit",
        {"dependencies": [{"name": "flask", "version": "3.0.0", "vulns": []}], "fixes": []},
    ),
    ("pip-audit", [{"name": "django", "version": "3.2.9", "vulns": []}]),
    ("pip-audit", [{"name": "azure-devops", "skip_reason": "not on PyPI"}]),
    ("osv-scanner", {"results": [], "experimental_config": {"licenses": {"summary": False}}}),
    (
        "osv-scanner",
        {"results": [{"source": {"path": "/r/poetry.lock", "type": "lockfile"}, "packages": []}]},
    ),
    ("dependabot", [{"number": 1, "state": "open", "security_advisory": {}, "dependency": {}}]),
    ("dependabot", {"number": 1, "security_advisory": {}, "dependency": {}}),
    ("dependabot", {"action": "fixed", "alert": {"number": 1, "security_advisory": {}}}),
    ("code-scanning", [{"number": 4, "rule": {}, "tool": {}, "most_recent_instance": {}}]),
    ("code-scanning", {"number": 4, "rule": {}, "tool": {}, "most_recent_instance": None}),
    ("code-scanning", {"action": "created", "alert": {"number": 4, "rule": {}}, "ref": ""}),
]


@pytest.mark.parametrize(("name", "data"), SHAPES)
def test_detect_each_shape(name: str, data: object) -> None:
    assert detect(data) == name


def test_every_format_is_detected() -> None:
    assert sorted({name for name, _ in SHAPES}) == sorted(FORMATS)


def test_detect_the_fixtures() -> None:
    for name, expected in [
        ("dependabot-alerts.json", "dependabot"),
        ("dependabot-webhook-dismissed.json", "dependabot"),
        ("code-scanning-alerts.json", "code-scanning"),
        ("code-scanning-webhook-created.json", "code-scanning"),
    ]:
        assert detect(json.loads((FIXTURES / name).read_text(encoding="utf-8"))) == expected


def test_an_empty_list_needs_a_format() -> None:
    with pytest.raises(FormatError) as error:
        detect([])
    assert str(error.value) == (
        "the report: an empty list could be pip-audit's legacy report, Dependabot alerts or"
        " code-scanning alerts: give the format (--format)"
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (None, "the report: a JSON object or list was expected, not null"),
        ("sarif", "the report: a JSON object or list was expected, not a string"),
        (3, "the report: a JSON object or list was expected, not a number"),
        (True, "the report: a JSON object or list was expected, not a boolean"),
        (
            [1, 2],
            "the report: a list of neither Dependabot alerts, code-scanning alerts nor"
            " pip-audit dependencies",
        ),
        (
            [{"name": "flask"}],
            "the report: a list of neither Dependabot alerts, code-scanning alerts nor"
            " pip-audit dependencies",
        ),
        (
            {"action": "created", "alert": {"number": 1, "secret_type": "github_pat"}},
            "the report: a webhook event other than dependabot_alert or code_scanning_alert",
        ),
        (
            {"results": [], "errors": [], "paths": {}},  # Semgrep's JSON, not OSV-Scanner's
            "the report: not in a format maintain reads (sarif, trivy, pip-audit, osv-scanner,"
            " npm-audit, grype, dependabot, code-scanning): give it with --format",
        ),
        (
            {"number": 3, "title": "an issue"},
            "the report: not in a format maintain reads (sarif, trivy, pip-audit, osv-scanner,"
            " npm-audit, grype, dependabot, code-scanning): give it with --format",
        ),
        ({}, "the report: not in a format maintain reads"),
    ],
)
def test_detect_refuses_what_it_does_not_know(data: object, message: str) -> None:
    with pytest.raises(FormatError) as error:
        detect(data)
    assert str(error.value).startswith(message)


def test_matches_without_a_descriptor_is_not_grype() -> None:
    with pytest.raises(FormatError):
        detect({"matches": []})


# -- parse -----------------------------------------------------------------------------


def test_parse_dispatches_to_the_github_alerts_parsers() -> None:
    alerts = json.loads((FIXTURES / "dependabot-alerts.json").read_text(encoding="utf-8"))
    report = parse(alerts)
    assert (report.format, len(report.observations)) == ("dependabot", 5)
    code = json.loads((FIXTURES / "code-scanning-alerts.json").read_text(encoding="utf-8"))
    assert parse(code, "code-scanning").format == "code-scanning"
    # A format given is the one used: an empty list is then no longer ambiguous.
    assert parse([], "dependabot") == Report("dependabot", ())
    with pytest.raises(FormatError, match="not a code-scanning alert"):
        parse(alerts, "code-scanning")


@pytest.mark.parametrize(
    ("name", "module", "function"),
    [
        ("sarif", "sarif", "parse"),
        ("trivy", "trivy", "parse"),
        ("pip-audit", "pip_audit", "parse"),
        ("osv-scanner", "osv", "parse"),
        ("npm-audit", "npm_audit", "parse"),
        ("grype", "grype", "parse"),
    ],
)
def test_parse_dispatches_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, module: str, function: str
) -> None:
    seen: list[object] = []
    observation = Observation(tool="fake", category="code", title="t")

    def fake(data: object) -> Report:
        seen.append(data)
        return Report(name, (observation,))

    stand_in = types.ModuleType(f"maintain_repo.security.formats.{module}")
    setattr(stand_in, function, fake)
    monkeypatch.setitem(sys.modules, stand_in.__name__, stand_in)
    data = next(document for shape, document in SHAPES if shape == name)
    assert parse(data) == Report(name, (observation,))
    assert parse(data, name) == Report(name, (observation,))
    assert seen == [data, data]


def test_parse_refuses_an_unknown_format() -> None:
    with pytest.raises(FormatError) as error:
        parse([], "semgrep")
    assert str(error.value) == (
        "the report: unknown format 'semgrep': one of auto, sarif, trivy, pip-audit,"
        " osv-scanner, npm-audit, grype, dependabot, code-scanning"
    )


# -- load ------------------------------------------------------------------------------


def test_load_reads_utf8_json_with_or_without_a_bom() -> None:
    text = '{"runs": [], "name": "é ü 日本"}'
    assert load(text.encode(), limit=1000) == {"runs": [], "name": "é ü 日本"}
    assert load(b"\xef\xbb\xbf" + text.encode(), limit=1000) == {"runs": [], "name": "é ü 日本"}


def test_load_refuses_more_than_the_limit() -> None:
    raw = b'{"runs": []}'
    assert load(raw, limit=len(raw)) == {"runs": []}
    with pytest.raises(FormatError) as error:
        load(raw, limit=len(raw) - 1)
    assert str(error.value) == "the report: 12 bytes, more than the limit of 11"


def nested(depth: int) -> bytes:
    return b"[" * (depth - 1) + b"{}" + b"]" * (depth - 1)


def test_load_refuses_deep_nesting_before_parsing() -> None:
    value: Any = load(nested(MAX_DEPTH), limit=10_000)
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == {}
    with pytest.raises(FormatError) as error:
        load(nested(MAX_DEPTH + 1), limit=10_000)
    assert str(error.value) == "the report: nested more than 64 levels deep"
    # Far beyond the interpreter's recursion limit: refused, not a RecursionError.
    with pytest.raises(FormatError, match="nested more than 64"):
        load(nested(100_000), limit=1_000_000)


def test_brackets_in_strings_do_not_count() -> None:
    brackets = '"' + "[{" * 200 + '\\"]]' + '"'
    raw = f'{{"a": [{brackets}, "\\\\", "}}}}]]"], "b": {{"c": []}}}}'.encode()
    assert load(raw, limit=10_000) == {
        "a": ["[{" * 200 + '"]]', "\\", "}}]]"],
        "b": {"c": []},
    }
    # An escaped quote does not end a string.
    escaped = b'["\\"' + b"[" * 70 + b'"]'
    assert load(escaped, limit=10_000) == ['"' + "[" * 70]
    # ...and closing brackets in strings do not hide real depth.
    deep = b'["' + b"]" * 70 + b'", ' + nested(MAX_DEPTH) + b"]"
    with pytest.raises(FormatError, match="nested more than 64"):
        load(deep, limit=10_000)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "the report: empty: no JSON at all"),
        (b" \n\t", "the report: empty: no JSON at all"),
        (b'{"runs": [}', "the report: not JSON: Expecting value (line 1, column 11)"),
        (
            b'{\n  "runs": [],\n  "x": 1,\n}',
            "the report: not JSON: Expecting property name enclosed in double quotes"
            " (line 4, column 1)",
        ),
        (b'{"a": 1} {"b": 2}', "the report: not JSON: Extra data (line 1, column 10)"),
        (
            b'{"a": "unterminated',
            "the report: not JSON: Unterminated string starting at (line 1, column 7)",
        ),
        (
            b'{"a": "' + b"[" * 100,
            "the report: not JSON: Unterminated string starting at (line 1, column 7)",
        ),
        (b'{"a": NaN}', "the report: not JSON: NaN is not a JSON number"),
        (b'{"a": -Infinity}', "the report: not JSON: -Infinity is not a JSON number"),
        (b'{"a": "\xff"}', "the report: not UTF-8 (byte 7 is not valid UTF-8)"),
        (
            '{"runs": []}'.encode("utf-16"),
            "the report: UTF-16 or UTF-32, not UTF-8: convert it to UTF-8",
        ),
        (b'{"a": ' + b"9" * 5000 + b"}", "the report: not readable JSON: Exceeds the limit"),
    ],
)
def test_load_refuses_what_is_not_json(raw: bytes, message: str) -> None:
    with pytest.raises(FormatError) as error:
        load(raw, limit=100_000)
    assert str(error.value).startswith(message)
