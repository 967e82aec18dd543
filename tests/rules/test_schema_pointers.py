"""Schema findings point at the field in the document, also inside a discriminated union
(a probe is http, tcp, tls or dns by its `type`), and suggest that member's own fields."""

from __future__ import annotations

import pytest

from maintain_repo.model.service import Service
from maintain_repo.rules.schema import in_data, validate

BASE = {
    "id": "shop",
    "kind": "service",
    "schema_version": 1,
    "title": "Shop",
    "status": "active",
    "owner": "acme/sre",
    "created_at": "2026-01-01T00:00:00Z",
    "tier": 2,
}


@pytest.mark.parametrize(
    ("probe", "pointer", "message"),
    [
        (
            {"name": "db", "type": "tcp", "host": "db", "port": 5432, "prot": 1},
            ("probes", 0, "prot"),
            "unknown field 'prot' in probes[0]; did you mean 'port'?",
        ),
        (
            {"name": "web", "type": "http", "url": "https://shop.example", "retries": "many"},
            ("probes", 0, "retries"),
            "probes[0].retries: input should be a valid integer (got 'many')",
        ),
        (
            {"name": "web", "type": "http", "url": "https://shop.example",
             "headers_from_env": {"Authorization": "GITHUB_TOKEN"}},
            ("probes", 0, "headers_from_env", "Authorization"),
            "probes[0].headers_from_env.Authorization: the variable GITHUB_TOKEN belongs to",
        ),
    ],
)  # fmt: skip
def test_a_probe_field_is_found_at_the_field(probe, pointer, message):
    model, findings = validate(Service, {**BASE, "probes": [probe]}, path="x.yaml", record=None)
    assert model is None
    (finding,) = findings
    assert finding.pointer == pointer
    assert finding.message.startswith(message)


def test_a_key_named_like_a_tag_is_kept_where_it_is_a_field():
    data = {"probes": [{"type": "tcp", "tcp": 1}]}
    assert in_data(data, ("probes", 0, "tcp")) == ("probes", 0, "tcp")
    assert in_data(data, ("probes", 0, "tcp", "port")) == ("probes", 0, "tcp", "port")
    assert in_data({"probes": [{"type": "tcp"}]}, ("probes", 0, "tcp", "port")) == (
        "probes",
        0,
        "port",
    )
