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
    repository: str = Field(pattern=r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$", max_length=140)


class MonitoringSettings(Strict):
    """How `maintain probe run` keeps history and sends secrets, and the status page title."""

    # A probe's result is written to its history when its state changes, and
    # otherwise at most this often (15m, 1h, ...).
    history_every: str = Field(default="15m", pattern=r"^[1-9][0-9]{0,3}(m|h)$")
    page_title: Line | None = None
    # Environment variables probes may send as headers (headers_from_env), besides those
    # named MAINTAIN_PROBE_...; never the CI runner's own (GITHUB_*, ACTIONS_*, ...).
    secrets: UniqueList[EnvName] = []

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

    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9-]*$", max_length=50)]
    url_env: NotifyEnvName
    events: UniqueList[NotificationEvent] = Field(min_length=1)
    # Only events of these severities (SEV1..SEV4 for incidents; empty: all). Events
    # without a severity (SLA obligations, findings) pass no severity filter.
    severities: UniqueList[Literal["SEV1", "SEV2", "SEV3", "SEV4", "unknown"]] = []
    # Only events about these services (empty: all).
    services: UniqueList[Line] = []


class NotificationSettings(Strict):
    routes: list[NotificationRoute] = Field(default=[], max_length=50)

    @model_validator(mode="after")
    def _named_once(self) -> NotificationSettings:
        names = [route.name for route in self.routes]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"two routes are named {twice[0]}; route names must be unique")
        return self


class SeverityLevel(Strict):
    name: Literal["SEV1", "SEV2", "SEV3", "SEV4"]
    rank: int = Field(ge=1, le=4)
    description: Line | None = None


class Tier(Strict):
    tier: TierNumber
    name: Line
    description: Line | None = None


class RuleSetting(Strict):
    """Turn a built-in rule off, or change the severity it reports at."""

    enabled: bool = True
    severity: Literal["error", "warning", "note"] | None = None


_DEFAULT_SEVERITIES = [
    SeverityLevel(name="SEV1", rank=1, description="Critical: outage or data loss"),
    SeverityLevel(name="SEV2", rank=2, description="Major: core function degraded"),
    SeverityLevel(name="SEV3", rank=3, description="Minor: limited impact"),
    SeverityLevel(name="SEV4", rank=4, description="Low: cosmetic or internal"),
]


class Settings(Strict):
    """Repository-wide settings that records and policies are judged by."""

    kind: Literal["Settings"]
    schema_version: SchemaVersion
    github: GitHubSettings | None = None
    severities: list[SeverityLevel] = Field(default=_DEFAULT_SEVERITIES, min_length=1)
    tiers: list[Tier] = []
    time_zone: TimeZoneName = "UTC"
    business_days: UniqueList[Weekday] = Field(
        default=["mon", "tue", "wed", "thu", "fri"], min_length=1
    )
    state_branch: str = Field(
        default="maintain-state", pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,99}$"
    )
    rules: dict[str, RuleSetting] = {}
    monitoring: MonitoringSettings = MonitoringSettings()
    notifications: NotificationSettings = NotificationSettings()


MODEL = Settings
