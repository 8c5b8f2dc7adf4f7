"""Streaming decode on the NumPy runtime vs the Keras stepper it replaced, a NumPy ceiling and the textbook loop;
one-sentence scoring latency. Every baseline is measured in this run, on the same weights.

    python benchmarks/bench_generate.py [--model NAME|PATH] [--tokens N] [--baseline-tokens N] [--seq-len N]

Generator: the shipped ``annals-jamo`` (1-layer 256-unit LSTM, jamo level; ``--model`` picks another). All decoders
run greedily from the same prompt:

- runtime: :func:`hangul_rnn.sampling.StreamingDecoder` — NumPy, the prompt read once, one step per token, the
  sampler and the jamo piece decoder included (what ``generate`` and the TUI run);
- NumPy ceiling: :meth:`Runtime.step` + argmax alone in a loop (no sampler, no text): what the loop costs at least;
- Keras stepper: the decoder this project used before the runtime — the model's own layers called one token at a
  time inside ``tf.function``s with fixed signatures (rebuilt here, as it was, for the comparison);
- textbook: for every token, the last ``seq_len`` ids through ``model.predict`` (the classic many-to-one loop).

Batch-1 tokens/s are steady state (first token excluded), best of 3; batch 16 (``--num-samples 16``) likewise;
TTFT is the median of 5 fresh runs (prompt read + first token). Targets (issue 14): runtime >= 10x the Keras
stepper at batch 1; scoring one sentence <= 1 ms after warm-up.

Classifier: :func:`hangul_rnn.scoring.score` of one sentence on the shipped ``nsmc-classifier`` (Kiwi stems
included, warm), and the network alone: runtime forward on the sentence's ids vs the former ``tf.function`` call
on the ids padded to ``max_len``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

TARGET_RATIO = 10.0
TARGET_SCORE_MS = 1.0
PROMPT = "태조가 수창궁에서 왕위에 올랐다. "
SENTENCE = "재미있을 줄 알았는데 완전 실망했다"


def _rate(run: Callable[[int], int], n_tokens: int, repeats: int = 3) -> float:
    """Best tokens/s over ``repeats`` runs of ``run(n) -> tokens produced``."""
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        produced = run(n_tokens)
        best = max(best, produced / (time.perf_counter() - t0))
    return best


def bench_runtime(bundle, n_tokens: int, num_samples: int = 1) -> tuple[float, float]:
    """(tokens/s over all samples, median TTFT s) of the streaming decoder on the NumPy runtime."""
    from hangul_rnn.sampling import SamplingOptions, StreamingDecoder

    decoder = StreamingDecoder(bundle, options=SamplingOptions(temperature=0), num_samples=num_samples)

    def run(n: int) -> int:
        steps = decoder.stream(PROMPT, max_tokens=n + 1)
        next(steps)  # the first token (prompt read) is TTFT's, not the steady state's
        return sum(num_samples for _ in steps)

    def ttft() -> float:
        t0 = time.perf_counter()
        next(decoder.stream(PROMPT, max_tokens=1))
        return time.perf_counter() - t0

    run(20)
    return _rate(run, n_tokens), statistics.median(ttft() for _ in range(5))


def bench_ceiling(bundle, n_tokens: int) -> float:
    """tokens/s of Runtime.step + argmax alone, batch 1."""
    runtime = bundle.runtime
    ids = np.asarray([bundle.tokenizer.encode(PROMPT)])

    def run(n: int) -> int:
        logits, state = runtime.read(ids)
        for _ in range(n):
            logits, state = runtime.step(np.argmax(logits, axis=1), state)
        return n

    run(20)
    return _rate(run, n_tokens)


class KerasStepper:
    """The former decoder's network half: the model's embedding, recurrent cells and head called one token at a
    time in ``tf.function``s with fixed signatures (no retracing), states carried between calls."""

    def __init__(self, model) -> None:
        import tensorflow as tf

        self.embedding = model.get_layer("embedding")
        self.head = model.get_layer("logits")
        self.rnns = [layer for layer in model.layers if layer.name.startswith("rnn_")]
        sizes = []
        for layer in self.rnns:
            size = layer.cell.state_size
            sizes.append([int(s) for s in size] if isinstance(size, (list, tuple)) else [int(size)])
        self.sizes = sizes
        spec = [[tf.TensorSpec([None, s], tf.float32) for s in layer] for layer in sizes]
        self.read = tf.function(self._read, input_signature=[tf.TensorSpec([None, None], tf.int32), spec])
        self.step = tf.function(self._step, input_signature=[tf.TensorSpec([None], tf.int32), spec])

    def zeros(self, batch: int) -> list:
        return [[np.zeros((batch, s), np.float32) for s in layer] for layer in self.sizes]

    def _read(self, ids, states):
        x = self.embedding(ids)
        out = []
        for layer, layer_states in zip(self.rnns, states):
            result = layer(x, initial_state=list(layer_states))
            x = result[0]
            out.append(list(result[1:]))
        return self.head(x[:, -1]), out

    def _step(self, ids, states):
        x = self.embedding(ids)
        out = []
        for layer, layer_states in zip(self.rnns, states):
            x, new = layer.cell(x, list(layer_states))
            out.append(list(new) if isinstance(new, (list, tuple)) else [new])
        return self.head(x), out


def bench_keras_stepper(model, ids: list[int], n_tokens: int, num_samples: int = 1) -> float:
    """tokens/s of the former Keras stepper with greedy argmax (no text decoding: flattering to it)."""
    stepper = KerasStepper(model)
    prompt = np.tile(np.asarray([ids], np.int32), (num_samples, 1))

    def run(n: int) -> int:
        logits, states = stepper.read(prompt, stepper.zeros(num_samples))
        for _ in range(n):
            nxt = np.argmax(logits.numpy(), axis=1).astype(np.int32)
            logits, states = stepper.step(nxt, states)
        return n * num_samples

    run(5)
    return _rate(run, n_tokens)


def bench_textbook(model, ids: list[int], n_tokens: int, seq_len: int) -> float:
    """tokens/s of the re-feed-the-window loop with model.predict."""

    def run(n: int) -> int:
        seq = list(ids)
        for _ in range(n):
            window = np.asarray([seq[-seq_len:]], dtype=np.int32)
            seq.append(int(np.argmax(model.predict(window, verbose=0)[0, -1])))
        return n

    run(2)
    return _rate(run, n_tokens, repeats=1)


def _median_ms(fn: Callable[[], object], n: int = 50) -> float:
    fn()
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def bench_scoring() -> dict[str, float]:
    """Median ms: score() with Kiwi, the runtime network alone, the former tf.function network alone."""
    import tensorflow as tf

    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.scoring import score

    bundle = load_bundle("nsmc-classifier")
    ids = bundle.tokenizer.encode(SENTENCE)
    max_len = int(bundle.config["hyperparameters"]["max_len"])
    padded = np.zeros((1, max_len), np.int32)
    padded[0, max_len - len(ids):] = ids
    runtime = bundle.runtime
    forward = tf.function(lambda x: bundle.model(x, training=False),
                          input_signature=[tf.TensorSpec([None, None], tf.int32)])
    return {
        "score": _median_ms(lambda: score(bundle, SENTENCE)),
        "tokenize": _median_ms(lambda: bundle.tokenizer.encode(SENTENCE)),
        "runtime": _median_ms(lambda: runtime.forward(np.asarray([ids]))),
        "keras": _median_ms(lambda: forward(padded).numpy()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="annals-jamo", help="a generator bundle (default: annals-jamo)")
    parser.add_argument("--tokens", type=int, default=1000, help="tokens per timed run of the runtime (1000)")
    parser.add_argument("--keras-tokens", type=int, default=200, help="tokens per timed run of Keras (200)")
    parser.add_argument("--baseline-tokens", type=int, default=20, help="tokens for the textbook loop (20)")
    parser.add_argument("--seq-len", type=int, default=100, help="textbook window length (100)")
    parser.add_argument("--no-score", action="store_true", help="skip the classifier latency")
    args = parser.parse_args(argv)

    from hangul_rnn.bundle import load_bundle, require_task

    bundle = require_task(load_bundle(args.model), "generator")
    ids = bundle.tokenizer.encode(PROMPT)
    print(f"generator: {bundle.name}, vocab {bundle.tokenizer.vocab_size}, prompt {len(ids)} tokens, greedy")
    rate1, ttft = bench_runtime(bundle, args.tokens)
    rate16, _ = bench_runtime(bundle, args.tokens // 4, num_samples=16)
    ceiling = bench_ceiling(bundle, args.tokens)
    model = bundle.model  # Keras from here on
    keras1 = bench_keras_stepper(model, ids, args.keras_tokens)
    keras16 = bench_keras_stepper(model, ids, args.keras_tokens, num_samples=16)
    textbook = bench_textbook(model, ids, args.baseline_tokens, args.seq_len)
    ratio = rate1 / keras1
    print(f"runtime decoder, batch 1 : {rate1:9.0f} tokens/s   TTFT {ttft * 1000:6.2f} ms")
    print(f"runtime decoder, batch 16: {rate16:9.0f} tokens/s   ({rate16 / keras16:.1f}x the Keras stepper's)")
    print(f"NumPy ceiling, batch 1   : {ceiling:9.0f} tokens/s   (runtime decoder at {rate1 / ceiling:.0%} of it)")
    print(f"Keras stepper, batch 1   : {keras1:9.0f} tokens/s   batch 16: {keras16:.0f} tokens/s")
    print(f"textbook predict, batch 1: {textbook:9.1f} tokens/s   (window {args.seq_len})")
    print(f"ratio runtime / Keras stepper, batch 1: {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); runtime / textbook: {rate1 / textbook:.0f}x")
    if not args.no_score:
        ms = bench_scoring()
        print(f"score one sentence (nsmc-classifier, Kiwi warm): {ms['score']:.2f} ms median of 50 "
              f"(target <= {TARGET_SCORE_MS:.0f} ms: {'met' if ms['score'] <= TARGET_SCORE_MS else 'NOT met'}); "
              f"of which tokenizing {ms['tokenize']:.2f} ms")
        print(f"  network alone: runtime {ms['runtime']:.3f} ms (unpadded) vs tf.function {ms['keras']:.3f} ms "
              f"(padded to max_len): {ms['keras'] / ms['runtime']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
