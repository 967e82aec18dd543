"""The GitHub workflows `maintain init` writes (and `--upgrade` rewrites): each runs maintain
through its GitHub Action pinned to this version (`ACTION@vX.Y.Z`), with top-level
`permissions: {}`, per-job permissions, pinned third-party actions and no expression in a
`run:` step, so zizmor passes on them. `.github/zizmor.yml` lets the maintain action be
pinned by its release tag (the other actions are pinned by commit).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from maintain_repo import ACTION, __version__

CHECKOUT = "actions/checkout@93cb6efe18208431cddfb8368fd83d5badbf9bfd # v5.0.1"
UPLOAD_PAGES = "actions/upload-pages-artifact@fc324d3547104276b827a68afc52ff2a11cc49c9 # v5.0.0"
DEPLOY_PAGES = "actions/deploy-pages@368f82528645a54fb793d4d04e342629a3f51346 # v5.0.1"
# The header every generated workflow starts with: `--upgrade` rewrites only these files.
GENERATED = "# Written by `maintain init`; `maintain init --upgrade` rewrites it."


def action() -> str:
    return f"{ACTION}@v{__version__}"


def _checkout(*, depth: int | None = None) -> str:
    extra = f"\n          fetch-depth: {depth}" if depth is not None else ""
    return f"""      - uses: {CHECKOUT}
        with:
          persist-credentials: false{extra}
"""


def _maintain(
    name: str,
    args: str,
    *,
    token: bool = False,
    summary: bool = False,
    notify: Sequence[str] = (),
) -> str:
    """A step running maintain through its action; `notify`: the notification routes'
    variables (each route's url_env), passed from the repository secrets of the same names."""
    names = [*(["GITHUB_TOKEN"] if token else []), *notify]
    env = "".join(f"          {n}: ${{{{ secrets.{n} }}}}\n" for n in names)
    env = f"        env:\n{env}" if env else ""
    more = '          summary: "true"\n' if summary else ""
    return f"""      - name: {name}
        uses: {action()}
        with:
          args: {args}
{more}{env}"""


def _job(
    name: str, permissions: tuple[str, ...], steps: str, *, extra: str = "", when: str = ""
) -> str:
    granted = "".join(f"      {line}\n" for line in permissions)
    condition = f"    if: {when}\n" if when else ""
    return f"""    name: {name}
{condition}    runs-on: ubuntu-24.04
    timeout-minutes: 10
    permissions:
{granted}{extra}    steps:
{steps}"""


def validate() -> str:
    job = _job(
        "maintain check",
        ("contents: read",),
        _checkout(depth=0)
        + _maintain("Schemas match this version of maintain", "schema check")
        + _maintain("Policies are valid", "policy validate --format github")
        + _maintain("Policy tests pass", "policy test")
        + _maintain("Check records and policies", "check --format github"),
    )
    return f"""{GENERATED}
# Every pull request and push to main: the records and policies are checked (on pull
# requests against the base branch too: deleted records, status moves, edited timelines),
# schemas/ is what this version's models generate (editors use it), and the policies' tests
# run. Make `maintain check` a required status check.
name: validate

on:
  pull_request:
  push:
    branches: [main]

permissions: {{}}

# A newer push to the same branch or pull request makes an older check moot.
concurrency:
  group: validate-${{{{ github.ref }}}}
  cancel-in-progress: true

jobs:
  check:
{job}"""


def incident_sync(secrets: Sequence[str] = ()) -> str:
    job = _job(
        "maintain github sync",
        (
            "contents: write # push the record branch maintain/<record-id>",
            "issues: write # labels, the tracking comment, replies to commands",
            "pull-requests: write # open the record's pull request",
        ),
        _checkout(depth=0) + _maintain("Sync the event", "github sync", token=True, notify=secrets),
    )
    return f"""{GENERATED}
# Incident issues and their records: an issue from the incident form becomes a record pull
# request; labels, closing, reopening and slash commands (/ack, /mitigate, /resolve,
# /severity, /commander, /cause, /note) from people with triage permission update it.
name: incident sync

on:
  issues:
    types: [opened, labeled, closed, reopened]
  # issue_comment runs with the default branch's workflow and a token: safe here because
  # nothing from a pull request is checked out or run, and the comment is read as data.
  issue_comment: # zizmor: ignore[dangerous-triggers]
    types: [created]

permissions: {{}}

concurrency:
  group: incident-sync-${{{{ github.event.issue.number }}}}
  cancel-in-progress: false

jobs:
  sync:
{job}"""


def approval() -> str:
    job = _job(
        "maintain approve",
        (
            "contents: read # the base branch's policies, the change records",
            "pull-requests: write # the verdict comment",
            "statuses: write # the maintain/approval commit status",
            "checks: read # the check runs a rule's has_status reads",
        ),
        _checkout(depth=0)
        + _maintain("Judge the pull request", "github sync --approvals", token=True),
    )
    return f"""{GENERATED}
# The change approval check: the base branch's policies/approval.yaml judges the pull
# request; the verdict is the commit status maintain/approval (make it required).
name: approval

on:
  pull_request:
    types: [opened, synchronize, reopened, labeled, unlabeled, ready_for_review]
  pull_request_review:
    types: [submitted, dismissed]
  # A comment may approve or veto. Safe: nothing from the pull request is run; its change
  # records are read as data.
  issue_comment: # zizmor: ignore[dangerous-triggers]
    types: [created, edited, deleted]

permissions: {{}}

concurrency:
  group: approval-${{{{ github.event.pull_request.number || github.event.issue.number }}}}
  cancel-in-progress: true

jobs:
  approve:
{job}"""


def sla(secrets: Sequence[str] = ()) -> str:
    job = _job(
        "maintain sla remind",
        ("contents: read # the records and the SLA policy", "issues: write # the reminders"),
        _checkout()
        + _maintain("Remind", "sla remind", token=True, notify=secrets)
        + _maintain("Open obligations", "sla --format text", summary=True),
    )
    return f"""{GENERATED}
# SLA watch: one issue per breached or at-risk obligation, updated every hour and closed
# once the obligation is met; the open obligations in the job summary.
name: sla

on:
  schedule:
    - cron: "17 * * * *"
  workflow_dispatch:

permissions: {{}}

concurrency:
  group: sla-remind
  cancel-in-progress: false

jobs:
  remind:
{job}"""


SHARDS = """\
    strategy:
      fail-fast: false
      matrix:
        shard: [1, 2]
"""


def probes(secrets: Sequence[str] = ()) -> str:
    job = _job(
        "maintain probe run",
        (
            "contents: write # the maintain-state branch, record branches",
            "issues: write # incident issues",
            "pull-requests: write # the incident records' pull requests",
        ),
        _checkout()
        + _maintain(
            "Run the probes",
            "probe run --shard ${{ matrix.shard }}/2 --deadline 5m",
            token=True,
            notify=secrets,
        ),
        extra=SHARDS,
    )
    return f"""{GENERATED}
# Probes: the services' probes every five minutes, in two shards; state and history on the
# maintain-state branch; an incident when a probe crosses its failure threshold (or an SLO
# burns its budget fast), resolved when it passes again.
name: probes

on:
  schedule:
    - cron: "3-59/5 * * * *"
  workflow_dispatch:
  repository_dispatch:
    types: [probes]

permissions: {{}}

concurrency:
  group: probes
  cancel-in-progress: false

jobs:
  probe:
{job}"""


def status_page() -> str:
    upload = f"      - uses: {UPLOAD_PAGES}\n        with:\n          path: _site\n"
    job = _job(
        "maintain status build",
        ("contents: read # the records, and the probes' state on the maintain-state branch",),
        _checkout()
        + _maintain("Build the status page", "status build --out _site", token=True)
        + _maintain(
            "Build the dashboard", "report --format html --public --out _site/report", token=True
        )
        + upload,
    )
    return f"""{GENERATED}
# The status page (from the records and the probes' state) with the report's public
# dashboard at /report/, deployed to GitHub Pages (Pages source: "GitHub Actions").
name: status page

on:
  schedule:
    - cron: "14,44 * * * *"
  workflow_dispatch:

permissions: {{}}

concurrency:
  group: status-page
  cancel-in-progress: false

jobs:
  build:
{job}
  deploy:
    name: deploy to GitHub Pages
    needs: build
    runs-on: ubuntu-24.04
    timeout-minutes: 10
    permissions:
      pages: write # publish the uploaded site
      id-token: write # deploy-pages proves to Pages which workflow run built the site
    environment:
      name: github-pages
      url: ${{{{ steps.deployment.outputs.page_url }}}}
    steps:
      - id: deployment
        uses: {DEPLOY_PAGES}
"""


def security() -> str:
    job = _job(
        "maintain findings sync-github",
        (
            "contents: write # the record branches maintain/findings-<scope>",
            "pull-requests: write # their pull requests",
            "security-events: write # read and dismiss code-scanning alerts",
        ),
        _checkout(depth=0)
        + _maintain("GitHub's alerts in", "findings sync-github --propose", token=True),
    )
    return f"""{GENERATED}
# Security: this repository's Dependabot and code-scanning alerts in as findings (one record
# pull request per scope), and the alerts of findings decided here dismissed on GitHub.
# Scanner reports of the services' own repositories come in with
# `maintain findings import REPORT --scope NAME --service ID --propose`.
name: security

on:
  schedule:
    - cron: "41 5 * * *"
  workflow_dispatch:

permissions: {{}}

concurrency:
  group: security
  cancel-in-progress: false

jobs:
  alerts:
{job}"""


def report() -> str:
    job = _job(
        "maintain report",
        ("contents: read # the records, and the probes' history on the state branch",),
        _checkout()
        + _maintain("The last 90 days", "report --format markdown", token=True, summary=True),
    )
    review = _job(
        "monthly ops review issue",
        (
            "contents: read # the records, and the probes' history on the state branch",
            "issues: write # the ops review issue",
        ),
        _checkout()
        + _maintain(
            "The last calendar month, as its ops review issue",
            "report --month last --format markdown --issue",
            token=True,
        ),
        when="vars.MAINTAIN_OPS_REVIEW_ISSUE == 'true'",
    )
    return f"""{GENERATED}
# The report (response times, DORA, SLOs, security SLA compliance) as the job summary every
# Monday. With the repository variable MAINTAIN_OPS_REVIEW_ISSUE set to "true", also one
# issue "Ops review YYYY-MM" a month with the last calendar month's report (updated in place
# by later runs, never opened twice); only that job may write issues.
name: report

on:
  schedule:
    - cron: "23 6 * * 1"
  workflow_dispatch:

permissions: {{}}

concurrency:
  group: report
  cancel-in-progress: false

jobs:
  report:
{job}
  ops-review:
{review}"""


def changes() -> str:
    job = _job(
        "maintain github sync",
        (
            "contents: write # push the record branch maintain/<change-id>",
            "pull-requests: write # the record pull request; read merged pull requests",
        ),
        _checkout(depth=0) + _maintain("Sync the event", "github sync", token=True),
    )
    return f"""{GENERATED}
# Change records complete themselves: a merged change pull request writes the approval
# block, a deployment status writes the deployment (each through a record pull request).
name: change records

on:
  push:
    branches: [main]
  deployment_status:

permissions: {{}}

concurrency:
  group: changes-${{{{ github.event.deployment.id || github.sha }}}}
  cancel-in-progress: false

jobs:
  sync:
{job}"""


ZIZMOR = f"""{GENERATED}
# zizmor (https://docs.zizmor.sh): the maintain action is pinned by its release tag, which
# `maintain init --upgrade` moves; every other action is pinned by commit.
rules:
  unpinned-uses:
    config:
      policies:
        "{ACTION}": ref-pin
"""

# name -> the text, given the notification routes' variables (used by the jobs whose
# events are notified: incident sync, SLA reminders, probes).
WORKFLOWS: dict[str, Callable[[Sequence[str]], str]] = {
    "validate.yml": lambda _: validate(),
    "incident-sync.yml": incident_sync,
    "approval.yml": lambda _: approval(),
    "sla.yml": sla,
    "probes.yml": probes,
    "status-page.yml": lambda _: status_page(),
    "security.yml": lambda _: security(),
    "report.yml": lambda _: report(),
    "changes.yml": lambda _: changes(),
}


def generated_files(secrets: Sequence[str] = ()) -> dict[str, str]:
    """Path -> text of every generated workflow, and the zizmor configuration; `secrets`:
    the variables of the notification routes (`notifications.routes[].url_env`)."""
    names = sorted(set(secrets))
    files = {f".github/workflows/{name}": make(names) for name, make in WORKFLOWS.items()}
    files[".github/zizmor.yml"] = ZIZMOR
    return files
