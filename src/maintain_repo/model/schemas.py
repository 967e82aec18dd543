"""JSON Schemas (draft 2020-12) generated from the models, one per kind.

The committed `schemas/*.schema.json` files are exactly `render_all()`;
`maintain schema check` fails when they drift from the models.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from maintain_repo.model.kinds import schema_models

DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_of(name: str, model: type[BaseModel]) -> dict[str, Any]:
    generated = model.model_json_schema(mode="validation")
    return {
        "$schema": DIALECT,
        "$id": f"urn:maintain-repo:schema:{name}:v1",
        **generated,
    }


def render_all() -> dict[str, str]:
    """File name -> exact file text, for every published schema.

    Each schema is checked against the draft 2020-12 meta-schema first, so a
    model that cannot be expressed as a valid schema never gets exported.
    """
    from jsonschema import Draft202012Validator

    rendered = {}
    for name, model in schema_models().items():
        schema = schema_of(name, model)
        Draft202012Validator.check_schema(schema)
        rendered[f"{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return rendered
