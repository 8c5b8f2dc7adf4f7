"""``hangul-rnn tui``: start the Textual app (installed with the ``tui`` extra)."""

from __future__ import annotations

import argparse
import sys

from hangul_rnn.errors import HangulRNNError, UsageError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tui", help="the terminal UI: train, generate, score")
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    if not _on_a_terminal():  # Textual would otherwise run for ever, writing escape codes into a pipe or file
        raise HangulRNNError("the TUI needs a terminal (stdin and stdout are not both one); in scripts use "
                             "'hangul-rnn generate', 'score' or 'train'")
    try:
        from hangul_rnn_tui.app import run
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "textual":
            raise UsageError("the TUI needs Textual: pip install 'hangul-rnn[tui]'") from None
        raise
    run()
    return 0


def _on_a_terminal() -> bool:
    try:
        return bool(sys.stdin and sys.stdin.isatty() and sys.stdout and sys.stdout.isatty())
    except (ValueError, OSError):  # a closed stream
        return False
