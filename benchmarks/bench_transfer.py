"""Does starting a classifier from a pretrained generator help on little labelled data? (issue 13, item 3)

Trains NSMC classifiers on the first ``--limit`` reviews of the train split, every one on the same validation
hold-out (same reviews, limit and seed: the split is a permutation under the seed), from scratch and from the
generator ``--generator`` (``train classifier --init-from``), with and without ULMFiT's fine-tuning options, and
prints the best validation accuracy of each. The test split is not touched.

A run's name says what it does, parts joined by ``-``: where it starts (``scratch``, ``init``, or the ablations
``init-embedding`` and ``tokenizer-only``), then any of ``warmN`` (``--freeze-epochs N``), ``gradual``
(``--unfreeze gradual``), ``discr`` or ``discrF`` (``--lr-decay-per-layer`` 2.6 or F), and last the pooling
(``last``, ``max``, ``mean``, ``concat``): e.g. ``init-warm1-gradual-discr-concat`` is ULMFiT's recipe.

The scratch runs use the generator's own level and network shape, so the only difference is where the weights
start. Run it niced on a shared CPU::

    HANGUL_RNN_CORPORA=../shared/corpora nice -n 10 python benchmarks/bench_transfer.py \
        --generator raw-syl-128 --limit 5000 --epochs 4 \
        --runs scratch-concat,init-concat,init-discr-concat,init-warm1-gradual-concat,init-warm1-gradual-discr-concat
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from dataclasses import dataclass, replace

from hangul_rnn import transfer
from hangul_rnn.config import default_config
from hangul_rnn.training import train
from hangul_rnn.transfer import inherit, load_generator

#: Where a run starts -> (start from the generator?, layers copied). "layers copied" isolates what helps or hurts:
#: "all" (what --init-from does), "embedding" (the recurrent layers start random), "none" (the generator's tokenizer
#: only, every weight random).
STARTS = {"scratch": (False, "all"), "init": (True, "all"), "init-embedding": (True, "embedding"),
          "tokenizer-only": (True, "none")}
POOLING_NAMES = ("last", "max", "mean", "concat")
ULMFIT_DECAY = 2.6
_REAL_COPY = transfer.copy_encoder
DEFAULT_RUNS = "scratch-last,scratch-mean,init-last,init-warm1-last,init-warm1-mean,init-warm1-max"


@dataclass(frozen=True)
class Run:
    """What a run name asks for (see the module docstring)."""

    init: bool
    copied: str
    pooling: str
    freeze_epochs: int = 0
    unfreeze: str = "all"
    lr_decay_per_layer: float = 1.0


def parse_run(name: str) -> Run:
    """The run a name describes; a part it does not know is an error naming it."""
    start = max((s for s in STARTS if name == s or name.startswith(s + "-")), key=len, default=None)
    parts = name[len(start) + 1:].split("-") if start else []
    if start is None or not parts or parts[-1] not in POOLING_NAMES:
        raise SystemExit(f"bad run name {name!r}: START[-warmN][-gradual][-discr[F]]-POOLING, START one of "
                         f"{', '.join(STARTS)}, POOLING one of {', '.join(POOLING_NAMES)}")
    init, copied = STARTS[start]
    options: dict = {}
    for part in parts[:-1]:
        if part.startswith("warm") and part[4:].isdigit():
            options["freeze_epochs"] = int(part[4:])
        elif part == "gradual":
            options["unfreeze"] = "gradual"
        elif part.startswith("discr"):
            options["lr_decay_per_layer"] = float(part[5:]) if part[5:] else ULMFIT_DECAY
        else:
            raise SystemExit(f"bad run name {name!r}: unknown part {part!r}")
    if options and not init:
        raise SystemExit(f"bad run name {name!r}: warm-up, gradual and discr need a start from the generator")
    return Run(init, copied, parts[-1], **options)


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
    parser.add_argument("--runs", default=DEFAULT_RUNS,
                        help="comma-separated run names, e.g. init-warm1-gradual-discr-concat (see the docstring)")
    parser.add_argument("--lr", type=float, default=1e-3, help="learning rate of every run (the head's)")
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
    runs = [(name.strip(), parse_run(name.strip())) for name in args.runs.split(",")]  # all checked before any run
    for name, run in runs:
        transfer.copy_encoder = _copy_only(run.copied)  # training._build looks it up at call time
        cfg = replace(shape, pooling=run.pooling, learning_rate=args.lr,
                      init_from=args.generator if run.init else None, freeze_epochs=run.freeze_epochs,
                      unfreeze=run.unfreeze, lr_decay_per_layer=run.lr_decay_per_layer, max_vocab=None).validate()
        started = time.perf_counter()
        bundle = train(cfg, name=f"run{len(results)}", models_root=root)
        seconds = time.perf_counter() - started
        history = bundle.history.get("val_accuracy", [])
        row = {"run": name, "best_val_accuracy": max(history) if history else None,
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
