"""Streaming decode vs the textbook loop, and one-sentence scoring latency, measured in this run.

    python benchmarks/bench_generate.py [--model NAME|PATH] [--tokens N] [--baseline-tokens N] [--seq-len N]

Generator: a 1-layer 256-unit LSTM jamo generator (``--model`` loads a saved one instead; untrained weights are
fine, the cost of a step does not depend on them). Both decoders run greedily on the same model from the same
prompt:

- ours: :func:`hangul_rnn.sampling.generate` — the prompt read once, then one ``GeneratorStepper.step`` per token;
- textbook: for every token, the last ``seq_len`` ids go through ``model.predict`` and the last position's logits
  are sampled (the many-to-one loop of the classic Keras text-generation examples).

Each prints tokens/s (steady state, first token excluded) and time to first token (prompt read + first draw;
median of 5 fresh runs after a warm-up). Targets: ours / textbook >= 20x tokens/s, our TTFT < 100 ms.

Classifier: :func:`hangul_rnn.scoring.score` of one NSMC-style sentence, median of 50 calls (ms), against
``model.predict`` on the same padded ids.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # run from a checkout without installing
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

TARGET_RATIO = 20.0
TARGET_TTFT_MS = 100.0
PROMPT = "태조가 수창궁에서 왕위에 올랐다. "
SENTENCE = "재미있을 줄 알았는데 완전 실망했다"


def _sample_text() -> str:
    path = HERE.parent / "corpora" / "samples" / "annals_sample.txt"
    if path.is_file():
        return path.read_text(encoding="utf-8")
    return PROMPT * 50


def _generator_bundle(model: str | None):
    from hangul_rnn.bundle import Bundle, load_bundle, require_task
    from hangul_rnn.models import build_generator
    from hangul_rnn.tokenizers import make_tokenizer

    if model:
        return require_task(load_bundle(model), "generator")
    tok = make_tokenizer("jamo", clean="annals").fit(_sample_text().splitlines(keepends=True))
    net = build_generator(tok.vocab_size, cell="lstm", layers=1, units=256, embedding_dim=64)
    return Bundle(None, {"task": "generator", "name": "bench-jamo"}, tok, net)


def bench_streaming(bundle, n_tokens: int, runs: int = 5) -> tuple[float, float]:
    """(tokens/s after the first token, median TTFT seconds) of hangul_rnn.sampling.generate."""
    from hangul_rnn.sampling import StreamingDecoder, SamplingOptions

    def one(n: int) -> tuple[float, float]:
        decoder = StreamingDecoder(bundle, options=SamplingOptions(temperature=0))
        t0 = time.perf_counter()
        first = None
        count = 0
        for _ in decoder.stream(PROMPT, max_tokens=n):
            count += 1
            if first is None:
                first = time.perf_counter()
        end = time.perf_counter()
        return first - t0, (count - 1) / (end - first) if count > 1 else 0.0

    one(5)  # warm-up: traces read and step once
    ttfts = [one(1)[0] for _ in range(runs)]
    _, rate = one(n_tokens)
    return rate, statistics.median(ttfts)


def bench_textbook(bundle, n_tokens: int, seq_len: int) -> tuple[float, float]:
    """(tokens/s after the first token, TTFT seconds) of the re-feed-the-window loop with model.predict."""
    model, tok = bundle.model, bundle.tokenizer
    banned = [0, 1]

    def next_id(ids: list[int]) -> int:
        window = np.asarray([ids[-seq_len:]], dtype=np.int32)
        logits = model.predict(window, verbose=0)[0, -1].astype(np.float64)
        logits[banned] = -np.inf
        return int(np.argmax(logits))

    ids = tok.encode(PROMPT)
    next_id(ids)  # warm-up
    t0 = time.perf_counter()
    ids.append(next_id(ids))
    first = time.perf_counter()
    for _ in range(n_tokens - 1):
        ids.append(next_id(ids))
    end = time.perf_counter()
    return (n_tokens - 1) / (end - first), first - t0


def bench_scoring(n: int = 50) -> tuple[float, float]:
    """(median ms of scoring.score, median ms of model.predict on the same ids) for one sentence."""
    from hangul_rnn.bundle import Bundle
    from hangul_rnn.models import build_classifier
    from hangul_rnn.scoring import score
    from hangul_rnn.tokenizers import make_tokenizer
    from hangul_rnn.windows import pad_sequences

    texts = [SENTENCE, "최고의 영화 정말 재미있다", "지루하고 별로였다", "배우 연기가 좋다"] * 10
    tok = make_tokenizer("word", stem="truncate", clean="nsmc").fit(texts)
    net = build_classifier(tok.vocab_size, units=64, embedding_dim=128)
    config = {"task": "classifier", "name": "bench-clf", "label_names": ["negative", "positive"],
              "hyperparameters": {"max_len": 64}}
    bundle = Bundle(None, config, tok, net)
    score(bundle, SENTENCE)
    ours = []
    for _ in range(n):
        t0 = time.perf_counter()
        score(bundle, SENTENCE)
        ours.append(time.perf_counter() - t0)
    x = pad_sequences([tok.encode(SENTENCE)], 64)
    net.predict(x, verbose=0)
    base = []
    for _ in range(n):
        t0 = time.perf_counter()
        net.predict(x, verbose=0)
        base.append(time.perf_counter() - t0)
    return statistics.median(ours) * 1000, statistics.median(base) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="a saved generator bundle (default: build a 256-unit LSTM)")
    parser.add_argument("--tokens", type=int, default=400, help="tokens for our decoder (400)")
    parser.add_argument("--baseline-tokens", type=int, default=40, help="tokens for the textbook loop (40)")
    parser.add_argument("--seq-len", type=int, default=100, help="textbook window length (100)")
    parser.add_argument("--no-score", action="store_true", help="skip the classifier latency")
    args = parser.parse_args(argv)

    import keras

    keras.utils.set_random_seed(0)
    bundle = _generator_bundle(args.model)
    print(f"generator: {bundle.name}, {bundle.model.count_params():,} params, vocab {bundle.tokenizer.vocab_size}")
    rate, ttft = bench_streaming(bundle, args.tokens)
    base_rate, base_ttft = bench_textbook(bundle, args.baseline_tokens, args.seq_len)
    ratio = rate / base_rate
    print(f"streaming decoder : {rate:9.1f} tokens/s   TTFT {ttft * 1000:7.1f} ms")
    print(f"textbook predict  : {base_rate:9.1f} tokens/s   TTFT {base_ttft * 1000:7.1f} ms   (window {args.seq_len})")
    print(f"ratio             : {ratio:9.1f}x tokens/s   (target >= {TARGET_RATIO:.0f}x: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}); TTFT target < {TARGET_TTFT_MS:.0f} ms: "
          f"{'met' if ttft * 1000 < TARGET_TTFT_MS else 'NOT met'}")
    if not args.no_score:
        ours_ms, predict_ms = bench_scoring()
        print(f"score one sentence: {ours_ms:7.2f} ms median of 50   (model.predict: {predict_ms:.2f} ms, "
              f"{predict_ms / ours_ms:.1f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
