"""``hangul-rnn score``: classify sentences given as arguments, or one per line on stdin.

Piped output is one line per sentence, ``label<TAB>probability<TAB>text``; on a terminal it is a table.
``--explain`` shows, word by word, the positive-class probability after each prefix and how much the word moved it.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_MODEL = "nsmc-classifier"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("score", help="classify sentences with a classifier model")
    parser.add_argument("texts", nargs="*", metavar="TEXT", help="sentences to score (default: lines on stdin)")
    parser.add_argument("--model", action="append", default=None,
                        help=f"model name or folder (default: {DEFAULT_MODEL}); give it several times to score "
                             "with the average of several classifiers")
    parser.add_argument("--explain", action="store_true", help="show how each word moved the score")
    parser.set_defaults(handler=_score, before_tensorflow=_load_analyser_early)


def _load_analyser_early(args: argparse.Namespace) -> None:
    """Start Kiwi, and its first analysis, on a thread when a model needs it, while the bundle and its network
    load (:func:`hangul_rnn.scoring.warm_analyser`)."""
    from hangul_rnn.scoring import warm_analyser

    warm_analyser(args.model or [DEFAULT_MODEL])


def _read_texts(args: argparse.Namespace) -> list[str]:
    from hangul_rnn.errors import UsageError

    if args.texts:
        texts = list(args.texts)
        for text in texts:
            if not text.strip():
                raise UsageError("nothing to score: the text is empty")
        return texts
    if sys.stdin is None or sys.stdin.isatty():
        raise UsageError("nothing to score: give sentences as arguments or pipe them in, one per line")
    texts = [line.strip() for line in _stdin_text().splitlines()]
    texts = [t for t in texts if t]
    if not texts:
        raise UsageError("nothing to score: stdin had no non-blank lines")
    return texts


def _stdin_text() -> str:
    """All of stdin as text; binary data (bad UTF-8, NUL bytes) is a usage error, as a corpus's bad UTF-8 is, instead
    of garbage lines each given a label."""
    from hangul_rnn.errors import UsageError

    buffer = getattr(sys.stdin, "buffer", None)
    if buffer is None:  # a text stream (tests, embedding)
        text = sys.stdin.read()
    else:
        data = buffer.read()
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise UsageError(f"stdin is not UTF-8 text (line {line}, byte {exc.start}); score reads sentences, "
                             "one a line") from None
    if "\x00" in text:
        raise UsageError("stdin holds NUL bytes: binary data, not sentences one a line")
    return text


def _score(args: argparse.Namespace) -> int:
    texts = _read_texts(args)

    from hangul_rnn.commands._console import out_console
    from hangul_rnn.ensemble import load_classifiers

    bundle = load_classifiers(args.model or [DEFAULT_MODEL])
    styled = out_console.is_terminal
    if args.explain:
        from hangul_rnn.scoring import explain

        for i, text in enumerate(texts):
            explanation = explain(bundle, text)
            if explanation.note:
                print(f"note: {explanation.note}", file=sys.stderr)
            if styled:
                _explain_table(explanation, text)
            else:
                if i:
                    print()
                for word, p, d in zip(explanation.words, explanation.prefix_scores, explanation.deltas):
                    print(f"{word}\t{p:.4f}\t{d:+.4f}")
                final = explanation.final
                print(f"{final.label}\t{final.probability:.4f}\t{_one_line(text)}")
        return 0

    from hangul_rnn.scoring import score_batch

    scores = score_batch(bundle, texts)
    if styled:
        from rich.table import Table

        table = Table(title=f"scores · {bundle.name}")
        table.add_column("label")
        table.add_column("probability", justify="right")
        table.add_column("text", overflow="fold")
        for text, s in zip(texts, scores):
            table.add_row(s.label, f"{s.probability:.1%}", text)
        out_console.print(table)
    else:
        for text, s in zip(texts, scores):
            print(f"{s.label}\t{s.probability:.4f}\t{_one_line(text)}")
    return 0


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _explain_table(explanation, text: str) -> None:
    from rich.table import Table
    from rich.text import Text

    from hangul_rnn.commands._console import out_console

    final = explanation.final
    table = Table(title=text, caption=f"{final.label} {final.probability:.1%}  (start {explanation.baseline:.1%})")
    table.add_column("word")
    table.add_column(f"P({explanation.target}) after", justify="right")
    table.add_column("delta", justify="right")
    for word, p, d in zip(explanation.words, explanation.prefix_scores, explanation.deltas):
        strength = min(1.0, abs(d) / 0.3)
        style = ("green" if d > 0 else "red") if strength > 0.05 else "dim"
        if strength > 0.5:
            style = "bold " + style
        table.add_row(Text(word, style=style), f"{p:.1%}", Text(f"{d:+.1%}", style=style))
    out_console.print(table)
