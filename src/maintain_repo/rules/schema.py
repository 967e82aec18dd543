"""Schema validation: a document against its kind's model, errors as findings.

The JSON Schemas in `schemas/` are generated from these same models, so a
record that passes here passes any JSON Schema validator (a test holds the
two to agreement on broken records too). The models check a little more than
a schema can say: real dates inside ids, whole numbers, timestamp parsing.
Messages name the field, say what was expected in words, and suggest the
closest field name for typos.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from maintain_repo.model.common import PATTERN_HELP
from maintain_repo.model.findings import Finding, Pointer, Severity, dotted

RULE = "schema"


def validate(
    model: type[BaseModel], data: Any, *, path: str, record: str | None
) -> tuple[BaseModel | None, list[Finding]]:
    """The validated model, or None and one finding per schema error."""
    try:
        return model.model_validate(data), []
    except ValidationError as e:
        findings = [
            Finding(RULE, Severity.ERROR, message, path, record=record, pointer=pointer)
            for pointer, message in _messages(model, e)
        ]
        return None, findings


def _messages(model: type[BaseModel], error: ValidationError) -> Iterator[tuple[Pointer, str]]:
    for item in error.errors(include_url=False):
        pointer: Pointer = tuple(item["loc"])
        yield pointer, describe(model, item["type"], pointer, item)


def describe(model: type[BaseModel], kind: str, pointer: Pointer, item: Any) -> str:
    """A one-line message for one pydantic error."""
    where = dotted(pointer)
    if kind == "extra_forbidden":
        field = str(pointer[-1])
        allowed = fields_at(model, pointer[:-1])
        guess = difflib.get_close_matches(field, allowed, n=1, cutoff=0.7)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        parent = f" in {dotted(pointer[:-1])}" if len(pointer) > 1 else ""
        return f"unknown field {field!r}{parent}{hint}"
    if kind == "missing":
        return f"missing required field {where!r}"
    message = str(item["msg"]).removeprefix("Value error, ")
    message = message[:1].lower() + message[1:]
    ctx = item.get("ctx") or {}
    pattern = ctx.get("pattern")
    if pattern is not None:
        message = f"expected {PATTERN_HELP.get(pattern, f'text matching {pattern}')}"
    got = item.get("input")
    if kind != "value_error" and not isinstance(got, dict | list):
        message += f" (got {shorten(got)})"
    return f"{where}: {message}" if where else message


def shorten(value: object, limit: int = 60) -> str:
    """`repr` of a value, cut to `limit` characters (record text is untrusted)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def fields_at(model: type[BaseModel], pointer: Pointer) -> list[str]:
    """Field names of the model reached by walking `pointer` from `model`."""
    current: Any = model
    for part in pointer:
        if isinstance(part, int):
            continue
        found = _model_of(current)
        field = found.model_fields.get(part) if found is not None else None
        if field is None:
            return []
        current = field.annotation
    target = _model_of(current)
    return list(target.model_fields) if target else []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model inside `X`, `X | None`, `list[X]` or `Annotated[...]`, if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None:
        return None
    if origin is typing.Annotated:
        return _model_of(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        for arg in typing.get_args(annotation):
            found = _model_of(arg)
            if found is not None:
                return found
    return None
