"""Kiwi stems over NSMC: our stem_batch against Kiwi's own batched tokenize and a per-sentence loop.

    python benchmarks/bench_stem.py [--limit N] [--workers N] [--loop-subset N]

Reads every NSMC review (train + test, 200K) from ``$HANGUL_RNN_CORPORA`` or ``../shared/corpora`` and times, in
this one process and with the same Kiwi instance:

(a) ``hangul_rnn.morph.stem_batch`` (no cache): Kiwi batched + our tag filter and lemmas;
(b) Kiwi's best batched time: ``kiwi.tokenize(texts)`` with the same worker count, the generator consumed, nothing
    done with the tokens — the floor (a) can reach;
(c) ``kiwi.tokenize(s)`` one sentence at a time, on the first ``--loop-subset`` texts, extrapolated to all;
(d) ``cached_stem_batch`` re-run on a warm cache (the write is timed separately).

The Kiwi model is loaded before any timing. (a), (b) and (c) run interleaved over ``ROUNDS`` chunks of the texts
(order rotating), because the machine is shared and load drifts during a run; the tag filter's own cost is also
timed alone on already-tokenized texts, which no load drift can blur. ``run()`` is what ``benchmarks/bench_text.py``
calls.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from hangul_rnn import morph  # noqa: E402

#: Texts timed one by one in (c) when the caller gives no subset (the loop is the slow baseline).
LOOP_SUBSET = 20_000

#: (a), (b) and (c) are interleaved over this many chunks of the texts, so load drift on a shared machine hits all
#: three alike.
ROUNDS = 10


def corpora_dir() -> Path:
    """``$HANGUL_RNN_CORPORA`` or ``../shared/corpora`` beside the checkout."""
    env = os.environ.get("HANGUL_RNN_CORPORA")
    return Path(env).expanduser() if env else REPO_ROOT.parent / "shared" / "corpora"


def load_nsmc(limit: int | None = None) -> list[str]:
    """Review texts of ratings_train.txt then ratings_test.txt (TSV: id, document, label), at most ``limit``."""
    texts: list[str] = []
    for name in ("ratings_train.txt", "ratings_test.txt"):
        path = corpora_dir() / "nsmc" / name
        if not path.is_file():
            raise SystemExit(f"bench_stem: {path} not found; set HANGUL_RNN_CORPORA to a folder holding nsmc/")
        with path.open(encoding="utf-8") as f:
            next(f)
            for line in f:
                parts = line.rstrip("\n").split("\t")
                texts.append(parts[1] if len(parts) > 1 else "")
                if limit is not None and len(texts) >= limit:
                    return texts
    return texts


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def run(limit: int | None = None, *, workers: int | None = None, loop_subset: int | None = None) -> None:
    """Time (a)-(d) on the first ``limit`` NSMC reviews (all 200K when None) and print the figures and ratios."""
    texts = load_nsmc(limit)
    n = len(texts)
    chars = sum(len(t) for t in texts)
    n_workers = workers or os.cpu_count() or 1
    subset = min(n, loop_subset or LOOP_SUBSET)
    print(f"bench_stem: {n:,} NSMC reviews, {chars:,} characters; kiwipiepy {morph.kiwi_version()}, "
          f"{n_workers} worker thread(s), {os.cpu_count()} CPU(s)")

    load_start = os.getloadavg()[0]
    load_s, kiwi = _timed(lambda: morph.get_kiwi(n_workers))
    kiwi.tokenize("모델을 미리 읽어 둔다")  # warm-up outside the timings
    print(f"  Kiwi model load                 {load_s:8.2f} s (not in the timings below)")

    def rate(seconds: float, count: int, nchars: int) -> str:
        return f"{seconds:8.2f} s  {count / seconds:9,.0f} texts/s  {nchars / seconds:11,.0f} chars/s"

    # The machine is shared, so load drifts over a multi-minute run. (a), (b) and (c) are therefore interleaved:
    # the texts are cut into ROUNDS chunks and each chunk is timed by all three, the order rotating per round.
    rounds = max(1, min(ROUNDS, n))
    size = -(-n // rounds)
    per_round_loop = -(-subset // rounds)
    ours_s = kiwi_s = loop_sub_s = 0.0
    loop_count = loop_chars = 0
    stems: list[list[str]] = []

    def kiwi_batched(chunk: list[str]) -> int:
        count = 0
        for _ in kiwi.tokenize(chunk):
            count += 1
        return count

    def loop(chunk: list[str]) -> None:
        for t in chunk:
            kiwi.tokenize(t)

    for r in range(rounds):
        chunk = texts[r * size:(r + 1) * size]
        if not chunk:
            break
        loop_chunk = chunk[:per_round_loop]
        jobs = [
            ("ours", lambda c=chunk: morph.stem_batch(c, num_workers=n_workers)),
            ("kiwi", lambda c=chunk: kiwi_batched(c)),
            ("loop", lambda c=loop_chunk: loop(c)),
        ]
        for name, job in jobs[r % 3:] + jobs[:r % 3]:
            seconds, out = _timed(job)
            if name == "ours":
                ours_s += seconds
                stems.extend(out)
            elif name == "kiwi":
                kiwi_s += seconds
                assert out == len(chunk)
            else:
                loop_sub_s += seconds
                loop_count += len(loop_chunk)
                loop_chars += sum(len(t) for t in loop_chunk)
    assert len(stems) == n

    # Our own work on top of Kiwi, free of load drift: the tag filter alone over already-tokenized texts.
    sample = texts[:size]
    tokens = list(kiwi.tokenize(sample))
    filt = morph._TagFilter(morph.DEFAULT_STOP_TAGS)
    filter_s, _ = _timed(lambda: [filt.stems(t) for t in tokens])
    filter_s *= n / len(sample)

    print(f"  (a) ours stem_batch             {rate(ours_s, n, chars)}")
    print(f"  (b) Kiwi tokenize(list)         {rate(kiwi_s, n, chars)}")
    loop_s = loop_sub_s * n / loop_count
    note = "" if loop_count == n else f"  (measured on {loop_count:,} texts, extrapolated x{n / loop_count:.1f})"
    print(f"  (c) per-sentence tokenize loop  {rate(loop_s, n, round(loop_chars * n / loop_count))}{note}")
    print(f"      our tag filter alone        {filter_s:8.2f} s  (measured on {len(sample):,} tokenized texts, scaled)")

    with tempfile.TemporaryDirectory(prefix="bench-stem-") as tmp:
        from hangul_rnn.morph import _cache_key, _write_cache  # the cache's own writer: (a) is not stemmed again

        key = _cache_key(texts, morph.DEFAULT_STOP_TAGS)
        write_s, _ = _timed(lambda: _write_cache(Path(tmp) / f"{key}.jsonl.gz", key, stems))
        hit_s, cached = _timed(lambda: morph.cached_stem_batch(texts, cache_dir=Path(tmp), num_workers=n_workers))
        assert cached == stems
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    print(f"  (d) cache write (once)          {write_s:8.2f} s  ({size / 1e6:.1f} MB gzip JSON lines)")
    print(f"  (d) cached_stem_batch, warm     {rate(hit_s, n, chars)}")

    print(f"  load average at the end         {os.getloadavg()[0]:8.2f}  (at the start {load_start:.2f})")
    print(f"  ratio ours / Kiwi batched        {ours_s / kiwi_s:6.2f}x  (target <= 1.20x)")
    print(f"  speed-up ours vs per-sentence    {loop_s / ours_s:6.2f}x")
    print(f"  speed-up cache hit vs ours       {ours_s / hit_s:6.1f}x")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N reviews only (default: all 200K)")
    parser.add_argument("--workers", type=int, default=None, help="Kiwi worker threads (default: os.cpu_count())")
    parser.add_argument("--loop-subset", type=int, default=None,
                        help=f"texts timed in the per-sentence loop (default {LOOP_SUBSET:,}; extrapolated)")
    args = parser.parse_args(argv)
    run(args.limit, workers=args.workers, loop_subset=args.loop_subset)


if __name__ == "__main__":
    main()
