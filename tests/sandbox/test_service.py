"""The evaluator service: a sandboxed child process an asyncio program sends calls to.
Real child processes, real limits, the real CEL engine."""

from __future__ import annotations

import asyncio
import os

import pytest

from maintain_repo.sandbox.guard import Limits
from maintain_repo.sandbox.pool import WorkerFailed
from maintain_repo.sandbox.service import Evaluator

T = "maintain_repo.testing.evaluations"
# Ten thousand regular-expression scans of a megabyte: seconds of CPU, little memory.
SCANNING = "record.items.all(i, !record.text.matches('a*b'))"
HEAVY = {"text": "a" * 1_000_000, "items": list(range(10_000))}


QUICK = Limits(seconds=0.3, memory=256 << 20)


def _run(body, limits=QUICK):
    async def main():
        evaluator = Evaluator(limits)
        try:
            return await body(evaluator)
        finally:
            await evaluator.close()

    return asyncio.run(main())


def test_calls_are_answered_in_a_child_in_order_and_at_once():
    async def body(evaluator):
        answers = await asyncio.gather(*(evaluator.call(f"{T}:echo", n) for n in range(50)))
        child = await evaluator.call(f"{T}:pid")
        return answers, child

    answers, child = _run(body)
    assert answers == list(range(50))
    assert child != os.getpid()


def test_a_runaway_evaluation_is_stopped_once_and_the_others_are_answered():
    async def body(evaluator):
        calls = [
            evaluator.call(f"{T}:judge", "record.n + 1", {"n": 1}, "cheap"),
            evaluator.call(f"{T}:judge", SCANNING, HEAVY, "scan"),
            evaluator.call(f"{T}:judge", "record.n * 2", {"n": 4}, "cheap-2"),
            evaluator.call(f"{T}:judge", SCANNING, HEAVY, "scan"),
        ]
        answers = await asyncio.gather(*calls)
        first = await evaluator.call(f"{T}:pid")
        # Refused at once from now on: no new child is needed for it.
        again = await evaluator.call(f"{T}:judge", SCANNING, HEAVY, "scan")
        return answers, again, first, await evaluator.call(f"{T}:pid")

    answers, again, first, second = _run(body)
    assert answers[0] == "2"
    assert answers[2] == "8"
    assert answers[1] == answers[3] == again
    assert again.startswith("stopped: was stopped: it used more than 0.3 s")
    assert first == second


def test_an_evaluation_past_its_memory_is_stopped_in_the_same_child():
    doubling = "size(record.s" + ".replace('a', 'aa')" * 20 + ") > 0"

    async def body(evaluator):
        before = await evaluator.call(f"{T}:pid")
        answer = await evaluator.call(f"{T}:judge", doubling, {"s": "a" * 1000}, "doubling")
        return answer, before, await evaluator.call(f"{T}:pid")

    answer, before, after = _run(body, Limits(seconds=30, memory=64 << 20))
    assert answer.startswith("stopped: was stopped: it needed more than")
    assert before == after


def test_a_failing_call_raises_for_its_caller_only():
    async def body(evaluator):
        with pytest.raises(WorkerFailed, match="no such thing"):
            await evaluator.call(f"{T}:fail", "no such thing")
        return await evaluator.call(f"{T}:echo", "still here")

    assert _run(body) == "still here"


def test_only_maintain_functions_can_be_called():
    async def body(evaluator):
        with pytest.raises(WorkerFailed, match="not a maintain function"):
            await evaluator.call("os:system", "true")

    _run(body)


def test_an_argument_that_cannot_travel_fails_its_own_call_only():
    deep: list = []
    for _ in range(5000):  # deeper than pickle goes
        deep = [deep]

    async def body(evaluator):
        calls = [
            evaluator.call(f"{T}:echo", 1),
            evaluator.call(f"{T}:echo", deep),
            evaluator.call(f"{T}:echo", 3),
        ]
        return await asyncio.gather(*calls, return_exceptions=True)

    first, failed, third = _run(body)
    assert (first, third) == (1, 3)
    assert isinstance(failed, RecursionError)


def test_the_child_sees_no_secret_and_imports_nothing_from_the_working_directory(
    tmp_path, monkeypatch
):
    (tmp_path / "pickle.py").write_text("raise SystemExit('imported from the repository')\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GITHUB_TOKEN", "ghs_" + "s" * 36)
    monkeypatch.setenv("MAINTAIN_PROBE_VAULT", "s3cr3t")

    async def body(evaluator):
        return await evaluator.call(f"{T}:environment"), await evaluator.call(f"{T}:path")

    seen, path = _run(body)
    assert "GITHUB_TOKEN" not in seen
    assert "MAINTAIN_PROBE_VAULT" not in seen
    assert str(tmp_path) not in path
    assert "" not in path


def test_after_many_runaway_expressions_the_others_are_still_judged():
    async def body(evaluator):
        runaways = [
            evaluator.call(f"{T}:judge", f"{SCANNING} || {n} == 0", HEAVY, f"scan-{n}")
            for n in range(25)
        ]
        stopped = await asyncio.gather(*runaways)
        return stopped, await evaluator.call(f"{T}:judge", "record.n + 1", {"n": 1}, "cheap")

    stopped, cheap = _run(body, Limits(seconds=0.05, memory=256 << 20))
    assert all(answer.startswith("stopped: was stopped: it used more") for answer in stopped)
    assert cheap == "2"
