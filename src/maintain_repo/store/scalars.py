"""YAML 1.2 scalars: the core schema's resolution of plain scalars, and core tags.

`no`, `on` and `yes` are text; `010` is ten; timestamps are text (the models
parse them). Tags other than the core ones are refused by the reader.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_INT = re.compile(r"[-+]?[0-9]+")
_OCT = re.compile(r"0o[0-7]+")
_HEX = re.compile(r"0x[0-9a-fA-F]+")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_INF = re.compile(r"[-+]?\.(inf|Inf|INF)")
_NAN = frozenset({".nan", ".NaN", ".NAN"})
# Plain scalars starting with anything else are strings without further tests.
_MAYBE_NOT_STR = frozenset("0123456789-+.~nNtTfF")

CORE = "tag:yaml.org,2002:"


def resolve_plain(value: str) -> Any:
    """The value of a plain (unquoted, untagged) scalar under the 1.2 core schema."""
    if not value:
        return None
    if value[0] not in _MAYBE_NOT_STR:
        return value
    if value in _NULL:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    if _INT.fullmatch(value):
        return int(value)
    if _OCT.fullmatch(value):
        return int(value[2:], 8)
    if _HEX.fullmatch(value):
        return int(value[2:], 16)
    if _FLOAT.fullmatch(value):
        return float(value)
    if _INF.fullmatch(value):
        return -math.inf if value[0] == "-" else math.inf
    if value in _NAN:
        return math.nan
    return value


def _strict(kind: type) -> Callable[[str], Any]:
    def convert(value: str) -> Any:
        resolved = resolve_plain(value)
        if type(resolved) is not kind:
            raise ValueError(value)
        return resolved

    return convert


def _number(value: str) -> int | float:
    resolved = resolve_plain(value)
    if type(resolved) not in (int, float):
        raise ValueError(value)
    return resolved  # type: ignore[no-any-return]  # narrowed just above


TAGGED: dict[str, Callable[[str], Any]] = {
    CORE + "str": str,
    CORE + "int": _strict(int),
    CORE + "float": lambda v: float(
        _strict(float)(v) if "." in v or "e" in v.lower() else _strict(int)(v)
    ),
    CORE + "bool": _strict(bool),
    CORE + "null": _strict(type(None)),
}


def type_name(value: object) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number"}.get(type(value), "text")
