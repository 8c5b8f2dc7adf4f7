"""Streaming decode on the NumPy runtime vs the Keras stepper it replaced, a NumPy ceiling and the textbook loop;
one-sentence scoring latency. Every baseline is measured in this run, on the same weights.

    python benchmarks/bench_generate.py [--model NAME|PATH] [--tokens N] [--baseline-tokens N] [--seq-len N]

Generator: the shipped ``annals-syllable`` (1-layer 512-unit LSTM, syllable level; ``--model`` picks another).
All decoders run greedily from the same prompt:

- runtime: :func:`hangul_rnn.sampling.StreamingDecoder` — NumPy, the prompt read once, one step per token, the
  sampler and the jamo piece decoder included (what ``generate`` and the TUI run);
- NumPy ceiling: :meth:`Runtime.step` + argmax alone in a loop (no sampler, no text): what the loop costs at least;
- Keras stepper: the network half of the decoder this project used before the runtime — the model's own layers
  called one token at a time inside ``tf.function``s with fixed signatures (rebuilt here, as it was) — under the
  same decoding loop, and alone with argmax (its ceiling);
- textbook: for every token, the last ``seq_len`` ids through ``model.predict`` (the classic many-to-one loop).

Tokens/s are steady state (first token excluded), the best of ``--rounds`` rounds in which every variant takes
its turn (the machine is shared: interleaving makes the others' load weigh on all alike); batch 16 is
``--num-samples 16``. TTFT is the median of 5 fresh runs (prompt read + first token).
Targets (issue 14): runtime >= 10x the Keras stepper at batch 1; scoring one sentence <= 1 ms after warm-up.

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


def _timed(run: Callable[[int], int], n_tokens: int) -> float:
    t0 = time.perf_counter()
    produced = run(n_tokens)
    return produced / (time.perf_counter() - t0)


def interleaved(runs: dict[str, tuple[Callable[[int], int], int]], rounds: int) -> dict[str, float]:
    """Best tokens/s of each ``run(n) -> tokens produced``, the runs taking turns round after round so that a busy
    machine (other jobs come and go) weighs on all of them alike."""
    for run, n in runs.values():
        run(max(2, n // 10))  # warm-up: tf.functions trace, tables build
    best = dict.fromkeys(runs, 0.0)
    for _ in range(rounds):
        for name, (run, n) in runs.items():
            best[name] = max(best[name], _timed(run, n))
    return best


def decoder_run(source, num_samples: int = 1) -> Callable[[int], int]:
    """The full decoding loop (sampler, piece decoder, stop rules) over ``source``'s network; the first token
    (prompt read) is excluded, it is TTFT's."""
    from hangul_rnn.sampling import SamplingOptions, StreamingDecoder

    decoder = StreamingDecoder(source, options=SamplingOptions(temperature=0), num_samples=num_samples)

    def run(n: int) -> int:
        steps = decoder.stream(PROMPT, max_tokens=n + 1)
        t_first = next(steps)  # noqa: F841 - the prompt read and first token are not steady state
        return sum(num_samples for _ in steps)

    return run


def ttft(source) -> float:
    """Median seconds from the call to the first token (prompt read included), 5 fresh runs."""
    from hangul_rnn.sampling import SamplingOptions, StreamingDecoder

    decoder = StreamingDecoder(source, options=SamplingOptions(temperature=0))
    next(decoder.stream(PROMPT, max_tokens=1))
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        next(decoder.stream(PROMPT, max_tokens=1))
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def ceiling_run(network, ids: list[int], num_samples: int = 1) -> Callable[[int], int]:
    """``network.step`` + argmax alone in a loop (no sampler, no text): the floor under any decoding loop."""
    prompt = np.tile(np.asarray([ids]), (num_samples, 1))

    def run(n: int) -> int:
        logits, state = network.read(prompt)
        for _ in range(n):
            logits, state = network.step(np.argmax(logits, axis=1), state)
        return n * num_samples

    return run


class KerasStepper:
    """The former decoder's network: the model's embedding, recurrent cells and head called one token at a time in
    ``tf.function``s with fixed signatures (no retracing), states carried between calls, NumPy in and out. It
    has the runtime's ``initial_state``/``read``/``step``, so the same decoding loop can run on it."""

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
        self._read = tf.function(self._read_graph, input_signature=[tf.TensorSpec([None, None], tf.int32), spec])
        self._step = tf.function(self._step_graph, input_signature=[tf.TensorSpec([None], tf.int32), spec])

    def initial_state(self, batch: int) -> list:
        return [[np.zeros((batch, s), np.float32) for s in layer] for layer in self.sizes]

    @staticmethod
    def _numpy(logits, states):
        return logits.numpy(), [[s.numpy() for s in layer] for layer in states]

    def read(self, ids, state=None):
        ids = np.asarray(ids, np.int32)
        return self._numpy(*self._read(ids, state if state is not None else self.initial_state(len(ids))))

    def step(self, ids, state):
        return self._numpy(*self._step(np.asarray(ids, np.int32).reshape(-1), state))

    def _read_graph(self, ids, states):
        x = self.embedding(ids)
        out = []
        for layer, layer_states in zip(self.rnns, states):
            result = layer(x, initial_state=list(layer_states))
            x = result[0]
            out.append(list(result[1:]))
        return self.head(x[:, -1]), out

    def _step_graph(self, ids, states):
        x = self.embedding(ids)
        out = []
        for layer, layer_states in zip(self.rnns, states):
            x, new = layer.cell(x, list(layer_states))
            out.append(list(new) if isinstance(new, (list, tuple)) else [new])
        return self.head(x), out


def textbook_run(model, ids: list[int], seq_len: int) -> Callable[[int], int]:
    """The re-feed-the-window loop with model.predict, greedy."""

    def run(n: int) -> int:
        seq = list(ids)
        for _ in range(n):
            window = np.asarray([seq[-seq_len:]], dtype=np.int32)
            seq.append(int(np.argmax(model.predict(window, verbose=0)[0, -1])))
        return n

    return run


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
    parser.add_argument("--model", default="annals-syllable", help="a generator bundle (default: annals-syllable)")
    parser.add_argument("--tokens", type=int, default=400, help="tokens per timed run of the runtime (400)")
    parser.add_argument("--keras-tokens", type=int, default=100, help="tokens per timed run of Keras (100)")
    parser.add_argument("--baseline-tokens", type=int, default=10, help="tokens per run of the textbook loop (10)")
    parser.add_argument("--seq-len", type=int, default=100, help="textbook window length (100)")
    parser.add_argument("--rounds", type=int, default=9, help="interleaved rounds; the best of each is kept (9)")
    parser.add_argument("--no-score", action="store_true", help="skip the classifier latency")
    args = parser.parse_args(argv)

    from hangul_rnn.bundle import load_bundle, require_task

    bundle = require_task(load_bundle(args.model), "generator")
    tok = bundle.tokenizer
    ids = tok.encode(PROMPT)
    runtime = bundle.runtime
    keras_net = KerasStepper(bundle.model)  # imports TensorFlow
    n, nk = args.tokens, args.keras_tokens
    runs = {
        "runtime decoder b1": (decoder_run((runtime, tok)), n),
        "keras decoder b1": (decoder_run((keras_net, tok)), nk),
        "numpy ceiling b1": (ceiling_run(runtime, ids), n),
        "keras ceiling b1": (ceiling_run(keras_net, ids), nk),
        "runtime decoder b16": (decoder_run((runtime, tok), 16), n // 4),
        "keras decoder b16": (decoder_run((keras_net, tok), 16), nk // 4),
        "textbook b1": (textbook_run(bundle.model, ids, args.seq_len), args.baseline_tokens),
    }
    r = interleaved(runs, args.rounds)
    t_rt, t_keras = ttft((runtime, tok)), ttft((keras_net, tok))
    print(f"generator: {bundle.name}, vocab {tok.vocab_size}, prompt {len(ids)} tokens, greedy; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; best of {args.rounds} interleaved rounds")
    print(f"{'tokens/s':44} {'NumPy runtime':>14} {'Keras stepper':>14} {'ratio':>7}")
    rows = (("decoding loop, batch 1 (what generate runs)", "runtime decoder b1", "keras decoder b1"),
            ("network step + argmax only, batch 1", "numpy ceiling b1", "keras ceiling b1"),
            ("decoding loop, batch 16 (all samples)", "runtime decoder b16", "keras decoder b16"))
    for label, ours, theirs in rows:
        print(f"{label:44} {r[ours]:14.0f} {r[theirs]:14.0f} {r[ours] / r[theirs]:6.1f}x")
    print(f"{'time to first token (ms)':44} {t_rt * 1000:14.2f} {t_keras * 1000:14.2f} {t_keras / t_rt:6.1f}x")
    print(f"textbook model.predict loop, batch 1: {r['textbook b1']:.1f} tokens/s "
          f"(runtime decoder {r['runtime decoder b1'] / r['textbook b1']:.0f}x)")
    ratio = r["runtime decoder b1"] / r["keras decoder b1"]
    print(f"batch-1 streaming, runtime / Keras stepper: {ratio:.1f}x (target >= {TARGET_RATIO:.0f}x: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); the loop runs at "
          f"{r['runtime decoder b1'] / r['numpy ceiling b1']:.0%} of the NumPy ceiling")
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
