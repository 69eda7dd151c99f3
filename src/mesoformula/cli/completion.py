"""
``mesoformula completion bash|zsh|fish``: a shell completion script of every command and
option, generated from the parser itself by shtab (so it never drifts from the commands).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

#: The shells a script is printed for.
SHELLS = ("bash", "zsh", "fish")


def completion_script(parser: argparse.ArgumentParser, shell: str) -> str:
    """The completion script of *parser* (every command of ``mesoformula``) for *shell*."""
    import shtab  # noqa: PLC0415 - only this command needs it

    return str(shtab.complete(parser, shell=shell))


def add_completion(
    commands: Any, common: argparse.ArgumentParser, handler: Callable[..., int]
) -> None:
    """Register ``mesoformula completion SHELL`` with its *handler* (which builds the
    whole parser: :mod:`mesoformula.cli` owns it)."""
    parser = commands.add_parser(
        "completion",
        parents=[common],
        help="print a shell completion script (bash, zsh, fish)",
        description="Print a completion script for your shell. bash: "
        "'mesoformula completion bash > ~/.local/share/bash-completion/completions/mesoformula'; "
        "zsh: 'mesoformula completion zsh > ~/.zfunc/_mesoformula' (with ~/.zfunc in fpath); "
        "fish: 'mesoformula completion fish > ~/.config/fish/completions/mesoformula.fish'.",
    )
    parser.add_argument("shell", choices=SHELLS)
    parser.set_defaults(handler=handler)


__all__ = ["SHELLS", "add_completion", "completion_script"]
