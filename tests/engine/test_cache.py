"""The per-file result cache: reused when unchanged, rebuilt when not trusted."""

from __future__ import annotations

import hashlib
import hmac
import json
import marshal
import os
import subprocess

import pytest

import maintain_repo.engine.files as files
from maintain_repo.cli import main
from maintain_repo.store.cache import (
    DELTA,
    FACTS,
    RACY_NS,
    CheckCache,
    cache_key,
    fingerprint,
)
from maintain_repo.store.cache import INDEX as FILE

INCIDENT = "records/incidents/INC-20260301-7K2M.yaml"


@pytest.fixture
def counted(monkeypatch):
    """Counts per-file checks by wrapping the real function (a spy, not a fake)."""
    calls: list[str] = []
    real = files.check_bytes

    def spy(rel, data, *rest):
        calls.append(rel)
        return real(rel, data, *rest)

    monkeypatch.setattr(files, "check_bytes", spy)
    return calls


@pytest.fixture
def repo(make_repo, tmp_path, monkeypatch):
    root = make_repo()
    cache = tmp_path / "cache"
    monkeypatch.setenv("MAINTAIN_CACHE_DIR", str(cache))
    # Age every file past the racy window so stat signatures are recorded.
    old = (os.stat(root).st_mtime_ns - 10 * RACY_NS) // 1_000_000_000
    for path in root.rglob("*"):
        os.utime(path, (old, old))
    return root, cache


def _check(root, capsys, *args):
    code = main(["--root", str(root), "check", "--format", "json", *args])
    return code, json.loads(capsys.readouterr().out)


def test_a_warm_run_checks_nothing_again_and_reports_the_same(repo, counted, capsys):
    root, cache = repo
    cold = _check(root, capsys)
    assert len(counted) == 9
    warm = _check(root, capsys)
    assert len(counted) == 9
    assert warm == cold
    assert (cache / FILE).is_file()
    assert (cache / ".gitignore").read_text().endswith("*\n")
    assert (cache / "CACHEDIR.TAG").is_file()


def test_a_changed_file_is_checked_again(repo, counted, capsys):
    root, _ = repo
    _check(root, capsys)
    path = root / INCIDENT
    path.write_text(path.read_text().replace("severity: SEV2", "severity: SEV9"))
    code, report = _check(root, capsys)
    assert counted[9:] == [INCIDENT]
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["schema"]


def test_same_bytes_with_a_new_stat_are_not_checked_again(repo, counted, capsys):
    root, _ = repo
    _check(root, capsys)
    path = root / INCIDENT
    path.write_bytes(path.read_bytes())  # new mtime and ctime, same content
    _check(root, capsys)
    assert len(counted) == 9


def test_results_are_cached_even_for_broken_files(repo, counted, capsys):
    root, _ = repo
    (root / INCIDENT).write_bytes(b"id: [\n")
    first = _check(root, capsys)
    second = _check(root, capsys)
    assert first == second
    assert first[1]["findings"][0]["rule"] == "yaml-syntax"


@pytest.mark.parametrize(
    "damage",
    [
        lambda raw: raw[: len(raw) // 2],
        lambda raw: b"garbage",
        lambda raw: b"",
        lambda raw: raw[:-40] + bytes(b ^ 1 for b in raw[-40:-39]) + raw[-39:],
        lambda raw: raw.split(b"\n", 1)[0] + b"\n" + marshal.dumps({}),
        lambda raw: _resealed(raw, marshal.dumps({"records/x.yaml": [1, 2]})),
        lambda raw: _resealed(raw, _poisoned(raw, 4, 3)),
        lambda raw: _resealed(raw, _poisoned(raw, 4, [{"rule": 1}])),
        lambda raw: _resealed(raw, _poisoned(raw, 4, [{"rule": "schema", "severity": "fatal"}])),
        lambda raw: _resealed(raw, _poisoned(raw, 5, ["not", "settings"])),
        lambda raw: _resealed(raw, json.dumps({"files": [], "repo": {}}).encode()),
    ],
    ids=[
        "truncated",
        "garbage",
        "empty",
        "edited",
        "checksum-mismatch",
        "shape",
        "findings-type",
        "finding-shape",
        "finding-severity",
        "settings",
        "signed-json",
    ],
)
def test_a_damaged_cache_is_rebuilt_never_trusted(repo, counted, capsys, damage):
    root, cache = repo
    clean = _check(root, capsys)
    path = root / INCIDENT
    path.write_text(path.read_text().replace("severity: SEV2", "severity: SEV9"))
    dirty = _check(root, capsys)
    (cache / FILE).write_bytes(damage((cache / FILE).read_bytes()))
    code = main(["--root", str(root), "check", "--format", "json"])
    out, err = capsys.readouterr()
    assert json.loads(out) == dirty[1]
    assert code == 1
    assert len(counted) == 9 + 1 + 9  # everything checked again
    assert "cache was unreadable and has been rebuilt" in err
    assert clean[0] == 0


def _resealed(raw: bytes, payload: bytes) -> bytes:
    """A cache file signed with this user's key, holding a payload of the wrong shape."""
    header = json.loads(raw.split(b"\n", 1)[0])
    header["hmac"] = hmac.new(cache_key(), payload, hashlib.sha256).hexdigest()
    return json.dumps(header).encode() + b"\n" + payload


def _poisoned(raw: bytes, field: int, value) -> bytes:
    """The cached index with one field of every file's row replaced by `value`."""
    payload = marshal.loads(raw.split(b"\n", 1)[1])
    payload["files"] = [(*row[:field], value, *row[field + 1 :]) for row in payload["files"]]
    return marshal.dumps(payload)


def test_a_tool_change_invalidates_the_cache(repo, counted, capsys, monkeypatch):
    root, _ = repo
    _check(root, capsys)
    import maintain_repo.engine.check as engine

    monkeypatch.setattr(engine, "fingerprint", lambda: "another version of maintain")
    _check(root, capsys)
    assert len(counted) == 18


def test_no_cache_neither_reads_nor_writes_it(repo, counted, capsys):
    root, cache = repo
    _check(root, capsys, "--no-cache")
    _check(root, capsys, "--no-cache")
    assert len(counted) == 18
    assert not cache.exists()


def test_actions_runs_have_no_cache_unless_asked(make_repo, counted, capsys, monkeypatch):
    root = make_repo()
    monkeypatch.delenv("MAINTAIN_CACHE_DIR")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    _check(root, capsys)
    _check(root, capsys)
    assert len(counted) == 18
    assert not (root / ".maintain-cache").exists()


def test_default_cache_lives_in_the_repository_and_ignores_itself(make_repo, capsys, monkeypatch):
    root = make_repo()
    monkeypatch.delenv("MAINTAIN_CACHE_DIR")
    _check(root, capsys)
    assert (root / ".maintain-cache" / FILE).is_file()
    assert (root / ".maintain-cache" / ".gitignore").is_file()


def test_deleted_files_leave_the_cache(repo, capsys):
    root, cache = repo
    _check(root, capsys)
    (root / "records/services/payments.yaml").unlink()
    _check(root, capsys)
    tool = json.loads((cache / FILE).read_bytes().split(b"\n", 1)[0])["tool"]
    assert tool.startswith(fingerprint() + ":")  # the code, and the policies in effect
    reloaded = CheckCache(cache, tool, cache_key())
    assert "records/services/payments.yaml" not in reloaded.entries
    assert "records/services/payments.yaml" not in reloaded.facts()
    assert "records/services/checkout-api.yaml" in reloaded.facts()


def test_many_files_are_checked_in_parallel_with_the_same_result(make_repo, capsys):
    overlay = {
        f"records/services/svc-{i:03d}.yaml": (
            f"id: svc-{i:03d}\nkind: service\nschema_version: 1\ntitle: Service {i}\n"
            "status: active\nowner: acme/ops\ncreated_at: 2026-01-01T00:00:00Z\n"
            f"tier: {1 + i % 4}\n" + ("bogus: 1\n" if i % 50 == 0 else "")
        )
        for i in range(300)
    }
    root = make_repo(overlay)
    serial = _check(root, capsys, "--no-cache", "--jobs", "1")
    parallel = _check(root, capsys, "--no-cache", "--jobs", "2")
    assert parallel == serial
    assert serial[1]["summary"]["errors"] == 6


def test_a_warm_run_with_nothing_changed_does_not_read_the_facts(repo, counted, capsys):
    root, cache = repo
    cold = _check(root, capsys)
    (cache / FACTS).write_bytes(b"not even json")
    warm = _check(root, capsys)
    assert warm == cold
    assert len(counted) == 9


def test_lost_or_damaged_facts_are_rebuilt_when_links_change(repo, counted, capsys):
    root, cache = repo
    _check(root, capsys)
    (cache / FACTS).write_bytes(b"not even json")
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("problem: PRB-20260305-2B3C\n", ""))
    code, report = _check(root, capsys)
    assert code == 1
    assert [f["rule"] for f in report["findings"]] == ["ref-backlink"]
    assert len(counted) == 9 + 1 + 7  # the edited file, then the other records (facts lost)
    assert _check(root, capsys) == (code, report)
    assert len(counted) == 17


def test_editing_text_reuses_the_repository_wide_result(repo, counted, capsys, monkeypatch):
    root, _ = repo
    _check(root, capsys)
    import maintain_repo.engine.check as engine

    def must_not_run(facts):
        raise AssertionError("the links did not change; no need to re-run repository rules")

    monkeypatch.setattr(engine, "check_repo", must_not_run)
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("Routed card traffic", "Moved card traffic"))
    code, report = _check(root, capsys)
    assert (code, report["findings"]) == (0, [])
    assert counted[9:] == [INCIDENT]


def test_repository_findings_follow_the_lines_they_point_at(repo, capsys):
    root, _ = repo
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("  - payments\n", "  - paymnts\n", 1))
    first = _check(root, capsys)[1]["findings"]
    incident.write_text("# a new first line\n" + incident.read_text())
    second = _check(root, capsys)[1]["findings"]
    assert [f["rule"] for f in first] == [f["rule"] for f in second] == ["ref-exists"]
    assert second[0]["line"] == first[0]["line"] + 1


def test_small_changes_go_to_the_delta_and_survive_reloads(repo, counted, capsys):
    root, cache = repo
    _check(root, capsys)
    full = (cache / FILE).read_bytes()
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("severity: SEV2", "severity: SEV9"))
    first = _check(root, capsys)
    assert (cache / FILE).read_bytes() == full  # the full index was not rewritten
    assert (cache / DELTA).is_file()
    assert _check(root, capsys) == first
    assert counted[9:] == [INCIDENT]


def test_a_delta_for_another_index_is_ignored(repo, counted, capsys):
    root, cache = repo
    _check(root, capsys)
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("severity: SEV2", "severity: SEV9"))
    _check(root, capsys)
    stale_delta = (cache / DELTA).read_bytes()
    (cache / FILE).unlink()
    _check(root, capsys)  # a full rebuild: a new index, no delta
    (cache / DELTA).write_bytes(stale_delta)
    code, _report = _check(root, capsys)
    assert code == 1
    assert len(counted) == 9 + 1 + 9


def test_a_forged_cache_is_rejected(repo, counted, capsys):
    """Someone commits a cache that says a broken record is clean: it is not believed."""
    root, cache = repo
    _check(root, capsys)
    clean_index = (cache / FILE).read_bytes()
    incident = root / INCIDENT
    incident.write_text(incident.read_text().replace("severity: SEV2", "severity: SEV9"))
    header_line, payload = clean_index.split(b"\n", 1)
    entries = marshal.loads(payload)
    data = incident.read_bytes()
    entries["files"] = [
        # no stat: force the content-hash path
        (rel, None, hashlib.sha256(data).hexdigest(), *rest) if rel == INCIDENT else row
        for row in entries["files"]
        for rel, _, _, *rest in [row]
    ]
    forged = marshal.dumps(entries)
    header = json.loads(header_line)
    header["hmac"] = hashlib.sha256(forged).hexdigest()  # without the key
    (cache / FILE).write_bytes(json.dumps(header).encode() + b"\n" + forged)
    for name in (DELTA,):
        (cache / name).unlink(missing_ok=True)
    code = main(["--root", str(root), "check", "--format", "json"])
    out, err = capsys.readouterr()
    assert code == 1
    assert [f["rule"] for f in json.loads(out)["findings"]] == ["schema"]
    assert "cache was unreadable and has been rebuilt" in err


def test_another_users_cache_is_not_trusted(repo, counted, capsys, monkeypatch, tmp_path):
    root, _ = repo
    _check(root, capsys)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    _check(root, capsys)
    assert len(counted) == 18


def test_no_private_place_for_the_key_means_no_cache(repo, counted, capsys, monkeypatch, tmp_path):
    root, cache = repo
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    _check(root, capsys)
    _check(root, capsys)
    assert len(counted) == 18
    assert not cache.exists()


def _key_path():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "maintain", "cache-key")


@pytest.mark.parametrize("name", [FILE, DELTA, FACTS, "cache-key"])
def test_a_named_pipe_in_place_of_a_cache_file_never_blocks(repo, capsys, maintain_exe, name):
    """Opening a FIFO for reading blocks until a writer comes: every cache file is opened
    without blocking and used only when it is a regular file (run in a child process, so
    a regression fails by timeout instead of hanging the suite)."""
    root, cache = repo
    _check(root, capsys)  # a complete cache, and the key
    target = _key_path() if name == "cache-key" else str(cache / name)
    if os.path.lexists(target):
        os.unlink(target)
    os.mkfifo(target)
    ran = subprocess.run(
        [maintain_exe, "--root", str(root), "check", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["summary"]["files"] == 9
    if name == FILE:
        assert (cache / name).is_file()  # replaced by a real index on save


def test_a_cache_file_that_is_a_symbolic_link_is_not_followed(repo, counted, capsys, tmp_path):
    root, cache = repo
    _check(root, capsys)
    elsewhere = tmp_path / "elsewhere.json"
    (cache / FILE).rename(elsewhere)
    (cache / FILE).symlink_to(elsewhere)
    _check(root, capsys)
    assert len(counted) == 18  # the index behind the link was not used
    assert not (cache / FILE).is_symlink()  # and the link was replaced by a real index


def test_a_cut_short_key_is_replaced(repo, counted, capsys):
    root, _ = repo
    os.makedirs(os.path.dirname(_key_path()), exist_ok=True)
    with open(_key_path(), "wb") as handle:
        handle.write(b"short")  # what a run killed mid-write by an older version left
    _check(root, capsys)
    _check(root, capsys)
    assert len(counted) == 9  # cached again: a new key was made
    assert os.stat(_key_path()).st_mode & 0o777 == 0o600
