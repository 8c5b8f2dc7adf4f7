"""``hangul-rnn export-embeddings NAME FILE``: a trained model's token vectors in word2vec/fastText text format.

The same format ``train --embeddings`` reads, so one model's embedding can start another's (a generator trained
on much text starting a classifier trained on little), and any tool that reads word2vec text can look at it.
Reads the model with the NumPy runtime: no TensorFlow.
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
