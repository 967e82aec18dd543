"""Round-trip YAML: edit a record and keep its comments, order and quoting.

Reading for checks goes through `maintain_repo.store.yaml`; this module is
for the (rarer) writes. The house style is detected from the file being
edited (mapping indent, sequence indent and dash offset, an explicit `---`),
so a load followed by a save of an unchanged record gives the same bytes.
Lines are never re-wrapped.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.resolver import VersionedResolver

from maintain_repo.errors import StoreError
from maintain_repo.store.yaml import parse

_SEQ_ITEM = re.compile(r"^( *)- ")
_KEY = re.compile(r"^( *)[^\s#-][^:#]*:(\s|$)")


@dataclass(frozen=True, slots=True)
class Style:
    """How a file indents: `mapping` spaces per level; `offset` before a dash."""

    mapping: int = 2
    sequence: int = 4
    offset: int = 2
    explicit_start: bool = False


def detect_style(text: str) -> Style:
    """The indentation style of `text` (defaults: 2, dash indented by 2)."""
    mapping = offset = None
    explicit_start = any(line.startswith("---") for line in text.splitlines()[:3])
    previous_key_indent: int | None = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        seq = _SEQ_ITEM.match(line)
        if seq is not None:
            if offset is None and previous_key_indent is not None:
                offset = len(seq.group(1)) - previous_key_indent
            previous_key_indent = None
            continue
        key = _KEY.match(line)
        if key is None:
            continue
        indent = len(key.group(1))
        if mapping is None and previous_key_indent is not None and indent > previous_key_indent:
            mapping = indent - previous_key_indent
        previous_key_indent = indent if line.rstrip().endswith(":") else None
        if mapping is not None and offset is not None:
            break
    mapping = mapping or 2
    offset = max(offset if offset is not None else 2, 0)
    return Style(mapping, offset + 2, offset, explicit_start)


class _TextTimestamps(VersionedResolver):
    """Resolve timestamps as plain text, as the checking reader does.

    ruamel would otherwise load them as datetimes and write them back
    reformatted (`.123` becomes `.123000`).
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        tag = super().resolve(kind, value, implicit)
        if str(getattr(tag, "suffix", tag)).endswith(":timestamp"):
            return self.DEFAULT_SCALAR_TAG
        return tag


def _yaml(style: Style) -> YAML:
    yaml = YAML(typ="rt", pure=True)
    yaml.Resolver = _TextTimestamps
    yaml.version = None
    yaml.indent(mapping=style.mapping, sequence=style.sequence, offset=style.offset)
    yaml.preserve_quotes = True
    yaml.width = 1 << 16  # never re-wrap long lines
    yaml.explicit_start = style.explicit_start
    yaml.allow_duplicate_keys = False
    return yaml


@dataclass(slots=True)
class Editable:
    """A record loaded for editing: its comment-keeping tree and its style."""

    data: CommentedMap
    style: Style
    original: str
    snapshot: Any

    def dump(self) -> str:
        """The edited text; exactly the original text when nothing changed."""
        if plain(self.data) == self.snapshot:
            return self.original
        out = io.StringIO()
        _yaml(self.style).dump(self.data, out)
        return out.getvalue()


def plain(value: Any) -> Any:
    """`value` with ruamel's comment-keeping containers turned into dict/list."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


def load(text: str) -> Editable:
    """Load `text` for editing; it must already be a valid record document."""
    snapshot = parse(text).data  # the strict reader reports problems with positions
    try:
        data = _yaml(Style()).load(text)
    except YAMLError as e:  # pragma: no cover - parse() above rejects these first
        raise StoreError(f"cannot edit this YAML: {e}") from e
    if not isinstance(data, CommentedMap):
        raise StoreError("a record file must hold a mapping at the top level")
    return Editable(data, detect_style(text), text, snapshot)


def new_document(data: dict[str, Any], *, header: str = "") -> str:
    """Text of a new record in the house style, with an optional comment header."""
    out = io.StringIO()
    if header:
        out.write(header if header.endswith("\n") else header + "\n")
    _yaml(Style()).dump(_commented(data), out)
    return out.getvalue()


def apply(target: Any, before: Any, after: Any) -> None:
    """Change the loaded mapping `target` (holding `before`) to hold `after`, touching only
    what differs: a list that only grew gets its new items appended (its comments kept), a
    mapping is changed key by key, anything else is replaced."""
    for key in [key for key in target if key not in after]:
        del target[key]
    for key, value in after.items():
        old = before.get(key, _MISSING)
        if old == value:
            continue
        current = target.get(key)
        if (
            isinstance(old, list)
            and isinstance(value, list)
            and isinstance(current, list)
            and value[: len(old)] == old
        ):
            current.extend(_commented(item) for item in value[len(old) :])
        elif isinstance(old, dict) and isinstance(value, dict) and isinstance(current, dict):
            apply(current, old, value)
        else:
            target[key] = _commented(value)


_MISSING = object()

# The fields every record kind writes last (see `model.common.TRAILING`).
TRAILING_FIELDS = ("labels", "links", "timeline")


def append(data: Any, key: str, item: Any) -> None:
    """Append `item` to the list at `key` (made, or made again when it is not a list;
    a timeline, say)."""
    listed = data.get(key)
    if not isinstance(listed, list):
        data[key] = []
        listed = data[key]
    listed.append(item)


def place(data: Any, key: str, value: Any, before: tuple[str, ...] = TRAILING_FIELDS) -> None:
    """`data[key] = value`; a new key goes before the first of `before` that the mapping
    has (a record's own fields come before its labels, links and timeline)."""
    if key in data:
        data[key] = value
        return
    keys = list(data)
    following = next((k for k in before if k in keys), None)
    if following is not None and hasattr(data, "insert"):
        data.insert(keys.index(following), key, value)
    else:
        data[key] = value


def _commented(value: Any) -> Any:
    if isinstance(value, dict):
        return CommentedMap((k, _commented(v)) for k, v in value.items())
    if isinstance(value, list):
        return CommentedSeq(_commented(v) for v in value)
    return value
