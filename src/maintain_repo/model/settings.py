"""Settings: one `policies/settings.yaml` per ops repo (kind `Settings`)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field, model_validator

from maintain_repo.model.common import Line, SchemaVersion, Strict, TierNumber, UniqueList
from maintain_repo.model.secrets import EnvName, runner_variable

Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


def _known_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Berlin)") from None
    return value


TimeZoneName = Annotated[str, AfterValidator(_known_zone)]


class GitHubSettings(Strict):
    """The ops repository on GitHub."""

    repository: str = Field(
        pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$",
        max_length=140,
        description=(
            "This ops repository on GitHub, as `owner/name`; used when `GITHUB_REPOSITORY` is "
            "not set, and for issue links and the status page title."
        ),
    )


class MonitoringSettings(Strict):
    """How `maintain probe run` keeps history and sends secrets, and the status page title."""

    history_every: str = Field(
        default="15m",
        pattern=r"^[1-9][0-9]{0,3}(m|h)$",
        description=(
            "How often a probe's result is written to its history while its state holds, in "
            "minutes or hours (`15m`, `1h`); a change of state is always written."
        ),
    )
    page_title: Line | None = Field(
        None,
        description=(
            "Title of the status page; default: `OWNER/NAME status` from `github.repository`, "
            "else `Status`."
        ),
    )
    secrets: UniqueList[EnvName] = Field(
        [],
        description=(
            "Environment variables probes may send as headers (`headers_from_env`), besides "
            "`MAINTAIN_PROBE_...`; never the CI runner's own (`GITHUB_*`, `ACTIONS_*`, ...)."
        ),
    )

    def history_interval(self) -> timedelta:
        number, unit = int(self.history_every[:-1]), self.history_every[-1]
        return timedelta(minutes=number) if unit == "m" else timedelta(hours=number)


NotificationEvent = Literal[
    "incident.opened",
    "incident.resolved",
    "incident.severity_changed",
    "sla.at_risk",
    "sla.breached",
    "slo.fast_burn",
    "finding.overdue",
]
NOTIFICATION_EVENTS: tuple[str, ...] = NotificationEvent.__args__  # type: ignore[attr-defined]


NOTIFY_PREFIX = "MAINTAIN_NOTIFY_"


def _notify_variable(name: str) -> str:
    """A notification URL's variable: anything but the CI runner's and maintain's own (a
    route reading GITHUB_TOKEN would send the token), MAINTAIN_NOTIFY_... allowed."""
    upper = name.upper()
    if (runner_variable(name) and not upper.startswith(NOTIFY_PREFIX)) or upper.startswith(
        "MAINTAIN_PROBE_"
    ):
        raise ValueError(
            f"the variable {name} belongs to the CI runner or to maintain: keep the "
            f"notification URL in a secret of its own, named {NOTIFY_PREFIX}..."
        )
    return name


NotifyEnvName = Annotated[
    str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,99}$"), AfterValidator(_notify_variable)
]


class NotificationRoute(Strict):
    """Where events go: an Apprise URL (Slack, Teams, Discord, email, ntfy, a webhook...)
    kept in an environment variable (a secret of the workflow), never in this file."""

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=50)] = Field(
        description="Route name, lowercase letters, digits and hyphens, like `sre-slack`; unique."
    )
    url_env: NotifyEnvName = Field(
        description=(
            "Environment variable (a workflow secret) holding the Apprise URL, e.g. "
            "`MAINTAIN_NOTIFY_SLACK`; never a CI runner's or another `MAINTAIN_` variable."
        )
    )
    events: UniqueList[NotificationEvent] = Field(
        min_length=1,
        description="Events sent along this route, e.g. `incident.opened`, `sla.breached`.",
    )
    severities: UniqueList[Literal["SEV1", "SEV2", "SEV3", "SEV4", "unknown"]] = Field(
        [],
        description=(
            "Only incident events of these severities; empty: all. With any listed, events "
            "without a severity (SLA obligations, findings) are not sent."
        ),
    )
    services: UniqueList[Line] = Field(
        [],
        description="Only events about these services, by service id; empty: all.",
    )


class NotificationSettings(Strict):
    """Where notifications of incidents, SLAs and findings are sent."""

    routes: list[NotificationRoute] = Field(
        default=[],
        max_length=50,
        description="Notification routes, each with a unique `name` (at most 50).",
    )

    @model_validator(mode="after")
    def _named_once(self) -> NotificationSettings:
        names = [route.name for route in self.routes]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"two routes are named {twice[0]}; route names must be unique")
        return self


class SeverityLevel(Strict):
    """An incident severity and its rank."""

    name: Literal["SEV1", "SEV2", "SEV3", "SEV4"] = Field(
        description="Incident severity: `SEV1` to `SEV4`."
    )
    rank: int = Field(ge=1, le=4, description="Rank, 1 to 4; 1 is the most severe (SEV1).")
    description: Line | None = Field(
        None, description="One line saying what the severity means, e.g. `Critical: outage`."
    )


class Tier(Strict):
    """A service tier, named; services give theirs in `tier`."""

    tier: TierNumber = Field(description="Tier number, 1 to 4, as services give it in `tier`.")
    name: Line = Field(description="Tier name, e.g. `Critical`.")
    description: Line | None = Field(
        None, description="One line saying what the tier means, e.g. `24x7 on-call`."
    )


class RuleSetting(Strict):
    """Turn a built-in rule off, or change the severity it reports at."""

    enabled: bool = Field(True, description="`false`: the rule is off and reports nothing.")
    severity: Literal["error", "warning", "note"] | None = Field(
        None,
        description="Severity the rule reports at: `error`, `warning` or `note`; default: its own.",
    )


_DEFAULT_SEVERITIES = [
    SeverityLevel(name="SEV1", rank=1, description="Critical: outage or data loss"),
    SeverityLevel(name="SEV2", rank=2, description="Major: core function degraded"),
    SeverityLevel(name="SEV3", rank=3, description="Minor: limited impact"),
    SeverityLevel(name="SEV4", rank=4, description="Low: cosmetic or internal"),
]


class Settings(Strict):
    """Repository-wide settings that records and policies are judged by."""

    kind: Literal["Settings"] = Field(description="Always `Settings`.")
    schema_version: SchemaVersion = Field(description="Version of this file's format: `1`.")
    github: GitHubSettings | None = Field(None, description="The ops repository on GitHub.")
    severities: list[SeverityLevel] = Field(
        default=_DEFAULT_SEVERITIES,
        min_length=1,
        description="Incident severities and their ranks (SEV1 is rank 1); default: all four.",
    )
    tiers: list[Tier] = Field(
        [], description="Service tiers and their names; services give theirs in `tier`."
    )
    time_zone: TimeZoneName = Field(
        "UTC",
        description=(
            "IANA time zone, e.g. `Europe/Berlin`, that business days (`bd` durations) are "
            "counted in."
        ),
    )
    business_days: UniqueList[Weekday] = Field(
        default=["mon", "tue", "wed", "thu", "fri"],
        min_length=1,
        description="Working weekdays that `bd` durations count: `mon` to `sun`.",
    )
    state_branch: str = Field(
        default="maintain-state",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$",
        description="Git branch where `maintain probe run` keeps probe state and history.",
    )
    rules: dict[str, RuleSetting] = Field(
        {},
        description=(
            "Built-in rules by id (e.g. `timestamp-order`), each turned off or given another "
            "severity. An id that is no built-in rule is a `settings-rule` error."
        ),
    )
    monitoring: MonitoringSettings = Field(
        MonitoringSettings(),
        description="Probe history interval, probe secrets and the status page title.",
    )
    notifications: NotificationSettings = Field(
        NotificationSettings(), description="Routes that send events to chat, email or webhooks."
    )


MODEL = Settings
