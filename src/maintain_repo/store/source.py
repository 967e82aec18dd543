"""Bytes to text: the checks every file passes before it is parsed.

Oversized, binary, byte-order-marked and invalid UTF-8 files are problems
with a position, never crashes and never silently "fixed".
"""

from __future__ import annotations

import codecs
import errno
import os
import stat

from maintain_repo.errors import StoreError
from maintain_repo.store.problems import BINARY, BOM, ENCODING, TOO_LARGE, YamlProblem

# A 40-line record is about 1.5 KiB; anything this big is not a record.
MAX_BYTES = 256 * 1024

_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF8, "UTF-8"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def read(path: str, *, max_bytes: int = MAX_BYTES) -> bytes:
    """At most `max_bytes + 1` bytes of a regular file, never through a symbolic link.

    Raises `NotARegularFile` for links, FIFOs, devices and directories: a
    record must never make the checker read /dev/zero, block on a pipe, or
    follow a link out of the repository (and echo what it found there).
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise NotARegularFile("a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        status = os.fstat(fd)
        what = _special(status.st_mode)
        if what:
            raise NotARegularFile(what)
        # Asked for at most what the file holds (and one byte more, to see its end):
        # `read(n)` sets n bytes aside first, and a cache's limit is half a gigabyte,
        # more than a sandboxed process may take. A file that grew since is read on.
        limit = max_bytes + 1
        data = handle.read(min(limit, status.st_size + 1))
        if len(data) <= status.st_size or len(data) >= limit:
            return data
        chunks = [data]
        while (got := sum(map(len, chunks))) < limit:
            chunk = handle.read(min(limit - got, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
        return b"".join(chunks)


def unreadable(rel: str, error: OSError) -> StoreError:
    """The error for a file or folder of the ops repository that exists but cannot be
    read (permissions, I/O errors): the run stops rather than judge without it."""
    return StoreError(
        f"cannot read {rel}: {error.strerror or error}",
        hint="maintain reads every file of the ops repository; give the user running it "
        "read access (and, for folders, access to list them)",
    )


class NotARegularFile(Exception):
    """The path is not a regular file; the message says what it is."""


def _special(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a device"


def decode(data: bytes, *, max_bytes: int = MAX_BYTES) -> str | YamlProblem:
    """The UTF-8 text of `data`, or the problem that makes it unreadable."""
    if len(data) > max_bytes:
        return YamlProblem(
            TOO_LARGE,
            # Only max_bytes + 1 bytes were read: the real size is unknown, and may be huge.
            f"file is larger than {max_bytes:,} bytes, the limit for records and policies; "
            "move long text (logs, transcripts) out of the record and link to it",
            1,
            1,
        )
    for bom, name in _BOMS:
        if data.startswith(bom):
            if name == "UTF-8":
                return YamlProblem(
                    BOM, "file starts with a UTF-8 byte-order mark; save it without one", 1, 1
                )
            return YamlProblem(ENCODING, f"file is {name}; records must be UTF-8", 1, 1)
    nul = data.find(b"\x00")
    if nul >= 0:
        line, column = _position(data, nul)
        return YamlProblem(BINARY, "binary file (NUL byte); records are UTF-8 text", line, column)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        line, column = _position(data, e.start)
        return YamlProblem(
            ENCODING,
            f"invalid UTF-8 (byte 0x{data[e.start]:02x}); records must be UTF-8 text",
            line,
            column,
        )


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """1-based line and character column of byte `offset`."""
    line_start = data.rfind(b"\n", 0, offset) + 1
    column = len(data[line_start:offset].decode("utf-8", "replace")) + 1
    return data.count(b"\n", 0, offset) + 1, column
