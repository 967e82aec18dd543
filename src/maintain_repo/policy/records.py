"""Record policies: CEL conditions and validations over records of some kinds.

Semantics follow Kubernetes ValidatingAdmissionPolicy: a policy applies to
records of its `match.kinds` for which `match.condition` (if any) is true;
every validation must then be true. The message is `messageExpression` when
it yields one line of text, else `message`, else the failed expression.

A broken policy (an expression that does not compile or is not a boolean)
is a `policy-error` at the policy's own file and field, distinct from a
violation, and the policy is not applied. An expression that fails on a
record (a missing field read without `has()`) is a `policy-error` at that
record. Violations are findings whose rule id is the policy's name, so a
waiver can name it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from maintain_repo.model.findings import Finding, Pointer, Severity, dotted
from maintain_repo.policy.cel import CelError, Context, Expression, compile_expression, evaluate

ERROR_RULE = "policy-error"
# A field read that the record does not have: the usual cause, with the usual cure.
_MISSING = re.compile(r"(?i)key not found|no such (key|field)")
_GUARD = " (guard optional fields with has() or ?.)"
_BOOLEAN = ("BOOL", "DYN")
_TEXT = ("STRING", "DYN")


class ValidationLike(Protocol):
    @property
    def expression(self) -> str: ...
    @property
    def message(self) -> str | None: ...
    @property
    def messageExpression(self) -> str | None: ...


class MatchLike(Protocol):
    @property
    def kinds(self) -> Sequence[str]: ...
    @property
    def condition(self) -> str | None: ...


class RecordPolicyLike(Protocol):
    """A `RecordPolicy`, or the same read from a document a check already validated
    (`Document`), which a warm run builds without the models."""

    @property
    def name(self) -> str: ...
    @property
    def severity(self) -> str: ...
    @property
    def match(self) -> MatchLike: ...
    @property
    def validations(self) -> Sequence[ValidationLike]: ...


class _Validation(NamedTuple):
    expression: str
    message: str | None = None
    messageExpression: str | None = None


class _Match(NamedTuple):
    kinds: tuple[str, ...]
    condition: str | None = None


class Document(NamedTuple):
    """A record policy's fields, from a document that validated (`maintain check` says
    so, for these very bytes): the schema's defaults filled, nothing checked again."""

    name: str
    severity: str
    match: _Match
    validations: tuple[_Validation, ...]

    @classmethod
    def of(cls, data: Mapping[str, Any]) -> Document:
        match = data["match"]
        return cls(
            str(data["name"]),
            str(data.get("severity", "error")),
            _Match(tuple(match["kinds"]), match.get("condition")),
            tuple(
                _Validation(v["expression"], v.get("message"), v.get("messageExpression"))
                for v in data["validations"]
            ),
        )


class Check(NamedTuple):
    number: int  # its place in the validations
    validation: ValidationLike
    expression: Expression
    message: Expression | None


class CompiledPolicy(NamedTuple):
    path: str
    policy: RecordPolicyLike
    condition: Expression | None
    checks: tuple[Check, ...]
    # The policy document's bytes, to give the position of an expression that had to be
    # stopped (read only then).
    source: bytes | None = None

    @property
    def dynamic(self) -> bool:
        """Reads the clock or other records: evaluated afresh on every run."""
        return any(e.dynamic for e in self._expressions())

    @property
    def reads_clock(self) -> bool:
        """Reads `now`: judged afresh on every run. A dynamic policy that does not reads
        only other records, and its verdict holds while their `lookup()` answers do."""
        return any(e.reads_clock for e in self._expressions())

    @property
    def reads_records(self) -> bool:
        return any(e.reads_records for e in self._expressions())

    def _expressions(self) -> list[Expression]:
        found = [c.expression for c in self.checks]
        found += [c.message for c in self.checks if c.message is not None]
        return found + ([self.condition] if self.condition is not None else [])

    def applies_to(self, kind: str) -> bool:
        return kind in self.policy.match.kinds


def compile_policy(
    path: str, policy: RecordPolicyLike, source: bytes | None = None
) -> tuple[CompiledPolicy | None, list[Finding]]:
    """The compiled policy, or None and the `policy-error` findings that prevent it."""
    errors: list[Finding] = []

    def build(source: str | None, pointer: Pointer, returns: tuple[str, ...]) -> Expression | None:
        if source is None:
            return None
        try:
            expression = compile_expression(source)
        except CelError as e:
            errors.append(_policy_error(path, policy, pointer, _at(e)))
            return None
        if expression.returns not in returns:
            wanted = "a boolean" if returns == _BOOLEAN else "text"
            actual = expression.returns.lower()
            article = "an" if actual[:1] in "aeiou" else "a"
            message = f"must be {wanted}, but this expression is {article} {actual}"
            errors.append(_policy_error(path, policy, pointer, message))
            return None
        return expression

    condition = build(policy.match.condition, ("match", "condition"), _BOOLEAN)
    checks = []
    for index, validation in enumerate(policy.validations):
        expression = build(validation.expression, ("validations", index, "expression"), _BOOLEAN)
        message = build(
            validation.messageExpression, ("validations", index, "messageExpression"), _TEXT
        )
        if expression is not None:
            checks.append(Check(index, validation, expression, message))
    if errors:
        return None, errors
    return CompiledPolicy(path, policy, condition, tuple(checks), source), []


def evaluate_policy(
    compiled: CompiledPolicy, path: str, record_id: str | None, context: Context
) -> Iterator[Finding]:
    """Violations of one policy by one record (and policy errors on it)."""
    policy = compiled.policy
    if compiled.condition is not None:
        pointer: Pointer = ("match", "condition")
        try:
            if not _boolean(evaluate(compiled.condition, context, _label(compiled, pointer))):
                return
        except CelError as e:
            yield _record_error(compiled, path, record_id, pointer, e)
            return
    for check in compiled.checks:
        pointer = ("validations", check.number, "expression")
        try:
            passed = _boolean(evaluate(check.expression, context, _label(compiled, pointer)))
        except CelError as e:
            yield _record_error(compiled, path, record_id, pointer, e)
            continue
        if passed:
            continue
        message, failure = _message(compiled, check, context)
        if failure is not None:
            where = ("validations", check.number, "messageExpression")
            yield _record_error(compiled, path, record_id, where, failure)
        yield Finding(
            policy.name,
            Severity(policy.severity),
            message,
            path,
            record=record_id,
            pointer=(),
        )


def evaluate_all(
    policies: Sequence[CompiledPolicy],
    path: str,
    kind: str,
    record: Mapping[str, Any],
    context: Context,
) -> list[Finding]:
    record_id = record.get("id") if isinstance(record.get("id"), str) else None
    return [
        finding
        for compiled in policies
        if compiled.applies_to(kind)
        for finding in evaluate_policy(compiled, path, record_id, context)
    ]


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise CelError(f"gave {type(value).__name__} {value!r:.40}, not a boolean")


def _message(
    compiled: CompiledPolicy, check: Check, context: Context
) -> tuple[str, CelError | None]:
    """The violation's message, and why messageExpression could not give it (if so)."""
    failure = None
    if check.message is not None:
        label = _label(compiled, ("validations", check.number, "messageExpression"))
        try:
            text = evaluate(check.message, context, label)
        except CelError as e:
            text, failure = None, e
        if isinstance(text, str) and text.strip() and "\n" not in text and len(text) <= 500:
            return text.strip(), None
    if check.validation.message:
        return check.validation.message, failure
    return f"failed expression: {check.validation.expression}", failure


def _at(error: CelError) -> str:
    if error.line is None:
        return error.message
    return f"{error.message} (line {error.line}, column {error.column} of the expression)"


def _policy_error(path: str, policy: RecordPolicyLike, pointer: Pointer, message: str) -> Finding:
    return Finding(
        ERROR_RULE,
        Severity.ERROR,
        f"policy {policy.name}: {dotted(pointer)} {message}",
        path,
        record=None,
        pointer=pointer,
    )


def _label(compiled: CompiledPolicy, pointer: Pointer) -> str:
    """Names one expression of one policy (what a sandbox reports when it had to stop)."""
    return f"{compiled.path}#{dotted(pointer)}"


def _record_error(
    compiled: CompiledPolicy, path: str, record_id: str | None, pointer: Pointer, error: CelError
) -> Finding:
    where = dotted(pointer[:-1] if pointer[-1] == "expression" else pointer)
    if error.stopped:  # the expression is at fault: say exactly where it is
        return Finding(
            ERROR_RULE,
            Severity.ERROR,
            f"policy {compiled.policy.name} ({_position(compiled, pointer)}): {where} "
            f"{error.message}",
            path,
            record=record_id,
            pointer=(),
            related=(compiled.path,),
        )
    return Finding(
        ERROR_RULE,
        Severity.ERROR,
        f"policy {compiled.policy.name} ({compiled.path}): {where} failed on this record: "
        f"{error.message}" + (_GUARD if _MISSING.search(error.message) else ""),
        path,
        record=record_id,
        pointer=(),
        related=(compiled.path,),
    )


def _position(compiled: CompiledPolicy, pointer: Pointer) -> str:
    """`policies/x.yaml:12:17`: where the expression is written (the path alone when the
    document is not at hand)."""
    from maintain_repo.store.problems import YamlError
    from maintain_repo.store.source import decode
    from maintain_repo.store.yaml import parse

    text = decode(compiled.source) if compiled.source is not None else None
    if not isinstance(text, str):
        return compiled.path
    try:
        line, column = parse(text, positions=True).locate(pointer)
    except YamlError:
        return compiled.path
    return f"{compiled.path}:{line}:{column}"
