"""A policy-bot `.policy.yml`, read as it is: translated to an `ApprovalPolicy` with
policy-bot's defaults made explicit, the differences noted, and anything maintain
cannot honour reported as a problem at its place in the file (never dropped silently:
a predicate left out would approve what policy-bot would not).

What changes in translation (each is noted):

- `approval_rules` become `rules`; `invalidate_on_push` is written out as false
  when the file does not set it (policy-bot's default; maintain's own is true).
- `requires.admins` / `write_collaborators` (deprecated) become `permissions`.
- `has_successful_status: [...]` becomes `has_status: {statuses: [...]}`.
- A disapproval `methods.disapprove` / `revoke` block that is given keeps no default
  of its own (policy-bot fills the defaults only for a block that is absent):
  `comments: []` and `github_review: false` are written out.
- `request_review` is dropped (maintain does not request reviewers).

Problems: a rule requiring approvals that names nobody (policy-bot lets nobody
approve it; maintain would read it as anyone with write), predicates and options
maintain does not have, `approval_defaults`, unknown keys (with a did-you-mean).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from maintain_repo.model.findings import Pointer

DEFAULT_PATH = ".policy.yml"

# Predicates maintain has, by policy-bot name (has_successful_status is rewritten).
PREDICATES = {
    "changed_files": ("paths", "ignore"),
    "only_changed_files": ("paths",),
    "has_labels": None,
    "targets_branch": ("pattern",),
    "from_branch": ("pattern",),
    "title": ("matches", "not_matches"),
    "has_author_in": ("users", "teams", "organizations", "permissions"),
    "has_contributor_in": ("users", "teams", "organizations", "permissions"),
    "only_has_contributors_in": ("users", "teams", "organizations", "permissions"),
    "author_is_only_contributor": None,
    "has_status": ("statuses", "conclusions"),
    "has_successful_status": None,
}
# policy-bot predicates maintain does not evaluate: a problem, never dropped.
UNSUPPORTED = (
    "no_changed_files", "file_added", "file_not_added", "file_deleted", "file_not_deleted",
    "modified_lines", "has_workflow_result", "repository", "has_valid_signatures",
    "has_valid_signatures_by", "has_valid_signatures_by_keys", "custom_property_is_null",
    "custom_property_is_not_null", "custom_property_matches_any_of",
    "custom_property_matches_none_of", "changed_files_count", "commit_count",
    "commit_messages", "has_topics",
)  # fmt: skip
ACTORS = ("users", "teams", "organizations", "permissions")
METHODS = (
    "comments",
    "comment_patterns",
    "github_review",
    "github_review_comment_patterns",
    "body_patterns",
)
OPTIONS = (
    "allow_author",
    "allow_contributor",
    "allow_non_author_contributor",
    "invalidate_on_push",
    "ignore_edited_comments",
    "ignore_update_merges",
    "ignore_commits_by",
    "request_review",
    "methods",
)


@dataclass
class Translation:
    """The native document, what was made explicit (notes), and what stops it (problems);
    pointers are into the policy-bot file."""

    document: dict[str, Any]
    notes: list[tuple[Pointer, str]] = field(default_factory=list)
    problems: list[tuple[Pointer, str]] = field(default_factory=list)


def looks_like_policy_bot(data: Any) -> bool:
    return isinstance(data, dict) and "kind" not in data and "policy" in data


def translate(data: Any, name: str = "policy-bot") -> Translation:
    out = Translation({"kind": "ApprovalPolicy", "name": name})
    if not isinstance(data, dict):
        out.problems.append(((), "a policy-bot file is a mapping with policy and approval_rules"))
        return out
    out.document["description"] = "Translated from policy-bot's .policy.yml."
    _unknown(out, data, (), ("policy", "approval_rules", "approval_defaults"))
    if "approval_defaults" in data:
        unsupported = "approval_defaults is not supported: set the options on each rule"
        out.problems.append((("approval_defaults",), unsupported))
    policy = data.get("policy")
    tree: dict[str, Any] = {}
    if isinstance(policy, dict):
        _unknown(out, policy, ("policy",), ("approval", "disapproval"))
        tree["approval"] = policy.get("approval", [])
        if "disapproval" in policy:
            tree["disapproval"] = _disapproval(out, policy["disapproval"])
    else:
        out.problems.append((("policy",), "policy is required: a mapping with approval"))
    out.document["policy"] = tree
    rules = data.get("approval_rules", [])
    if isinstance(rules, list):
        out.document["rules"] = [_rule(out, rule, index) for index, rule in enumerate(rules)]
    else:
        out.problems.append((("approval_rules",), "approval_rules is a list of rules"))
    return out


def native_pointer(pointer: Pointer) -> Pointer:
    """Where a field of the translated document came from in the policy-bot file."""
    if pointer[:1] == ("rules",):
        return ("approval_rules", *pointer[1:])
    return pointer


def _rule(out: Translation, rule: Any, index: int) -> Any:
    here: Pointer = ("approval_rules", index)
    if not isinstance(rule, dict):
        return rule  # the schema reports it
    _unknown(out, rule, here, ("name", "description", "if", "requires", "options"))
    made: dict[str, Any] = {k: rule[k] for k in ("name", "description") if k in rule}
    if "if" in rule:
        made["if"] = _predicates(out, rule["if"], (*here, "if"))
    requires = rule.get("requires", {})
    made["requires"] = _requires(out, requires, (*here, "requires"))
    made["options"] = _options(out, rule.get("options", {}), (*here, "options"))
    return made


def _requires(out: Translation, requires: Any, here: Pointer) -> Any:
    if not isinstance(requires, dict):
        return requires
    _unknown(out, requires, here, ("count", *ACTORS, "admins", "write_collaborators", "conditions"))
    made = _actors(out, requires, here)
    if "count" in requires:
        made["count"] = requires["count"]
    if "conditions" in requires:
        made["conditions"] = _predicates(out, requires["conditions"], (*here, "conditions"))
    count = requires.get("count", 0)
    if isinstance(count, int) and count > 0 and not any(made.get(k) for k in ACTORS):
        out.problems.append(
            (
                (*here, "count"),
                f"count is {count} but nobody is named: policy-bot lets nobody approve this "
                "rule (it stays pending); name users, teams, organizations or permissions",
            )
        )
    return made


def _actors(out: Translation, actors: dict[str, Any], here: Pointer) -> dict[str, Any]:
    made = {k: actors[k] for k in ACTORS if k in actors}
    for flag, level in (("admins", "admin"), ("write_collaborators", "write")):
        if actors.get(flag) is True:
            permissions = made.setdefault("permissions", [])
            if isinstance(permissions, list) and level not in permissions:
                permissions.append(level)
            out.notes.append(((*here, flag), f"{flag}: true is written permissions: [{level}]"))
    return made


def _options(out: Translation, options: Any, here: Pointer) -> Any:
    if not isinstance(options, dict):
        return options
    _unknown(out, options, here, OPTIONS)
    made = {k: v for k, v in options.items() if k in OPTIONS and k != "request_review"}
    if "request_review" in options:
        dropped = "request_review is dropped: maintain does not request reviewers"
        out.notes.append(((*here, "request_review"), dropped))
    if "invalidate_on_push" not in options:
        made["invalidate_on_push"] = False
        out.notes.append(
            (
                (*here, "invalidate_on_push"),
                "invalidate_on_push: false (policy-bot's default; maintain's is true)",
            )
        )
    if isinstance(made.get("ignore_commits_by"), dict):
        commits_by = made["ignore_commits_by"]
        _unknown(out, commits_by, (*here, "ignore_commits_by"), ACTORS)
        made["ignore_commits_by"] = {k: commits_by[k] for k in ACTORS if k in commits_by}
    if isinstance(made.get("methods"), dict):
        _unknown(out, made["methods"], (*here, "methods"), METHODS)
    return made


def _disapproval(out: Translation, disapproval: Any) -> Any:
    here: Pointer = ("policy", "disapproval")
    if not isinstance(disapproval, dict):
        return disapproval
    _unknown(out, disapproval, here, ("if", "options", "requires"))
    made: dict[str, Any] = {}
    if "if" in disapproval:
        made["if"] = _predicates(out, disapproval["if"], (*here, "if"))
    requires = disapproval.get("requires", {})
    if isinstance(requires, dict):
        _unknown(out, requires, (*here, "requires"), (*ACTORS, "admins", "write_collaborators"))
        made["requires"] = _actors(out, requires, (*here, "requires"))
    options = disapproval.get("options")
    if isinstance(options, dict):
        _unknown(out, options, (*here, "options"), ("methods",))
        methods = options.get("methods")
        if isinstance(methods, dict):
            _unknown(out, methods, (*here, "options", "methods"), ("disapprove", "revoke"))
            given = _given_methods(out, methods, (*here, "options", "methods"))
            made["options"] = {"methods": given}
    return made


def _given_methods(out: Translation, methods: dict[str, Any], here: Pointer) -> dict[str, Any]:
    made: dict[str, Any] = {}
    for key in ("disapprove", "revoke"):
        block = methods.get(key)
        if not isinstance(block, dict):
            continue
        _unknown(out, block, (*here, key), METHODS)
        block = dict(block)
        for method, empty in (("comments", []), ("github_review", False)):
            if method not in block:
                block[method] = empty
                said = "[]" if empty == [] else "false"
                why = f"a given {key} block has no defaults in policy-bot"
                out.notes.append(((*here, key, method), f"{method}: {said} ({why})"))
        made[key] = block
    return made


def _predicates(out: Translation, predicates: Any, here: Pointer) -> Any:
    if not isinstance(predicates, dict):
        return predicates
    made: dict[str, Any] = {}
    for key, value in predicates.items():
        where = (*here, key)
        if key in UNSUPPORTED:
            out.problems.append((where, f"the predicate {key} is not supported by maintain"))
        elif key == "has_successful_status":
            made["has_status"] = {"statuses": value}
            out.notes.append((where, "has_successful_status is written has_status"))
        elif key in PREDICATES:
            fields = PREDICATES[key]
            if fields is not None and isinstance(value, dict):
                for globs in ("globs", "ignore_globs"):
                    if globs in value:
                        hint = "write regular expressions under paths or ignore"
                        out.problems.append(((*where, globs), f"{globs} are not supported: {hint}"))
                _unknown(out, value, where, (*fields, "globs", "ignore_globs"))
                value = {k: v for k, v in value.items() if k not in ("globs", "ignore_globs")}
            made[key] = value
        else:
            _unknown(out, {key: value}, here, tuple(PREDICATES) + UNSUPPORTED)
    return made


def _unknown(out: Translation, data: dict[str, Any], here: Pointer, known: tuple[str, ...]) -> None:
    for key in data:
        if key in known:
            continue
        guess = difflib.get_close_matches(str(key), known, n=1, cutoff=0.7)
        hint = f"; did you mean {guess[0]!r}?" if guess else ""
        out.problems.append(((*here, key), f"unknown field {key!r}{hint}"))
