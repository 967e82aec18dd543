"""P4: 1,000 HTTP probes against local servers that answer after 100 ms.

The servers run in a process of their own (`python -m
maintain_repo.testing.servers http --count 10 --delay 0.1`), so their work is
not counted as ours. The ops repository holds 10 services of 100 http probes
each; `maintain probe run --state-dir` runs them all and writes 1,000 states
and history rows, measured as a whole process: wall time and peak RSS (from
wait4, for that process alone).

The anchor is sequential probing, as Upptime does it: the same command with
`--concurrency 1`, on 25 of the probes, scaled to 1,000.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

PROBES = 1_000
SERVERS = 10
DELAY = 0.1
SAMPLE = 25  # probes in the sequential anchor's run


def write_repo(root: Path, urls: list[str]) -> None:
    (root / "policies").mkdir(parents=True)
    (root / "policies/settings.yaml").write_text("kind: Settings\nschema_version: 1\n")
    services = root / "records/services"
    services.mkdir(parents=True)
    per_service = PROBES // SERVERS
    for s in range(SERVERS):
        lines = [
            f"id: bench-{s:02d}",
            "kind: service",
            "schema_version: 1",
            f"title: Benchmark service {s}",
            "status: active",
            "owner: acme/sre",
            "created_at: 2026-01-01T00:00:00Z",
            "tier: 2",
            "probes:",
        ]
        for p in range(per_service):
            lines += [
                f"  - name: probe-{p:03d}",
                "    type: http",
                f"    url: {urls[(s * per_service + p) % len(urls)]}/s{s}/p{p}",
                "    timeout: 5s",
                '    condition: response.status == 200 && response.json.status == "ok"',
                "    degraded: response.latency_ms > 800",
            ]
        (services / f"bench-{s:02d}.yaml").write_text("\n".join(lines) + "\n")


def measured(argv: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Wall seconds, peak RSS in MB, and the output of one process."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        process = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode(errors="replace")
    if process.returncode != 0:
        raise SystemExit(f"{argv} exited {process.returncode}:\n{text[-3000:]}")
    return wall, usage.ru_maxrss / 1024, text


def probe_benchmark(
    maintain: Path, python: Path, env: dict[str, str], repeat: int
) -> dict[str, float]:
    servers = subprocess.Popen(
        [str(python), "-m", "maintain_repo.testing.servers", "http", "--count", str(SERVERS),
         "--delay", str(DELAY)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert servers.stdout is not None
        urls = json.loads(servers.stdout.readline())["urls"]
        work = Path(tempfile.mkdtemp(prefix="maintain-bench-probes-"))
        root = work / "ops"
        write_repo(root, urls)
        base = [str(maintain), "--root", str(root), "probe", "run", "--format", "json"]
        runs = []
        for attempt in range(repeat):
            state = work / f"state-{attempt}"
            wall, rss, text = measured([*base, "--state-dir", str(state)], env)
            result = json.loads(text)
            up = sum(row["state"] == "up" for row in result["probes"])
            if up != PROBES:
                raise SystemExit(f"P4: only {up} of {PROBES} probes were up")
            runs.append((wall, rss))
        wall, rss = min(runs)
        only = [arg for s in range(SERVERS) for arg in ("--only", f"bench-{s:02d}/probe-000")]
        only += [
            arg
            for p in range(1, SAMPLE - SERVERS + 1)
            for arg in ("--only", f"bench-00/probe-{p:03d}")
        ]
        sequential, _, _ = measured(
            [*base, "--state-dir", str(work / "sequential"), "--concurrency", "1", *only], env
        )
        return {"wall": wall, "rss": rss, "anchor": sequential * PROBES / SAMPLE}
    finally:
        assert servers.stdin is not None
        servers.stdin.close()
        servers.wait(timeout=30)
