"""The policies in effect for a check, and what they find in one record.

The modules behind each kind of policy are imported when a repository has
that kind: a pre-commit run starts faster without what it does not use.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, cast

from maintain_repo.model.durations import Calendar
from maintain_repo.model.findings import Finding

if TYPE_CHECKING:
    from maintain_repo.model.approval import ApprovalPolicy
    from maintain_repo.model.change import Change
    from maintain_repo.model.common import Record
    from maintain_repo.model.policies import FreezeWindow, RecordPolicy, SLAPolicy
    from maintain_repo.model.settings import Settings
    from maintain_repo.policy.records import CompiledPolicy

# Static policies never read `now`; their context still needs a value.
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Policies:
    """The repository's policy documents, by kind (invalid ones left out)."""

    settings: Settings
    sla: SLAPolicy | None = None
    records: list[tuple[str, RecordPolicy]] = field(default_factory=list)
    freezes: list[tuple[str, FreezeWindow]] = field(default_factory=list)
    # Who approves pull requests, as read (`approval`: the first by path that validates;
    # a second is a policy-conflict). Checking records never needs it.
    approval_documents: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # The record policies' documents as read (for positions in rare messages).
    sources: dict[str, bytes] = field(default_factory=dict)
    _by_kind: dict[str, list[CompiledPolicy]] = field(default_factory=dict, repr=False)

    # Kept in the cache (`engine.context`): the documents as validated and what they show
    # CEL as `settings`; never compiled expressions (nor anything else computed here).
    def __getstate__(self) -> dict[str, Any]:
        state = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "_by_kind"}
        state["settings_map"] = self.settings_map
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for f in fields(self):
            if f.name != "_by_kind":
                setattr(self, f.name, state[f.name])
        self._by_kind = {}
        if not isinstance(state["settings_map"], dict):
            raise TypeError("settings_map")
        self.__dict__["settings_map"] = state["settings_map"]  # the cached property's value

    @cached_property
    def approval(self) -> tuple[str, ApprovalPolicy] | None:
        """The approval policy, when its document validates (`maintain check` reports it
        when it does not)."""
        from maintain_repo.model.approval import ApprovalPolicy

        for rel, data in self.approval_documents:
            try:
                return rel, ApprovalPolicy.model_validate(data)
            except ValueError:
                continue
        return None

    @property
    def calendar(self) -> Calendar:
        return Calendar(self.settings.time_zone, tuple(self.settings.business_days))

    @cached_property
    def settings_map(self) -> dict[str, Any]:
        return self.settings.model_dump(mode="json")

    @cached_property
    def compiled(self) -> list[CompiledPolicy]:
        """Record policies that compile (broken ones are reported at their own file)."""
        return self._compile(self.records)

    def compiled_for(self, kind: str) -> list[CompiledPolicy]:
        """Those that apply to records of `kind`; a check of one file compiles only
        these (the whole set is compiled once, when it is asked for first)."""
        if "compiled" in self.__dict__:
            return [p for p in self.compiled if p.applies_to(kind)]
        if kind not in self._by_kind:
            mine = [(path, p) for path, p in self.records if kind in p.match.kinds]
            self._by_kind[kind] = self._compile(mine)
        return self._by_kind[kind]

    def _compile(self, records: list[tuple[str, RecordPolicy]]) -> list[CompiledPolicy]:
        from maintain_repo.policy.records import compile_policy

        compiled = (
            compile_policy(path, policy, self.sources.get(path))[0] for path, policy in records
        )
        return [policy for policy in compiled if policy is not None]

    @cached_property
    def static(self) -> list[CompiledPolicy]:
        return [p for p in self.compiled if not p.dynamic]

    @cached_property
    def dynamic(self) -> list[CompiledPolicy]:
        """Policies that read `now` or other records: evaluated on every run."""
        return [p for p in self.compiled if p.dynamic]

    def findings(self, path: str, record: Record, data: dict[str, Any]) -> list[Finding]:
        """What the policies find in one valid record (all but the dynamic ones)."""
        found: list[Finding] = []
        if record.kind == "change" and self.freezes:
            from maintain_repo.policy.freeze import freeze_findings

            found.extend(freeze_findings(path, cast("Change", record), self.freezes))
        if self.sla is not None:
            from maintain_repo.policy.sla import due_findings

            found.extend(due_findings(path, record, self.sla, self.calendar))
        static = [p for p in self.compiled_for(record.kind) if not p.dynamic]
        if static:
            from maintain_repo.policy.cel import Context
            from maintain_repo.policy.records import evaluate_all

            context = Context.of(data, _EPOCH, self.settings_map, lambda _: None)
            found.extend(evaluate_all(static, path, record.kind, data, context))
        return found

    def dynamic_for(self, kind: str, data: dict[str, Any]) -> list[str]:
        """The dynamic policies (by path) that may find something in this record on some
        run: those of its kind whose `match.condition` holds, or reads the clock or other
        records itself (or fails: the run that evaluates it reports why). Judged with the
        record's own result, so a warm run evaluates no other record."""
        candidates = [p for p in self.compiled_for(kind) if p.dynamic]
        if not candidates:
            return []
        from maintain_repo.policy.cel import CelError, Context, evaluate

        context = Context.of(data, _EPOCH, self.settings_map, lambda _: None)
        applicable = []
        for policy in candidates:
            condition = policy.condition
            if condition is not None and not condition.dynamic:
                try:
                    if evaluate(condition, context, f"{policy.path}#match.condition") is False:
                        continue
                except CelError:
                    pass  # evaluated again on every run, where its error is reported
            applicable.append(policy.path)
        return applicable
