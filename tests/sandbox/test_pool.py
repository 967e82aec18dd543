"""The sandbox pool: forked children, limits per evaluation, and children that end with
their parent. Real processes, real signals, the real CEL engine."""

from __future__ import annotations

import linecache
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from maintain_repo.errors import StoreError, UsageError
from maintain_repo.policy.cel import CelError, Context, compile_expression, evaluate
from maintain_repo.sandbox import guard as guards
from maintain_repo.sandbox.guard import Limits
from maintain_repo.sandbox.pool import WorkerFailed, imap
from processes import survivors

# An expression whose every step doubles a string: unbounded memory, in microseconds of text.
DOUBLING = "size(record.s" + ".replace('a', 'aa')" * 20 + ") > 0"
# Ten thousand regular-expression scans of a megabyte: seconds of CPU, little memory.
SCANNING = "record.items.all(i, !record.text.matches('a*b'))"


def _context(**fields: object) -> Context:
    from datetime import UTC, datetime

    return Context.of(fields, datetime(2026, 1, 1, tzinfo=UTC), {}, lambda _: None)


def _evaluate(source: str, context: Context, label: str) -> str:
    """What one evaluation gives, as text: its value or its error."""
    try:
        return repr(evaluate(compile_expression(source), context, label))
    except CelError as e:
        return f"{'stopped' if e.stopped else 'error'}: {e.message}"


def test_every_item_is_worked_on_once_in_children():
    parent = os.getpid()
    results = dict(imap(lambda i: (i * i, os.getpid()), 50, workers=2, chunk=3))
    assert sorted(results) == list(range(50))
    assert all(square == i * i for i, (square, _) in results.items())
    assert parent not in {pid for _, pid in results.values()}


def test_an_item_that_raises_is_a_bug_with_the_childs_traceback():
    def work(index: int) -> int:
        if index == 7:
            raise ValueError("item seven is broken")
        return index

    with pytest.raises(WorkerFailed, match="item seven is broken"):
        list(imap(work, 10, workers=2))


def test_an_error_for_the_user_is_raised_in_the_parent_as_itself():
    def work(index: int) -> int:
        if index == 2:
            raise StoreError("cannot read records/x.yaml", hint="check its permissions")
        return index

    with pytest.raises(StoreError) as raised:
        list(imap(work, 4, workers=2))
    assert raised.value.diagnostics() == "cannot read records/x.yaml\nhint: check its permissions"


def test_a_child_that_dies_outside_an_evaluation_is_a_bug():
    def work(index: int) -> int:
        if index == 3:
            os._exit(9)
        return index

    with pytest.raises(WorkerFailed, match="exited with status 9 while working on item 3"):
        list(imap(work, 5, workers=1))


def test_an_evaluation_past_its_cpu_time_is_stopped_and_the_item_keeps_its_other_results():
    context = _context(text="a" * 1_000_000, items=list(range(10_000)), n=2)

    def work(index: int) -> tuple[str, str]:
        heavy = SCANNING if index == 1 else "record.n == 2"
        return _evaluate(heavy, context, f"heavy-{index}"), _evaluate("record.n > 1", context, "b")

    results = dict(imap(work, 3, workers=1, limits=Limits(seconds=0.3)))
    assert results[0] == ("True", "True")
    assert results[2] == ("True", "True")
    assert results[1][0].startswith("stopped: was stopped: it used more")
    assert "0.3 s of CPU time" in results[1][0]
    assert results[1][1] == "True"  # the item's other evaluation still ran


def test_an_evaluation_past_its_memory_is_stopped_without_ending_the_child():
    context = _context(s="a" * 1000)
    results = dict(
        imap(
            lambda i: (_evaluate(DOUBLING, context, "doubling"), os.getpid()),
            2,
            workers=1,
            limits=Limits(seconds=30, memory=64 << 20),
        )
    )
    first, second = results[0], results[1]
    assert first[0].startswith("stopped: was stopped: it needed more than")
    assert "64 MiB" in first[0]
    assert second[0] == first[0]  # not evaluated again: the same words, no second blow-up
    assert first[1] == second[1]  # the child survived its MemoryError


def test_an_evaluation_stopped_once_is_not_run_again_in_the_run(tmp_path):
    """Ten items share one runaway expression: it runs (and is stopped) once, not ten times."""
    context = _context(text="a" * 1_000_000, items=list(range(10_000)))

    def work(index: int) -> str:
        guard = guards.active()
        assert guard is not None
        if guard.stopped("scan") is None:  # about to really run it: leave a trace
            (tmp_path / f"ran-{index}").touch()
        return _evaluate(SCANNING, context, "scan")

    results = dict(imap(work, 10, workers=1, limits=Limits(seconds=0.2)))
    assert len(set(results.values())) == 1
    assert next(iter(results.values())).startswith("stopped:")
    assert len(list(tmp_path.glob("ran-*"))) == 1


def test_with_other_threads_running_items_run_here_without_limits():
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        pids = {pid for _, pid in imap(lambda i: os.getpid(), 4, workers=2)}
    finally:
        stop.set()
        thread.join()
    assert pids == {os.getpid()}


def test_limits_from_the_environment_are_checked():
    assert guards.limits_from({}) == Limits()
    assert guards.limits_from(
        {"MAINTAIN_EVAL_SECONDS": "0.5", "MAINTAIN_EVAL_MEMORY_MB": "100"}
    ) == (Limits(0.5, 100 << 20))
    for name, value in [
        ("MAINTAIN_EVAL_SECONDS", "soon"),
        ("MAINTAIN_EVAL_SECONDS", "0"),
        ("MAINTAIN_EVAL_SECONDS", "nan"),
        ("MAINTAIN_EVAL_MEMORY_MB", "1"),
    ]:
        with pytest.raises(UsageError, match=name):
            guards.limits_from({name: value})


def test_a_long_label_is_cut_the_same_way_on_both_sides():
    label = "policies/é.yaml#" + "x" * 600
    slot = memoryview(bytearray(guards.SLOT_BYTES))
    guards.write_label(slot, label)
    assert guards.read_label(slot) == guards.clip(label)
    guard = guards.Guard(Limits(), slot, {guards.read_label(slot) or "": "why"})
    assert guard.stopped(label) == "why"


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_children_end_with_their_parent(tmp_path, how):
    """A parent killed mid-run (SIGKILL: no cleanup at all) leaves no child behind."""
    pids = tmp_path / "pids"
    script = textwrap.dedent(
        f"""
        import os, time
        from maintain_repo.sandbox.pool import imap

        def work(index):
            with open({str(pids)!r}, "a") as out:
                out.write(f"{{os.getpid()}}\\n")
            time.sleep(60)  # asleep: no CPU time, so no limit ends it
            return index

        for _ in imap(work, 4, workers=2):
            pass
        """
    )
    process = subprocess.Popen([sys.executable, "-c", script])
    children = _wait_for_lines(pids, 2)
    process.send_signal(how)
    process.wait(timeout=10)
    assert not survivors(children)


def _wait_for_lines(path: Path, count: int) -> list[int]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.exists():
            lines = path.read_text().split()
            if len(lines) >= count:
                return [int(line) for line in lines]
        time.sleep(0.02)
    raise AssertionError(f"the children did not start: {path}")


def _interrupting_at(step: int, parent: int) -> tuple[Callable[..., Any], list[int]]:
    """A trace function that raises KeyboardInterrupt at the `step`-th line the parent runs
    in the pool's module, as a Ctrl-C landing there would (not while the pool holds
    signals blocked: a real one waits then; not on a bare `try:`, which runs no code that
    handles signals); and the count of lines seen."""
    import maintain_repo.sandbox.pool as pool_module

    seen = [0]
    source = pool_module.__file__

    def trace(frame: Any, event: str, arg: Any) -> Any:
        if os.getpid() != parent:  # a forked child inherits the trace: leave it alone
            sys.settrace(None)
            return None
        if frame.f_code.co_filename != source:
            return None
        if event == "line":
            if signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, []):
                return trace
            if linecache.getline(source, frame.f_lineno).strip() in ("try:", "finally:"):
                return trace  # no bytecode there checks for signals
            seen[0] += 1
            if seen[0] == step:
                raise KeyboardInterrupt(f"{frame.f_code.co_name}:{frame.f_lineno}")
        return trace

    return trace, seen


def test_ctrl_c_at_any_line_of_the_parent_stops_the_pool_cleanly(tmp_path):
    """Wherever an interrupt lands in the parent's bookkeeping (between a fork and its
    registration, half-way through forgetting a child...), what comes out is the
    KeyboardInterrupt itself, and every child it forked ends."""
    parent = os.getpid()
    pids = tmp_path / "pids"

    def work(index: int) -> int:
        with pids.open("a") as out:
            out.write(f"{os.getpid()}\n")
        return index

    step = 0
    while True:
        step += 1
        trace, seen = _interrupting_at(step, parent)
        interrupted = ""
        sys.settrace(trace)
        try:
            list(imap(work, 6, workers=2, chunk=1))
        except KeyboardInterrupt as e:
            interrupted = str(e)
        finally:
            sys.settrace(None)
        if not interrupted:
            assert seen[0] < step  # the run ended before the step: every line was tried
            break
        children = {int(pid) for pid in pids.read_text().split()} if pids.exists() else set()
        pids.unlink(missing_ok=True)
        assert not survivors(children), f"children left running after an interrupt at {interrupted}"
    assert step > 50  # the run has many lines: the trace saw them


def test_a_ctrl_c_during_a_held_step_arrives_when_the_step_ends():
    from maintain_repo.sandbox.held import held

    done = []

    def step() -> None:
        with held():
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.01)  # a signal not held would be raised here, before the step ends
            done.append("the whole step")
        done.append("after it")  # never: the interrupt is raised as the block ends

    with pytest.raises(KeyboardInterrupt):
        step()
    assert done == ["the whole step"]


def test_a_ctrl_c_to_a_process_with_other_threads_still_waits_for_the_step():
    """A signal sent to the process goes to any thread that does not block it, and Python
    then raises in the main thread: with another thread alive, the step still ends whole,
    nested blocks included, and the interrupt comes once, after the outer block."""
    import threading

    from maintain_repo.sandbox.held import held

    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    done = []

    def steps() -> None:
        with held():
            with held():
                os.kill(os.getpid(), signal.SIGINT)
                time.sleep(0.05)
                done.append("inner")
            time.sleep(0.05)
            done.append("outer")
        done.append("after it")

    try:
        with pytest.raises(KeyboardInterrupt):
            steps()
    finally:
        stop.set()
        other.join()
    assert done == ["inner", "outer"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # put back
