"""Whole-process start-up: ``hangul-rnn generate`` and ``score`` against what used to dominate them, in this run.

    python benchmarks/bench_start.py [--runs N]

Each command runs as a fresh process (this checkout's code, the shipped default models, an empty hangul-rnn home);
wall time, CPU time (user + system) and peak memory come from the operating system's accounting of that child
(``os.wait4``). Medians of ``--runs`` runs (default 5), every command interleaved so that a busy machine slows
all of them alike. Baselines:

- ``python -c "import tensorflow"``: what ``generate`` paid before the NumPy runtime, before its first token;
- Kiwi's own start: ``Kiwi()`` and its first analysis of the same sentence (``score``'s floor with the default
  classifier, whose tokenizer stems every review with Kiwi).

Targets (issue 14): ``generate --max-tokens 60`` <= 1 s wall and >= 10x less CPU than importing TensorFlow;
peak memory under 150 MB; ``score`` bounded by Kiwi's start.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SENTENCE = "정말 재미있어요"

#: The TUI started headless at 120x40: the process ends once the first screen is composed and drawn and the app has
#: quit (issue 14: the first screen at once, no TensorFlow, quitting returns the prompt at once).
_TUI_FIRST_SCREEN = (
    "import asyncio\n"
    "from hangul_rnn_tui.app import HangulRNNApp\n"
    "async def main():\n"
    "    async with HangulRNNApp().run_test(size=(120, 40)) as pilot:\n"
    "        await pilot.pause()\n"
    "asyncio.run(main())\n"
)

COMMANDS: dict[str, list[str]] = {
    "generate --max-tokens 60": ["-m", "hangul_rnn.cli", "generate", "--prompt", "태조가", "--max-tokens", "60",
                                 "--seed", "1"],
    "score (default classifier)": ["-m", "hangul_rnn.cli", "score", SENTENCE],
    "tui: first screen, then quit": ["-c", _TUI_FIRST_SCREEN],
    "import tensorflow": ["-c", "import tensorflow"],
    "Kiwi() + first analysis": ["-c", f"from kiwipiepy import Kiwi; Kiwi().tokenize({SENTENCE!r})"],
    "python + numpy (floor)": ["-c", "import numpy"],
}


def run_once(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall s, CPU s, peak RSS MB) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *args], env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}): {err[-800:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024  # ru_maxrss is in KB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per command (5)")
    args = parser.parse_args(argv)

    home = tempfile.mkdtemp(prefix="bench-start-")
    env = dict(os.environ, HANGUL_RNN_HOME=home, PYTHONPATH=str(REPO), TF_CPP_MIN_LOG_LEVEL="3")
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in COMMANDS}
    for cmd in COMMANDS.values():  # warm the file cache once
        run_once(cmd, env)
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            results[name].append(run_once(cmd, env))

    med = {name: tuple(statistics.median(r[i] for r in runs) for i in range(3)) for name, runs in results.items()}
    print(f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; medians of {args.runs} runs")
    print(f"{'command':30} {'wall s':>8} {'CPU s':>8} {'peak MB':>8}")
    for name, (wall, cpu, rss) in med.items():
        print(f"{name:30} {wall:8.2f} {cpu:8.2f} {rss:8.0f}")
    gen, tf, score, kiwi = (med[k] for k in ("generate --max-tokens 60", "import tensorflow",
                                             "score (default classifier)", "Kiwi() + first analysis"))
    ratio = tf[1] / gen[1]
    print(f"generate: {gen[0]:.2f} s wall (target <= 1 s: {'met' if gen[0] <= 1.0 else 'NOT met'}), "
          f"{ratio:.1f}x less CPU than importing TensorFlow (target >= 10x: {'met' if ratio >= 10 else 'NOT met'}), "
          f"{gen[2]:.0f} MB peak (target < 150 MB: {'met' if gen[2] < 150 else 'NOT met'})")
    print(f"score: {score[0]:.2f} s wall, {score[1]:.2f} s CPU, against Kiwi's own start {kiwi[0]:.2f} s wall, "
          f"{kiwi[1]:.2f} s CPU: {score[0] / kiwi[0]:.2f}x its wall")
    return 0


if __name__ == "__main__":
    sys.exit(main())
