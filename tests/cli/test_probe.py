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
    assert data["state"] == {"where": str(tmp_path / "state"), "changed": 4, "commit": ""}
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
