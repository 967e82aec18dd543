"""Schemas: generated from the models, committed, valid, and in agreement with them."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Literal

import jsonschema
import pytest
from pydantic import create_model

from maintain_repo.cli import main
from maintain_repo.model import incident as incident_module
from maintain_repo.model.incident import Incident
from maintain_repo.model.schemas import render_all
from maintain_repo.store.yaml import parse

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


def test_committed_schemas_match_the_models(capsys):
    assert main(["--root", str(ROOT), "schema", "check"]) == 0
    assert capsys.readouterr().out == "schemas are up to date\n"


@pytest.mark.parametrize("name", sorted(render_all()))
def test_schemas_are_valid_draft_2020_12(name):
    schema = json.loads((SCHEMAS / name).read_text())
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False


@pytest.fixture
def ops(tmp_path):
    root = tmp_path / "ops"
    (root / "records").mkdir(parents=True)
    shutil.copytree(SCHEMAS, root / "schemas")
    return root


def test_schema_check_fails_when_a_model_changes_without_export(ops, capsys, monkeypatch):
    changed = create_model(
        "Incident",
        __base__=Incident,
        pager=(Literal["primary", "secondary"] | None, None),  # a new field
    )
    monkeypatch.setattr(incident_module, "MODEL", changed)

    assert main(["--root", str(ops), "schema", "check"]) == 1
    err = capsys.readouterr().err
    assert "schemas/incident.schema.json: differs from the models" in err
    assert "run `maintain schema export`" in err

    assert main(["--root", str(ops), "schema", "export"]) == 0
    assert capsys.readouterr().out == "wrote schemas/incident.schema.json\n1 schema(s) updated\n"
    assert "pager" in json.loads((ops / "schemas/incident.schema.json").read_text())["properties"]
    assert main(["--root", str(ops), "schema", "check"]) == 0


def test_schema_check_reports_missing_and_stray_files(ops, capsys):
    (ops / "schemas/waiver.schema.json").unlink()
    (ops / "schemas/old.schema.json").write_text("{}\n")
    assert main(["--root", str(ops), "schema", "check"]) == 1
    err = capsys.readouterr().err
    assert "schemas/waiver.schema.json: missing" in err
    assert "schemas/old.schema.json: not produced by any model" in err
    (ops / "schemas/service.schema.json").write_bytes(b"\xff\xfe not text")
    assert main(["--root", str(ops), "schema", "check"]) == 1  # no crash on a binary file
    assert "schemas/service.schema.json: differs from the models" in capsys.readouterr().err

    assert main(["--root", str(ops), "schema", "export"]) == 0
    out = capsys.readouterr().out
    assert "wrote schemas/waiver.schema.json" in out
    assert "wrote schemas/service.schema.json" in out
    assert "removed schemas/old.schema.json (no model produces it)" in out
    assert not (ops / "schemas/old.schema.json").exists()
    assert main(["--root", str(ops), "schema", "check"]) == 0


def test_export_is_idempotent(ops, capsys):
    assert main(["--root", str(ops), "schema", "export"]) == 0
    assert capsys.readouterr().out == "schemas are up to date\n"


RECORDS = sorted((ROOT / "records").glob("*/*.yaml")) + sorted(
    (ROOT / "tests/cases/base/records").glob("*/*.yaml")
)


def _validator(kind_name):
    schema = json.loads((SCHEMAS / f"{kind_name}.schema.json").read_text())
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@pytest.mark.parametrize("path", RECORDS, ids=lambda p: p.name)
def test_valid_records_pass_the_exported_schema(path):
    data = parse(path.read_text()).data
    assert list(_validator(data["kind"]).iter_errors(data)) == []


BROKEN = [
    {"bogus": 1},
    {"severity": "SEV9"},
    {"status": 3},
    {"services": ["checkout-api", "checkout-api"]},
    {"reported_at": "2026-03-01"},
    {"reported_at": "2026-03-01T10:00:00"},
    {"owner": "two words"},
    {"schema_version": 2},
    {"action_items": ["IMP-1"]},
    {"customer_impact": {"impacted": "yes"}},
    {"roles": {"commandr": "alice"}},
    {"title": "two\nlines"},
]


@pytest.mark.parametrize("change", BROKEN, ids=lambda c: next(iter(c)))
def test_schema_and_model_reject_the_same_broken_records(change):
    base = ROOT / "tests/cases/base/records/incidents/INC-20260301-7K2M.yaml"
    data = parse(base.read_text()).data | change
    assert list(_validator("incident").iter_errors(data)) != []
    from maintain_repo.rules.schema import validate

    model, findings = validate(Incident, data, path="x", record=None)
    assert model is None
    assert findings


def test_check_jsonschema_accepts_our_records_with_our_schemas():
    """The exported schemas work in other tools: check-jsonschema, as pre-commit users run it."""
    incidents = sorted(str(p) for p in (ROOT / "tests/cases/base/records/incidents").glob("*.yaml"))
    done = subprocess.run(
        [
            str(Path(sys.executable).parent / "check-jsonschema"),
            "--schemafile",
            str(SCHEMAS / "incident.schema.json"),
            *incidents,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
