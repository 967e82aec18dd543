"""Labels on an issue that people share with maintain: only maintain's own are touched.

An issue's labels are never set as a whole (that would drop what people added since
the event or the last run): the labels maintain owns on that kind of issue are added
when wanted and removed when not, one request each; every other label stays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from maintain_repo.github.api import GitHubApi


def keep_owned(
    api: GitHubApi,
    number: int,
    have: Iterable[str],
    wanted: Iterable[str],
    owned: Callable[[str], bool],
    catalogue: Mapping[str, tuple[str, str]],
) -> bool:
    """Make the owned labels of issue `number` exactly `wanted` (labels compare without
    case, as GitHub's do); `catalogue` has the colour and description of the labels to
    create. True when something changed."""
    present = {label.lower(): label for label in have}
    wanted_keys = {name.lower() for name in wanted}
    missing = sorted(name for name in wanted if name.lower() not in present)
    extra = sorted(
        label for key, label in present.items() if owned(label) and key not in wanted_keys
    )
    if missing:
        api.ensure_labels({name: catalogue[name] for name in missing if name in catalogue})
        api.add_labels(number, missing)
    for label in extra:
        api.remove_label(number, label)
    return bool(missing or extra)


def owned_match(have: Iterable[str], wanted: Iterable[str], owned: Callable[[str], bool]) -> bool:
    """Whether the owned labels among `have` are exactly `wanted`."""
    return {label.lower() for label in have if owned(label)} == {w.lower() for w in wanted}
