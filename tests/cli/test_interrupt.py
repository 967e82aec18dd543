"""Ctrl-C at any moment of a run ends with "maintain: interrupted" and exit code 130.

The hard part is the start: Python imports maintain (pydantic, ruamel, the
commands) for tens of milliseconds before the command line's error handling
exists. The console script's first module takes SIGINT over before anything
else is imported (`maintain_repo.__main__`).

To hit each phase on purpose rather than by luck, the run is started with
`PYTHONPROFILEIMPORTTIME=1`: Python then reports each import on stderr as it
finishes, and the test sends SIGINT right after a chosen module was imported.
The moments before that module's first line are Python's own start-up (the
`site` module), which no program can take over.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

# Modules imported one after the other on the way to running a check: SIGINT right
# after each lands in the next stretch of imports, then in the command itself.
MARKERS = [
    "maintain_repo.__main__",
    "maintain_repo.errors",
    "maintain_repo.cli.common",
    "maintain_repo.cli",
    "maintain_repo.engine.speculate",
    "maintain_repo.store.cache",
]


def _interrupt_after(maintain_exe: str, root, marker: str, delay: float):
    """Start `maintain check`, send SIGINT `delay` s after `marker` was imported; the exit
    code and what it said on stderr (the import timings left out)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    with subprocess.Popen(
        [maintain_exe, "--root", str(root), "check", "--no-cache"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=env,
    ) as process:
        assert process.stderr is not None
        seen = []
        for raw in process.stderr:
            seen.append(raw.decode(errors="replace"))
            if seen[-1].split("|")[-1].strip() == marker:
                break
        time.sleep(delay)
        process.send_signal(signal.SIGINT)
        seen.append(process.stderr.read().decode(errors="replace"))
        code = process.wait(timeout=60)
    messages = [line for line in "".join(seen).splitlines() if "import time:" not in line]
    return code, messages


def _story(messages: list[str]) -> str:
    """What the run said, with the crash log it names (if any), for a failed assertion."""
    told = list(messages)
    for line in messages:
        if "with the log at " in line:
            log = Path(line.rsplit("with the log at ", 1)[1].strip())
            told.append(log.read_text(encoding="utf-8", errors="replace"))
    return "\n".join(told)


@pytest.mark.parametrize("marker", MARKERS)
@pytest.mark.parametrize("delay", [0.0, 0.002, 0.01])
def test_ctrl_c_during_start_up_never_shows_a_traceback(make_repo, maintain_exe, marker, delay):
    code, messages = _interrupt_after(maintain_exe, make_repo(), marker, delay)
    if code == 0:  # the check finished before the signal arrived: nothing to judge
        return
    assert not any("Traceback" in line for line in messages), _story(messages)
    assert (code, messages[-1:]) == (130, ["maintain: interrupted"]), _story(messages)


def test_ctrl_c_while_the_command_runs_ends_cleanly(make_repo, maintain_exe):
    root = make_repo()
    for index in range(300):  # enough records for the check to take a moment
        (root / f"records/services/svc-{index:03}.yaml").write_text(
            (root / "records/services/payments.yaml")
            .read_text()
            .replace("id: payments", f"id: svc-{index:03}")
        )
    code, messages = _interrupt_after(maintain_exe, root, "maintain_repo.store.cache", 0.05)
    if code in (0, 1):  # finished first on a fast machine
        return
    assert not any("Traceback" in line for line in messages), _story(messages)
    assert (code, messages[-1:]) == (130, ["maintain: interrupted"]), _story(messages)
