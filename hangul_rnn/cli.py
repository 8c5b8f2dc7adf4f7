"""The ``hangul-rnn`` command line: a thin shell over the library.

Each subcommand lives in its own module under :mod:`hangul_rnn.commands` and exposes ``register(subparsers)``;
this module only wires them together and turns user errors into one line on stderr. Subcommand modules import
their heavy dependencies (TensorFlow, kiwipiepy) inside their handlers, so ``hangul-rnn --help`` and
``hangul-rnn corpus list`` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from hangul_rnn import __version__
from hangul_rnn.errors import HangulRNNError

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES = ("generate", "score", "train", "evaluate", "ensemble", "models", "corpus", "tui")

#: Commands that load TensorFlow; the CLI imports it for them up front with its C++ start-up chatter silenced.
#: ``generate`` and ``score`` run on the NumPy runtime and the TUI loads it only when a training run starts.
NEEDS_TENSORFLOW = frozenset({"train", "evaluate"})


def quiet_tensorflow_import() -> None:
    """Import TensorFlow with file descriptor 2 pointed at /dev/null for the duration.

    TensorFlow's native start-up lines ("could not find cuda drivers", oneDNN notes) are written straight to fd 2
    before its log level applies, so ``TF_CPP_MIN_LOG_LEVEL`` cannot hide them; on a terminal they bury the one
    line a user needs, and under the TUI they would scribble over the screen. Python exceptions still propagate.
    """
    if "tensorflow" in sys.modules:
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real fd 2 (embedded, some test runners): import as is
        import tensorflow  # noqa: F401

        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import tensorflow as tf

        tf.config.list_physical_devices()  # device discovery prints its own "failed call to cuInit" on CPU hosts
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class _Parser(argparse.ArgumentParser):
    """argparse, but usage errors are one line and exit 2 without the usage dump."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"hangul-rnn: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; subcommand modules that are not there yet are skipped."""
    parser = _Parser(prog="hangul-rnn", description="Korean text toolkit built on recurrent networks.")
    parser.add_argument("--version", action="version", version=f"hangul-rnn {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"hangul_rnn.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"hangul_rnn.commands.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    try:
        before = getattr(args, "before_tensorflow", None)
        if before is not None:  # work that can overlap TensorFlow's import (e.g. loading Kiwi on a thread)
            before(args)
        if args.command in NEEDS_TENSORFLOW:
            quiet_tensorflow_import()
        return int(args.handler(args) or 0)
    except HangulRNNError as exc:
        print(f"hangul-rnn: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("hangul-rnn: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `hangul-rnn generate | head` closes the pipe early: that is not an error.
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
