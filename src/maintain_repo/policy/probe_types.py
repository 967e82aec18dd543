"""Probe results as CEL message types, built from their one declaration.

cel-expr-python knows object types only as protobuf descriptors, so every shape in
`model.probe_results` becomes a message of the package `maintain.probe` in a descriptor
pool built in code (no .proto file, no protoc): a condition is type-checked against it,
and an attempt's answer becomes a message of that type before a condition reads it.

Messages use proto2 field presence: a field the probe did not produce is unset, `has()`
says so, and reading it gives its type's zero value. The JSON body is a
`google.protobuf.Value` (CEL reads it as a dynamic value: `response.json.items.size()`),
the headers a `map<string, string>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from typing import Any

from maintain_repo.model.probe_results import JSON_DEPTH, RESULTS, ResultShape

PACKAGE = "maintain.probe"
_FILE = "maintain/probe/results.proto"
_STRUCT = "google/protobuf/struct.proto"
_INT64 = (-(2**63), 2**63 - 1)


def type_name(shape: ResultShape) -> str:
    """The CEL (and protobuf) name of a shape's message type."""
    return f"{PACKAGE}.{shape.name}"


def shapes() -> dict[str, ResultShape]:
    """Every declared shape, by its message name."""
    return {shape.name: shape for types in RESULTS.values() for shape in types.values()}


@cache
def pool() -> Any:
    """The descriptor pool that holds every probe result type (and the JSON value type)."""
    from google.protobuf import descriptor_pb2, descriptor_pool, struct_pb2

    made = descriptor_pool.DescriptorPool()
    struct = descriptor_pb2.FileDescriptorProto()
    struct_pb2.DESCRIPTOR.CopyToProto(struct)
    made.Add(struct)
    made.Add(_file(descriptor_pb2))
    return made


def _file(descriptor_pb2: Any) -> Any:
    Field = descriptor_pb2.FieldDescriptorProto
    scalar = {
        "bool": Field.TYPE_BOOL,
        "int": Field.TYPE_INT64,
        "double": Field.TYPE_DOUBLE,
        "string": Field.TYPE_STRING,
        "strings": Field.TYPE_STRING,
    }
    file = descriptor_pb2.FileDescriptorProto(
        name=_FILE, package=PACKAGE, syntax="proto2", dependency=[_STRUCT]
    )
    for shape in shapes().values():
        message = file.message_type.add(name=shape.name)
        for number, field in enumerate(shape.fields, start=1):
            entry = message.field.add(name=field.name, number=number)
            entry.label = Field.LABEL_OPTIONAL
            if field.kind == "json":
                entry.type, entry.type_name = Field.TYPE_MESSAGE, ".google.protobuf.Value"
            elif field.kind == "headers":
                # A protobuf map is a repeated message of key and value marked as a map entry.
                pairs = message.nested_type.add(name=f"{_camel(field.name)}Entry")
                pairs.options.map_entry = True
                for position, side in enumerate(("key", "value"), start=1):
                    pairs.field.add(
                        name=side, number=position, type=Field.TYPE_STRING, label=entry.label
                    )
                entry.type, entry.label = Field.TYPE_MESSAGE, Field.LABEL_REPEATED
                entry.type_name = f".{PACKAGE}.{shape.name}.{pairs.name}"
            else:
                entry.type = scalar[field.kind]
                if field.kind == "strings":
                    entry.label = Field.LABEL_REPEATED
    return file


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


@cache
def _message_class(name: str) -> Any:
    from google.protobuf import message_factory

    return message_factory.GetMessageClass(pool().FindMessageTypeByName(f"{PACKAGE}.{name}"))


def message(shape: ResultShape, values: Mapping[str, Any]) -> Any:
    """`values` (what a probe produced) as a message of the shape's type.

    A field the shape does not declare is a bug in the probe: ValueError. None leaves a
    field unset. Text that is not valid Unicode (a header's stray bytes) is repaired,
    integers are held to 64 bits, and a JSON body the message cannot hold (nested deeper
    than JSON_DEPTH, a number beyond a double) is left unset, so conditions read null.
    """
    if not values:
        return _empty(shape.name)
    kinds = _kinds(shape.name)
    fields: dict[str, Any] = {}
    documents: dict[str, Any] = {}
    for name, value in values.items():
        kind = kinds.get(name)
        if kind is None:
            raise ValueError(f"{shape.name} has no field {name!r}")
        if value is None:
            continue
        if kind == "json":
            documents[name] = value
        else:
            fields[name] = _CONVERT[kind](value)
    built = _message_class(shape.name)(**fields)  # one call: far cheaper than a setattr each
    for name, document in documents.items():
        try:
            _fill(getattr(built, name), document, 0)
        except _Unheld:
            built.ClearField(name)
    return built


@cache
def _empty(name: str) -> Any:
    """A message with no field set (shared: nobody changes it once built)."""
    return _message_class(name)()


@cache
def _kinds(name: str) -> dict[str, str]:
    return {field.name: field.kind for field in shapes()[name].fields}


def _int64(value: Any) -> int:
    return min(max(int(value), _INT64[0]), _INT64[1])


def _texts(value: Any) -> list[str]:
    return [_text(item) for item in value]


def _pairs(value: Any) -> dict[str, str]:
    return {_text(key): _text(item) for key, item in value.items()}


class _Unheld(Exception):
    """A JSON value a message cannot hold."""


def _fill(target: Any, value: Any, depth: int) -> None:
    if depth > JSON_DEPTH:
        raise _Unheld
    if value is None:
        target.null_value = 0
    elif isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int | float):
        try:
            target.number_value = float(value)  # JSON numbers are doubles in CEL
        except OverflowError:
            raise _Unheld from None
    elif isinstance(value, str):
        target.string_value = _text(value)
    elif isinstance(value, list):
        items = target.list_value
        items.SetInParent()  # an empty list is still a list, not null
        for item in value:
            _fill(items.values.add(), item, depth + 1)
    elif isinstance(value, dict):
        fields = target.struct_value
        fields.SetInParent()
        for key, item in value.items():
            _fill(fields.fields[_text(key)], item, depth + 1)
    else:
        raise _Unheld


def _text(value: Any) -> str:
    text = str(value)
    if text.isascii():
        return text
    # Lone surrogates (undecodable bytes kept by the HTTP parser) cannot be UTF-8.
    return text.encode("utf-8", "replace").decode("utf-8")


_CONVERT: dict[str, Any] = {
    "bool": bool,
    "int": _int64,
    "double": float,
    "string": _text,
    "strings": _texts,
    "headers": _pairs,
}
