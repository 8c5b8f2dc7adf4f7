"""A generator's bits per cleaned character beside classical baselines given the same training and held-out text.

    HANGUL_RNN_CORPORA=../shared/corpora python benchmarks/bench_lm_baselines.py [--model NAME|PATH]
        [--orders 3,4,5,6] [--ppmd-orders 8,12,16] [--ppmd-mem MB] [--train-chars N] [--limit N|all]
        [--heldout-file PATH] [--heldout-chars N] [--skip NAME,...] [--json]

The texts are exactly the model's: ``generator_text(corpus, limit)`` cut by ``split_tail(text, validation_fraction)``
(hangul_rnn.preparation, the config read from the bundle), then each part CLEANED by the rule set of the model's
tokenizer (``hangul_rnn.text.clean(part, bundle.tokenizer.clean)``), which is the text the model predicts. Every
figure is bits per character of the cleaned held-out text:

- ``PPMd oN``: pyppmd's Ppmd7 (PPMd var. H, the 7-Zip PPMd), order N, ``--ppmd-mem`` MB;
- ``xz -9e``: ``lzma`` preset 9 | PRESET_EXTREME; ``bzip2 -9``: ``bz2`` level 9 (both standard library);
- ``KN oN``: a character (code point: syllable, space, newline...) n-gram model with interpolated modified
  Kneser-Ney smoothing (benchmarks/kneser_ney.py), trained on the training text, scoring the held-out text as one
  stream from its first character; a character it never saw costs the escape plus log2 of the code points outside
  its vocabulary, so it is a full distribution over Unicode like the compressors;
- ``model``: the bundle's own loss on the same held-out text, as total bits over the cleaned characters.

Compressors are conditioned on the training text: bits(held-out | train) = 8 * (C(train + "\\n" + held-out) -
C(train + "\\n")) over the held-out's cleaned characters (the newline that split_tail cut at belongs to neither
part). Ratios are printed as model / baseline: below 1 the model wins.

``--limit N|all`` replaces the bundle's line limit (all = the whole corpus) to measure the baselines on more
training text; the held-out is then the last ``validation_fraction`` of that text and the model is scored on it too
(it is not the model's own validation tail then; ``--skip model`` to leave it out). ``--heldout-file PATH`` scores
any UTF-8 text instead (cleaned with the same rule), e.g. Annals text of reigns the model never saw.
``--train-chars N`` keeps only the last N cleaned characters of the training text (for speed; printed);
``--heldout-chars N`` only the first N of the held-out text (at a line end).

Compressors keep learning while they read the held-out text, the n-gram model and the network do not: on a long
held-out text unlike the training text (other reigns) that gives the compressors an edge that grows with its
length, so compare on held-out texts much shorter than the training text (``--heldout-chars``).
"""

from __future__ import annotations

import argparse
import bz2
import json
import lzma
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing
sys.path.insert(0, str(HERE))  # for kneser_ney

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

from kneser_ney import KneserNey

DEFAULT_MODEL = "annals-syllable"
BASELINES = ("model", "ppmd", "xz", "bz2", "kn")


# ----------------------------------------------------------------------------------------------- compressors


def conditional_bits(compress: Callable[[bytes], bytes], train: bytes, held: bytes) -> int:
    """Bits a compressor spends on ``held`` after it has seen ``train``: 8 * (C(train + held) - C(train))."""
    return 8 * (len(compress(train + held)) - len(compress(train)))


def ppmd(order: int, mem_mb: int) -> Callable[[bytes], bytes]:
    """PPMd var. H (7-Zip's) of ``order`` with ``mem_mb`` MB of model memory, as a one-shot compress function."""
    import pyppmd

    def compress(data: bytes) -> bytes:
        enc = pyppmd.Ppmd7Encoder(order, mem_mb << 20)
        return enc.encode(data) + enc.flush()

    return compress


def xz(data: bytes) -> bytes:
    return lzma.compress(data, preset=9 | lzma.PRESET_EXTREME)


def bzip2(data: bytes) -> bytes:
    return bz2.compress(data, 9)


# ----------------------------------------------------------------------------------------------- texts


@dataclass
class Texts:
    """The cleaned training and held-out texts and where they came from."""

    train: str
    held: str
    rule: str | None
    source: str
    held_raw: str  # the held-out text before cleaning (what the model's tokenizer is given)
    notes: list[str] = field(default_factory=list)


def model_texts(bundle, *, limit: str | None, heldout_file: str | None, train_chars: int | None,
                heldout_chars: int | None = None) -> Texts:
    from hangul_rnn.config import train_config_from_bundle
    from hangul_rnn.preparation import generator_text, load_corpus, split_tail

    cfg = train_config_from_bundle(bundle)
    rule = bundle.tokenizer.clean
    spec = str(bundle.config.get("corpus", cfg.corpus))
    lines = cfg.limit if limit is None else (None if limit == "all" else int(limit))
    corpus = load_corpus(spec)
    text = generator_text(corpus, lines)
    train_raw, held_raw = split_tail(text, cfg.validation_fraction)
    del text
    what = f"the first {lines:,} documents of {spec!r}" if lines is not None else f"all of {spec!r}"
    source = f"{what}, cut {cfg.validation_fraction:g} from the end (split_tail)"
    notes = []
    if limit is not None and lines != cfg.limit:
        notes.append(f"--limit {limit}: NOT the model's own training text (it used limit {cfg.limit})")
    train = bundle.tokenizer.clean_text(train_raw)
    del train_raw
    if heldout_file is not None:
        try:
            held_raw = Path(heldout_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise SystemExit(f"--heldout-file {heldout_file}: {exc}") from None
        source += f"; held-out replaced by {heldout_file}"
    held = bundle.tokenizer.clean_text(held_raw)
    if heldout_chars is not None and heldout_chars < len(held):
        cut = held.rfind("\n", 0, heldout_chars + 1)
        cut = cut if cut > 0 else heldout_chars
        notes.append(f"--heldout-chars {heldout_chars:,}: held-out cut to its first {cut:,} of {len(held):,} "
                     "cleaned characters (at a line end)")
        held = held[:cut]
    if train_chars is not None and train_chars < len(train):
        notes.append(f"--train-chars {train_chars:,}: training text cut to its last {train_chars:,} of "
                     f"{len(train):,} cleaned characters")
        train = train[-train_chars:]
    return Texts(train=train, held=held, rule=rule, source=source, held_raw=held_raw, notes=notes)


# ----------------------------------------------------------------------------------------------- the model


def model_bits(bundle, texts: Texts, own_tail: bool, *, adapt: float = 0.0,
               streams: int | None = None) -> tuple[float, str]:
    """Total bits the model spends on the held-out text, and how they were obtained.

    On its own validation tail this is :func:`hangul_rnn.evaluation.evaluate` (``split="validation"``); elsewhere
    :func:`hangul_rnn.evaluation.score_text` on the held-out text. Both read the text as contiguous streams with the
    recurrent state carried across windows and give bits per cleaned character; the total is that times the cleaned
    held-out characters (the rate measured on all tokens but the few that do not fill a last window). ``adapt`` > 0
    is dynamic evaluation (the weights learn the held-out text as they read it, as PPMd's model does).
    """
    from hangul_rnn.evaluation import evaluate, score_text

    if own_tail:
        result = evaluate(bundle, split="validation", adapt=adapt, streams=streams)
    else:
        result = score_text(bundle, texts.held, adapt=adapt, streams=streams)
    total = result["bits_per_char"] * len(texts.held)  # the rate of the scored tokens, over every held-out char
    where = "evaluate(split='validation')" if own_tail else "score_text(held-out)"
    adapted = f", SGD {adapt:g} per window (dynamic evaluation)" if adapt else ""
    return total, (f"{where}, state carried over {result['streams']} streams{adapted}: bits_per_char "
                   f"{result['bits_per_char']:.4f} (per cleaned char) x {result['chars']:,} chars")


# ----------------------------------------------------------------------------------------------- the run


def run(args: argparse.Namespace) -> dict:
    from hangul_rnn.bundle import load_bundle

    def log(*a) -> None:  # progress on stderr, so that --json output stays one object on stdout
        print(*a, file=sys.stderr, flush=True)

    bundle = load_bundle(args.model)
    if bundle.task != "generator":
        raise SystemExit(f"{args.model!r} is a {bundle.task}, not a generator")
    t0 = time.perf_counter()
    texts = model_texts(bundle, limit=args.limit, heldout_file=args.heldout_file, train_chars=args.train_chars,
                        heldout_chars=args.heldout_chars)
    prep_s = time.perf_counter() - t0
    n_held = len(texts.held)
    if n_held == 0:
        raise SystemExit("the held-out text is empty after cleaning")
    log(f"texts ready in {prep_s:.1f}s: train {len(texts.train):,} cleaned chars, held-out {n_held:,}")
    rows: list[dict] = []

    def add(name: str, bits: float, seconds: float, **extra) -> None:
        rows.append({"name": name, "bits_per_char": bits / n_held, "bits": bits, "seconds": seconds, **extra})
        log(f"  {name:<14} {bits / n_held:7.4f} bits/char  ({seconds:.1f}s)")

    skip = set(args.skip)
    own_tail = args.heldout_file is None and args.limit is None and args.heldout_chars is None
    if "model" not in skip:
        t = time.perf_counter()
        bits, how = model_bits(bundle, texts, own_tail)
        add("model", bits, time.perf_counter() - t, how=how)
    if args.adapt:
        t = time.perf_counter()
        bits, how = model_bits(bundle, texts, own_tail, adapt=args.adapt, streams=args.streams)
        add("model, adapted", bits, time.perf_counter() - t, how=how)
    train_b = (texts.train + "\n").encode("utf-8")
    held_b = texts.held.encode("utf-8")
    if "ppmd" not in skip:
        for order in args.ppmd_orders:
            t = time.perf_counter()
            add(f"PPMd o{order}", conditional_bits(ppmd(order, args.ppmd_mem), train_b, held_b),
                time.perf_counter() - t, mem_mb=args.ppmd_mem)
    if "xz" not in skip:
        t = time.perf_counter()
        add("xz -9e", conditional_bits(xz, train_b, held_b), time.perf_counter() - t)
    if "bz2" not in skip:
        t = time.perf_counter()
        add("bzip2 -9", conditional_bits(bzip2, train_b, held_b), time.perf_counter() - t)
    del train_b, held_b
    if "kn" not in skip:
        t = time.perf_counter()
        lm = KneserNey(texts.train, max(args.orders))
        fit_s = time.perf_counter() - t
        log(f"  KN counts to order {max(args.orders)} in {fit_s:.1f}s (vocabulary {lm.vocab_size:,})")
        t = time.perf_counter()
        scores = lm.bits(texts.held, args.orders)
        score_s = time.perf_counter() - t
        del lm
        for order in args.orders:
            s = scores[order]
            add(f"KN o{order}", s["bits"], fit_s + score_s, unknown=s["unknown"], unknown_bits=s["unknown_bits"],
                fit_seconds=fit_s, score_seconds=score_s)
    model = next((r for r in rows if r["name"] == "model"), None)
    for r in rows:
        r["model_over_this"] = model["bits_per_char"] / r["bits_per_char"] if model else None
    return {
        "model": args.model,
        "source": texts.source,
        "cleaning": texts.rule,
        "train_chars": len(texts.train),
        "heldout_chars": n_held,
        "heldout_raw_chars": len(texts.held_raw),
        "notes": texts.notes,
        "prepare_seconds": prep_s,
        "rows": rows,
    }


def print_table(out: dict) -> None:
    print(f"model: {out['model']}; text: {out['source']}; cleaning rule: {out['cleaning']}")
    print(f"training text {out['train_chars']:,} cleaned chars; held-out {out['heldout_chars']:,} cleaned chars "
          f"({out['heldout_raw_chars']:,} before cleaning)")
    for note in out["notes"]:
        print(f"note: {note}")
    print()
    print(f"{'':<14} {'bits/cleaned char':>18} {'model / this':>13} {'seconds':>9}")
    for r in out["rows"]:
        ratio = f"{r['model_over_this']:.3f}" if r["model_over_this"] is not None else "-"
        print(f"{r['name']:<14} {r['bits_per_char']:>18.4f} {ratio:>13} {r['seconds']:>9.1f}")
        if r.get("unknown"):
            print(f"{'':<14} ({r['unknown']:,} held-out chars unseen in training: {r['unknown_bits']:.0f} bits)")
    model = next((r for r in out["rows"] if r["name"] == "model"), None)
    if model:
        print()
        for r in out["rows"]:
            if r["name"].startswith("model"):
                print(f"{r['name']}: {r['how']}")
        for r in out["rows"]:
            if r is not model:
                print(f"model / {r['name']} = {r['model_over_this']:.3f}")


def _int_list(text: str) -> list[int]:
    return sorted({int(x) for x in text.split(",") if x.strip()})


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=DEFAULT_MODEL, help="bundle name or folder (default %(default)s)")
    p.add_argument("--orders", type=_int_list, default=[3, 4, 5, 6], help="Kneser-Ney orders (default 3,4,5,6)")
    p.add_argument("--ppmd-orders", type=_int_list, default=[8, 12, 16], help="PPMd orders (default 8,12,16)")
    p.add_argument("--ppmd-mem", type=int, default=1024, help="PPMd model memory in MB (default %(default)s)")
    p.add_argument("--train-chars", type=int, default=None, help="keep only the last N cleaned training chars")
    p.add_argument("--limit", default=None, help="documents of the corpus to use instead of the model's (N or all)")
    p.add_argument("--heldout-file", default=None, help="score this UTF-8 text instead of the validation tail")
    p.add_argument("--heldout-chars", type=int, default=None,
                   help="keep only the first N cleaned held-out chars (cut at a line end)")
    p.add_argument("--skip", type=lambda s: [x for x in s.split(",") if x], default=[],
                   help=f"leave out some of: {','.join(BASELINES)}")
    p.add_argument("--adapt", type=float, default=0.0, metavar="LR",
                   help="also score the model with dynamic evaluation: an SGD step of LR after each window (0: off)")
    p.add_argument("--streams", type=int, default=None,
                   help="streams the adapted model reads at once (default: up to 64; fewer give more steps)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    args = p.parse_args(argv)
    if any(o < 1 for o in args.orders) or any(o < 2 or o > 64 for o in args.ppmd_orders):
        p.error("--orders must be >= 1 and --ppmd-orders within 2..64")
    if bad := set(args.skip) - set(BASELINES):
        p.error(f"--skip: unknown {', '.join(sorted(bad))}; choose from {', '.join(BASELINES)}")
    if args.limit not in (None, "all") and not args.limit.isdigit():
        p.error("--limit must be a number of documents or 'all'")
    t = time.perf_counter()
    out = run(args)
    out["total_seconds"] = time.perf_counter() - t
    if args.json:
        print(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        print_table(out)
        print(f"\ntotal {out['total_seconds']:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
