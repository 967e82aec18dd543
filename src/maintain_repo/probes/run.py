"""Run probes: concurrently, each within its timeout, all within a deadline.

A result that fails is tested again (`retries` times, `retry_delay` apart)
before it counts: the first answer that passes wins, otherwise the last
failure stands. A probe still running at the deadline is `unknown`: it
neither fails nor passes, so a slow runner cannot open an incident.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import time
from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from maintain_repo.errors import redact
from maintain_repo.model.probes import (
    DnsProbe,
    HttpProbe,
    TcpProbe,
    TlsProbe,
    seconds,
)
from maintain_repo.policy.cel import CelError, Expression, compile_condition
from maintain_repo.probes import dns, http, tcp, tls
from maintain_repo.probes.judging import STOPPED
from maintain_repo.probes.result import Observation, Outcome, ProbeConfigError
from maintain_repo.sandbox.guard import limits_from
from maintain_repo.sandbox.service import Evaluator

if TYPE_CHECKING:
    import aiohttp

    from maintain_repo.model.monitoring import State

AnyProbe = HttpProbe | TcpProbe | TlsProbe | DnsProbe
# Probes in flight at once: each waits on the network, not the CPU.
DEFAULT_CONCURRENCY = 200
DETAIL_LIMIT = 300


@dataclass(frozen=True, slots=True)
class Target:
    service: str
    probe: AnyProbe
    # Where the probe is written (to point at a condition the sandbox had to stop): the
    # service record's path as shown, the file, and the probe's index in `probes`.
    path: str = ""
    file: str = ""
    index: int = 0

    @property
    def key(self) -> str:
        return f"{self.service}/{self.probe.name}"


@dataclass(frozen=True, slots=True)
class _Judge:
    condition: Expression
    degraded: Expression | None


class _Tools:
    """What attempts share: the HTTP session (made on first use), env, the clock."""

    def __init__(
        self, env: Mapping[str, str], now: datetime, concurrency: int, secrets: Collection[str]
    ) -> None:
        self.env = env
        self.now = now
        self.concurrency = concurrency
        self.secrets = secrets  # the variables, besides MAINTAIN_PROBE_*, probes may send
        # Read before the loop runs: a bad MAINTAIN_EVAL_* is the run's usage error.
        self.limits = limits_from(os.environ)
        self._session: aiohttp.ClientSession | None = None
        self._evaluator: Evaluator | None = None

    def evaluator(self) -> Evaluator:
        """The sandboxed child that judges answers (started on first use, in the loop)."""
        if self._evaluator is None:
            self._evaluator = Evaluator(self.limits, preload=("maintain_repo.probes.judging",))
        return self._evaluator

    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = http.session(self.concurrency)
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._evaluator is not None:
            await self._evaluator.close()


Observer = Callable[[AnyProbe, _Tools, float], Awaitable[Observation]]


def _http(probe: AnyProbe, tools: _Tools, timeout: float) -> Awaitable[Observation]:
    assert isinstance(probe, HttpProbe)
    return http.observe(probe, tools.session(), tools.env, tools.now, tools.secrets)


def _tcp(probe: AnyProbe, tools: _Tools, timeout: float) -> Awaitable[Observation]:
    assert isinstance(probe, TcpProbe)
    return tcp.observe(probe, tools.env, tools.now)


def _tls(probe: AnyProbe, tools: _Tools, timeout: float) -> Awaitable[Observation]:
    assert isinstance(probe, TlsProbe)
    return tls.observe(probe, tools.env, tools.now)


def _dns(probe: AnyProbe, tools: _Tools, timeout: float) -> Awaitable[Observation]:
    assert isinstance(probe, DnsProbe)
    return dns.observe(probe, tools.env, tools.now, timeout)


# One observer per probe type (the `type` of a probe definition).
PROBES: dict[str, Observer] = {"http": _http, "tcp": _tcp, "tls": _tls, "dns": _dns}


def shard_of(key: str, count: int) -> int:
    """The shard (0-based) a probe belongs to: stable as probes come and go."""
    digest = hashlib.sha256(key.encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


def select(
    targets: Sequence[Target], *, shard: tuple[int, int] | None, only: Sequence[str]
) -> list[Target]:
    """The targets of shard `(index, count)` (1-based index) matching `only` (all when empty).

    `only` names a probe, a service, or `service/probe`.
    """
    chosen = []
    for target in targets:
        if shard is not None and shard_of(target.key, shard[1]) != shard[0] - 1:
            continue
        if only and not {target.probe.name, target.service, target.key} & set(only):
            continue
        chosen.append(target)
    return chosen


def run_probes(
    targets: Sequence[Target],
    *,
    now: datetime,
    env: Mapping[str, str],
    concurrency: int = DEFAULT_CONCURRENCY,
    deadline: float = 240.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    secrets: Collection[str] = (),
) -> list[Outcome]:
    """Every target's outcome, in the order given. `secrets`: the environment variables
    (Settings `monitoring.secrets`) probes may send besides those named MAINTAIN_PROBE_*."""
    tools = _Tools(env, now, concurrency, secrets)
    return asyncio.run(_run_all(targets, tools, deadline, sleep))


async def _run_all(
    targets: Sequence[Target],
    tools: _Tools,
    deadline: float,
    sleep: Callable[[float], Awaitable[Any]],
) -> list[Outcome]:
    now = tools.now
    slots = asyncio.Semaphore(max(tools.concurrency, 1))
    started = time.monotonic()
    tasks = [
        asyncio.create_task(_probe(target, tools, slots, sleep), name=target.key)
        for target in targets
    ]
    try:
        if tasks:
            await asyncio.wait(tasks, timeout=deadline)
        outcomes = []
        for target, task in zip(targets, tasks, strict=True):
            if task.done():
                outcomes.append(task.result())
                continue
            task.cancel()
            waited = time.monotonic() - started
            outcomes.append(
                _outcome(
                    target,
                    now,
                    "unknown",
                    None,
                    "deadline",
                    f"not finished when the run's deadline came ({waited:.1f}s)",
                    0,
                )
            )
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        return outcomes
    finally:
        await tools.close()


async def _probe(
    target: Target,
    tools: _Tools,
    slots: asyncio.Semaphore,
    sleep: Callable[[float], Awaitable[Any]],
) -> Outcome:
    probe = target.probe
    try:
        judge = _judge(probe)
    except CelError as e:
        return _problem(target, tools.now, f"its condition does not compile: {e.message}")
    timeout = seconds(probe.timeout)
    attempts = 0
    while True:
        attempts += 1
        try:
            async with slots:
                observation = await _attempt(probe, tools, timeout)
            # Judged outside the slot: the answer is in, the network is free for another.
            state, detail = await _verdict(observation, judge, probe.type, tools, target.key)
        except ProbeConfigError as e:
            return _problem(target, tools.now, str(e))
        except Exception as e:  # a bug of ours must not stop the other probes
            name = type(e).__name__
            return _problem(target, tools.now, f"internal error ({name}: {e}); please report it")
        if state == STOPPED:
            return _problem(target, tools.now, f"its {_where(target, detail)}")
        if state != "down" or attempts > probe.retries:
            break
        await sleep(seconds(probe.retry_delay))
    return _outcome(
        target,
        tools.now,
        cast("State", state),
        observation.latency_ms,
        observation.code,
        detail,
        attempts,
        variables=_kept(observation.variables),
    )


def _kept(variables: dict[str, Any]) -> dict[str, Any]:
    """What an outcome keeps of its observation: everything but the body (up to 1 MiB a
    probe, and a run holds every outcome until it ends)."""
    response = variables.get("response")
    if not isinstance(response, dict):
        return variables
    slim = {key: value for key, value in response.items() if key not in ("body", "json")}
    return {**variables, "response": slim}


async def _attempt(probe: AnyProbe, tools: _Tools, timeout: float) -> Observation:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            return await PROBES[probe.type](probe, tools, timeout)
    except TimeoutError:
        waited = time.perf_counter() - started
        message = f"no answer within {probe.timeout} (waited {waited:.1f}s)"
        return Observation({}, None, "timeout", message, error=message)


def _judge(probe: AnyProbe) -> _Judge:
    degraded = compile_condition(probe.degraded, probe.type) if probe.degraded else None
    return _Judge(compile_condition(probe.check, probe.type), degraded)


async def _verdict(
    observation: Observation, judge: _Judge, probe_type: str, tools: _Tools, key: str = ""
) -> tuple[str, str]:
    """The answer judged by the probe's conditions, in the sandboxed evaluator: off the
    event loop (the CEL engine holds the interpreter lock while it runs), and within the
    sandbox's time and memory (a condition is repository code). The state is STOPPED
    when a condition hit the limits."""
    if observation.error is not None:
        return "down", observation.error
    degraded = judge.degraded.source if judge.degraded is not None else None
    sources = (judge.condition.source, degraded or "")
    verdict: tuple[str, str] = await tools.evaluator().call(
        "maintain_repo.probes.judging:verdict",
        probe_type,
        judge.condition.source,
        degraded,
        _sent(observation.variables, sources),
        observation.summary,
        name=f"probe {key}",
    )
    return verdict


def _sent(variables: dict[str, Any], sources: Sequence[str]) -> dict[str, Any]:
    """What the evaluator needs: the body (up to 1 MiB) only for conditions that read it."""
    response = variables.get("response")
    if not isinstance(response, dict):
        return variables
    unread = [key for key in ("body", "json") if not any(key in s for s in sources)]
    if not unread:
        return variables
    return {**variables, "response": {k: v for k, v in response.items() if k not in unread}}


def _where(target: Target, detail: str) -> str:
    """`condition (records/services/x.yaml:23:16) was stopped: ...`."""
    field, _, why = detail.partition(" ")
    where = target.path or f"service {target.service}"
    if target.file:
        from maintain_repo.store.yaml import position_in_file

        found = position_in_file(target.file, ("probes", target.index, field))
        if found is not None:
            where = f"{where}:{found[0]}:{found[1]}"
    return f"{field} ({where}) {why}"


def _problem(target: Target, now: datetime, message: str) -> Outcome:
    return _outcome(
        target, now, "unknown", None, "config", f"cannot run: {message}", 0, problem=True
    )


def _outcome(
    target: Target,
    now: datetime,
    state: State,
    latency: float | None,
    code: str,
    detail: str,
    attempts: int,
    *,
    problem: bool = False,
    variables: dict[str, Any] | None = None,
) -> Outcome:
    text = redact(" ".join(detail.split()))
    if len(text) > DETAIL_LIMIT:
        text = text[: DETAIL_LIMIT - 1] + "…"
    return Outcome(
        target.service,
        target.probe.name,
        state,
        now,
        None if latency is None else round(latency, 1),
        code,
        text,
        attempts,
        problem,
        variables or {},
    )
