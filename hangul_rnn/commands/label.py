"""``hangul-rnn label FILE --model M [--model M …] --corpus nsmc-raw``: a classifier's (or several averaged)
probabilities for every text of an unlabelled corpus, written as soft labels for ``train classifier --soft-labels``
(:mod:`hangul_rnn.soft_labels`). Runs on the NumPy runtime: no TensorFlow."""

from __future__ import annotations

import argparse

from hangul_rnn.commands._console import out_console

DEFAULT_MODEL = "nsmc-classifier"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("label", help="write a classifier's probabilities for unlabelled text (soft labels "
                                                 "for 'train --soft-labels')")
    parser.add_argument("file", help="where to write: FILE.tsv, or FILE.tsv.gz to compress")
    parser.add_argument("--model", action="append", default=None,
                        help=f"the teacher: a classifier name or folder (default: {DEFAULT_MODEL}); give it several "
                             "times to write the average of several classifiers")
    parser.add_argument("--corpus", default="nsmc-raw",
                        help="texts to label: nsmc-raw (default; the NSMC test reviews are left out), text:PATH or "
                             "any corpus's texts; texts of the teacher's own labelled corpus are always left out")
    parser.add_argument("--max-chars", type=int, default=None,
                        help="leave out texts longer than N characters (NSMC holds reviews of under 140: "
                             "--max-chars 139 keeps the longer raw reviews out for an out-of-domain check)")
    parser.add_argument("--limit", type=int, default=None, help="first N texts only, for a quick run")
    parser.set_defaults(handler=_label)


def _label(args: argparse.Namespace) -> int:
    from hangul_rnn.commands._console import count_progress
    from hangul_rnn.soft_labels import label_corpus

    with count_progress(f"reading {args.corpus}") as update:
        def report(stage: str, done: int, total: int) -> None:
            update(done, total or None, description=stage)

        done = label_corpus(args.model or [DEFAULT_MODEL], args.corpus, args.file, limit=args.limit,
                            max_chars=args.max_chars, report=report)
    counts = ", ".join(f"{n} {c:,}" for n, c in done.label_counts.items())
    long = f", {done.skipped_long:,} longer than {args.max_chars} characters" if done.skipped_long else ""
    out_console.print(f"wrote {done.texts:,} soft labels to {done.path} ({counts}; left out: {done.skipped_known:,} "
                      f"texts of the teacher's corpus{long}; {done.seconds:.0f} s). Use them: hangul-rnn train "
                      f"classifier --soft-labels {done.path}", highlight=False, markup=False)
    return 0
