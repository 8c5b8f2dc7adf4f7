"""The multiplication problem for every cell in one run, SimpleRNN as the baseline, the book's figures beside.

    python benchmarks/bench_toys.py                      # the book's setting: 3 cells x 100 epochs, ~15-25 min CPU
    python benchmarks/bench_toys.py --seeds 0 1 --epochs 100

Prints, per cell and seed, the share of the 440 test cases within 0.04 of their product and its ratio to the
SimpleRNN of the same seed (same data, same epochs). Results: benchmarks/textbook.md.
"""

from __future__ import annotations

import argparse
import time

from hangul_rnn.toys import run_toy, toy_config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--epochs", type=int, default=100)
    parser.add_argument("--examples", type=int, default=3000)
    parser.add_argument("--test", type=int, default=440)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    print("| seed | cell | within 0.04 | × SimpleRNN | book | seconds |")
    print("|---|---|---|---|---|---|")
    for seed in args.seeds:
        baseline = None
        for cell in ("rnn", "lstm", "gru"):
            t0 = time.perf_counter()
            result = run_toy(toy_config("multiplication", cell=cell, epochs=args.epochs, examples=args.examples,
                                        test=args.test, steps=args.steps, seed=seed))
            seconds = time.perf_counter() - t0
            accuracy = result.accuracy or 0.0
            baseline = accuracy if cell == "rnn" else baseline
            ratio = f"{accuracy / baseline:.1f}" if baseline else "—"
            book = "—" if result.book is None else f"{result.book:.2f}%"
            print(f"| {seed} | {cell} | {accuracy:.2f}% | {ratio} | {book} | {seconds:.0f} |", flush=True)


if __name__ == "__main__":
    main()
