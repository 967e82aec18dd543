"""Writing and editing records in bulk without the round-trip YAML library's cost.

ruamel.yaml's round trip keeps every comment and quote, in pure Python: about 10 ms to
load a finding record and 6 ms to write one. An import of ten thousand scan results
touches ten thousand records, and the changes it makes are simple: top-level values set
or removed, items added at the end of a list (a timeline entry, a new advisory id).

- `emit(data)`: a new record's text in the house style (two-space mappings, sequence
  items dashed at two, plain scalars where YAML reads them back as the same text, else
  double-quoted with JSON's escapes, which YAML shares).
- `patch(text, before, after)`: `text`, whose data is `before`, changed to hold `after`
  by rewriting only the lines of the top-level keys that changed (a one-line value is
  replaced in place; a list that only grew gets its new items after its last one; a
  new key goes before `timeline`); every other byte, comments included, is kept.

What they write is either in forms YAML reads back exactly by construction (`_exact`:
plain text of a safe alphabet, ASCII in JSON's double quotes, integers, timestamps), or
verified with the checking reader (`store.yaml.parse`): it must read back as exactly the
data meant, else they give None and the caller takes the round trip (`store.roundtrip`),
which handles every layout. They never guess.
"""

from __future__ import annotations

import json
import re
from typing import Any

from maintain_repo.store.problems import YamlError
from maintain_repo.store.yaml import parse

_PLAIN = re.compile(r"[A-Za-z0-9_./()@+-][A-Za-z0-9 _./()@+,;:=*&%~'\"-]*")
# Plain text YAML would read as something else (or that looks like it might).
_NOT_TEXT = re.compile(
    r"[-+]?(\.?[0-9][0-9._]*([eE][-+]?[0-9]+)?|\.inf|\.nan|0x[0-9a-fA-F]+|0o[0-7]+)"
    r"|true|false|null|yes|no|on|off|y|n|~",
    re.IGNORECASE,
)
_SAFE_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 _./@()+,;'\"-]*")
# A digest (a fingerprint): hexadecimal, with a letter no number has (0b, 0x prefixes
# left out: YAML 1.1 reads them as integers).
_SAFE_DIGEST = re.compile(r"(?!0[bx])[0-9a-f]*[a-df][0-9a-f]*")
_SAFE_URL = re.compile(r"https?://[A-Za-z0-9_./@()+,;=&%~-]+")
_TIMESTAMP = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?Z")
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*):( |$)")
_BLOCK_SCALAR = re.compile(r"[:-] +[|>][-+0-9]*[ \t]*(#.*)?$", re.MULTILINE)
INDENT = "  "


def emit(data: dict[str, Any], *, header: str = "") -> str | None:
    """The text of a new record holding `data` (see the module); None when it would not
    read back as `data`."""
    try:
        lines = _mapping(data, 0)
    except (_Unwritable, ValueError):  # ValueError: an integer too long to write as text
        return None
    text = header + "\n".join(lines) + "\n"
    if _all_exact(data):
        return text  # every value in a form read back exactly (see `_exact`)
    return text if _reads_as(text, data) else None


def patch(text: str, before: dict[str, Any], after: dict[str, Any]) -> str | None:
    """`text` (holding `before`) changed to hold `after` (see the module); None when the
    change is not one this module makes, or would not read back as `after`.

    The text is taken as its header (comments before the first key) and one block per
    top-level entry. Only whole blocks change: a one-line entry replaced or removed, items
    added after the last item of a block sequence indented as ours, new entries written
    whole before `timeline` (else at the end). An entry whose values are all in exact
    forms (see `_exact`) is right by construction and the rest of the text is untouched;
    any other entry is read back on its own (the reader reads the entries of a block
    mapping independently: no entry can refer to another, as aliases are refused). A text
    with a block scalar (`|`, `>`: its value ends where the next line begins) is read back
    whole."""
    if before == after:
        return text
    if not text.endswith("\n") or "\r" in text:
        return None  # the line structure is not ours to keep: the round trip keeps it
    parts = _blocks(text[:-1].split("\n"))
    if parts is None:
        return None
    header, blocks = parts
    if list(blocks) != list(before):
        return None
    whole = bool(_BLOCK_SCALAR.search(text))
    try:
        edited: dict[str, list[str]] = {}
        for key, lines in blocks.items():
            if key not in after:
                if not _simple(lines):
                    return None
                continue
            if after[key] == before[key]:
                edited[key] = lines
                continue
            edited[key] = _changed(lines, key, before[key], after[key])
            if not (whole or _all_exact(after[key]) or _reads_as(edited[key], {key: after[key]})):
                return None
        added = {key: after[key] for key in after if key not in before}
        new = [line for key, value in added.items() for line in _entry(key, value, 0)]
        if added and not (whole or _all_exact(added) or _reads_as(new, added)):
            return None
    except (_Unwritable, ValueError):
        return None
    out = list(header)
    for key, lines in edited.items():
        if key == "timeline":
            out.extend(new)
            new = []
        out.extend(lines)
    out.extend(new)
    result = "\n".join(out) + "\n"
    if whole and not _reads_as(result, after):
        return None
    return result


class _Unwritable(Exception):
    """A value or layout this module does not write: the round trip does."""


def _changed(lines: list[str], key: str, old: Any, new: Any) -> list[str]:
    """The block of entry `key` (its `lines`) holding `new` instead of `old`."""
    if isinstance(old, list) and isinstance(new, list) and old and new[: len(old)] == old:
        last = _last_content(lines)
        items = lines[1 : last + 1]
        if not items or not items[0].startswith(INDENT + "- ") or "#" in lines[0]:
            raise _Unwritable
        added = [line for value in new[len(old) :] for line in _item(value, 1)]
        return lines[: last + 1] + added + lines[last + 1 :]
    if not _simple(lines):
        raise _Unwritable
    return _entry(key, new, 0) + [line for line in lines[1:] if not line.strip()]


def _simple(block: list[str]) -> bool:
    """One `key: value` line (blank lines after it allowed), no comment to lose."""
    content = [line for line in block if line.strip()]
    return len(content) == 1 and "#" not in content[0]


def _blocks(lines: list[str]) -> tuple[list[str], dict[str, list[str]]] | None:
    """The header lines and each top-level key's block of lines (the key's line, then
    every indented or blank line after it); None for a layout this module does not edit
    (a document marker or directive, a top-level comment between keys, a flow mapping, a
    key repeated)."""
    header: list[str] = []
    blocks: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines:
        if not line or line[0] == " ":
            (header if current is None else current).append(line)
            continue
        if line.startswith("#") and current is None:
            header.append(line)
            continue
        found = _KEY_LINE.match(line)
        if found is None or found.group(1) in blocks:
            return None
        current = blocks[found.group(1)] = [line]
    return header, blocks


def _last_content(lines: list[str]) -> int:
    """The index of a block's last line that is not blank."""
    last = 0
    for number, line in enumerate(lines):
        if line.strip():
            last = number
    return last


def _mapping(data: dict[str, Any], depth: int) -> list[str]:
    if not data:
        raise _Unwritable  # `{}` is written by the round trip
    return [line for key, value in data.items() for line in _entry(key, value, depth)]


def _entry(key: str, value: Any, depth: int) -> list[str]:
    pad = INDENT * depth
    if not _KEY_LINE.match(f"{key}: ") or _NOT_TEXT.fullmatch(key):
        raise _Unwritable
    if isinstance(value, dict):
        return [f"{pad}{key}:", *_mapping(value, depth + 1)]
    if isinstance(value, list):
        if not value:
            return [f"{pad}{key}: []"]
        return [f"{pad}{key}:", *[line for item in value for line in _item(item, depth + 1)]]
    return [f"{pad}{key}: {_scalar(value)}"]


def _item(value: Any, depth: int) -> list[str]:
    """A sequence item, its dash at `depth` levels (the house style: dashes indented)."""
    pad = INDENT * depth
    if isinstance(value, dict):
        inner = _mapping(value, depth + 1)
        first = inner[0][len(INDENT * (depth + 1)) :]
        return [f"{pad}- {first}", *inner[1:]]
    if isinstance(value, list):
        raise _Unwritable
    return [f"{pad}- {_scalar(value)}"]


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        text = repr(value)
        if "e" in text or "n" in text:  # exponents, inf, nan: leave them to the round trip
            raise _Unwritable
        return text
    if not isinstance(value, str):
        raise _Unwritable
    if _TIMESTAMP.fullmatch(value) or _plain(value):
        return value  # a timestamp is read as text by the checking reader
    # JSON leaves DEL as it is; YAML text may not hold it, but reads its escape.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _plain(value: str) -> bool:
    return bool(
        _PLAIN.fullmatch(value)
        and not _NOT_TEXT.fullmatch(value)
        and not value.endswith((" ", ":"))
        and ": " not in value
        and value[0] not in "-'\"*&%@"
    )


def _exact(value: Any) -> bool:
    """Whether `_scalar` writes `value` in a form every YAML reader reads back as exactly
    `value`, so that no reading is needed to know it: null, booleans, integers, our
    timestamps (text to the checking reader), text starting with a letter and made of
    letters, digits, spaces, quotes and `_./@()+,;-` that no YAML version resolves to
    anything but text, hexadecimal digests with a letter no number has, web addresses
    without spaces, `#` or `?`, and ASCII text in double quotes with JSON's escapes
    (which YAML shares). Other values (floats, non-ASCII text, other plain text) are
    verified by reading."""
    if value is None or isinstance(value, bool | int):
        return True
    if not isinstance(value, str):
        return False
    if _TIMESTAMP.fullmatch(value):
        return True
    if _plain(value):
        safe = (
            _SAFE_PLAIN.fullmatch(value)
            or _SAFE_URL.fullmatch(value)
            or _SAFE_DIGEST.fullmatch(value)
        )
        return bool(safe) and not value.endswith(" ")
    return value.isascii()


def _all_exact(value: Any) -> bool:
    if isinstance(value, dict):
        return all(_all_exact(v) for v in value.values())
    if isinstance(value, list):
        return all(_all_exact(v) for v in value)
    return _exact(value)


def _reads_as(text: str | list[str], data: dict[str, Any]) -> bool:
    if isinstance(text, list):
        text = "\n".join(text) + "\n"
    try:
        return bool(parse(text).data == data)
    except YamlError:
        return False
