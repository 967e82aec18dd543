"""Record policies evaluated on records: violations, and policy errors that say why."""

from __future__ import annotations

from datetime import UTC, datetime

from maintain_repo.model.policies import RecordPolicy
from maintain_repo.policy.cel import Context
from maintain_repo.policy.records import compile_policy, evaluate_all

RECORD = {"id": "INC-20260301-7K2M", "kind": "incident", "severity": "SEV1", "items": [1] * 200}


def run(validation: dict, record: dict = RECORD) -> list[tuple[str, str]]:
    policy = RecordPolicy.model_validate(
        {
            "kind": "RecordPolicy",
            "name": "p",
            "match": {"kinds": ["incident"]},
            "validations": [validation],
        }
    )
    compiled, problems = compile_policy("policies/p.yaml", policy)
    assert problems == []
    assert compiled is not None
    context = Context.of(record, datetime(2026, 4, 1, tzinfo=UTC), {}, lambda _: None)
    found = evaluate_all([compiled], "records/incidents/x.yaml", "incident", record, context)
    return [(f.rule, f.message) for f in found]


def test_a_violation_takes_its_message_from_the_message_expression():
    found = run({"expression": "false", "messageExpression": "record.id + ' is wrong'"})
    assert found == [("p", "INC-20260301-7K2M is wrong")]


def test_a_failing_message_expression_is_a_policy_error_and_the_message_falls_back():
    found = run(
        {"expression": "false", "message": "fallback", "messageExpression": "record.nope + 'x'"}
    )
    assert found[1] == ("p", "fallback")
    rule, message = found[0]
    assert rule == "policy-error"
    assert "validations[0].messageExpression failed on this record" in message
    assert message.endswith("(guard optional fields with has() or ?.)")


def test_the_loop_budget_error_gives_no_advice_about_optional_fields():
    [(rule, message)] = run({"expression": "record.items.all(a, record.items.all(b, a == b))"})
    assert rule == "policy-error"
    assert "stopped after 10,000 loop iterations" in message
    assert "has()" not in message
