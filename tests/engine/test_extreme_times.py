"""Times at the ends of the calendar (years 1 and 9999) and the longest durations give
findings or clear messages in `maintain check` and `maintain sla`, never a crash (exit 3).

Every place that adds a duration to a time is reached by some row: SLA deadlines
(calendar spans and business days, in zones east and west of UTC), the at-risk share,
stated due dates, waiver lengths, weekly freeze windows, and `--now` itself.
"""

from __future__ import annotations

import json

import pytest

from maintain_repo.cli import main

SLA = """\
kind: SLAPolicy
name: extremes
incident:
  acknowledge: {SEV1: 15m, SEV2: 30m}
  resolve: {SEV1: 4h, SEV2: 3bd}
  postmortem: {SEV1: 5bd, SEV2: 5bd}
improvement: {P2: 520w}
finding: {medium: 90d}
waiver:
  finding: {medium: 30bd}
  policy: 3660d
"""
FREEZE = """\
kind: FreezeWindow
name: {name}
action: {action}
weekly:
  time_zone: {zone}
  start_day: fri
  start_time: "16:00"
  end_day: mon
  end_time: "08:00"
"""
SETTINGS = "kind: Settings\nschema_version: 1\ntime_zone: {zone}\n"
INCIDENT = "records/incidents/INC-20260330-8M2K.yaml"
IMPROVEMENT = "records/improvements/IMP-20260330-7RQ2.yaml"
FINDING = "records/findings/SF-20260310-5D6E.yaml"
WAIVER = "records/waivers/WV-20260311-8F9G.yaml"
CHANGE = "records/changes/CHG-20260325-F0AB.yaml"
END = "9999-12-31T23:59:59Z"


def incident(**times: str) -> str:
    status = "resolved" if "resolved_at" in times else "triage"
    text = f"""\
id: INC-20260330-8M2K
kind: incident
schema_version: 1
title: Receipts were emailed twice
status: {status}
owner: alice
created_at: 2026-03-30T09:00:00Z
severity: SEV2
type: data
services: [payments]
"""
    for name, value in times.items():
        text += f"{name}: {value}\n"
    if status == "resolved":
        text += "resolution: Deduplicated the queue.\n"
        text += "postmortem:\n  status: draft\n  owner: alice\n  due: 9999-12-31T23:59:59Z\n"
    return text


def improvement(created: str, due: str) -> str:
    return f"""\
id: IMP-20260330-7RQ2
kind: improvement
schema_version: 1
title: Page the payments on-call
status: open
owner: bob
created_at: {created}
source:
  kind: product
category: prevent
priority: P2
due: {due}
"""


def change(start: str, end: str) -> str:
    return f"""\
id: CHG-20260325-F0AB
kind: change
schema_version: 1
title: Rotate the payments TLS certificate
status: draft
owner: carol
created_at: 2026-03-25T09:00:00Z
type: normal
services: [payments]
schedule:
  planned_start: {start}
  planned_end: {end}
"""


def edited(make_repo, rel: str, old: str, new: str) -> str:
    text = (make_repo() / rel).read_text()
    assert old in text
    return text.replace(old, new)


def freezes(zone_deny: str, zone_allow: str) -> dict[str, str]:
    return {
        "policies/deny.yaml": FREEZE.format(name="deny", action="deny", zone=zone_deny),
        "policies/allow.yaml": FREEZE.format(name="allow", action="allow", zone=zone_allow),
    }


# (id, files over the base repository (a callable for edits of base files), --now,
#  expected `check` exit code and message fragment, expected `sla` exit code and fragment)
CASES = [
    (
        "reported-at-the-end-of-time",
        lambda mk: {INCIDENT: incident(reported_at=END)},
        "2026-04-01T00:00:00Z",
        (1, f"reported_at is {END}, later than the time of the check"),
        (0, '"due": "9999-12-31T23:59:59Z"'),
    ),
    (
        "reported-at-the-end-of-time-business-days-east",
        lambda mk: {
            INCIDENT: incident(reported_at=END),
            "policies/settings.yaml": SETTINGS.format(zone="Pacific/Kiritimati"),
        },
        "2026-04-01T00:00:00Z",
        (1, "timestamp-future"),
        (0, '"kind": "resolve"'),
    ),
    (
        "reported-in-year-one-business-days-west",
        lambda mk: {
            INCIDENT: incident(reported_at="0001-01-01T00:00:00Z"),
            "policies/settings.yaml": SETTINGS.format(zone="America/Los_Angeles"),
        },
        "2026-04-01T00:00:00Z",
        (1, "waiver-too-long"),  # the base waiver is too long for 30bd; year 1 is no problem
        (0, '"start": "0001-01-01T00:00:00Z"'),
    ),
    (
        "utc-time-after-year-9999",
        lambda mk: {INCIDENT: incident(reported_at="9999-12-31T23:59:59-01:00")},
        "2026-04-01T00:00:00Z",
        (1, "is outside the years 0001 to 9999 (in UTC) that timestamps can use"),
        (0, '"obligations"'),
    ),
    (
        "utc-time-before-year-1",
        lambda mk: {INCIDENT: incident(reported_at="0001-01-01T00:00:00+01:00")},
        "2026-04-01T00:00:00Z",
        (1, "is outside the years 0001 to 9999 (in UTC) that timestamps can use"),
        (0, '"obligations"'),
    ),
    (
        "postmortem-due-after-a-resolution-at-the-end-of-time",
        lambda mk: {
            INCIDENT: incident(
                reported_at="9999-12-31T20:00:00Z",
                acknowledged_at="9999-12-31T20:05:00Z",
                resolved_at="9999-12-31T23:00:00Z",
            )
        },
        "2026-04-01T00:00:00Z",
        (1, "resolved_at is 9999-12-31T23:00:00Z"),
        (0, '"kind": "postmortem"'),
    ),
    (
        "improvement-due-ten-years-after-the-end-of-time",
        lambda mk: {IMPROVEMENT: improvement("9999-12-31T23:00:00Z", END)},
        "2026-04-01T00:00:00Z",
        (1, "created_at is 9999-12-31T23:00:00Z"),
        (0, '"kind": "action_item"'),
    ),
    (
        "finding-remediation-from-the-end-of-time",
        lambda mk: {
            FINDING: edited(
                mk,
                FINDING,
                "waiver: WV-20260311-8F9G\n",
                "waiver: WV-20260311-8F9G\nsla:\n  start: 9999-12-31T00:00:00Z\n  due: " + END,
            )
        },
        "2026-04-01T00:00:00Z",
        (1, "sla.start is 9999-12-31T00:00:00Z"),
        (0, '"obligations"'),
    ),
    (
        "waiver-created-at-the-end-of-time",
        lambda mk: {
            WAIVER: edited(mk, WAIVER, "created_at: 2026-03-11T09:00:00Z", "created_at: " + END)
        },
        "2026-04-01T00:00:00Z",
        (1, "expires is before created_at"),
        (0, '"kind": "waiver_expiry"'),
    ),
    (
        "change-at-the-end-of-time-in-weekly-windows",
        lambda mk: {
            CHANGE: change("9999-12-31T20:00:00Z", END),
            **freezes("Pacific/Kiritimati", "America/Los_Angeles"),
        },
        "2026-04-01T00:00:00Z",
        (1, "freeze-window"),
        (0, '"obligations"'),
    ),
    (
        "change-in-year-one-in-weekly-windows",
        lambda mk: {
            CHANGE: change("0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z"),
            **freezes("America/Los_Angeles", "Pacific/Kiritimati"),
        },
        "2026-04-01T00:00:00Z",
        (1, "freeze-window"),
        (0, '"obligations"'),
    ),
    (
        "now-at-the-end-of-time",
        lambda mk: {INCIDENT: incident(reported_at="2026-03-31T09:00:00Z")},
        END,
        (1, "waiver-expired"),
        (0, '"state": "breached"'),
    ),
    (
        "now-in-year-one",
        lambda mk: {INCIDENT: incident(reported_at="2026-03-31T09:00:00Z")},
        "0001-01-01T00:00:00Z",
        (1, "later than the time of the check (0001-01-01T00:00:00Z)"),
        (0, '"state": "ok"'),
    ),
    (
        "durations-longer-than-ten-years",
        lambda mk: {"policies/sla.yaml": SLA.replace("520w", "999999w")},
        "2026-04-01T00:00:00Z",
        (1, "999999w is longer than ten years"),
        (2, "no valid SLAPolicy in policies/"),
    ),
]


@pytest.mark.parametrize(
    ("files", "now", "checked", "listed"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_extreme_times_give_findings_not_crashes(make_repo, capsys, files, now, checked, listed):
    root = make_repo({"policies/sla.yaml": SLA, **files(make_repo)})
    code = main(["--root", str(root), "check", "--no-cache", "--now", now])
    out, err = capsys.readouterr()
    assert (code, "Traceback" in err) == (checked[0], False), out + err
    assert checked[1] in out + err
    code = main(["--root", str(root), "sla", "--format", "json", "--now", now])
    out, err = capsys.readouterr()
    assert (code, "Traceback" in err) == (listed[0], False), out + err
    assert listed[1] in out + err
    if code == 0:
        assert json.loads(out)["now"] == now
