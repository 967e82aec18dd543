"""The declared shape of each probe type's result (model/probe_results.py) against what the
probes really produce, against the CEL types built from it, and against the docs' table.

Every probe type runs against real loopback servers; what each attempt produced must be
exactly what is declared: no field produced that is not declared, none declared that no
probe produces, each of the declared kind.

    python tests/probes/test_results.py    # rewrite docs/monitoring.md's table of fields
"""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.model.probe_results import CEL_NAMES, RESULTS, ResultShape
from maintain_repo.model.probes import DnsProbe, HttpProbe, TcpProbe, TlsProbe
from maintain_repo.policy.cel import compile_condition, evaluate, probe_context
from maintain_repo.policy.probe_types import message, shapes
from maintain_repo.probes import dns, http, tcp, tls
from maintain_repo.probes.result import Observation
from maintain_repo.testing.certs import Certificate
from maintain_repo.testing.servers import DnsServer, HttpServer, TcpServer

README = Path(__file__).resolve().parents[2] / "docs/monitoring.md"
START = "<!-- probe fields: generated from src/maintain_repo/model/probe_results.py -->"
END = "<!-- end of probe fields -->"
NOW = datetime.now(UTC).replace(microsecond=0)
PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "bool": (bool,),
    "int": (int, type(None)),  # unset when unknown (no certificate, no answers)
    "double": (float,),
    "string": (str,),
    "strings": (list,),
    "headers": (dict,),
    "json": (dict, list, str, int, float, bool, type(None)),
}


def observe_http(url: str, **fields: Any) -> Observation:
    probe = HttpProbe.model_validate({"type": "http", "name": "web", "url": url, **fields})

    async def go() -> Observation:
        client = http.session(1)
        try:
            return await http.observe(probe, client, {}, NOW)
        finally:
            await client.close()

    return asyncio.run(go())


def observations() -> list[tuple[str, Observation]]:
    """One answer of every kind each probe type gives (https, plain http, no answers, ...)."""
    certificate = Certificate(days_valid=30)
    made: list[tuple[str, Observation]] = []
    with HttpServer() as plain, HttpServer(certificate) as secure:
        made.append(("http", observe_http(plain.url + "/")))
        plain.body = "not json"
        made.append(("http", observe_http(plain.url + "/")))
        reads_tls = {"verify_tls": False, "condition": "tls.verified"}
        made.append(("http", observe_http(secure.url + "/", **reads_tls)))
        probe = TlsProbe.model_validate(
            {"type": "tls", "name": "cert", "host": "127.0.0.1", "port": secure.port}
        )
        made.append(("tls", asyncio.run(tls.observe(probe, {}, NOW))))
    with TcpServer() as listening:
        probe = TcpProbe.model_validate(
            {"type": "tcp", "name": "port", "host": "127.0.0.1", "port": listening.port}
        )
        made.append(("tcp", asyncio.run(tcp.observe(probe, {}, NOW))))
        settle(listening)
    with DnsServer({("status.example.test.", "A"): ["192.0.2.10"]}) as resolver:
        for query in ("status.example.test", "nope.example.test"):
            probe = DnsProbe.model_validate(
                {
                    "type": "dns",
                    "name": "lookup",
                    "query": query,
                    "resolver": f"127.0.0.1:{resolver.port}",
                }
            )
            made.append(("dns", asyncio.run(dns.observe(probe, {}, NOW, 2.0))))
    return made


def settle(server: TcpServer) -> None:
    """Wait until the server took the probe's connection over (a server stopped before
    that leaks the socket)."""
    deadline = time.monotonic() + 5
    while server.connections < 1 and time.monotonic() < deadline:
        time.sleep(0.001)


@pytest.fixture(scope="module")
def produced() -> list[tuple[str, Observation]]:
    return observations()


def test_every_probe_type_was_observed(produced):
    assert {probe_type for probe_type, _ in produced} == set(RESULTS)
    assert all(observation.error is None for _, observation in produced)


def test_each_answer_has_exactly_the_declared_variables_and_fields(produced):
    for probe_type, observation in produced:
        assert set(observation.variables) == set(RESULTS[probe_type]), probe_type
        for variable, values in observation.variables.items():
            shape = RESULTS[probe_type][variable]
            if probe_type == "http" and variable == "tls" and not values:
                continue  # plain http: no certificate at all
            assert set(values) == set(shape.field_names()), f"{probe_type} {variable}"
            for field in shape.fields:
                value = values[field.name]
                assert isinstance(value, PYTHON_TYPES[field.kind]), (variable, field, value)
                if field.kind == "strings":
                    assert all(isinstance(item, str) for item in value)
                if field.kind == "headers":
                    assert all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def test_every_declared_field_is_produced_by_some_answer(produced):
    seen: dict[tuple[str, str], set[str]] = {}
    for probe_type, observation in produced:
        for variable, values in observation.variables.items():
            seen.setdefault((probe_type, variable), set()).update(
                name for name, value in values.items() if value is not None
            )
    for probe_type, variables in RESULTS.items():
        for variable, shape in variables.items():
            assert seen[(probe_type, variable)] == set(shape.field_names()), (probe_type, variable)


def test_every_answer_converts_and_every_field_is_readable(produced):
    for probe_type, observation in produced:
        context = probe_context(probe_type, observation.variables)
        for variable, shape in RESULTS[probe_type].items():
            for field in shape.fields:
                source = f"{variable}.{field.name} == {variable}.{field.name}"
                if field.kind == "json":
                    source = f"{variable}.{field.name} == null || true"
                assert evaluate(compile_condition(source, probe_type), context) is True


def test_one_message_type_per_shape():
    names = [shape.name for variables in RESULTS.values() for shape in variables.values()]
    assert len(set(names)) == len(shapes())  # a shape shared by two variables is one type
    for shape in shapes().values():
        built = message(shape, {})
        assert [f.name for f in built.DESCRIPTOR.fields] == list(shape.field_names())


# -- building values -----------------------------------------------------------------------


def test_a_field_that_is_not_declared_is_refused():
    with pytest.raises(ValueError, match="TcpResult has no field 'banner'"):
        message(RESULTS["tcp"]["tcp"], {"connected": True, "banner": "SSH"})


@pytest.mark.parametrize(
    ("values", "source", "expected"),
    [
        # Undecodable bytes in a header (kept as lone surrogates) are repaired, not fatal.
        ({"headers": {"x-name": "caf\udce9"}}, 'response.headers["x-name"] == "caf?"', True),
        ({"headers": {"x-\udcff": "1"}}, 'response.headers["x-?"] == "1"', True),
        ({"body": "\udcff ok"}, 'response.body == "? ok"', True),
        ({"json": {"k\ud800": ["\udc00"]}}, 'response.json["k?"][0] == "?"', True),
        # Integers are held to 64 bits.
        ({"status": 10**30}, "response.status == 9223372036854775807", True),
        # None leaves a field unset.
        ({"status": None}, "has(response.status)", False),
        # JSON the message cannot hold reads as null; what it can hold reads as itself.
        ({"json": 10**400}, "response.json == null", True),
        ({"json": {"a": [1, {"b": None}]}}, "response.json.a[1].b == null", True),
        ({"json": {"a": [1, {"b": None}]}}, "has(response.json.a)", True),
        ({"json": []}, "response.json.size() == 0 && response.json != null", True),
        ({"json": {}}, "response.json.size() == 0 && response.json != null", True),
        ({"json": None}, "response.json == null", True),
        ({"json": float("nan")}, "response.json != response.json", True),
    ],
)
def test_values_become_messages(values, source, expected):
    context = probe_context("http", {"response": values, "tls": {}})
    assert evaluate(compile_condition(source, "http"), context) is expected


@pytest.mark.parametrize(("depth", "is_null"), [(1, False), (29, False), (30, False), (31, True)])
def test_json_nested_too_deep_reads_as_null(depth, is_null):
    nested: Any = "deep"
    for _ in range(depth):
        nested = {"a": nested}
    context = probe_context("http", {"response": {"json": nested}})
    assert evaluate(compile_condition("response.json == null", "http"), context) is is_null


def test_json_nested_very_deep_does_not_stop_the_probe():
    nested: Any = []
    for _ in range(5000):
        nested = [nested]
    context = probe_context("http", {"response": {"json": nested, "status": 200}})
    source = "response.status == 200 && response.json == null"
    assert evaluate(compile_condition(source, "http"), context) is True


# -- the docs' table --------------------------------------------------------------------------


def table(results: dict[str, dict[str, ResultShape]] = RESULTS) -> str:
    rows = ["| probe type | field | type | what it holds |", "|---|---|---|---|"]
    for probe_type, variables in results.items():
        for variable, shape in variables.items():
            rows.extend(
                f"| `{probe_type}` | `{variable}.{field.name}` | {CEL_NAMES[field.kind]} "
                f"| {field.meaning} |"
                for field in shape.fields
            )
    return "\n".join([START, "", *rows, "", END])


def readme_with_table(text: str) -> str:
    start, end = text.index(START), text.index(END) + len(END)
    return text[:start] + table() + text[end:]


def test_the_readme_lists_exactly_the_declared_fields():
    text = README.read_text(encoding="utf-8")
    assert text.count(START) == text.count(END) == 1
    assert readme_with_table(text) == text, "run: python tests/probes/test_results.py"


if __name__ == "__main__":
    README.write_text(readme_with_table(README.read_text(encoding="utf-8")), encoding="utf-8")
    sys.exit(0)
