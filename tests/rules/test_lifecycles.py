"""Lifecycle data is consistent with the models it describes."""

from __future__ import annotations

import typing

import pytest

from maintain_repo.model.kinds import KINDS
from maintain_repo.rules.schema import fields_at

KIND_NAMES = sorted(KINDS)


def _statuses(kind):
    return set(typing.get_args(kind.model.model_fields["status"].annotation))


@pytest.mark.parametrize("name", KIND_NAMES)
def test_states_are_the_model_statuses(name):
    kind = KINDS[name]
    assert set(kind.lifecycle.states) == _statuses(kind)
    assert kind.lifecycle.initial in kind.lifecycle.states
    assert kind.lifecycle.final <= set(kind.lifecycle.states)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_transitions_and_requirements_name_real_states_and_fields(name):
    kind = KINDS[name]
    states = set(kind.lifecycle.states)
    for transition in kind.lifecycle.transitions:
        assert {transition.source, transition.target} <= states, transition
    for state, requirements in kind.lifecycle.requires.items():
        assert state in states
        for requirement in requirements:
            for path in requirement.any_of + ((requirement.when.path,) if requirement.when else ()):
                parts = tuple(path.split("."))
                assert parts[-1] in fields_at(kind.model, parts[:-1]), (name, state, path)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_every_state_is_reachable_from_the_initial_one(name):
    lifecycle = KINDS[name].lifecycle
    reached = {lifecycle.initial}
    frontier = [lifecycle.initial]
    while frontier:
        state = frontier.pop()
        for t in lifecycle.transitions:
            if t.source == state and t.target not in reached:
                reached.add(t.target)
                frontier.append(t.target)
    assert reached == set(lifecycle.states)


@pytest.mark.parametrize("name", KIND_NAMES)
def test_timestamp_chains_name_real_fields(name):
    kind = KINDS[name]
    for chain in kind.order:
        for path in chain:
            parts = tuple(path.split("."))
            assert parts[-1] in fields_at(kind.model, parts[:-1]), (name, path)


def test_emergency_changes_may_implement_before_approval():
    lifecycle = KINDS["change"].lifecycle
    assert lifecycle.allows("submitted", "implementing", {"type": "emergency"})
    assert not lifecycle.allows("submitted", "implementing", {"type": "normal"})
    assert lifecycle.allows("closed", "closed")
    assert not lifecycle.allows("closed", "draft")
