"""How maintain's git talks to origin: the token, and bounds on a stalled transfer.

A token goes to git as an extra HTTP header through the environment
(`GIT_CONFIG_*`), never on a command line (other users see those) or into
`.git/config` (a later step of the job could read it). A transfer slower
than 1 KB/s for 30 s ends, and git never prompts for credentials.
"""

from __future__ import annotations

import base64


def remote_environment(url: str, token: str | None) -> dict[str, str]:
    """The variables to add to git's environment for a command that talks to `url`."""
    env = {
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_HTTP_LOW_SPEED_LIMIT": "1000",
        "GIT_HTTP_LOW_SPEED_TIME": "30",
    }
    if token and url.startswith("https://"):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env |= {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": "http.extraheader",
            "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
        }
    return env
