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
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from hangul_rnn import __version__
from hangul_rnn._quiet_tf import import_tensorflow
from hangul_rnn.errors import HangulRNNError, HangulRNNWarning

#: Subcommand modules, in the order ``--help`` lists them.
COMMAND_MODULES = ("generate", "score", "train", "evaluate", "history", "embeddings", "ensemble", "label", "models",
                   "corpus", "tui", "toy")

#: Commands that load TensorFlow; the CLI imports it for them up front with its C++ start-up chatter silenced.
#: ``generate`` and ``score`` run on the NumPy runtime and the TUI loads it only when a training run starts.
NEEDS_TENSORFLOW = frozenset({"train", "evaluate", "toy"})


_PACKAGE_DIR = Path(__file__).resolve().parent


@contextmanager
def _one_line_warnings() -> Iterator[None]:
    """Print hangul-rnn's own warnings as ``hangul-rnn: warning: ...``, one line, while the command runs.

    Python's default format adds the file, line number and source line of the ``warnings.warn`` call, which means
    nothing to a user of the command. Warnings from other packages keep their default format.
    """
    default = warnings.showwarning

    def show(message, category, filename, lineno, file=None, line=None):
        ours = issubclass(category, HangulRNNWarning) or _PACKAGE_DIR in Path(filename).resolve().parents
        if not ours:
            return default(message, category, filename, lineno, file, line)
        text = " ".join(str(message).split())
        print(f"hangul-rnn: warning: {text}", file=file or sys.stderr)

    warnings.showwarning = show
    try:
        yield
    finally:
        warnings.showwarning = default


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (exit 2) without the usage dump.

    A missing command or argument (bare ``hangul-rnn``, ``hangul-rnn train``) also gets the usage line, since the
    user is asking what goes there: every level answers the same way, exit 2 with usage and one error line.
    """

    def error(self, message: str) -> None:  # type: ignore[override]
        usage = self.format_usage() if message.startswith("the following arguments are required") else ""
        self.exit(2, f"{usage}hangul-rnn: error: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser. A command module that cannot be imported is an error, not a command quietly missing from
    ``--help`` (a wheel without one of them must fail its check, not ship)."""
    parser = _Parser(prog="hangul-rnn", description="Korean text toolkit built on recurrent networks.")
    parser.add_argument("--version", action="version", version=f"hangul-rnn {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser, required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(f"hangul_rnn.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code. Ctrl-C at any moment (parsing, importing, the
    command itself, the last flush) is exit 130 with one line, never a traceback."""
    _quiet_interrupts()
    try:
        return _main(argv)
    except KeyboardInterrupt:
        try:
            print("hangul-rnn: interrupted", file=sys.stderr)
        except (OSError, KeyboardInterrupt):
            pass
        return 130


def _quiet_interrupts() -> None:
    """A Ctrl-C that lands in a finaliser or a helper thread (a generator closed mid-stream, a half-built
    ``tf.function``) is reported by Python as "Exception ignored in …" with a traceback; the main thread already
    says "interrupted", so those reports are dropped. Every other unraisable error keeps its report."""
    import threading

    default_unraisable, default_thread = sys.unraisablehook, threading.excepthook

    def unraisable(info: sys.UnraisableHookArgs) -> None:
        if info.exc_type is not KeyboardInterrupt:
            default_unraisable(info)

    def thread_hook(info: threading.ExceptHookArgs) -> None:
        if info.exc_type is not KeyboardInterrupt:
            default_thread(info)

    sys.unraisablehook = unraisable
    threading.excepthook = thread_hook


def _main(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already printed: return its code like the rest
        return exc.code if isinstance(exc.code, int) else 2
    if not getattr(args, "handler", None):  # a subcommand module without a handler: its usage, as argparse would
        parser.print_usage(sys.stderr)
        return 2
    with _one_line_warnings():
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    """Run the chosen command; user errors become one line on stderr and an exit code."""
    try:
        before = getattr(args, "before_tensorflow", None)
        if before is not None:  # work that can overlap TensorFlow's import (e.g. loading Kiwi on a thread)
            before(args)
        if args.command in NEEDS_TENSORFLOW:
            import_tensorflow()  # now, with its native start-up chatter kept off the terminal
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
    except OSError as exc:  # a full disk, a read-only folder, a file where a folder belongs: one line naming it
        print(f"hangul-rnn: error: {os_error_line(exc)}", file=sys.stderr)
        _drop_stdout()
        return 1


def os_error_line(exc: OSError) -> str:
    """An OS error as a person reads it: what failed, on which path (or on the output when no path is named)."""
    reason = exc.strerror or str(exc) or exc.__class__.__name__
    if exc.filename is None:
        return f"cannot write the output: {reason}"
    target = f"{exc.filename} -> {exc.filename2}" if exc.filename2 else str(exc.filename)
    return f"{target}: {reason}"


def _drop_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's last flush of an unwritable output (a full disk,
    ``> /dev/full``) does not print a second, Python-flavoured error after ours."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
