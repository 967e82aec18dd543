"""Turn a generated corpus into a git repository with a long history, quickly.

The first commit holds every record; `git fast-import` then adds commits
that each edit one record (a timeline note), so `--base` has real history
to work with. Finally `changed` records get an edit in the working tree,
as a pull request's branch would.
"""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

# Just before the benchmarks' MAINTAIN_NOW (a note dated after it is a timestamp-future error).
NOTE = "  - at: 2026-05-31T23:00:00Z\n    by: alice\n    event: note\n    text: {text}\n"


def _git(root: Path, *args: str, data: bytes | None = None) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", *args],
        cwd=root,
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def _with_note(text: str, note: str) -> str:
    """A record with one more timeline entry (an allowed edit, even when closed)."""
    if "\ntimeline:\n" not in text:
        text += "timeline:\n"
    return text + NOTE.format(text=note)


def build(root: Path, commits: int, changed: int, seed: int = 11) -> list[str]:
    """Commit `root` with `commits` commits of history; edit `changed` records after."""
    rng = random.Random(seed)
    _git(root, "init", "-q", "-b", "main")
    _git(root, "add", "-A")
    _git(root, "commit", "-q", "-m", "corpus")
    records = sorted(p for p in (root / "records/incidents").glob("*.yaml"))
    contents = {p: p.read_text() for p in records}
    stream = []
    for number in range(commits - 1):
        path = rng.choice(records)
        contents[path] = _with_note(contents[path], f"history note {number}")
        blob = contents[path].encode()
        rel = path.relative_to(root).as_posix()
        stream.append(
            b"commit refs/heads/main\n"
            + b"committer bench <bench@example.invalid> %d +0000\n" % (1_780_000_000 + number)
            + b"data %d\nnote %d\n" % (len(f"note {number}\n"), number)
            + (b"from refs/heads/main^0\n" if number == 0 else b"")
            + b"M 100644 inline %s\ndata %d\n" % (rel.encode(), len(blob))
            + blob
            + b"\n"
        )
    _git(root, "fast-import", "--quiet", "--force", data=b"".join(stream))
    _git(root, "reset", "-q", "--hard", "main")
    edited = []
    for path in rng.sample(records, changed):
        path.write_text(_with_note(path.read_text(), "edited in the pull request"))
        edited.append(path.relative_to(root).as_posix())
    return edited
