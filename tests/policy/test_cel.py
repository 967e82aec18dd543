"""The CEL adapter on the real engine (cel-expr-python): positions, types, the budget."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from maintain_repo.policy.cel import CelError, Context, compile_expression, evaluate

NOW = datetime(2026, 4, 1, tzinfo=UTC)
RECORD = {
    "id": "INC-20260301-7K2M",
    "severity": "SEV2",
    "status": "closed",
    "score": 7.5,
    "tier": 1,
    "owner": "alice",
    "roles": {"commander": "alice"},
    "reported_at": "2026-03-01T10:06:00Z",
    "action_items": ["IMP-20260302-9ZT4", "IMP-20260309-0000"],
}
KNOWN = {"IMP-20260302-9ZT4": {"id": "IMP-20260302-9ZT4", "kind": "improvement", "status": "done"}}


def value(source: str, record: dict | None = None) -> object:
    context = Context.of(record or RECORD, NOW, {"time_zone": "UTC"}, KNOWN.get)
    return evaluate(compile_expression(source), context)


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("foo", 1, 1),
        ("record.id == 'x' && foo", 1, 21),
        ("record.id == 'x' &&\n  foo", 2, 3),
        ("record.id +", 1, 12),  # the end of the input
    ],
)
def test_compile_errors_carry_the_position_inside_the_expression(source, line, column):
    with pytest.raises(CelError) as caught:
        compile_expression(source)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert "<input>" not in caught.value.message
    assert "expecting {" not in caught.value.message  # the parser's token list is dropped


def test_types_are_checked_when_compiling():
    assert compile_expression("record.severity == 'SEV2'").returns == "BOOL"
    assert compile_expression("size(record.action_items)").returns == "INT"
    with pytest.raises(CelError, match="no matching overload"):
        compile_expression("now - duration('1h') > 5")


def test_the_environment_a_policy_sees():
    assert value("record.severity == 'SEV2' && has(record.roles.commander)") is True
    assert value("record.?roles.?deputy.orValue('none')") == "none"
    assert value("record.owner.upperAscii()") == "ALICE"
    assert value("now - timestamp(record.reported_at) > duration('24h')") is True
    assert value("record.score > 7 && record.tier < 1.5") is True  # int and double compare
    assert value("settings.time_zone") == "UTC"


def test_lookup_returns_other_records_or_null():
    assert value("lookup('IMP-20260302-9ZT4').status") == "done"
    assert value("lookup('IMP-20260302-9ZT4') != null") is True
    assert value("lookup('IMP-20260309-0000') == null") is True
    assert value("record.action_items.all(i, lookup(i) != null)") is False


def test_a_missing_field_fails_with_a_message_not_a_crash():
    with pytest.raises(CelError, match='Key not found in map : "resolution"'):
        value("record.resolution == 'x'")


def test_a_pathological_expression_is_stopped_by_the_budget():
    items = list(range(1000))
    expression = "record.items.all(a, record.items.all(b, a + b >= 0))"  # 10^6 iterations
    with pytest.raises(CelError, match="stopped after 10,000 loop iterations"):
        value(expression, {"items": items})
    # Below the budget the same shape runs.
    assert value(expression, {"items": list(range(99))}) is True


@pytest.mark.parametrize(
    ("source", "dynamic"),
    [
        ("record.status == 'closed'", False),
        ("now > timestamp(record.reported_at)", True),
        ("lookup(record.id) != null", True),
        ("record.known_now == true", False),  # a field named like `now` is not the clock
    ],
)
def test_expressions_that_read_the_clock_or_other_records_are_dynamic(source, dynamic):
    assert compile_expression(source).dynamic is dynamic
