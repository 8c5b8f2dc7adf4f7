"""One module per ``hangul-rnn`` subcommand; each exposes ``register(subparsers)``.

A subcommand sets ``handler=<function(args) -> int>`` with ``parser.set_defaults``; the handler raises
:class:`hangul_rnn.errors.HangulRNNError` for user mistakes and :mod:`hangul_rnn.cli` prints them as one line.
Shared rich helpers (console, progress bars) live in :mod:`hangul_rnn.commands._console`.
"""
