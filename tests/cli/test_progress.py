"""A cold check over hundreds of files draws a progress bar on stderr when it is a
terminal (a real pseudo-terminal here), and never when it is not, or with --format json."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
import corpus  # noqa: E402  (the benchmark's generator: valid, cross-linked records)

MAINTAIN = Path(sys.executable).parent / "maintain"


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    root = tmp_path_factory.mktemp("progress") / "ops"
    corpus.generate(root, 700, 7)
    return root


def run(root: Path, *args: str, terminal: bool) -> tuple[int, str, str]:
    """`maintain check` with stderr on a pseudo-terminal (or a pipe); exit, stdout, stderr."""
    env = {**os.environ, "MAINTAIN_NOW": corpus.NOW_TEXT, "TERM": "xterm", "COLUMNS": "100"}
    argv = [str(MAINTAIN), "--root", str(root), "check", "--no-cache", *args]
    if not terminal:
        done = subprocess.run(argv, capture_output=True, text=True, env=env, check=False)
        return done.returncode, done.stdout, done.stderr
    leader, follower = pty.openpty()
    seen = b""
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=follower, env=env) as child:
        os.close(follower)
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        out, _ = child.communicate(timeout=120)
    os.close(leader)
    return child.returncode, out.decode(), seen.decode(errors="replace")


def test_a_terminal_shows_progress(big):
    code, out, err = run(big, terminal=True)
    assert code == 0, out + err
    assert "checking" in err
    assert "/7" in err  # "n/7xx" files done
    assert "passed" in out


def test_no_progress_when_stderr_is_not_a_terminal(big):
    code, out, err = run(big, terminal=False)
    assert "passed" in out
    assert code == 0
    assert "checking" not in err
    assert err == ""


def test_no_progress_with_machine_readable_output(big):
    code, out, err = run(big, "--format", "json", terminal=True)
    assert code == 0
    assert "checking" not in err
    assert out.lstrip().startswith("{")
