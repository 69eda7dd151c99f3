"""
``mesoformula completion bash|zsh|fish``: a shell completion script of every command and
option, generated from the parser itself by shtab (so it never drifts from the commands).
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from ._common import EXIT_OK

#: The shells a script is printed for.
SHELLS = ("bash", "zsh", "fish")


def cmd_completion(args: argparse.Namespace, out: TextIO) -> int:
    """Print the completion script of ``mesoformula`` for ``args.shell``."""
    import shtab  # noqa: PLC0415 - only this command needs it

    from . import build_parser  # noqa: PLC0415

    parser = build_parser(None)  # every command, not only the one named
    out.write(shtab.complete(parser, shell=args.shell))
    return EXIT_OK


def add_completion(commands: Any, common: argparse.ArgumentParser) -> None:
    """Register ``mesoformula completion SHELL``."""
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
    parser.set_defaults(handler=cmd_completion)


__all__ = ["SHELLS", "add_completion", "cmd_completion"]
