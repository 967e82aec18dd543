"""Which environment variables a probe may send as headers (`headers_from_env`).

Apart from the probe models, so that the Settings (which declare more of them) do not
import every probe type's model.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from pydantic import AfterValidator, Field

# The environment variables a probe may send (`headers_from_env`): those named with this
# prefix, and those Settings declare (`monitoring.secrets`). The CI runner's own (its
# GitHub token above all, which probes.yml has for its writes) and maintain's own
# settings never, whatever the settings say: a probe's URL is any host a pull request
# names.
SECRET_PREFIX = "MAINTAIN_PROBE_"  # noqa: S105 (a name prefix, not a password)
RUNNER_PREFIXES = (
    "GITHUB_", "ACTIONS_", "RUNNER_", "CI_", "GITLAB_", "BUILDKITE_", "CIRCLE_", "TRAVIS_",
    "JENKINS_", "BITBUCKET_", "DRONE_", "TEAMCITY_", "CODEBUILD_", "SYSTEM_", "MAINTAIN_",
)  # fmt: skip
RUNNER_NAMES = ("CI", "GH_TOKEN", "GH_ENTERPRISE_TOKEN", "GITHUB_TOKEN")


def runner_variable(name: str) -> bool:
    """Whether `name` is the CI runner's (or maintain's own), in any letter case."""
    upper = name.upper()
    if upper.startswith(SECRET_PREFIX):
        return False
    return upper in RUNNER_NAMES or upper.startswith(RUNNER_PREFIXES)


def secret_refusal(name: str, declared: Collection[str]) -> str | None:
    """Why a probe may not send the variable `name` (None: it may)."""
    if runner_variable(name):
        return (
            f"the variable {name} belongs to the CI runner (GITHUB_*, ACTIONS_*, RUNNER_*, "
            "CI_*, ...) or to maintain (MAINTAIN_*): a probe never sends it; give the probe a "
            f"secret of its own, named {SECRET_PREFIX}..."
        )
    if name.startswith(SECRET_PREFIX) or name in declared:
        return None
    return (
        f"the variable {name} is not a probe secret: name it {SECRET_PREFIX}... or declare "
        "it under monitoring.secrets in policies/settings.yaml"
    )


def _not_the_runners(name: str) -> str:
    if runner_variable(name):
        raise ValueError(secret_refusal(name, ()))
    return name


def _any_case(text: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in text)


# The same refusal for editors (JSON Schema), letter case spelt out: a runner's prefix
# (MAINTAIN_ unless MAINTAIN_PROBE_ follows), or a runner's name.
_PREFIXES = [_any_case(p) for p in RUNNER_PREFIXES if p != "MAINTAIN_"]
_MAINTAINS = _any_case("MAINTAIN_") + f"(?!{_any_case(SECRET_PREFIX.removeprefix('MAINTAIN_'))})"
_NAMES = "(?:" + "|".join(_any_case(n) for n in RUNNER_NAMES) + ")$"
_RUNNER_PATTERN = "^(?:" + "|".join([*_PREFIXES, _MAINTAINS, _NAMES]) + ")"
EnvName = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$",
        json_schema_extra={"not": {"pattern": _RUNNER_PATTERN}},
    ),
    AfterValidator(_not_the_runners),
]

__all__ = [
    "RUNNER_NAMES",
    "RUNNER_PREFIXES",
    "SECRET_PREFIX",
    "EnvName",
    "runner_variable",
    "secret_refusal",
]
