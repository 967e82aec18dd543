"""Reading a decoded JSON report strictly: every parser's small readers.

A member of the wrong type is an error that says where it is (a JSON pointer) and
what was found, never a crash further on; null or absent lists read as empty.
"""

from __future__ import annotations

from maintain_repo.security.observation import FormatError, line

Pointer = tuple[str | int, ...]
Entry = dict[str, object]
LIMIT = 500  # a path, a name or a version is cut only beyond what a record can hold


def object_at(value: object, pointer: Pointer) -> Entry:
    if not isinstance(value, dict):
        raise FormatError(f"expected an object, found {kind(value)}", pointer)
    return value


def items(value: object, pointer: Pointer) -> list[object]:
    """A list; null or absent is an empty one."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise FormatError(f"expected a list, found {kind(value)}", pointer)
    return value


def text(entry: Entry, key: str, pointer: Pointer) -> str | None:
    value = entry.get(key)
    if value is None or isinstance(value, str):
        return value
    raise FormatError(f"expected a string, found {kind(value)}", (*pointer, key))


def required(entry: Entry, key: str, pointer: Pointer) -> str:
    found = line(text(entry, key, pointer), LIMIT)
    if found is None:
        raise FormatError(f"`{key}` is missing or empty", (*pointer, key))
    return found


def texts(value: object, pointer: Pointer) -> list[str]:
    listed = items(value, pointer)
    for index, item in enumerate(listed):
        if not isinstance(item, str):
            raise FormatError(f"expected a string, found {kind(item)}", (*pointer, index))
    return [item for item in listed if isinstance(item, str)]


def kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"
