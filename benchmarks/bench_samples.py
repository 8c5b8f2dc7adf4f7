"""Do a generator's samples read as the corpus does? Word validity and repetition, beside real held-out text.

For a generator bundle, draws ``--samples`` samples of ``--syllables`` Hangul syllables at ``--temperature`` (prompts:
the first syllables of held-out lines, so every sample starts somewhere real) and reports, beside the same figures
for real held-out text cut to the same length:

- **known words**: the share of generated words (space-separated, punctuation stripped, Hangul only) that occur in
  the model's training text — the textbook's "does it write words" check; the real text's own share is the ceiling
  (held-out text has words the training text never had);
- **distinct-2**: distinct syllable bigrams / all syllable bigrams within each sample, averaged — low values mean
  the loops that low temperatures bring.

Run: ``python benchmarks/bench_samples.py --model annals-syllable`` (HANGUL_RNN_CORPORA may point at local corpora).
"""

from __future__ import annotations

import argparse
import json
import re
import time

_HANGUL = re.compile(r"[가-힣]+")


def words(text: str) -> list[str]:
    """Hangul words of ``text``: runs of syllables between spaces, punctuation and other scripts dropped."""
    out = []
    for token in text.split():
        run = "".join(_HANGUL.findall(token))
        if run:
            out.append(run)
    return out


def distinct_2(text: str) -> float:
    """Distinct syllable bigrams over all syllable bigrams of ``text`` (spaces and punctuation removed)."""
    syllables = "".join(_HANGUL.findall(text))
    bigrams = [syllables[i : i + 2] for i in range(len(syllables) - 1)]
    return len(set(bigrams)) / len(bigrams) if bigrams else 0.0


def known_share(texts: list[str], vocabulary: set[str]) -> float:
    found = [w for t in texts for w in words(t)]
    return sum(w in vocabulary for w in found) / len(found) if found else 0.0


def _cut(text: str, syllables: int) -> str:
    """``text`` up to its ``syllables``-th Hangul syllable."""
    seen = 0
    for i, ch in enumerate(text):
        if "가" <= ch <= "힣":
            seen += 1
            if seen == syllables:
                return text[: i + 1]
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="annals-syllable")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--syllables", type=int, default=100)
    parser.add_argument("--temperature", type=float, default=0.8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from hangul_rnn.bundle import load_bundle
    from hangul_rnn.config import train_config_from_bundle
    from hangul_rnn.preparation import generator_text, load_corpus, split_tail
    from hangul_rnn.sampling import generate

    bundle = load_bundle(args.model)
    cfg = train_config_from_bundle(bundle)
    train_text, held_out = split_tail(generator_text(load_corpus(cfg.corpus), cfg.limit), cfg.validation_fraction)
    vocabulary = set(words(bundle.tokenizer.clean_text(train_text)))
    lines = [line for line in bundle.tokenizer.clean_text(held_out).split("\n") if len(_HANGUL.findall(line)) > 8]
    step = max(1, len(lines) // args.samples)
    picked = lines[::step][: args.samples]
    real = [_cut(" ".join(lines[i * step : i * step + 8]), args.syllables) for i in range(len(picked))]

    samples, t0, tokens = [], time.perf_counter(), 0
    per_syllable = 2 if bundle.tokenizer.kind == "jamo" else 1  # tokens a syllable takes, to size max_tokens
    for i, line in enumerate(picked):
        prompt = _HANGUL.findall(line)[0][:2]
        stream = generate(bundle, prompt, temperature=args.temperature, max_tokens=args.syllables * 3 * per_syllable,
                          seed=args.seed + i)
        text = prompt + "".join(stream)
        samples.append(_cut(text, args.syllables))
        tokens += args.syllables
    seconds = time.perf_counter() - t0

    result = {
        "model": bundle.name,
        "temperature": args.temperature,
        "samples": len(samples),
        "known_words_generated": known_share(samples, vocabulary),
        "known_words_real_heldout": known_share(real, vocabulary),
        "distinct2_generated": sum(map(distinct_2, samples)) / len(samples),
        "distinct2_real_heldout": sum(map(distinct_2, real)) / len(real),
        "seconds": seconds,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return
    print(f"{bundle.name}: {len(samples)} samples of {args.syllables} syllables at T={args.temperature}")
    print(f"  words found in the training text: generated {result['known_words_generated']:.1%}, "
          f"real held-out text {result['known_words_real_heldout']:.1%} "
          f"(ratio {result['known_words_generated'] / max(result['known_words_real_heldout'], 1e-9):.2f})")
    print(f"  distinct-2 (syllable bigrams): generated {result['distinct2_generated']:.3f}, "
          f"real {result['distinct2_real_heldout']:.3f}")
    print(f"  example: {samples[0][:120]}")


if __name__ == "__main__":
    main()
