"""`maintain probe run` and `maintain probe list` at the command line: selection, usage
errors, broken service records, and what goes to stdout."""

from __future__ import annotations

import json

import pytest

from maintain_repo.cli import main
from maintain_repo.testing.servers import HttpServer

SETTINGS = "kind: Settings\nschema_version: 1\n"


def service(name: str, url: str, probes: int = 2) -> str:
    head = (
        f"id: {name}\nkind: service\nschema_version: 1\ntitle: {name}\nstatus: active\n"
        "owner: acme/sre\ncreated_at: 2026-01-01T00:00:00Z\ntier: 2\nprobes:\n"
    )
    return head + "".join(
        f"  - name: p{n}\n    type: http\n    url: {url}/{name}/{n}\n    retries: 0\n"
        for n in range(probes)
    )


@pytest.fixture
def ops(tmp_path, monkeypatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    with HttpServer() as server:
        root = tmp_path / "ops"
        (root / "policies").mkdir(parents=True)
        (root / "policies/settings.yaml").write_text(SETTINGS)
        folder = root / "records/services"
        folder.mkdir(parents=True)
        for name in ("checkout", "search"):
            (folder / f"{name}.yaml").write_text(service(name, server.url))
        yield root, server


def run(root, *args):
    return main(["--root", str(root), "probe", *args])


def test_json_output_is_one_document_on_stdout(ops, capsys, tmp_path):
    root, _ = ops
    assert run(root, "run", "--state-dir", str(tmp_path / "state"), "--format", "json") == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert sorted(row["probe"] for row in data["probes"]) == [
        "checkout/p0", "checkout/p1", "search/p0", "search/p1",
    ]  # fmt: skip
    assert {row["state"] for row in data["probes"]} == {"up"}
    assert data["state"] == {
        "where": str(tmp_path / "state"), "changed": 4, "commit": "", "dry_run": False
    }  # fmt: skip
    assert {tuple(row["writes"]) for row in data["probes"]} == {("state", "history")}
    assert "GITHUB_TOKEN" not in captured.out


def test_shards_split_the_probes_and_list_shows_them(ops, capsys, tmp_path):
    root, server = ops
    assert run(root, "list", "--shard", "1/2", "--format", "json") == 0
    first = {row["probe"] for row in json.loads(capsys.readouterr().out)["probes"]}
    assert run(root, "list", "--shard", "2/2", "--format", "json") == 0
    second = {row["probe"] for row in json.loads(capsys.readouterr().out)["probes"]}
    assert first.isdisjoint(second)
    assert len(first | second) == 4
    assert run(root, "run", "--shard", "2/2", "--state-dir", str(tmp_path / "s")) == 0
    assert server.count == len(second)


@pytest.mark.parametrize(
    ("only", "probes"),
    [("p1", ["checkout/p1", "search/p1"]), ("search", ["search/p0", "search/p1"]),
     ("checkout/p0", ["checkout/p0"])],
)  # fmt: skip
def test_only_picks_a_probe_a_service_or_both(ops, capsys, tmp_path, only, probes):
    root, _ = ops
    code = run(root, "run", "--only", only, "--state-dir", str(tmp_path / "s"), "--format", "json")
    assert code == 0
    assert sorted(row["probe"] for row in json.loads(capsys.readouterr().out)["probes"]) == probes


def test_only_that_matches_nothing_is_an_error(ops, capsys, tmp_path):
    root, _ = ops
    assert run(root, "run", "--only", "nope", "--state-dir", str(tmp_path / "s")) == 1
    assert "no probe matches --only nope" in capsys.readouterr().out


@pytest.mark.parametrize(
    "args",
    [("--shard", "3/2"), ("--shard", "0/2"), ("--shard", "x"), ("--deadline", "soon"),
     ("--concurrency", "0")],
)  # fmt: skip
def test_usage_errors_exit_2(ops, capsys, tmp_path, args):
    root, server = ops
    assert run(root, "run", *args, "--state-dir", str(tmp_path / "s")) == 2
    assert server.count == 0


def test_a_broken_service_record_stops_only_its_own_probes(ops, capsys, tmp_path):
    root, server = ops
    (root / "records/services/broken.yaml").write_text("id: [unclosed\n")
    (root / "records/services/search.yaml").write_text("id: search\nkind: service\n")
    assert run(root, "run", "--state-dir", str(tmp_path / "s")) == 1
    out = capsys.readouterr().out
    assert "records/services/broken.yaml: its probes do not run" in out
    assert "records/services/search.yaml: its probes do not run" in out
    assert "checkout/p0" in out
    assert server.count == 2  # checkout's probes still ran


def test_outside_a_clone_without_state_dir_says_what_to_do(ops, capsys):
    root, server = ops
    assert run(root, "run") == 2
    err = capsys.readouterr().err
    assert "--state-dir" in err
    assert server.count == 0


# -- secrets: only the variables a probe may send ----------------------------------------


def with_secret(url: str, variable: str) -> str:
    return service("vault", url, probes=1) + f"    headers_from_env: {{X-Key: {variable}}}\n"


@pytest.mark.parametrize(
    ("variable", "declared", "sent"),
    [
        ("MAINTAIN_PROBE_VAULT", "", True),
        ("VAULT_KEY", "monitoring:\n  secrets: [VAULT_KEY]\n", True),
        ("VAULT_KEY", "monitoring:\n  secrets: [OTHER_KEY]\n", False),
        ("VAULT_KEY", "", False),
    ],
)
def test_probes_send_only_declared_or_prefixed_variables(
    ops, capsys, tmp_path, monkeypatch, variable, declared, sent
):
    root, server = ops
    (root / "policies/settings.yaml").write_text(SETTINGS + declared)
    (root / "records/services/vault.yaml").write_text(with_secret(server.url, variable))
    monkeypatch.setenv(variable, "s3cr3t-value")
    code = run(root, "run", "--only", "vault", "--state-dir", str(tmp_path / "s"))
    out = capsys.readouterr().out
    assert "s3cr3t-value" not in out
    if sent:
        assert code == 0
        assert [r.headers["x-key"] for r in server.requests] == ["s3cr3t-value"]
    else:
        assert code == 1  # a probe that cannot run as written
        assert server.count == 0
        assert f"cannot run: header X-Key: the variable {variable} is not a probe secret" in out


def test_the_runners_token_is_never_sent_and_check_reports_it(ops, capsys, tmp_path):
    # (With GITHUB_TOKEN set the run would also talk to GitHub; the refusal is the
    # record's, whatever the environment holds: tests/probes covers a token that is set.)
    root, server = ops
    (root / "records/services/vault.yaml").write_text(with_secret(server.url, "GITHUB_TOKEN"))
    assert run(root, "run", "--only", "vault", "--state-dir", str(tmp_path / "s")) == 1
    out = capsys.readouterr().out
    assert "records/services/vault.yaml: its probes do not run" in out
    assert "GITHUB_TOKEN belongs to the CI runner" in out
    assert server.count == 0
    assert main(["--root", str(root), "check", "--no-cache", "--format", "json"]) == 1
    [finding] = json.loads(capsys.readouterr().out)["findings"]
    assert (finding["path"], finding["rule"]) == ("records/services/vault.yaml", "schema")
    assert "the variable GITHUB_TOKEN belongs to the CI runner" in finding["message"]
    assert "headers_from_env.X-Key" in finding["message"]


# -- dry runs: what would change, nothing written -----------------------------------------


def snapshot(folder):
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def dry_run(root, state, now, *extra):
    args = ["run", "--state-dir", str(state), "--now", now, "--format", "json", *extra]
    return run(root, *args, "--dry-run")


def test_a_dry_run_with_a_state_dir_needs_no_github_and_writes_nothing(ops, capsys, tmp_path):
    # No token, no repository anywhere: the same run without --dry-run works, so must this.
    root, server = ops
    state = tmp_path / "state"
    assert dry_run(root, state, "2026-03-01T10:00:00Z") == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)
    assert not state.exists()
    assert server.count == 4  # it probes
    assert data["state"] == {"where": str(state), "changed": 4, "commit": "", "dry_run": True}
    assert [row["writes"] for row in data["probes"]] == [["state", "history"]] * 4
    assert "repository" not in captured.err


def test_a_dry_run_reports_what_a_run_would_change(ops, capsys, tmp_path):
    root, server = ops
    state = tmp_path / "state"
    assert run(root, "run", "--state-dir", str(state), "--now", "2026-03-01T10:00:00Z") == 0
    capsys.readouterr()
    before = snapshot(state)
    server.override("/checkout/0", status=503)
    (root / "records/services/checkout.yaml").write_text(
        service("checkout", server.url).replace(
            "retries: 0\n", "retries: 0\n    failure_threshold: 1\n"
        )
    )
    # Five minutes on: no history row is due for a steady probe (every 15m), but a probe
    # whose state moved writes both, and the failing one would open an incident.
    assert dry_run(root, state, "2026-03-01T10:05:00Z") == 0
    rows = {row["probe"]: row for row in json.loads(capsys.readouterr().out)["probes"]}
    assert snapshot(state) == before
    assert rows["checkout/p0"]["state"] == "down"
    assert rows["checkout/p0"]["action"] == "open"
    assert rows["checkout/p0"]["note"] == "would open an incident (no GitHub token: nothing opened)"
    assert rows["checkout/p0"]["writes"] == ["state", "history"]
    assert rows["search/p0"]["writes"] == ["state"]  # one more passing run counted
    assert run(root, "run", "--state-dir", str(state), "--now", "2026-03-01T10:05:00Z") == 0
    capsys.readouterr()
    assert snapshot(state) != before  # what the dry run said, the run did
    assert dry_run(root, state, "2026-03-01T10:05:00Z") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["state"]["changed"] == 0  # the same run again would change nothing
    assert {tuple(row["writes"]) for row in data["probes"]} == {()}


def test_a_dry_run_says_so_in_text(ops, capsys, tmp_path):
    root, _ = ops
    state = tmp_path / "state"
    assert run(root, "run", "--state-dir", str(state), "--dry-run") == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.endswith(
        f"state: {state}, dry run: 4 would change (4 state(s), 4 history row(s)), nothing written"
    )
    assert not state.exists()


@pytest.mark.parametrize("action", ["run", "list"])
def test_format_has_help(capsys, action):
    assert main(["probe", action, "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--format {text,json} text: " in out


def test_a_dry_run_on_the_state_branch_reads_github_and_changes_nothing(
    tmp_path, make_github, monkeypatch, capsys
):
    from githubops import actions_env, git, make_ops_repo

    with HttpServer() as server:
        text = service("checkout-api", server.url, probes=1)
        repo = make_ops_repo(tmp_path, {"records/services/checkout-api.yaml": text})
        emu = make_github(users={"alice": "admin"}, teams={}, git_dir=repo.origin)
        actions_env(monkeypatch, emu)
        assert run(repo.root, "run", "--now", "2026-11-27T10:00:00Z") == 0
        heads = git(repo.origin, "for-each-ref", "--format=%(refname) %(objectname)")
        server.fail("status")
        capsys.readouterr()
        args = ["run", "--now", "2026-11-27T10:05:00Z", "--format", "json", "--dry-run"]
        assert run(repo.root, *args) == 0
        captured = capsys.readouterr()
    data = json.loads(captured.out)
    [row] = data["probes"]
    assert (row["state"], row["failures"], row["action"]) == ("down", 1, "none")
    assert row["writes"] == ["state", "history"]  # a new state: its history row is due
    assert data["state"] == {
        "where": "maintain-state", "changed": 1, "commit": "", "dry_run": True
    }  # fmt: skip
    assert "dry run: would push to maintain-state: probes: 1 changed" in captured.err
    assert git(repo.origin, "for-each-ref", "--format=%(refname) %(objectname)") == heads
    assert emu.issues == []


# -- conditions are judged in the sandbox ------------------------------------------------


def test_a_runaway_condition_cannot_run_and_the_other_probes_are_judged(
    ops, capsys, tmp_path, monkeypatch
):
    """A condition that would take the run's memory (any pull request can write one) is
    stopped in the evaluator, named at its file:line:col, and counts neither way; every
    other probe is judged as usual."""
    root, _ = ops
    runaway = "size(response.body" + ".replace('', 'xxxxxxxx')" * 12 + ") > 0"
    text = service("vault", ops[1].url, probes=1) + f'    condition: "{runaway}"\n'
    (root / "records/services/vault.yaml").write_text(text)
    monkeypatch.setenv("MAINTAIN_EVAL_MEMORY_MB", "64")
    monkeypatch.setenv("MAINTAIN_EVAL_SECONDS", "5")
    code = run(root, "run", "--state-dir", str(tmp_path / "s"), "--format", "json")
    rows = {row["probe"]: row for row in json.loads(capsys.readouterr().out)["probes"]}
    assert code == 1  # a probe that cannot run as written
    stopped = rows["vault/p0"]
    assert stopped["state"] == "unknown"
    assert stopped["detail"].startswith(
        "cannot run: its condition (records/services/vault.yaml:14:5) was stopped: it needed"
    )
    assert "more than 64 MiB of memory" in stopped["detail"]
    assert {rows[key]["state"] for key in rows if key != "vault/p0"} == {"up"}


@pytest.mark.parametrize(
    ("variable", "value", "code"),
    [("MAINTAIN_EVAL_SECONDS", "forever", 2), ("MAINTAIN_EVAL_MEMORY_MB", "8", 2),
     ("MAINTAIN_EVAL_MEMORY_MB", "64", 0)],
)  # fmt: skip
def test_evaluation_limits_are_checked_once_for_the_run(
    ops, capsys, tmp_path, monkeypatch, variable, value, code
):
    root, _ = ops
    monkeypatch.setenv(variable, value)
    assert run(root, "run", "--state-dir", str(tmp_path / "s")) == code
    captured = capsys.readouterr()
    assert "internal error" not in captured.out + captured.err
    if code == 2:
        assert f"{variable}={value!r}: expected a number" in captured.err
