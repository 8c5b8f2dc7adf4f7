"""Token vectors in word2vec/fastText text format, the format ``train --embeddings`` reads.

``hangul-rnn export-embeddings NAME FILE`` writes a trained model's vectors, so one model's embedding can start
another's (a generator trained on much text starting a classifier trained on little), and any tool that reads
word2vec text can look at it; it reads the model with the NumPy runtime: no TensorFlow.
``hangul-rnn pretrain-embeddings FILE --corpus nsmc-raw`` learns skip-gram vectors from unlabelled text, tokenized
as the classifier will tokenize (:mod:`hangul_rnn.vector_pretraining`).
"""

from __future__ import annotations

import argparse

from hangul_rnn.commands._console import err_console, out_console


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export-embeddings",
                                   help="write a model's token vectors as a word2vec/fastText text file")
    parser.add_argument("model", help="installed model name or bundle folder")
    parser.add_argument("file", help="where to write: FILE.vec or FILE.txt, or FILE.vec.gz to compress")
    parser.set_defaults(handler=_export)
    _register_pretrain(subparsers)


def _register_pretrain(subparsers: argparse._SubParsersAction) -> None:
    from hangul_rnn.config import LEVELS, STEMS
    from hangul_rnn.vector_pretraining import DEFAULTS

    parser = subparsers.add_parser("pretrain-embeddings",
                                   help="learn word vectors from unlabelled text, for 'train --embeddings'")
    parser.add_argument("file", help="where to write: FILE.vec or FILE.txt, or FILE.vec.gz to compress")
    parser.add_argument("--corpus", default="nsmc-raw",
                        help="text to learn from: nsmc-raw (default; the NSMC test reviews are left out), nsmc, "
                             "annals, text:PATH or tsv:PATH (its texts; labels unused)")
    parser.add_argument("--level", default=DEFAULTS["level"], choices=LEVELS,
                        help="token unit: the classifier's (default %(default)s)")
    parser.add_argument("--stem", default=DEFAULTS["stem"], choices=[s or "none" for s in STEMS],
                        help="word stems: the classifier's --stem (default %(default)s)")
    parser.add_argument("--truncate-to", type=int, default=5, help="characters kept by --stem truncate (default 5)")
    parser.add_argument("--dim", type=int, default=DEFAULTS["dim"],
                        help="vector size; it becomes the classifier's --embedding-dim (default %(default)s)")
    parser.add_argument("--window", type=int, default=DEFAULTS["window"],
                        help="tokens each side that count as context (default %(default)s)")
    parser.add_argument("--min-count", type=int, default=DEFAULTS["min_count"],
                        help="leave out tokens seen fewer times (default %(default)s)")
    parser.add_argument("--epochs", type=int, default=DEFAULTS["epochs"],
                        help="passes over the text (default %(default)s)")
    parser.add_argument("--cbow", action="store_true", help="CBOW instead of skip-gram (faster, a little worse on "
                                                           "rare tokens)")
    parser.add_argument("--limit", type=int, default=None, help="first N texts only, for a quick run")
    parser.add_argument("--seed", type=int, default=DEFAULTS["seed"], help="random seed (default %(default)s)")
    parser.set_defaults(handler=_pretrain)


def _export(args: argparse.Namespace) -> int:
    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.embeddings import export_embeddings

    with err_console.status(f"loading {args.model} …"):
        bundle = load_bundle(args.model)
    written, dim, tokens = export_embeddings(bundle, args.file)
    skipped = tokens - written
    out_console.print(f"wrote {written:,} vectors of {dim} dimensions to {args.file} ({skipped:,} left out: "
                      "padding, unknown, sequence markers and tokens with spaces)", highlight=False, markup=False)
    return 0


def _pretrain(args: argparse.Namespace) -> int:
    from hangul_rnn.commands._console import count_progress
    from hangul_rnn.vector_pretraining import pretrain_vectors

    with count_progress(f"reading {args.corpus}") as update:
        def report(stage: str, done: int, total: int) -> None:
            update(done, total, description=stage)

        done = pretrain_vectors(args.corpus, args.file, level=args.level,
                                stem=None if args.stem == "none" else args.stem, truncate_to=args.truncate_to,
                                dim=args.dim, window=args.window, min_count=args.min_count, epochs=args.epochs,
                                cbow=args.cbow, limit=args.limit, seed=args.seed, report=report)
    stem = f" --stem {args.stem}" if args.level == "word" else ""  # other levels have no stems
    out_console.print(f"wrote {done.written:,} vectors of {done.dim} dimensions to {done.path} ({done.texts:,} "
                      f"texts, {done.tokens:,} tokens, {done.vocabulary - done.written:,} tokens with spaces left "
                      f"out; {done.seconds:.0f} s). Use them: hangul-rnn train classifier --level {args.level}"
                      f"{stem} --embeddings {done.path}", highlight=False, markup=False)
    return 0
