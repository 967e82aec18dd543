"""maintain: run the maintenance phase of a live product from a git repository."""

from __future__ import annotations

__version__ = "0.2.0"
# Where maintain lives: its pre-commit hooks and its GitHub Action are used from there.
HOME = "https://github.com/maintain-repo/maintain"
ACTION = "maintain-repo/maintain"
