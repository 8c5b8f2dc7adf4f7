"""The baselines of benchmarks/bench_lm_baselines.py: the Kneser-Ney model is a normalised distribution with the
textbook values, and conditional compression pays less for text it has already seen."""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from bench_lm_baselines import bzip2, conditional_bits, ppmd, xz
from kneser_ney import UNICODE_CODE_POINTS, KneserNey, discounts

TEXT = "태조가 즉위하였다.\n임금이 태조에게 하례하였다.\nabracadabra abra"


# ------------------------------------------------------------------------------------ a reference implementation


def reference_probability(text: str, order: int, history: str, w: str | None) -> float:
    """p(w | history) straight from the formulas, with dicts and sets (``w=None``: the unknown-character escape)."""
    vocab = sorted(set(text))
    raw: dict[int, dict[str, int]] = {}
    left: dict[int, dict[str, set]] = {}
    for k in range(1, order + 1):
        raw[k] = {}
        for i in range(len(text) - k + 1):
            gram = text[i : i + k]
            raw[k][gram] = raw[k].get(gram, 0) + 1
    for k in range(1, order):
        left[k] = {}
        for gram in raw[k + 1]:
            left[k].setdefault(gram[1:], set()).add(gram[0])

    def value(k: int, gram: str) -> int:
        return raw[k].get(gram, 0) if k == order else len(left[k].get(gram, ()))

    def grams(k: int) -> list[str]:
        return list(raw[k])

    disc = {k: discounts(np.array([value(k, g) for g in grams(k)])) for k in range(1, order + 1)}

    def p(k: int, h: str) -> float:
        if k == 0:
            return 1.0 / (len(vocab) + 1)
        lower = p(k - 1, h)
        if len(h) < k - 1:  # the start of a text: no history this long, the lower order speaks alone
            return lower
        h = h[len(h) - (k - 1) :]
        extensions = [g for g in grams(k) if g[:-1] == h]
        total = sum(value(k, g) for g in extensions)
        if total == 0:
            return lower
        d = disc[k]
        escape = sum(d[min(value(k, g), 3)] for g in extensions)
        c = value(k, h + w) if w is not None else 0
        return (max(c - d[min(c, 3)], 0.0) + escape * lower) / total

    return p(order, history)


# ------------------------------------------------------------------------------------ Kneser-Ney


def test_discounts_follow_chen_and_goodman() -> None:
    # n1..n4 = 4, 3, 2, 1 -> Y = 4 / 10; D1 = 1 - 2 Y 3/4, D2 = 2 - 3 Y 2/3, D3+ = 3 - 4 Y 1/2
    values = np.array([1] * 4 + [2] * 3 + [3] * 2 + [4])
    assert np.allclose(discounts(values), [0.0, 0.4, 1.2, 2.2])
    # too little data for an estimate: the defaults, still positive so that every history keeps an escape
    assert np.allclose(discounts(np.array([5, 7])), [0.0, 0.5, 1.0, 1.5])


def test_a_unigram_by_hand() -> None:
    # "aab": counts a=2, b=1; n1 = n2 = 1 -> Y = 1/3, D1 = 1/3, D2 = 1.0 (no n3: default);
    # escape = D1 + D2 = 4/3 over total 3; uniform over {a, b, escape} = 1/3 each
    lm = KneserNey("aab", max_order=1)
    assert np.allclose(lm.distribution(""), [13 / 27, 10 / 27, 4 / 27])


@pytest.mark.parametrize("order", [1, 2, 3, 4])
def test_distribution_sums_to_one_and_matches_the_reference(order: int) -> None:
    lm = KneserNey(TEXT, max_order=4)
    vocab = [chr(c) for c in lm.chars]
    histories = ["", "태", "태조", "하였다", "abra", "bra", "zz", "가 태조", "\n", "이", "q태조가", "ab 임"]
    for h in histories:
        dist = lm.distribution(h, order)
        assert dist.shape == (len(vocab) + 1,)
        assert dist.min() > 0
        assert math.isclose(dist.sum(), 1.0, rel_tol=0, abs_tol=1e-12)
        expected = [reference_probability(TEXT, order, h, w) for w in vocab] + [
            reference_probability(TEXT, order, h, None)
        ]
        assert np.allclose(dist, expected, rtol=1e-12, atol=0), (order, h)


@settings(max_examples=40, deadline=None)
@given(
    text=st.text(alphabet="가나다 \nab", min_size=1, max_size=60),
    history=st.text(alphabet="가나다 \nabz", max_size=6),
    order=st.integers(1, 5),
)
def test_distribution_sums_to_one_on_any_text(text: str, history: str, order: int) -> None:
    lm = KneserNey(text, max_order=5)
    dist = lm.distribution(history, order)
    assert math.isclose(dist.sum(), 1.0, abs_tol=1e-12)
    assert dist.min() > 0


def test_bits_score_a_stream_position_by_position() -> None:
    lm = KneserNey(TEXT, max_order=3)
    held = "태조가 하례하였다.\nab☆"  # ☆ never seen: the escape, then spelt out
    result = lm.bits(held, orders=[2, 3], chunk=5)  # small chunks: the chunk seams must not change anything
    vocab = {chr(c): i for i, c in enumerate(lm.chars)}
    spell = math.log2(UNICODE_CODE_POINTS - lm.vocab_size)
    for order in (2, 3):
        expected = 0.0
        for i, ch in enumerate(held):
            dist = lm.distribution(held[max(0, i - order + 1) : i], order)
            expected -= math.log2(dist[vocab.get(ch, lm.vocab_size)])
            if ch not in vocab:
                expected += spell
        assert math.isclose(result[order]["bits"], expected, rel_tol=1e-12)
        assert result[order]["unknown"] == 1
        assert result[order]["chars"] == len(held)


def test_more_context_predicts_seen_text_better() -> None:
    lm = KneserNey(TEXT * 3, max_order=5)
    bits = lm.bits(TEXT, orders=[1, 3, 5])
    assert bits[5]["bits"] < bits[3]["bits"] < bits[1]["bits"]


# ------------------------------------------------------------------------------------ compressors


def _random_text(seed: int, n: int) -> bytes:
    """Words of 1-4 syllables from one fixed inventory of 300 syllables, in an order that depends on ``seed``."""
    inventory = random.Random(0)
    syllables = [chr(0xAC00 + inventory.randrange(11172)) for _ in range(300)]
    rng = random.Random(seed)
    return " ".join("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))) for _ in range(n)).encode()


@pytest.mark.parametrize("compress", [ppmd(8, 16), xz, bzip2], ids=["ppmd", "xz", "bzip2"])
def test_conditional_compression_pays_less_for_repeated_text(compress) -> None:
    held = _random_text(1, 3000)
    other = _random_text(2, 3000)  # same syllables, other words
    seen = conditional_bits(compress, held + b"\n", held)
    unseen = conditional_bits(compress, other + b"\n", held)
    alone = 8 * len(compress(held))
    assert seen < 0.5 * unseen
    assert unseen < alone  # the syllable inventory it has seen helps a little
