"""Hostile and faulty input, one table: what is done to a repository, the command run on
it, the exit code and the words it must answer with, and that nothing was written.

Each case starts from a git repository holding the valid base case (one commit), runs the
real `maintain` console script in a process of its own (so a blocking read fails by
timeout instead of hanging the suite, and a crash shows as exit 3), and compares the
repository's files before and after. A new hostile input is one more `Case` row.

Cases marked `unprivileged` run without the power to read what file permissions forbid:
as an ordinary user that is a plain run; as root (these tests run as root in CI
containers), the child drops CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH from its capability
bounding set before it executes, so `chmod 000` stops its reads like anyone else's.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import shutil
import stat
import subprocess
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from maintain_repo.store.files import TEMP_SUFFIX

INCIDENT = "records/incidents/INC-20260301-7K2M.yaml"
PAYMENTS = "records/services/payments.yaml"
SETTINGS = "policies/settings.yaml"
SLA = "kind: SLAPolicy\nname: sla\nincident: {acknowledge: {SEV1: 15m}}\n"
RUNAWAY = (
    "kind: RecordPolicy\nname: runaway\nseverity: error\nmatch: {kinds: [service]}\n"
    'validations:\n  - expression: "size(record.title' + ".replace('e', 'eeee')" * 16 + ') > 0"\n'
)


@dataclass(frozen=True)
class Where:
    """Where a case runs: the ops repository (a git work tree) and the check cache."""

    root: Path
    cache: Path


@dataclass(frozen=True)
class Case:
    name: str
    # Prepares the repository; returns the repository to run in when it is another
    # one (a clone), else None.
    setup: Callable[[Where], Path | None]
    argv: tuple[str, ...]  # after `maintain --root ROOT`; {beside}: the folder of ROOT
    code: int
    fragment: str  # must appear in stdout or stderr
    unprivileged: bool = False
    env: dict[str, str] = field(default_factory=dict)


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, check=True, capture_output=True, text=True
    ).stdout


def _write(rel: str, text: str) -> Callable[[Where], None]:
    def setup(where: Where) -> None:
        target = where.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    return setup


def _fifo(rel: str) -> Callable[[Where], None]:
    def setup(where: Where) -> None:
        target = where.root / rel
        if target.exists():
            target.unlink()
        os.mkfifo(target)

    return setup


def _symlink(rel: str, to: str) -> Callable[[Where], None]:
    def setup(where: Where) -> None:
        target = where.root / rel
        if target.exists():
            target.unlink()
        target.symlink_to(to)

    return setup


def _unreadable(rel: str, mode: int = 0) -> Callable[[Where], None]:
    return lambda where: (where.root / rel).chmod(mode)


def _commit(*steps: Callable[[Where], object]) -> Callable[[Where], None]:
    """Do `steps`, then commit everything: the base of `--base HEAD`."""

    def setup(where: Where) -> None:
        for step in steps:
            step(where)
        git(where.root, "add", "-A")
        git(where.root, "commit", "-qm", "base")

    return setup


def _then(*steps: Callable[[Where], object]) -> Callable[[Where], Path | None]:
    def setup(where: Where) -> Path | None:
        result = None
        for step in steps:
            result = step(where) or result
        return result if isinstance(result, Path) else None

    return setup


def _outside(name: str, text: str) -> Callable[[Where], None]:
    """A file next to the repository (an event payload), not in it."""

    def setup(where: Where) -> None:
        (where.root.parent / name).write_text(text, encoding="utf-8")

    return setup


def _fifo_outside(name: str) -> Callable[[Where], None]:
    return lambda where: os.mkfifo(where.root.parent / name)


def _remove(rel: str) -> Callable[[Where], None]:
    return lambda where: (where.root / rel).unlink()


def _shallow_clone(where: Where) -> Path:
    _write(SETTINGS, (where.root / SETTINGS).read_text() + "# second commit\n")(where)
    git(where.root, "commit", "-qam", "second")
    clone = where.root.parent / "shallow"
    git(where.root.parent, "clone", "-q", "--depth", "1", f"file://{where.root}", str(clone))
    return clone


def _drop_object(path_in_head: str) -> Callable[[Where], None]:
    def setup(where: Where) -> None:
        sha = git(where.root, "rev-parse", f"HEAD:{path_in_head}").strip()
        (where.root / ".git/objects" / sha[:2] / sha[2:]).unlink()

    return setup


def _policy_test(path: str) -> Callable[[Where], None]:
    return _write(
        "policies/tests/escape.yaml",
        f"kind: PolicyTest\nname: escape\nrecords:\n  - path: '{path}'\nexpect: []\n",
    )


def _nfd_named_service(where: Where) -> None:
    name = unicodedata.normalize("NFD", "café")
    text = (where.root / PAYMENTS).read_text().replace("id: payments", "id: café")
    (where.root / f"records/services/{name}.yaml").write_text(text)


def _cache_fifo(where: Where) -> None:
    where.cache.mkdir(parents=True, exist_ok=True)
    os.mkfifo(where.cache / "check-index.bin")


def _leftover_temporary_file(where: Where) -> None:
    (where.root / f"records/incidents/.INC-20260301-7K2M.yaml.x1y2{TEMP_SUFFIX}").write_text("hal")


CASES = [
    # --base: only record files are records (issue 10 items 1, 16).
    Case(
        ".gitkeep files committed, then check --base HEAD",
        _commit(*(_write(f"records/{d}/.gitkeep", "") for d in ("changes", "waivers"))),
        ("check", "--base", "HEAD"),
        0,
        "9 passed, 0 failed",
    ),
    Case(
        "a symbolic link on the base, removed",
        _then(
            _commit(_symlink("records/services/pw", "/etc/passwd")), _remove("records/services/pw")
        ),
        ("check", "--base", "HEAD"),
        0,
        "9 passed, 0 failed",
    ),
    Case(
        "a symbolic link to /etc/passwd as a record, with --base",
        _commit(_symlink("records/services/pw.yaml", "/etc/passwd")),
        ("check", "--base", "HEAD"),
        1,
        "records/services/pw.yaml:1:1: error record-location a symbolic link is not a record",
    ),
    Case(
        "a temporary file left by a killed write",
        _leftover_temporary_file,
        ("check", "--base", "HEAD"),
        0,
        "9 passed, 0 failed",
    ),
    # --base on a base the clone lacks (item 14).
    Case(
        "--base on a commit a shallow clone lacks",
        _shallow_clone,
        ("check", "--base", "HEAD~1"),
        2,
        "is not complete in this clone (object ",
    ),
    Case(
        "--base with a policy blob missing from the object store",
        _drop_object(SETTINGS),
        ("check", "--base", "HEAD"),
        2,
        "hint: fetch the whole history first: actions/checkout with fetch-depth: 0",
    ),
    Case(
        "--base with a tree missing from the object store",
        _drop_object("records/services"),
        ("check", "--base", "HEAD"),
        2,
        "is not complete in this clone",
    ),
    Case(
        "--base naming nothing",
        lambda where: None,
        ("check", "--base", "no-such-branch"),
        2,
        "--base no-such-branch: no such commit, branch or tag",
    ),
    # Fields of the wrong type in policy documents (item 14).
    *(
        Case(
            f"kind: {kind} in a policy document, {' '.join(argv)}",
            _write("policies/bad.yaml", f"kind: {kind}\nname: bad\n"),
            argv,
            1,
            "policies/bad.yaml:1:1: error schema kind must be the name of a document kind",
        )
        for kind in ("[RecordPolicy]", "{a: 1}", "7")
        for argv in (("check",), ("policy", "validate"), ("policy", "test"))
    ),
    Case(
        "a policy file with a YAML error, policy test",
        _write("policies/bad.yaml", "kind: RecordPolicy\nname: [bad\n"),
        ("policy", "test"),
        1,
        "policies/bad.yaml:3:1: error yaml-syntax",
    ),
    # What the process may not read (item 14): never a crash, never a silent skip.
    *(
        Case(
            f"an unreadable {what}, {' '.join(argv)}",
            _unreadable(rel),
            argv,
            2,
            f"maintain: error: cannot read {shown}: Permission denied",
            unprivileged=True,
        )
        for what, rel, shown, commands in (
            ("record", PAYMENTS, PAYMENTS, (("check",), ("policy", "test"))),
            ("settings file", SETTINGS, SETTINGS, (("check",), ("sla",), ("policy", "test"))),
            ("records/services/", "records/services", "records/services/", (("check",),)),
        )
        for argv in commands
    ),
    *(
        Case(
            f"records/services/ listable but not enterable (mode 644), {' '.join(argv)}",
            _then(_write("policies/sla.yaml", SLA), _unreadable("records/services", 0o644)),
            argv,
            2,
            "maintain: error: cannot read records/services/checkout-api.yaml: Permission denied",
            unprivileged=True,
        )
        for argv in (("check",), ("check", "--no-cache"), ("sla",), ("policy", "test"))
    ),
    # Named pipes (item 16): reported, never read, never waited on.
    Case(
        "a named pipe as policies/settings.yaml, check",
        _fifo(SETTINGS),
        ("check",),
        1,
        "policies/settings.yaml:1:1: error record-location a named pipe is not a policy document",
    ),
    Case(
        "a named pipe as policies/settings.yaml, policy test",
        _fifo(SETTINGS),
        ("policy", "test"),
        1,
        "policies/settings.yaml:1:1: error record-location a named pipe is not a policy document",
    ),
    Case(
        "a named pipe as a record",
        _fifo(PAYMENTS),
        ("check",),
        1,
        "records/services/payments.yaml:1:1: error record-location a named pipe is not a record",
    ),
    Case(
        "a named pipe as the cache index",
        _cache_fifo,
        ("check",),
        0,
        "9 passed, 0 failed",
    ),
    Case(
        "a symbolic link as a policy document",
        _symlink("policies/passwd.yaml", "/etc/passwd"),
        ("check",),
        1,
        "policies/passwd.yaml:1:1: error record-location a symbolic link is not a policy document",
    ),
    # A policy test reads records of the repository only (item 13).
    *(
        Case(
            f"a policy test reading {path}",
            _policy_test(path),
            ("policy", "test", "--format", fmt),
            1,
            why,
        )
        for path, why in (
            ("/etc/passwd", "is absolute"),
            ("../../etc/passwd", "has a '..', '.' or empty part"),
            ("records/../../../etc/passwd", "has a '..', '.' or empty part"),
            ("records/services/../../../../etc/passwd", "has a '..', '.' or empty part"),
        )
        for fmt in ("text", "junit")
    ),
    Case(
        "a policy test reading a symbolic link out of the repository",
        _then(
            _symlink("records/services/passwd.yaml", "/etc/passwd"),
            _policy_test("records/services/passwd.yaml"),
        ),
        ("policy", "test"),
        1,
        "goes through a symbolic link",
    ),
    # Repository expressions are evaluated with bounded time and memory (item 12).
    Case(
        "a record policy that grows a string fourfold sixteen times",
        _write("policies/runaway.yaml", RUNAWAY),
        ("check",),
        1,
        "validations[0] was stopped: it needed more than 64 MiB of memory",
        env={"MAINTAIN_EVAL_MEMORY_MB": "64"},
    ),
    Case(
        "evaluation limits that are not numbers",
        _write("policies/runaway.yaml", RUNAWAY),
        ("check",),
        2,
        "MAINTAIN_EVAL_SECONDS='forever': expected a number from 0.01 to 600",
        env={"MAINTAIN_EVAL_SECONDS": "forever"},
    ),
    # The token is checked once, never shown (item 8).
    *(
        Case(
            f"a GITHUB_TOKEN that is not a token, {' '.join(argv[:2])}",
            lambda where: None,
            argv,
            2,
            "GITHUB_TOKEN is not a usable GitHub token",
            env={"GITHUB_TOKEN": "ghs_0123456789abcdef0123 stray"},
        )
        for argv in (
            ("probe", "run", "--dry-run", "--state-dir", "/nonexistent/state"),
            ("sla",),
            ("check", "--online"),
        )
    ),
    # Event payloads (item 14): never a crash, never a blocked read.
    *(
        Case(
            f"an event payload with {what}",
            setup,
            (
                "github",
                "sync",
                "--event",
                "{beside}/event.json",
                "--event-name",
                "issues",
                "--dry-run",
            ),
            2,
            said,
        )
        for what, setup, said in (
            (
                "an integer of 5,000 digits",
                _outside("event.json", '{"action": "opened", "n": ' + "9" * 5000 + "}"),
                "not a JSON event payload (a value too deep or too long)",
            ),
            (
                "arrays nested 100,000 deep",
                _outside("event.json", '{"action": ' + "[" * 100_000 + "]" * 100_000 + "}"),
                "not a JSON event payload (a value too deep or too long)",
            ),
            ("a named pipe for a file", _fifo_outside("event.json"), "is a named pipe, not a file"),
        )
    ),
    # Names (item 16).
    Case(
        "a file name in NFD for an id in NFC",
        _nfd_named_service,
        ("check",),
        1,
        "differ only in Unicode normalisation (the file name is NFD (decomposed), the id NFC",
    ),
]


def _snapshot(root: Path) -> dict[str, tuple]:
    """Every path under `root` (its .git folder aside) with its type, mode and content,
    read without opening anything that could block or leave the tree."""
    found: dict[str, tuple] = {}
    for directory, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if not (directory == str(root) and d == ".git")]
        for name in dirs + files:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            rel = os.path.relpath(path, root)
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:  # the tests run as root, or own the file
                    content = hashlib.sha256(handle.read()).hexdigest()
            elif stat.S_ISLNK(info.st_mode):
                content = os.readlink(path)
            else:
                content = ""
            found[rel] = (stat.S_IFMT(info.st_mode), stat.S_IMODE(info.st_mode), content)
    return found


_libc = ctypes.CDLL(None, use_errno=True)
PR_CAPBSET_DROP = 24
CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _without_read_override() -> None:
    """In the child, before exec: root loses the capabilities that bypass file
    permissions (an ordinary user never had them)."""
    if os.geteuid() != 0:
        return
    for capability in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if _libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_hostile_input(case, make_repo, git_repo, tmp_path, maintain_exe):
    where = Where(git_repo(make_repo()), tmp_path / "cache")
    root = case.setup(where) or where.root
    before = _snapshot(root)
    head = git(root, "rev-parse", "HEAD")
    argv = [arg.replace("{beside}", str(where.root.parent)) for arg in case.argv]
    ran = subprocess.run(
        [maintain_exe, "--root", str(root), *argv],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MAINTAIN_CACHE_DIR": str(where.cache), **case.env},
        preexec_fn=_without_read_override if case.unprivileged else None,
    )
    said = ran.stdout + ran.stderr
    assert "internal error" not in said, said
    assert "Traceback" not in said, said
    assert ran.returncode == case.code, said
    assert case.fragment in said
    assert _snapshot(root) == before, "the command wrote into the repository"
    assert git(root, "rev-parse", "HEAD") == head


def test_the_unprivileged_runner_really_cannot_read(tmp_path):
    """Guards the EACCES cases: they would pass vacuously if the child could still read."""
    secret = tmp_path / "secret"
    secret.write_text("x")
    secret.chmod(0)
    ran = subprocess.run(
        [shutil.which("cat") or "cat", str(secret)],
        capture_output=True,
        preexec_fn=_without_read_override,
    )
    assert ran.returncode != 0
    assert b"Permission denied" in ran.stderr
