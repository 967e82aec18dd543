"""Who is at the keyboard, according to git configuration.

`maintain new` uses it as the default owner of a record. GitHub logins are
preferred (`github.user`, or the login inside a GitHub no-reply e-mail);
`user.name` is used only when it already looks like a login.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

_NOREPLY = re.compile(r"^(?:[0-9]+\+)?([A-Za-z0-9][A-Za-z0-9-]{0,38})@users\.noreply\.github\.com$")
_LOGIN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}$")


def configured_login(directory: Path) -> str | None:
    """A GitHub login from git config, or None when none can be derived."""
    values = _config_values(directory, ("github.user", "user.email", "user.name"))
    user = values.get("github.user", "").strip()
    if _LOGIN.match(user):
        return user
    email = _NOREPLY.match(values.get("user.email", "").strip())
    if email:
        return email.group(1)
    name = values.get("user.name", "").strip()
    return name if _LOGIN.match(name) else None


def _config_values(directory: Path, keys: tuple[str, ...]) -> dict[str, str]:
    import git  # GitPython is slow to import; only `maintain new` needs this

    try:
        repo = git.Repo(directory, search_parent_directories=True)
        reader = repo.config_reader()
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        reader = git.GitConfigParser(
            [git.config.get_config_path("global"), git.config.get_config_path("system")],
            read_only=True,
        )
    values: dict[str, str] = {}
    for key in keys:
        section, option = key.rsplit(".", 1)
        try:
            values[key] = str(reader.get_value(section, option))
        except (configparser.Error, KeyError, ValueError):
            continue  # not set at any level
    return values
