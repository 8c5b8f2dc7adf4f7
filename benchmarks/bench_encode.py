"""Corpus to first training batch: peak memory and wall time of the NumPy encoding path against the old list path.

    HANGUL_RNN_CORPORA=/work/shared/corpora python benchmarks/bench_encode.py [--level jamo] [--old-chars N]

Each measurement runs in a child process of its own (so its peak RSS, ``ru_maxrss``, is its own), with a fresh
``HANGUL_RNN_HOME`` (an empty id cache):

- ``new``: ``preparation.prepare_generator`` on the whole Annals subset (``annals``, default limit: every line),
  then the first batch of the training dataset; the id cache is written;
- ``cached``: the same again in a new process with the same home, so the ids come from the id cache;
- ``new-slice`` and ``old-slice``: the new path and a replica of the old one (``Tokenizer.fit`` over the list of
  lines, ``tokenizer.encode`` to a Python list, the list handed to ``generation_datasets``) on a ``text:`` file
  holding the corpus's first ``--old-chars`` characters (whole lines), cleaned with the annals rules. The old path
  is *not* run on the whole corpus (it needs ~9 GB there); its whole-corpus figures are extrapolated from the
  slice per token (bytes of RSS growth per token, seconds per token) and printed as such.

Times exclude interpreter start and ``import tensorflow`` (the same for both paths; printed apart); they run from
the first read of the corpus to the first batch in hand. CPU time (``time.process_time``) is printed beside wall
time because the machine these were measured on is shared: under a load average above its core count, wall time
says more about the neighbours than about the code. Peak RSS includes TensorFlow (~0.5 GB before any data),
which is why the per-token figures use the growth above the RSS measured right before reading.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

TARGET_PEAK_GB = 2.0
TARGET_FIRST_BATCH_S = 30.0


def _rss_mb() -> float:
    """Current resident set size (MB), from /proc (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _old_prepare(cfg, report):
    """The generator preparation as it was before the NumPy path (list of lines, list of ids)."""
    from hangul_rnn import preparation as P
    from hangul_rnn.tokenizers import Tokenizer

    corpus = P.load_corpus(cfg.corpus)
    text = P.generator_text(corpus, cfg.limit)
    train_text, val_text = P.split_tail(text, cfg.validation_fraction)
    tokenizer = P._make_tokenizer(cfg, corpus)
    lines = train_text.split("\n")
    Tokenizer.fit(tokenizer, lines, max_size=cfg.max_vocab, min_count=cfg.min_count)  # the list-path fit
    train_ids = tokenizer.encode(train_text)
    val_ids = tokenizer.encode(val_text) if val_text else []
    train_ds = P.generation_windows(train_ids, cfg, shuffle=True)
    return train_ds, len(train_ids) + len(val_ids), len(text)


def child(mode: str, corpus: str, level: str, clean: str | None) -> None:
    """Run one measurement in this process and print one JSON line."""
    t0 = time.perf_counter()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf  # noqa: F401

    from hangul_rnn.config import TrainConfig
    from hangul_rnn.preparation import prepare_generator

    import_s = time.perf_counter() - t0
    cfg = TrainConfig(corpus=corpus, level=level, clean=clean, batch_size=64, seq_len=100)
    base_mb = _rss_mb()
    load = os.getloadavg()[0]
    cpu_start = time.process_time()
    start = time.perf_counter()
    stages: dict[str, float] = {}

    def report(stage: str, done: int, total: int | None) -> None:
        stages.setdefault(stage, time.perf_counter() - start)

    if mode == "old":
        train_ds, tokens, chars = _old_prepare(cfg, report)
    else:
        prep = prepare_generator(cfg, None, report)
        train_ds, tokens, chars = prep.train_ds, prep.train_tokens + prep.val_tokens, None
    x, _ = next(iter(train_ds))
    first_batch_s = time.perf_counter() - start
    cpu_s = time.process_time() - cpu_start
    print(json.dumps({
        "mode": mode, "import_s": round(import_s, 2), "first_batch_s": round(first_batch_s, 2),
        "cpu_s": round(cpu_s, 2), "load_avg": round(load, 1),
        "peak_mb": round(_peak_mb()), "base_mb": round(base_mb), "tokens": tokens, "chars": chars,
        "batch": list(x.shape), "stages_s": {k: round(v, 2) for k, v in stages.items()},
    }))


def _run(mode: str, home: Path, corpus: str, level: str, clean: str | None) -> dict:
    env = {**os.environ, "HANGUL_RNN_HOME": str(home), "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, __file__, "--child", mode, "--corpus", corpus, "--level", level]
    if clean:
        cmd += ["--clean", clean]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit(f"bench_encode: {mode} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"  {mode:10s} {json.dumps(result, ensure_ascii=False)}", flush=True)
    return result


def _write_slice(src: Path, dest: Path, chars: int) -> int:
    """The first whole lines of the corpus holding about ``chars`` characters; returns the characters written."""
    import gzip

    written = 0
    with gzip.open(src, "rt", encoding="utf-8") as f, dest.open("w", encoding="utf-8") as out:
        for line in f:
            if written >= chars:
                break
            out.write(line)
            written += len(line)
    return written


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--level", default="jamo", choices=("jamo", "syllable"))
    ap.add_argument("--old-chars", type=int, default=2_000_000, help="slice size for the old path (characters)")
    ap.add_argument("--skip-whole", action="store_true", help="only the slice comparison")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--corpus", default="annals", help=argparse.SUPPRESS)
    ap.add_argument("--clean", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.corpus, args.level, args.clean)
        return

    corpora = Path(os.environ.get("HANGUL_RNN_CORPORA", ROOT.parent / "shared" / "corpora"))
    src = corpora / "annals" / "annals_subset_ko.txt.gz"
    if not src.is_file():
        sys.exit(f"bench_encode: {src} not found; set HANGUL_RNN_CORPORA")
    os.environ["HANGUL_RNN_CORPORA"] = str(corpora)
    with tempfile.TemporaryDirectory(prefix="bench_encode.") as tmp:
        tmp_path = Path(tmp)
        slice_file = tmp_path / "slice.txt"
        n = _write_slice(src, slice_file, args.old_chars)
        spec = f"text:{slice_file}"
        print(f"slice: first {n:,} characters of {src.name} ({args.level} level, annals cleaning)")
        old = _run("old", tmp_path / "home-old", spec, args.level, "annals")
        new_s = _run("new", tmp_path / "home-slice", spec, args.level, "annals")
        grow_old = (old["peak_mb"] - old["base_mb"]) * 2**20 / old["tokens"]
        grow_new = (new_s["peak_mb"] - new_s["base_mb"]) * 2**20 / new_s["tokens"]
        print(f"  slice: old {old['first_batch_s']:.2f} s, {grow_old:.0f} B/token of RSS growth; "
              f"new {new_s['first_batch_s']:.2f} s, {grow_new:.1f} B/token; "
              f"time ratio old/new {old['first_batch_s'] / new_s['first_batch_s']:.1f}x")
        if args.skip_whole:
            return
        print("whole corpus (annals, every line):")
        home = tmp_path / "home-whole"
        new = _run("new", home, "annals", args.level, None)
        cached = _run("new", home, "annals", args.level, None)
        scale = new["tokens"] / old["tokens"]
        old_peak = old["base_mb"] + grow_old * new["tokens"] / 2**20
        old_time, old_cpu = old["first_batch_s"] * scale, old["cpu_s"] * scale
        print(f"\n{'':28s}{'peak RSS':>12s}{'read -> first batch':>22s}{'CPU time':>12s}")
        for name, peak, wall, cpu in (
            ("old path (extrapolated)", old_peak, old_time, old_cpu),
            ("new path, first run", new["peak_mb"], new["first_batch_s"], new["cpu_s"]),
            ("new path, cached run", cached["peak_mb"], cached["first_batch_s"], cached["cpu_s"]),
        ):
            print(f"{name:28s}{peak / 1024:>10.2f} GB{wall:>20.1f} s{cpu:>10.1f} s")
        print(f"tokens {new['tokens']:,}; import tensorflow {new['import_s']:.1f} s (not included); load average "
              f"at the start of each run: {old['load_avg']}, {new['load_avg']}, {cached['load_avg']} (2 cores shared)")
        print(f"ratios: peak old/new {old_peak / new['peak_mb']:.1f}x, time old/new "
              f"{old_time / new['first_batch_s']:.1f}x (CPU {old_cpu / new['cpu_s']:.1f}x), "
              f"first/cached {new['first_batch_s'] / cached['first_batch_s']:.1f}x")
        ok = new["peak_mb"] / 1024 < TARGET_PEAK_GB and new["first_batch_s"] < TARGET_FIRST_BATCH_S
        print(f"targets (peak < {TARGET_PEAK_GB} GB, first batch < {TARGET_FIRST_BATCH_S:.0f} s): "
              f"{'met' if ok else 'NOT met'}")


if __name__ == "__main__":
    main()
