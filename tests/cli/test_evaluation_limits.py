"""Repository expressions that would exhaust memory or time are stopped and reported at the
policy's file:line:col, on every path a check takes (one worker, a pool, the pre-commit child,
policies that read the clock); and the processes of a killed check end with it.

`maintain` runs as a real process here: limits are enforced with real signals and address
space limits, and the memory of every process it started is measured afterwards.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from processes import survivors

SERVICE = """\
id: {id}
kind: service
schema_version: 1
title: Service {id}
status: active
owner: acme/ops
created_at: 2026-01-01T00:00:00Z
tier: 2
description: {description}
"""
# A long description to grow, split and scan (a description holds 20,000 characters).
WORDS = "a " * 9_000

BOMBS = {
    # Every step doubles a string: a gigabyte after twenty steps.
    "doubling": "size(record.description" + ".replace('a', 'aa')" * 20 + ") > 0",
    # A fresh list of every character, ten thousand times (what reached 5.8 GB).
    "splitting": "record.description.split(' ').all(w, record.description.split('').size() > 0)",
    # Nine thousand scans of 18 KB: CPU time (past the 0.05 s these tests allow), no memory.
    "scanning": "record.description.split(' ').all(w, !record.description.matches('(a )*b'))",
}


def _policy(expression: str, *, dynamic: bool = False) -> str:
    condition = "has(record.description)"
    if dynamic:
        condition += " && now > timestamp('2000-01-01T00:00:00Z')"
    return (
        "kind: RecordPolicy\nname: runaway\ndescription: A policy nobody can afford.\n"
        "severity: error\nmatch:\n  kinds: [service]\n"
        f'  condition: "{condition}"\nvalidations:\n'
        f'  - expression: "{expression}"\n    message: never shown\n'
    )


def _repo(make_repo, services: int, policy: str, description: str = WORDS) -> Path:
    overlay = {
        f"records/services/svc-{i:04d}.yaml": SERVICE.format(
            id=f"svc-{i:04d}", description=description
        )
        for i in range(services)
    }
    overlay["policies/runaway.yaml"] = policy
    return make_repo(overlay)


# Runs maintain, then says on stderr's last line the peak memory of every process it started.
MEASURED = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call([sys.executable, '-m', 'maintain_repo', *sys.argv[1:]])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def _maintain(root: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", MEASURED, "--root", str(root), *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, SECONDS: "0.05", **env},
    )


def _peak(run: subprocess.CompletedProcess[str]) -> int:
    return int(run.stderr.split()[-1])


def _runaway(run: subprocess.CompletedProcess[str]) -> list[dict]:
    assert run.returncode == 1, run.stderr
    findings = json.loads(run.stdout)["findings"]
    return [f for f in findings if "policy runaway" in f["message"]]


SECONDS = "MAINTAIN_EVAL_SECONDS"
MEMORY = "MAINTAIN_EVAL_MEMORY_MB"
ONE_FILE = "records/services/svc-0001.yaml"
PATHS = {
    "one worker": (3, ["--jobs", "1"], False),
    "a pool of two": (240, ["--jobs", "2"], False),
    "pre-commit, one file": (3, [ONE_FILE], False),
    "reads the clock": (3, [], True),
}


@pytest.mark.parametrize("bomb", sorted(BOMBS))
@pytest.mark.parametrize("path", sorted(PATHS))
def test_a_runaway_policy_is_stopped_and_reported_at_its_expression(make_repo, bomb, path):
    services, args, dynamic = PATHS[path]
    root = _repo(make_repo, services, _policy(BOMBS[bomb], dynamic=dynamic))
    args = [str(root / arg) if arg == ONE_FILE else arg for arg in args]
    # The scan is stopped by its CPU time; the others by memory, long before their time.
    limits = {SECONDS: "0.05"} if bomb == "scanning" else {SECONDS: "5", MEMORY: "64"}
    run = _maintain(root, "check", "--no-cache", "--format", "json", *args, **limits)
    found = _runaway(run)
    limit = "s of CPU time" if bomb == "scanning" else "MiB of memory"
    assert all(limit in finding["message"] for finding in found)
    assert len(found) == (1 if ONE_FILE in PATHS[path][1] else services)
    for finding in found:
        assert finding["rule"] == "policy-error"
        assert finding["path"].startswith("records/services/")
        message = finding["message"]
        assert message.startswith("policy runaway (policies/runaway.yaml:9:5): validations[0] was")
        # Every record's finding names the record that cost that much (the first one the
        # run evaluated it on), whichever record it is.
        assert re.search(r" on records/services/svc-\d{4}\.yaml; it is not evaluated", message)
        assert message.endswith("; it is not evaluated again in this run; simplify it")
    # No process of the check came near the gigabytes these expressions ask for.
    assert _peak(run) < 512 << 20


def test_a_stopped_result_is_not_reused_by_the_next_run(make_repo):
    root = _repo(make_repo, 3, _policy(BOMBS["doubling"]))
    cold = _runaway(_maintain(root, "check", "--format", "json"))
    warm = _runaway(_maintain(root, "check", "--format", "json"))
    assert len(cold) == len(warm) == 3
    (root / "policies/runaway.yaml").write_text(_policy("size(record.description) > 0"))
    fixed = _maintain(root, "check", "--format", "json")
    assert fixed.returncode == 0, fixed.stdout


def test_limits_that_are_not_numbers_are_a_usage_error(make_repo):
    root = _repo(make_repo, 1, _policy("true"))
    run = _maintain(root, "check", "--no-cache", MAINTAIN_EVAL_SECONDS="forever")
    assert run.returncode == 2
    assert "MAINTAIN_EVAL_SECONDS='forever': expected a number from 0.01 to 600" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("how", "code", "said"),
    [
        (signal.SIGTERM, 143, "maintain: terminated"),
        (signal.SIGINT, 130, "maintain: interrupted"),
        (signal.SIGKILL, -signal.SIGKILL, None),
    ],
)
def test_a_killed_check_leaves_no_worker_behind(make_repo, tmp_path, how, code, said):
    """A cold check of many records is stopped while its workers run: they end with it, so
    a pipeline reading its output (`maintain check | cat`) finishes too."""
    slow = "record.description.split(' ').all(w, w.size() < 3)"  # milliseconds per record
    root = _repo(make_repo, 2000, _policy(slow), description="a few words")
    out = tmp_path / "out"
    with out.open("w") as sink:
        check = subprocess.Popen(
            [sys.executable, "-m", "maintain_repo", "--root", str(root), "check", "--jobs", "2"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        reader = subprocess.Popen(["cat"], stdin=check.stdout, stdout=sink)
        assert check.stdout is not None
        check.stdout.close()  # the reader holds the pipe now
        workers = _children(check.pid)
        check.send_signal(how)
        _, stderr = check.communicate(timeout=30)
        assert check.returncode == code
        if said:
            assert said in stderr
            assert "Traceback" not in stderr
        reader.wait(timeout=10)  # every writer of the pipe is gone
    assert not survivors(workers)


def _children(pid: int) -> list[int]:
    """The worker processes of `pid`, once it has started them."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        except FileNotFoundError:
            break
        if len(text.split()) >= 2:
            time.sleep(0.2)  # let them get to work
            return [int(p) for p in text.split()]
        time.sleep(0.01)
    raise AssertionError("the check never started its workers")


def test_a_policy_test_of_a_runaway_policy_ends_and_fails(make_repo):
    """Policy tests run on pull-request code (validate.yml): the same limits apply."""
    root = _repo(make_repo, 1, _policy(BOMBS["scanning"]))
    (root / "policies/tests").mkdir(exist_ok=True)
    (root / "policies/tests/runaway.yaml").write_text(
        "kind: PolicyTest\nname: the runaway policy passes\n"
        "records:\n  - path: records/services/svc-0000.yaml\nexpect: []\n"
    )
    run = _maintain(root, "policy", "test", "--format", "json")
    assert run.returncode == 1, run.stderr
    report = json.loads(run.stdout)
    failed = [t for t in report["tests"] if t["name"] == "the runaway policy passes"]
    assert len(failed) == 1
    assert failed[0]["passed"] is False
    assert any(
        line.startswith("policy-error svc-0000: policy runaway (policies/runaway.yaml:9:5)")
        and "used more than 0.05 s of CPU time" in line
        for line in failed[0]["actual"]
    )


def test_a_policy_that_spells_its_kind_with_escapes_is_sandboxed_too(make_repo):
    """YAML reads `"Record\\x50olicy"` as RecordPolicy: whether the check needs the
    sandbox is decided on what the documents say, not on their bytes."""
    policy = _policy(BOMBS["doubling"]).replace("kind: RecordPolicy", 'kind: "Record\\x50olicy"')
    assert "RecordPolicy" not in policy
    root = _repo(make_repo, 3, policy)
    run = _maintain(root, "check", "--no-cache", "--format", "json", **{SECONDS: "5", MEMORY: "64"})
    found = _runaway(run)
    assert len(found) == 3
    assert all("more than 64 MiB of memory" in f["message"] for f in found)
    assert _peak(run) < 512 << 20


def test_a_policy_that_spells_now_with_escapes_is_evaluated_on_every_run(make_repo):
    """A clock-reading policy written `\\x6eow` reads the clock all the same."""
    late = "\"\\x6eow < timestamp('2000-01-01T00:00:00Z')\""
    policy = _policy("true").replace('"true"', late, 1)
    root = _repo(make_repo, 1, policy, description="short")
    for _ in range(2):  # cold, then warm: a policy that reads the clock is never cached
        run = _maintain(root, "check", "--format", "json")
        assert run.returncode == 1, run.stderr
        found = json.loads(run.stdout)["findings"]
        assert [(f["rule"], f["message"]) for f in found] == [("runaway", "never shown")]
