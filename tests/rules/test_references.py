"""Repository-wide rules on literal facts: no files, no git."""

from __future__ import annotations

from maintain_repo.model.facts import RecordFacts, Reference
from maintain_repo.rules.references import check_repo, involving


def fact(path, kind, rid, status="open", refs=(), valid=True):
    return RecordFacts(path, kind, rid, status, valid, tuple(refs))


INC = "INC-20260301-AAAA"
IMP = "IMP-20260301-BBBB"


def _rules(findings):
    return sorted((f.rule, f.path, f.pointer) for f in findings)


def test_two_way_link_written_on_both_sides_is_clean():
    facts = [
        fact(
            "i.yaml",
            "incident",
            INC,
            refs=[Reference(("action_items", 0), IMP, ("improvement",), "action-item")],
        ),
        fact(
            "m.yaml",
            "improvement",
            IMP,
            refs=[Reference(("source", "ref"), INC, ("incident",), "action-item")],
        ),
    ]
    assert check_repo(facts) == []


def test_one_sided_link_is_reported_where_it_is_written():
    facts = [
        fact(
            "i.yaml",
            "incident",
            INC,
            refs=[Reference(("action_items", 0), IMP, ("improvement",), "action-item")],
        ),
        fact("m.yaml", "improvement", IMP),
    ]
    [finding] = check_repo(facts)
    assert (finding.rule, finding.path, finding.pointer, finding.related) == (
        "ref-backlink",
        "i.yaml",
        ("action_items", 0),
        ("m.yaml",),
    )
    assert finding.message == (
        f"action_items[0] names {IMP}, but {IMP} does not name {INC} back in its source.ref"
    )


def test_missing_and_wrong_kind_targets():
    facts = [
        fact(
            "i.yaml",
            "incident",
            INC,
            refs=[
                Reference(("services", 0), "nope", ("service",)),
                Reference(("problem",), IMP, ("problem",), "problem-incident"),
            ],
        ),
        fact("m.yaml", "improvement", IMP),
    ]
    messages = sorted(f.message for f in check_repo(facts))
    assert messages == [
        f"problem names {IMP}, which is an improvement, not a problem",
        "services[0] names nope, which does not exist",
    ]


def test_duplicate_ids_are_reported_in_each_file_and_links_to_them_are_not():
    facts = [
        fact("a.yaml", "improvement", IMP),
        fact("b.yaml", "improvement", IMP),
        fact(
            "i.yaml",
            "incident",
            INC,
            refs=[Reference(("action_items", 0), IMP, ("improvement",), "action-item")],
        ),
    ]
    assert _rules(check_repo(facts)) == [
        ("id-unique", "a.yaml", ("id",)),
        ("id-unique", "b.yaml", ("id",)),
    ]


def test_invalid_records_do_not_cascade():
    facts = [
        fact(
            "i.yaml",
            "incident",
            INC,
            refs=[Reference(("action_items", 0), IMP, ("improvement",), "action-item")],
        ),
        fact("m.yaml", "improvement", IMP, valid=False),
    ]
    assert check_repo(facts) == []


def test_resolved_problem_needs_done_fixes():
    prb = "PRB-20260301-CCCC"
    chg = "CHG-20260301-DDDD"
    facts = [
        fact(
            "p.yaml",
            "problem",
            prb,
            status="resolved",
            refs=[
                Reference(("permanent_fix", 0), IMP, ("improvement",)),
                Reference(("permanent_fix", 1), chg, ("change",)),
            ],
        ),
        fact("m.yaml", "improvement", IMP, status="in_progress"),
        fact("c.yaml", "change", chg, status="implemented"),
    ]
    [finding] = check_repo(facts)
    assert finding.rule == "problem-fix-done"
    assert finding.pointer == ("permanent_fix", 0)
    assert "is in_progress (not done)" in finding.message


def test_involving_keeps_findings_about_selected_files():
    facts = [
        fact(
            "i.yaml",
            "incident",
            INC,
            refs=[Reference(("action_items", 0), IMP, ("improvement",), "action-item")],
        ),
        fact("m.yaml", "improvement", IMP),
        fact(
            "x.yaml",
            "incident",
            "INC-20260301-EEEE",
            refs=[Reference(("services", 0), "nope", ("service",))],
        ),
    ]
    findings = check_repo(facts)
    assert [f.path for f in involving(findings, {"m.yaml"})] == ["i.yaml"]
    assert [f.path for f in involving(findings, {"x.yaml"})] == ["x.yaml"]
