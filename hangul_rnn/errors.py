"""Exceptions that stand for a user's mistake or a bad input, not for a bug.

The CLI and the TUI catch :class:`HangulRNNError` and show its message as one line (exit code 2 for usage
errors, 1 otherwise); anything else is a bug and keeps its traceback. Messages are written to be read by a person:
they say what was wrong and, where there is one, what to do.
"""

from __future__ import annotations


class HangulRNNError(Exception):
    """Base class for every error a user can cause; ``exit_code`` is what the CLI exits with."""

    exit_code: int = 1


class UsageError(HangulRNNError):
    """A bad option or argument (unknown name, value out of range): exit code 2."""

    exit_code = 2


class CorpusError(HangulRNNError):
    """A corpus that cannot be found, read or parsed (wrong file, bad UTF-8, missing column)."""


class CorpusPathError(CorpusError, UsageError):
    """A corpus file named on the command line (``text:PATH``, ``tsv:PATH``) that is not there or not a file: the
    user's argument is wrong, so exit code 2, as for any bad option; still a CorpusError to code that reads corpora."""

    exit_code = 2


class ChecksumError(CorpusError):
    """A downloaded or local file whose size or sha256 does not match its manifest."""


class FormatError(HangulRNNError):
    """A saved file (vocabulary, tokenizer, bundle) that is corrupt or from an unknown format version."""


class TrainingCancelled(HangulRNNError):
    """Training was cancelled before there was any model to return (while its data were being prepared).

    Exit code 130, as for Ctrl-C: the user asked for it, nothing went wrong, and nothing was saved or lost.
    """

    exit_code = 130


class HangulRNNWarning(UserWarning):
    """A note for the user that does not stop the work (a local corpus copy that is not the official file).

    Library users get an ordinary Python warning they can filter; the CLI prints it as one line on stderr,
    without the source line Python's default format adds.
    """
