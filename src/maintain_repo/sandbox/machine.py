"""What this machine offers the sandbox: CPUs, and whether forking is safe here.

Kept apart from `sandbox.pool` (pipes, pickling, signals) so that a check with nothing to
fork imports none of that.
"""

from __future__ import annotations

import os
import sys

# Below this many items, a second process costs more than it saves.
PARALLEL_THRESHOLD = 200


def cpus() -> int:
    """CPUs this process may use (a container's limit, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def fork_safe() -> bool:
    """True where forking is possible and safe: POSIX, and no other threads running."""
    if not hasattr(os, "fork"):
        return False
    threading = sys.modules.get("threading")
    return threading is None or threading.active_count() == 1
