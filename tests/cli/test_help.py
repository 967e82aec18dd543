"""The command line as a whole: help for everything, and --root before or after a command."""

from __future__ import annotations

import argparse

import pytest

from maintain_repo.cli import build_parser, main, subparsers


def _walk(parser: argparse.ArgumentParser, path: tuple[str, ...]):
    """(command path, parser) for `maintain` and every command and subcommand below it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _walk(sub, (*path, name))


def test_every_command_subcommand_and_option_has_help():
    missing = []
    for path, parser in _walk(build_parser(), ("maintain",)):
        where = " ".join(path)
        if not parser.description:
            missing.append(f"{where}: no description")
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                # The one-line help each command shows in its parent's listing.
                missing.extend(
                    f"{where} {choice.dest}: no help in the listing"
                    for choice in action._choices_actions
                    if not choice.help
                )
            elif not action.help or action.help == argparse.SUPPRESS:
                name = "/".join(action.option_strings) or action.dest
                missing.append(f"{where} {name}: no help")
    assert missing == []


def _commands() -> list[tuple[str, ...]]:
    return [path for path, _ in _walk(build_parser(), ()) if path]


def test_every_command_and_subcommand_takes_root():
    for path, parser in _walk(build_parser(), ()):
        if path:
            options = {s for a in parser._actions for s in a.option_strings}
            assert "--root" in options, " ".join(path)
    assert len(list(subparsers(build_parser()))) == len(_commands())


# Commands that run on a plain ops repository without GitHub, with their arguments.
RUNNABLE = [
    ("check",),
    ("check", "--format", "json"),
    ("policy", "validate"),
    ("policy", "test"),
    ("rules",),
    ("schema", "check"),
    ("sla",),
    ("probe", "list"),
    ("new", "service", "--title", "Search", "--set", "owner=ana"),
]


@pytest.mark.parametrize("command", RUNNABLE, ids=[" ".join(c) for c in RUNNABLE])
def test_root_after_the_command_means_the_same_as_before_it(make_repo, capsys, command):
    before = make_repo()
    after = make_repo()
    expected = main(["--root", str(before), *command])
    want = capsys.readouterr()
    got = main([*command, "--root", str(after)])
    have = capsys.readouterr()
    assert "unrecognized arguments" not in have.err
    assert (got, have.out.replace(str(after), "ROOT"), have.err.replace(str(after), "ROOT")) == (
        expected,
        want.out.replace(str(before), "ROOT"),
        want.err.replace(str(before), "ROOT"),
    )


def test_root_after_the_command_wins_over_root_before_it(make_repo, tmp_path, capsys):
    good = make_repo()
    assert main(["--root", str(tmp_path / "nowhere"), "check", "--root", str(good)]) == 0
    assert capsys.readouterr().out.endswith("9 passed, 0 failed, 0 waived\n")
    assert main(["--root", str(good), "check", "--root", str(tmp_path / "nowhere")]) == 2
    assert "no such directory" in capsys.readouterr().err


def test_every_command_help_exits_zero(capsys):
    for path in _commands():
        assert main([*path, "--help"]) == 0, path
        assert "--root DIR" in capsys.readouterr().out
