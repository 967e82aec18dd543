"""pytest plugin: the GitHub emulator as fixtures, and GitHub's OpenAPI description as the
judge of every response it gives.

Fixtures: `github` (a started `Emulator` for acme/shop with alice admin, bob write, carol
triage, mallory read and the team acme/sre = alice, bob), `make_github(**kwargs)` (other
configurations), `openapi` (the REST description, compiled). At teardown every recorded
exchange is checked against `@octokit/openapi` (tests/openapi, installed by
`./scripts/bootstrap test`): the operation by method and path template, the response by
status (or `default`), its JSON body against the schema, GitHub's headers; a mismatch
fails the test with a report.

Helpers: `client(emu, login=None)` (a real PyGithub client for a user, the Actions bot by
default) and `validate_webhook(event, action, payload)` (against `@octokit/openapi-webhooks`).
"""

from __future__ import annotations

import functools
import json
import re
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

import github as pygithub
from maintain_repo.testing.github import Emulator, Exchange

OCTOKIT = Path(__file__).parent / "openapi" / "node_modules" / "@octokit"
REST_SPEC = OCTOKIT / "openapi" / "generated" / "api.github.com.json"
WEBHOOKS_SPEC = OCTOKIT / "openapi-webhooks" / "generated" / "api.github.com.json"
REST_URI = "urn:github:rest"
WEBHOOKS_URI = "urn:github:webhooks"

USERS = {"alice": "admin", "bob": "write", "carol": "triage", "mallory": "read"}
TEAMS = {"acme/sre": ["alice", "bob"]}
RATE_HEADERS = (
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-reset",
    "x-ratelimit-used",
)
JSON_TYPE = "application/json; charset=utf-8"
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
_LINK = re.compile(r'^<([^>]+)>; rel="(first|prev|next|last)"$')
# Endpoints GitHub serves (and PyGithub calls) that its description leaves out, checked as
# their documented twin: PyGithub's Commit.get_statuses() reads the legacy statuses URL.
ALIASES = {
    ("get", "/repos/{owner}/{repo}/statuses/{sha}"): "/repos/{owner}/{repo}/commits/{ref}/statuses"
}

Validator = Draft202012Validator


# -- loading the descriptions ---------------------------------------------------------------


def _load(path: Path) -> dict[str, Any]:
    if not path.is_file():
        pytest.fail(
            f"GitHub's OpenAPI description is missing ({path}): run ./scripts/bootstrap test",
            pytrace=False,
        )
    with path.open(encoding="utf-8") as stream:
        data: dict[str, Any] = json.load(stream)
    return data


def _translate(node: Any, names: bool = False) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema 2020-12: `nullable: true` lets null through.

    `example` and `examples` are dropped (they are data, and large); `names` marks a map of
    property names, whose keys are kept whatever they are."""
    if isinstance(node, list):
        return [_translate(item) for item in node]
    if not isinstance(node, dict):
        return node
    if names:
        return {key: _translate(value) for key, value in node.items()}
    out = {
        key: _translate(value, names=key in ("properties", "patternProperties"))
        for key, value in node.items()
        if key not in ("example", "examples")
    }
    if out.pop("nullable", False) is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out and None not in out["enum"]:
                out["enum"] = [*out["enum"], None]
        else:
            return {"anyOf": [{"type": "null"}, out]}
    return out


def _format_checker() -> FormatChecker:
    """date-time as GitHub writes it (UTC, `Z`) and absolute URIs; jsonschema has neither
    without optional packages."""
    checker = FormatChecker(formats=())

    @checker.checks("date-time")
    def _date_time(value: object) -> bool:
        return not isinstance(value, str) or bool(_DATE_TIME.match(value))

    @checker.checks("uri")
    def _uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        parts = urlsplit(value)
        return bool(parts.scheme) and (bool(parts.netloc) or parts.scheme in ("mailto", "urn"))

    return checker


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


# -- the REST description -------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    literals: int


class OpenAPI:
    """GitHub's REST description, ready to judge exchanges; validators compiled on first use."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        doc = {
            "paths": _translate(document["paths"]),
            "components": {
                key: _translate(value)
                for key, value in document["components"].items()
                if key != "examples"
            },
        }
        self.doc = doc
        self.version = str(document.get("info", {}).get("version", "?"))
        self.registry: Registry[Any] = Registry().with_resource(
            REST_URI, DRAFT202012.create_resource(doc)
        )
        self.formats = _format_checker()
        self.operations = _operations(doc["paths"])
        self._validators: dict[str, Validator] = {}

    def operation(self, method: str, path: str) -> Operation | None:
        for op in self.operations.get(method.lower(), []):
            if op.pattern.match(path):
                return op
        for (alias_method, alias), template in ALIASES.items():
            if alias_method == method.lower() and _template_regex(alias).match(path):
                return Operation(alias_method, template, _template_regex(template), 0)
        return None

    def validator(self, pointer: str) -> Validator:
        """The compiled validator of the schema at a JSON pointer into the document (cached)."""
        found = self._validators.get(pointer)
        if found is None:
            found = Validator(
                {"$ref": f"{REST_URI}#{pointer}"},
                registry=self.registry,
                format_checker=self.formats,
            )
            self._validators[pointer] = found
        return found

    def response(self, op: Operation, status: int) -> tuple[str, dict[str, Any]] | None:
        """(JSON pointer, response object) documented for a status, `default`, or None."""
        responses = self.doc["paths"][op.template][op.method]["responses"]
        for key in (str(status), "default"):
            if key in responses:
                pointer = "/" + _pointer("paths", op.template, op.method, "responses", key)
                return self._deref(pointer, responses[key])
        return None

    def _deref(self, pointer: str, node: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        while "$ref" in node:
            ref = node["$ref"]
            assert ref.startswith("#/"), ref
            pointer = ref[1:]
            node = self.doc
            for part in ref[2:].split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return pointer, node

    def check(self, exchange: Exchange) -> list[str]:
        """What is wrong with one exchange, in words (empty: nothing)."""
        op = self.operation(exchange.method, exchange.path)
        if op is None:
            if exchange.status in (401, 404):  # a bad token, or a path GitHub does not have
                return self._errors("/components/schemas/basic-error", exchange.body, "body")
            return [f"no GitHub operation {exchange.method} {exchange.path}"]
        problems = _check_headers(exchange)
        found = self.response(op, exchange.status)
        if found is None:
            if exchange.status < 400:
                return [
                    *problems,
                    f"status {exchange.status} is not documented"
                    f" for {op.method.upper()} {op.template}",
                ]
            problems += self._errors("/components/schemas/basic-error", exchange.body, "body")
            return problems
        pointer, response = found
        problems += self._check_body(pointer, response, exchange)
        problems += _check_declared_headers(response, exchange)
        if 200 <= exchange.status < 300:
            problems += self._check_request(op, exchange)
        return problems

    def _check_body(self, pointer: str, response: dict[str, Any], exchange: Exchange) -> list[str]:
        content = response.get("content", {})
        media = next((m for m in content if m.startswith("application/json")), None)
        if media is None:
            if exchange.body is None:
                return []
            if exchange.status >= 400:  # GitHub's errors carry a message even where undocumented
                return self._errors("/components/schemas/basic-error", exchange.body, "body")
            return ["a body where GitHub sends none"]
        if exchange.body is None:
            return ["no body where GitHub sends JSON"]
        schema_pointer = f"{pointer}/{_pointer('content', media, 'schema')}"
        return self._errors(schema_pointer, exchange.body, "body")

    def _check_request(self, op: Operation, exchange: Exchange) -> list[str]:
        """A request GitHub's description rejects must not succeed on the emulator."""
        body = self.doc["paths"][op.template][op.method].get("requestBody")
        if body is None or exchange.request_body is None:
            return []
        pointer, body = self._deref(
            "/" + _pointer("paths", op.template, op.method, "requestBody"), body
        )
        media = next((m for m in body.get("content", {}) if m.startswith("application/json")), None)
        if media is None:
            return []
        schema_pointer = f"{pointer}/{_pointer('content', media, 'schema')}"
        return self._errors(
            schema_pointer, _documented_form(op, exchange.request_body), "request body"
        )

    def _errors(self, pointer: str, instance: Any, what: str) -> list[str]:
        return [describe(error, what) for error in self.validator(pointer).iter_errors(instance)]


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def _operations(paths: Mapping[str, Any]) -> dict[str, list[Operation]]:
    by_method: dict[str, list[Operation]] = {}
    for template, item in paths.items():
        literals = sum(1 for part in template.split("/") if part and "{" not in part)
        for method in item:
            if method in ("get", "post", "put", "patch", "delete", "head"):
                op = Operation(method, template, _template_regex(template), literals)
                by_method.setdefault(method, []).append(op)
    for ops in by_method.values():
        ops.sort(key=lambda op: -op.literals)
    return by_method


def _documented_form(op: Operation, body: Any) -> Any:
    """The form the description's schema has for a body its prose also allows: an issue's
    labels may be sent as a bare array (PyGithub does), and set to none with `[]`."""
    if op.template.endswith("/issues/{issue_number}/labels"):
        labels = body.get("labels") if isinstance(body, dict) else body
        if labels == []:
            return {}
        if isinstance(body, list):
            return {"labels": body}
    return body


def describe(error: ValidationError, what: str = "body") -> str:
    """One validation error: where (a JSON path) and what, descending into oneOf/anyOf."""
    deepest = best_match(error.context) if error.context else error
    where = deepest.json_path.replace("$", what, 1)
    message = deepest.message if len(deepest.message) < 300 else deepest.message[:300] + "..."
    return f"{where}: {message}"


def _check_headers(exchange: Exchange) -> list[str]:
    headers = exchange.headers
    problems = [
        f"header {name} missing or not an integer"
        for name in RATE_HEADERS
        if not headers.get(name, "").isdigit()
    ]
    problems += [
        f"header {name} missing"
        for name in ("x-ratelimit-resource", "x-github-request-id")
        if not headers.get(name)
    ]
    if exchange.body is not None and headers.get("content-type") != JSON_TYPE:
        problems.append(f"content-type is {headers.get('content-type')!r}, not {JSON_TYPE!r}")
    if "link" in headers:
        problems += _check_link(headers["link"], exchange.path)
    return problems


def _check_link(value: str, path: str) -> list[str]:
    """RFC 8288 as GitHub writes it: `<url>; rel="next", ...`, each to a page of this path."""
    problems: list[str] = []
    rels: dict[str, int] = {}
    for part in value.split(", "):
        found = _LINK.match(part.strip())
        if found is None:
            problems.append(f'link header part {part!r} is not <url>; rel="first|prev|next|last"')
            continue
        url = urlsplit(found.group(1))
        pages = parse_qs(url.query).get("page", [])
        if url.path != path or len(pages) != 1 or not pages[0].isdigit():
            problems.append(f"link {found.group(2)} {found.group(1)} is not a page of {path}")
            continue
        rels[found.group(2)] = int(pages[0])
    if "next" in rels and "last" not in rels:
        problems.append("link header has next without last")
    if rels.get("first", 1) != 1:
        problems.append("link rel=first is not page 1")
    return problems


def _check_declared_headers(response: Mapping[str, Any], exchange: Exchange) -> list[str]:
    """Headers the description declares for the response (Location on 201s) must be sent."""
    names = {name.lower() for name in response.get("headers", {})}
    return [
        f"header {name} missing"
        for name in sorted(names & {"location"})
        if name not in exchange.headers
    ]


@functools.cache
def rest_spec() -> OpenAPI:
    """GitHub's REST description (`@octokit/openapi`), loaded once per test session."""
    return OpenAPI(_load(REST_SPEC))


def report(problems: Mapping[str, list[str]]) -> str:
    lines = [
        f"{len(problems)} response(s) of the GitHub emulator"
        " do not match GitHub's OpenAPI description:"
    ]
    for where, found in problems.items():
        lines.append(f"  {where}")
        lines.extend(f"    - {p}" for p in found[:12])
        if len(found) > 12:
            lines.append(f"    ... and {len(found) - 12} more")
    return "\n".join(lines)


def check_exchanges(spec: OpenAPI, exchanges: list[Exchange]) -> dict[str, list[str]]:
    """Problems keyed by "METHOD path -> status" (empty: every exchange is faithful)."""
    out: dict[str, list[str]] = {}
    for n, exchange in enumerate(exchanges, 1):
        problems = spec.check(exchange)
        if problems:
            query = (
                "?" + "&".join(f"{k}={v}" for k, v in exchange.query.items())
                if exchange.query
                else ""
            )
            fault = " (injected fault)" if exchange.faulted else ""
            out[f"#{n} {exchange.method} {exchange.path}{query} -> {exchange.status}{fault}"] = (
                problems
            )
    return out


# -- webhooks -------------------------------------------------------------------------------


class Webhooks:
    """`@octokit/openapi-webhooks` (OpenAPI 3.1: its schemas are JSON Schema 2020-12)."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.doc = document
        self.registry: Registry[Any] = Registry().with_resource(
            WEBHOOKS_URI, DRAFT202012.create_resource(dict(document))
        )
        self.formats = _format_checker()
        self._validators: dict[str, Validator] = {}

    def validator(self, event: str, action: str) -> Validator:
        key = f"{event}-{action}".replace("_", "-")
        found = self._validators.get(key)
        if found is None:
            if key not in self.doc["webhooks"]:
                pytest.fail(f"GitHub has no webhook {event}.{action} ({key})", pytrace=False)
            pointer = "/" + _pointer(
                "webhooks", key, "post", "requestBody", "content", "application/json", "schema"
            )
            found = Validator(
                {"$ref": f"{WEBHOOKS_URI}#{pointer}"},
                registry=self.registry,
                format_checker=self.formats,
            )
            self._validators[key] = found
        return found


@functools.cache
def webhooks_spec() -> Webhooks:
    return Webhooks(_load(WEBHOOKS_SPEC))


def webhook_problems(event: str, action: str, payload: Any) -> list[str]:
    return [
        describe(e, "payload")
        for e in webhooks_spec().validator(event, action).iter_errors(payload)
    ]


def validate_webhook(event: str, action: str, payload: Any) -> None:
    """Fail the test unless `payload` is what GitHub sends for `event`/`action`."""
    problems = webhook_problems(event, action, payload)
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems[:20])
        pytest.fail(
            f"the {event}.{action} webhook payload does not match GitHub's description:\n{lines}",
            pytrace=False,
        )


# -- clients and fixtures -------------------------------------------------------------------

_clients: weakref.WeakKeyDictionary[Emulator, list[pygithub.Github]] = weakref.WeakKeyDictionary()


def client(
    emu: Emulator,
    login: str | None = None,
    *,
    retry: int | Any | None = None,
    timeout: int = 10,
    per_page: int = 30,
    token: str | None = None,
) -> pygithub.Github:
    """A real PyGithub client of the emulator, as `login` (None: github-actions[bot]), or
    with `token` (a workflow job's, say).

    No retries by default (tests see faults as they happen); no throttling between
    requests. Closed when the fixture that made `emu` tears down.
    """
    if token is None:
        token = emu.bot_token if login is None else emu.token(login)
    gh = pygithub.Github(
        base_url=emu.base_url,
        auth=pygithub.Auth.Token(token),
        retry=retry,
        timeout=timeout,
        per_page=per_page,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    _clients.setdefault(emu, []).append(gh)
    return gh


@pytest.fixture(scope="session")
def openapi() -> OpenAPI:
    return rest_spec()


@pytest.fixture
def make_github(openapi: OpenAPI) -> Iterator[Callable[..., Emulator]]:
    """Start emulators (acme/shop with the usual users and team unless told otherwise);
    at teardown, stop them and check every exchange against GitHub's description."""
    made: list[Emulator] = []

    def make(**kwargs: Any) -> Emulator:
        kwargs.setdefault("repo", "acme/shop")
        kwargs.setdefault("users", USERS)
        kwargs.setdefault("teams", TEAMS)
        emu = Emulator(**kwargs).start()
        made.append(emu)
        return emu

    yield make
    problems: dict[str, list[str]] = {}
    for emu in made:
        for gh in _clients.pop(emu, []):
            gh.close()
        emu.stop()
        problems.update(check_exchanges(openapi, emu.exchanges))
        if emu.errors:
            problems["the emulator failed (a bug of the emulator)"] = emu.errors
    if problems:
        pytest.fail(report(problems), pytrace=False)


@pytest.fixture
def github(make_github: Callable[..., Emulator]) -> Emulator:
    """A started emulator of acme/shop: alice admin, bob write, carol triage, mallory read."""
    return make_github()
