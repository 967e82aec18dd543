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
            for pointer, message in _messages(model, e, data)
        ]
        return None, findings


def _messages(
    model: type[BaseModel], error: ValidationError, data: Any
) -> Iterator[tuple[Pointer, str]]:
    for item in error.errors(include_url=False):
        loc: Pointer = tuple(item["loc"])
        pointer = in_data(data, loc)
        yield pointer, describe(model, item["type"], pointer, item, loc)


def in_data(data: Any, loc: Pointer) -> Pointer:
    """The pointer into the document for pydantic's `loc`, which also names the tag of a
    discriminated union (`probes.0.http.url` for the http probe `probes[0]`): the tag is
    no field, and left in it would place the finding at the probe instead of its field."""
    pointer: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(node, dict) and part not in node and node.get("type") == part:
            continue  # the union's tag: the probe's own `type`
        pointer.append(part)
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            node = None
    return tuple(pointer)


def describe(
    model: type[BaseModel], kind: str, pointer: Pointer, item: Any, loc: Pointer | None = None
) -> str:
    """A one-line message for one pydantic error (`loc`: pydantic's own path, union tags
    included, to find the model of a field)."""
    where = dotted(pointer)
    if kind == "extra_forbidden":
        field = str(pointer[-1])
        allowed = fields_at(model, (loc or pointer)[:-1])
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
    """Field names of the model reached by walking `pointer` from `model` (a union's tag in
    the pointer picks that member of the union)."""
    current: Any = model
    for part in pointer:
        if isinstance(part, int):
            continue
        members = _models_of(current)
        field = next((m.model_fields[part] for m in members if part in m.model_fields), None)
        if field is not None:
            current = field.annotation
            continue
        tagged = next((m for m in members if _tag(m) == part), None)
        if tagged is None:
            return []
        current = tagged
    found = _models_of(current)
    return list(found[0].model_fields) if len(found) == 1 else []


def _tag(model: type[BaseModel]) -> Any:
    """The `type` a member of a discriminated union stands for (`Literal["tcp"]`)."""
    field = model.model_fields.get("type")
    if field is None:
        return None
    values = typing.get_args(field.annotation) if typing.get_origin(field.annotation) else ()
    return values[0] if len(values) == 1 else field.default


def _models_of(annotation: Any) -> list[type[BaseModel]]:
    """The models inside `X`, `X | Y | None`, `list[...]` or `Annotated[...]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    origin = typing.get_origin(annotation)
    if origin is None:
        return []
    if origin is typing.Annotated:
        return _models_of(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        return [m for arg in typing.get_args(annotation) for m in _models_of(arg)]
    return []
