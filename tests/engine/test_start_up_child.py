"""The pre-commit path: a child started before the command line is imported checks the
named files, judges them by the policies that read the clock or other records, and
takes the validated policies from the cache; the parent uses only what still holds."""

from __future__ import annotations

import os
import pickle
from datetime import UTC, datetime

import pytest

import maintain_repo.engine.dynamic as dynamic
import maintain_repo.engine.load as load
from maintain_repo.engine import speculate
from maintain_repo.engine.check import CheckOptions, check
from maintain_repo.engine.context import policies_for, policy_key, use_documents
from maintain_repo.engine.files import check_path
from maintain_repo.engine.speculate import Speculation
from maintain_repo.rules.references import involving
from maintain_repo.store.cache import LOOKUP, POLICIES, CheckCache, cache_key, fingerprint

INCIDENT = "records/incidents/INC-20260301-7K2M.yaml"
NOW = datetime(2026, 12, 3, 12, tzinfo=UTC)
# Looks up its problem (the corpus's `problem-known` policy).
WITH_PROBLEM = "records/incidents/INC-20260114-KT9Q.yaml"
PROBLEM = "records/problems/PRB-20260521-SECG.yaml"


@pytest.fixture
def two_cpus(monkeypatch):
    """The child is started only with a second CPU to run on; say there is one (the
    child's work is the same either way)."""
    monkeypatch.setattr(speculate, "cpus", lambda: 2)
    yield
    speculate.release()


@pytest.mark.parametrize(
    ("argv", "started"),
    [
        (["check", "records/incidents/x.yaml"], True),
        (["--root", "ops", "check", "--format", "json", "a.yaml"], True),
        (["check"], False),
        (["check", "--no-cache"], False),
        (["sla"], False),
        (["policy", "test"], False),
    ],
)
def test_the_child_is_started_only_for_a_check_that_may_name_files(argv, started, two_cpus):
    speculate.prefork(argv)
    assert bool(speculate._WORKER) is started


def test_the_start_up_child_checks_what_the_parent_would(make_repo, two_cpus):
    root = make_repo()
    speculate.prefork(["--root", str(root), "check", INCIDENT])
    assert speculate._WORKER
    ahead = Speculation(str(root), [INCIDENT])
    assert not speculate._WORKER  # taken
    assert ahead.results() == {INCIDENT: check_path(str(root), INCIDENT)}


def test_a_child_no_check_takes_is_ended_and_reaped(two_cpus):
    speculate.prefork(["check", "records/incidents/x.yaml"])
    pid = speculate._WORKER[0].pid
    speculate.release()
    assert not speculate._WORKER
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left


def test_more_files_than_a_child_takes_release_it(make_repo, two_cpus):
    root = make_repo()
    speculate.prefork(["check", INCIDENT])
    rels = [f"records/x{i}.yaml" for i in range(speculate.MAX_FILES + 1)]
    assert Speculation(str(root), rels).results() == {}
    assert not speculate._WORKER


def _spy_on_judging(monkeypatch) -> list[list[str]]:
    judged: list[list[str]] = []
    real = dynamic.judge_records

    def spy(*args, **kwargs):
        judged.append(list(args[4]))
        return real(*args, **kwargs)

    monkeypatch.setattr(dynamic, "judge_records", spy)
    return judged


def test_the_parent_takes_the_childs_verdict_while_it_holds(corpus, monkeypatch):
    root, _ = corpus
    check(CheckOptions(root=root, now=NOW))  # the cache, with the table lookup() reads
    judged = _spy_on_judging(monkeypatch)
    incident = root / WITH_PROBLEM
    incident.write_text(incident.read_text() + "# an edit that keeps its facts\n")
    edited = check(CheckOptions(root=root, paths=[incident], now=NOW)).report
    assert judged == []  # judged by the child, not again here
    full = check(CheckOptions(root=root, now=NOW, use_cache=False)).report
    assert list(edited.findings) == involving(full.findings, {WITH_PROBLEM})

    # The problem it looks up is gone: the child answered lookup() from a table that is
    # not the repository's any more, so the parent judges the incident itself.
    (root / PROBLEM).unlink()
    judged.clear()
    after = check(CheckOptions(root=root, paths=[incident], now=NOW)).report
    assert judged == [[WITH_PROBLEM]]
    assert "problem-known" in {f.rule for f in after.findings}
    full = check(CheckOptions(root=root, now=NOW, use_cache=False)).report
    assert list(after.findings) == involving(full.findings, {WITH_PROBLEM})


def test_a_verdict_for_another_moment_is_not_used(corpus, monkeypatch):
    root, _ = corpus
    check(CheckOptions(root=root, now=NOW))
    judged = _spy_on_judging(monkeypatch)
    rel = "records/incidents/INC-20261202-TR2B.yaml"
    # The child is started for a run at another moment than the one that takes it.
    selection, ahead = speculate.begin(root, [root / rel], datetime(2026, 12, 2, 10, tzinfo=UTC))
    options = CheckOptions(root=root, paths=[root / rel], now=NOW, selection=selection, ahead=ahead)
    late = check(options).report
    assert judged == [[rel]]  # the child judged it at another time: judged again here
    assert "triage-within-a-day" in {f.rule for f in late.findings}


def test_a_pre_commit_run_reads_the_validated_policies_from_the_cache(corpus, monkeypatch):
    root, cache_dir = corpus
    check(CheckOptions(root=root, now=NOW))  # validates the policies and keeps them
    assert (cache_dir / POLICIES).exists()
    base = str(root)
    documents = load.worktree_documents(root)
    tool = f"{fingerprint()}:{policy_key(documents)}"

    def fresh() -> CheckCache:
        return CheckCache(cache_dir, tool, cache_key() or b"", index=False)

    validated = policies_for(base)
    monkeypatch.setattr(load, "load_policies", _no_validating)
    use_documents(base, documents, fresh())
    stored = policies_for(base)
    assert [rel for rel, _ in stored.records] == [rel for rel, _ in validated.records]
    assert stored.settings == validated.settings
    assert stored.sla == validated.sla
    assert stored.settings_map == validated.settings_map
    assert [p.path for p in stored.compiled_for("incident")] == [
        p.path for p in validated.compiled_for("incident")
    ]

    # Damaged, or made for other documents: validated again, never trusted.
    raw = (cache_dir / POLICIES).read_bytes()
    (cache_dir / POLICIES).write_bytes(raw[:-20] + bytes(20))
    use_documents(base, documents, fresh())
    with pytest.raises(AssertionError, match="validated again"):
        policies_for(base)
    other = CheckCache(cache_dir, f"{fingerprint()}:another-set", cache_key() or b"", index=False)
    use_documents(base, documents, other)
    with pytest.raises(AssertionError, match="validated again"):
        policies_for(base)


def _no_validating(files):
    raise AssertionError("the policies were validated again")


def test_the_cache_keeps_policies_that_keep_their_compiled_form_out(corpus):
    root, cache_dir = corpus
    check(CheckOptions(root=root, now=NOW))
    assert policies_for(str(root)).compiled  # compiled here; what is kept has none of it
    documents = load.worktree_documents(root)
    tool = f"{fingerprint()}:{policy_key(documents)}"
    blob = CheckCache(cache_dir, tool, cache_key() or b"", index=False).stored_policies()
    assert blob is not None
    restored = pickle.loads(blob)  # our own cache, in a test
    assert not {"compiled", "static", "dynamic", "approval"} & set(restored.__dict__)
    assert restored._by_kind == {}
    assert restored.settings_map == policies_for(str(root)).settings_map


@pytest.mark.parametrize("damage", [lambda raw: raw[: len(raw) // 2], lambda raw: b"x" + raw])
def test_a_damaged_lookup_table_is_not_answered_from(corpus, monkeypatch, damage):
    root, cache_dir = corpus
    check(CheckOptions(root=root, now=NOW))
    table = cache_dir / LOOKUP
    table.write_bytes(damage(table.read_bytes()))
    judged = _spy_on_judging(monkeypatch)
    incident = root / WITH_PROBLEM
    incident.write_text(incident.read_text() + "# an edit that keeps its facts\n")
    edited = check(CheckOptions(root=root, paths=[incident], now=NOW)).report
    assert judged == [[WITH_PROBLEM]]  # the child had no table to answer from
    full = check(CheckOptions(root=root, now=NOW, use_cache=False)).report
    assert list(edited.findings) == involving(full.findings, {WITH_PROBLEM})
