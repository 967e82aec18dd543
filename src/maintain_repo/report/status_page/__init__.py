"""The public status page: one self-contained static HTML document, and its JSON twin.

Owns how a `StatusPage` (maintain_repo.model.monitoring) is shown to the world:

- `render_html`: an HTML5 document with inline CSS and inline SVG charts, no JavaScript and
  no asset from anywhere (a `default-src 'none'` Content-Security-Policy says so to the
  browser). Unlike Upptime's page, it never calls the GitHub API from the visitor's browser,
  so there is no rate limit to hit: everything it shows is in the file.
- `render_json`: the `maintain-status/1` document (see `render_json`).
- `write`: both, plus `.nojekyll` for GitHub Pages, each file replaced atomically.
- The pieces worth testing on their own: `overall_state`, `service_state`, `downsample`
  (response-time charts stay small however long the history) and `daily` (the 90-day strip).

All text that comes from data (titles, reasons, targets, codes) is untrusted: whitespace is
collapsed, control and bidi characters are shown as escapes, and the rest is HTML-escaped,
in text and attributes alike. Only `http(s)://` URLs become links.

The package, one module per concept: `states` (the banner and a service's state, labels,
uptime as text), `series` (downsampling and the daily strip), `charts` (the inline SVG
response-time chart and 90-day strip), `html` (`render_html` and its sections, with its
stylesheet in `style`), `json_` (`render_json`), and the shared `escape` (untrusted text,
URLs) and `times` (UTC times as text). This module writes the files and re-exports the
public names.
"""

from __future__ import annotations

from pathlib import Path

from maintain_repo.model.monitoring import UPTIME_WINDOWS, StatusPage
from maintain_repo.report.status_page.charts import Axis, latency_axis
from maintain_repo.report.status_page.html import CSP, PROPOSED, render_html
from maintain_repo.report.status_page.json_ import (
    DAY_FIELDS,
    JSON_SAMPLE_WINDOW,
    SAMPLE_FIELDS,
    SCHEMA,
    render_json,
)
from maintain_repo.report.status_page.series import (
    CHART_POINTS,
    STRIP_DAYS,
    Day,
    Point,
    daily,
    downsample,
)
from maintain_repo.report.status_page.states import (
    OVERALL_LABELS,
    STATE_LABELS,
    Overall,
    Shown,
    describe_uptime,
    format_uptime,
    incident_state,
    overall_state,
    service_state,
)
from maintain_repo.store.files import write_atomic

__all__ = [
    "CHART_POINTS",
    "CSP",
    "DAY_FIELDS",
    "JSON_SAMPLE_WINDOW",
    "OVERALL_LABELS",
    "PROPOSED",
    "SAMPLE_FIELDS",
    "SCHEMA",
    "STATE_LABELS",
    "STRIP_DAYS",
    "UPTIME_WINDOWS",
    "Axis",
    "Day",
    "Overall",
    "Point",
    "Shown",
    "daily",
    "describe_uptime",
    "downsample",
    "format_uptime",
    "incident_state",
    "latency_axis",
    "overall_state",
    "render_html",
    "render_json",
    "service_state",
    "write",
]

# -- files -------------------------------------------------------------------------------


def write(page: StatusPage, out: Path) -> list[Path]:
    """Write `index.html`, `status.json` and `.nojekyll` into `out` (created if missing),
    each replaced atomically; return their paths."""
    files = {
        out / "index.html": render_html(page),
        out / "status.json": render_json(page),
        out / ".nojekyll": "",  # GitHub Pages: serve the files as they are
    }
    for path, text in files.items():
        write_atomic(path, text, overwrite=True)
    return list(files)
