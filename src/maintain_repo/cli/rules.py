"""`maintain rules`: the built-in rules, their ids and what they check."""

from __future__ import annotations

import argparse
from typing import Any

from maintain_repo.rules.catalog import RULES


def add_parser(commands: Any, name: str) -> None:
    commands.add_parser(name, help="list the built-in rules")


def run(args: argparse.Namespace) -> int:
    width = max(len(rule_id) for rule_id in RULES)
    for rule in RULES.values():
        print(f"{rule.id:<{width}}  {rule.severity.value:<7}  {rule.summary}")
    return 0
