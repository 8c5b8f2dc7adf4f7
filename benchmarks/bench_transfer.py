"""Does starting a classifier from a pretrained generator help on little labelled data? (issue 13, item 3)

Trains NSMC classifiers on the first ``--limit`` reviews of the train split, every one on the same validation
hold-out (same reviews, limit and seed: the split is a permutation under the seed), from scratch and from the
generator ``--generator`` (``train classifier --init-from``), with and without a head-only warm-up and with each
pooling, and prints the best validation accuracy of each. The test split is not touched.

The scratch runs use the generator's own level and network shape, so the only difference is where the weights
start. Run it niced on a shared CPU::

    HANGUL_RNN_CORPORA=../shared/corpora nice -n 10 python benchmarks/bench_transfer.py \
        --generator raw-syl-128 --limit 5000 --epochs 4
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import replace

from hangul_rnn import transfer
from hangul_rnn.config import default_config
from hangul_rnn.training import train
from hangul_rnn.transfer import inherit, load_generator

#: name -> (start from the generator?, freeze epochs, pooling, learning rate, layers copied)
#: "layers copied" isolates what helps or hurts: "all" (what --init-from does), "embedding" (the recurrent layer
#: starts random), "none" (the generator's tokenizer only, every weight random).
RUNS = {
    "scratch-last": (False, 0, "last", 1e-3, "all"),
    "scratch-mean": (False, 0, "mean", 1e-3, "all"),
    "init-last": (True, 0, "last", 1e-3, "all"),
    "init-warm1-last": (True, 1, "last", 1e-3, "all"),
    "init-warm1-mean": (True, 1, "mean", 1e-3, "all"),
    "init-warm1-max": (True, 1, "max", 1e-3, "all"),
    "init-embedding-last": (True, 0, "last", 1e-3, "embedding"),
    "tokenizer-only-last": (True, 0, "last", 1e-3, "none"),
}
_REAL_COPY = transfer.copy_encoder
DEFAULT_RUNS = "scratch-last,scratch-mean,init-last,init-warm1-last,init-warm1-mean,init-warm1-max"


def _copy_only(what: str):
    """A stand-in for transfer.copy_encoder that copies less (for the ablation runs only)."""
    if what == "all":
        return _REAL_COPY
    if what == "embedding":
        return lambda gen, clf: clf.get_layer("embedding").set_weights(gen.get_layer("embedding").get_weights())
    return lambda gen, clf: 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generator", required=True, help="generator bundle (name or folder)")
    parser.add_argument("--limit", type=int, default=5000, help="labelled reviews read (train + validation)")
    parser.add_argument("--validation", type=float, default=0.2)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--max-len", type=int, default=80)
    parser.add_argument("--runs", default=DEFAULT_RUNS, help="comma-separated names from: " + ", ".join(RUNS))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    source = load_generator(args.generator)
    base = default_config("classifier", corpus="nsmc", limit=args.limit, validation_fraction=args.validation,
                          epochs=args.epochs, max_len=args.max_len, patience=args.epochs, seed=args.seed)
    shape = inherit(base, source)  # the generator's level, vocabulary options and network, for every run
    print(f"generator {source.record['name']} ({source.record['params']:,} params, corpus "
          f"{source.record['corpus']}); {shape.level} {shape.cell} {shape.layers}x{shape.units}, "
          f"embedding {shape.embedding_dim}; {args.limit} reviews, validation {args.validation}, "
          f"{args.epochs} epochs", flush=True)
    results = []
    root = tempfile.mkdtemp(prefix="bench-transfer-")
    for name in args.runs.split(","):
        init, freeze, pooling, lr, copied = RUNS[name.strip()]
        transfer.copy_encoder = _copy_only(copied)  # training._build looks it up at call time
        cfg = replace(shape, pooling=pooling, learning_rate=lr, init_from=args.generator if init else None,
                      freeze_epochs=freeze, max_vocab=None)
        started = time.perf_counter()
        bundle = train(cfg, name=f"run{len(results)}", models_root=root)
        seconds = time.perf_counter() - started
        history = bundle.history.get("val_accuracy", [])
        row = {"run": name.strip(), "best_val_accuracy": max(history) if history else None,
               "val_accuracy_by_epoch": [round(v, 4) for v in history], "vocab": bundle.tokenizer.vocab_size,
               "seconds": round(seconds)}
        results.append(row)
        print(json.dumps(row, ensure_ascii=False), flush=True)
    transfer.copy_encoder = _REAL_COPY
    print("\n| run | best val accuracy | by epoch | s |\n|---|---|---|---|")
    for r in results:
        by_epoch = ", ".join(f"{v:.3f}" for v in r["val_accuracy_by_epoch"])
        print(f"| {r['run']} | {r['best_val_accuracy']:.2%} | {by_epoch}"
              f" | {r['seconds']} |")


if __name__ == "__main__":
    main()
