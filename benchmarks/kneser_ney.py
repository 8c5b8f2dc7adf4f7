"""Character n-gram language model with interpolated modified Kneser-Ney smoothing, in NumPy.

A baseline for the generators (see bench_lm_baselines.py), not part of the library. A "character" is one Unicode
code point of the text as given (Hangul syllables, spaces, newlines, punctuation alike), so on cleaned Korean text
this is a syllable-level model.

The smoothing is Chen & Goodman's interpolated modified Kneser-Ney (1998, section 3.6, "the" KN of KenLM and SRILM
``-kndiscount -interpolate``): for the highest order ``n`` with raw counts ``c``,

    p(w | h) = max(c(hw) - D(c(hw)), 0) / c(h.) + gamma(h) * p(w | h'),
    gamma(h) = (D1 N1(h.) + D2 N2(h.) + D3+ N3+(h.)) / c(h.),

where ``h'`` is ``h`` without its first character, ``N_r(h.)`` counts the characters seen after ``h`` exactly ``r``
times (3 or more for ``N3+``) and ``D1, D2, D3+`` come from the count-of-counts of that order,
``Y = n1 / (n1 + 2 n2)``, ``D_r = r - (r + 1) Y n_{r+1} / n_r``. Every lower order uses the same formula with the
*continuation count* ``N1+(.hw)`` (the number of distinct characters seen before ``hw``) in place of ``c``, and has
discounts of its own from the count-of-counts of continuation counts. A history never seen (``c(h.) = 0``) passes
its lower order's distribution through unchanged. Under order 1 lies the uniform distribution over the ``V``
training characters plus one *unknown-character escape*, so for every history the probabilities of the ``V``
characters and the escape sum to 1 (the tests check it). An unknown character costs the escape plus, in
:meth:`KneserNey.bits`, ``log2`` of the number of code points outside the vocabulary, to spell it out: the model is
then a proper distribution over all of Unicode and its bits compare with a compressor's.

Storage: the n-grams of order ``k`` are sorted int64 keys ``id(prefix (k-1)-gram) * (V + 1) + char``, built order by
order with ``np.unique`` over every position of the training text, so memory is a few int64 arrays of the text's
length (about 3 GB peak for 50M characters at order 6) and look-ups are ``np.searchsorted``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["KneserNey", "discounts"]

#: Code points in Unicode: an unknown character is spelt out as one of those outside the vocabulary.
UNICODE_CODE_POINTS = 0x110000


def discounts(values: np.ndarray) -> np.ndarray:
    """``[0, D1, D2, D3+]`` from the count-of-counts of ``values`` (Chen & Goodman's estimates).

    Where the text is too small for an estimate (a count-of-counts of zero) the usual defaults 0.5/1.0/1.5 stand in;
    each ``D_r`` is clipped to ``[0.05, r]`` so that no count goes negative and every history keeps some mass for
    its lower order (a zero escape would make an unseen character impossible).
    """
    n = [int(np.count_nonzero(values == r)) for r in range(1, 5)]  # n1..n4
    out = np.zeros(4)
    defaults = (0.5, 1.0, 1.5)
    y = n[0] / (n[0] + 2 * n[1]) if n[0] > 0 and n[1] > 0 else None
    for r in (1, 2, 3):
        if y is not None and n[r - 1] > 0 and n[r] > 0:
            d = r - (r + 1) * y * n[r] / n[r - 1]
        else:
            d = defaults[r - 1]
        out[r] = min(max(d, 0.05), float(r))
    return out


@dataclass
class _Table:
    """One order's n-gram values (raw or continuation counts) with per-history sums, for one kind of use."""

    values: np.ndarray  # int32 per n-gram (aligned with the order's sorted keys)
    total: np.ndarray  # float64 per history id: sum of values
    escape: np.ndarray  # float64 per history id: D1 N1 + D2 N2 + D3 N3+ (the numerator of gamma)
    d: np.ndarray  # [0, D1, D2, D3+]

    @classmethod
    def build(cls, values: np.ndarray, prefix: np.ndarray, n_histories: int) -> _Table:
        d = discounts(values)
        total = np.bincount(prefix, weights=values, minlength=n_histories).astype(np.float64)
        escape = np.bincount(prefix, weights=d[np.minimum(values, 3)], minlength=n_histories)
        # values == 0 (an n-gram seen only at the very start of the text, no left neighbour) add d[0] = 0: no mass.
        return cls(values.astype(np.int32), total, escape.astype(np.float64), d)


def _gather(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """``values[index]``, and 0 where ``index`` is -1 (not in training), ``values`` possibly empty."""
    if len(values) == 0:
        return np.zeros(len(index), dtype=values.dtype)
    return np.where(index >= 0, values[np.maximum(index, 0)], 0).astype(values.dtype)


class KneserNey:
    """Interpolated modified Kneser-Ney over code points, every order up to ``max_order`` from one training pass.

    ``KneserNey(text, max_order=6)`` counts once; :meth:`bits` (``order=`` any of 1..max_order) scores a text as a
    stream, :meth:`distribution` gives the probabilities of every character and the escape after a history.
    """

    def __init__(self, text: str, max_order: int = 6) -> None:
        if max_order < 1:
            raise ValueError(f"max_order must be >= 1, got {max_order}")
        if not text:
            raise ValueError("the training text is empty")
        self.max_order = max_order
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        self.chars, ids = np.unique(codes, return_inverse=True)  # vocabulary: sorted code points
        self.vocab_size = len(self.chars)
        self.base = self.vocab_size + 1  # key radix: the characters plus the unknown id
        ids = ids.astype(np.int64)
        length = len(ids)
        #: keys[k]: sorted unique keys of the k-grams (keys[0] = [0], the empty history)
        self.keys: list[np.ndarray] = [np.zeros(1, dtype=np.int64)]
        self._raw: list[_Table | None] = [None]
        self._cont: list[_Table | None] = [None]  # _cont[k] is appended once order k+1 is counted
        pos_ids = np.zeros(length, dtype=np.int64)  # id of the (k-1)-gram starting at each position (k = 1: empty)
        for k in range(1, max_order + 1):
            n = max(length - k + 1, 0)  # k-grams in the text
            keys = pos_ids[:n] * self.base + ids[k - 1 : k - 1 + n]
            uniq, first, inverse, counts = np.unique(keys, return_index=True, return_inverse=True, return_counts=True)
            del keys
            self.keys.append(uniq)
            self._raw.append(_Table.build(counts, uniq // self.base, len(self.keys[k - 1])))
            if k >= 2:
                # continuation counts of order k-1: each distinct k-gram "v hw" adds one to its suffix "hw", the
                # (k-1)-gram starting one position after any occurrence of "v hw"
                cont = np.bincount(pos_ids[first + 1], minlength=len(self.keys[k - 1]))
                self._cont.append(_Table.build(cont, self.keys[k - 1] // self.base, len(self.keys[k - 2])))
            pos_ids = inverse.reshape(-1).astype(np.int64)
            del inverse
        # the top order is never a lower order; its raw counts stand in so that the list is complete
        self._cont.append(self._raw[max_order])

    # ---------------------------------------------------------------------------------------------- look-ups

    def encode(self, text: str) -> np.ndarray:
        """Vocabulary ids of ``text``'s code points; characters never seen in training get ``vocab_size``."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        idx = np.searchsorted(self.chars, codes)
        idx = np.minimum(idx, self.vocab_size - 1)
        known = self.chars[idx] == codes
        return np.where(known, idx, self.vocab_size).astype(np.int64)

    def _lookup(self, k: int, parent: np.ndarray, chars: np.ndarray) -> np.ndarray:
        """Ids of the k-grams ``parent`` (a (k-1)-gram id, -1 for none) + ``chars``; -1 where not in training."""
        keys = self.keys[k]
        out = np.full(len(chars), -1, dtype=np.int64)
        if len(keys) == 0:
            return out
        ok = (parent >= 0) & (chars >= 0) & (chars < self.vocab_size)
        key = parent[ok] * self.base + chars[ok]
        at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        out[ok] = np.where(keys[at] == key, at, -1)
        return out

    def _history_ids(self, context: np.ndarray, length: int) -> np.ndarray:
        """Ids (order ``length``) of the last ``length`` columns of ``context`` (rows of char ids, -1 = before the
        text); -1 where that history never occurred in training."""
        rows = context.shape[0]
        hist = np.zeros(rows, dtype=np.int64)  # the empty history
        width = context.shape[1]
        for j in range(length):
            hist = self._lookup(j + 1, hist, context[:, width - length + j])
        return hist

    def _probabilities(self, context: np.ndarray, targets: np.ndarray, orders: list[int]) -> dict[int, np.ndarray]:
        """``p(target | context row)`` for each model order in ``orders``; ``context`` has ``max(orders) - 1``
        columns (-1 before the start of the text); a target of ``vocab_size`` is the unknown-character escape."""
        top = max(orders)
        hist = [self._history_ids(context, j) for j in range(top)]  # hist[j]: the history of length j
        grams = [self._lookup(j + 1, hist[j], targets) for j in range(top)]  # grams[j]: the (j+1)-gram
        out: dict[int, np.ndarray] = {}
        for order in orders:
            p = np.full(len(targets), 1.0 / self.base)
            for k in range(1, order + 1):
                table = self._raw[k] if k == order else self._cont[k]
                assert table is not None
                h, g = hist[k - 1], grams[k - 1]
                total = _gather(table.total, h)
                escape = _gather(table.escape, h)
                value = _gather(table.values, g)
                discounted = np.maximum(value - table.d[np.minimum(value, 3)], 0.0)
                live = total > 0
                safe = np.where(live, total, 1.0)
                p = np.where(live, (discounted + escape * p) / safe, p)
            out[order] = p
        return out

    # ---------------------------------------------------------------------------------------------- public

    def distribution(self, history: str, order: int | None = None) -> np.ndarray:
        """Probabilities of each vocabulary character (in ``self.chars`` order) and, last, the escape, after
        ``history`` (only its last ``order - 1`` characters matter). Sums to 1."""
        order = order or self.max_order
        width = order - 1
        ctx_ids = self.encode(history)[-width:] if width else np.zeros(0, np.int64)
        ctx = np.full(width, -1, dtype=np.int64)
        if width and len(ctx_ids):
            ctx[width - len(ctx_ids):] = ctx_ids
        targets = np.arange(self.base, dtype=np.int64)
        context = np.broadcast_to(ctx, (self.base, width))
        return self._probabilities(np.ascontiguousarray(context), targets, [order])[order]

    def bits(self, text: str, orders: list[int] | None = None, chunk: int = 1 << 20) -> dict[int, dict]:
        """Total bits of ``text`` scored as one stream from its start, for each model order.

        Each result: ``bits`` (the total, unknown characters spelt out), ``chars``, ``unknown`` (how many
        characters were outside the training vocabulary) and ``unknown_bits`` (their share of ``bits``).
        """
        orders = sorted(set(orders or [self.max_order]))
        if orders[0] < 1 or orders[-1] > self.max_order:
            raise ValueError(f"orders must be within 1..{self.max_order}, got {orders}")
        ids = self.encode(text)
        width = orders[-1] - 1
        padded = np.concatenate([np.full(width, -1, dtype=np.int64), ids])
        spell = math.log2(UNICODE_CODE_POINTS - self.vocab_size)
        unknown = ids == self.vocab_size
        totals = {o: 0.0 for o in orders}
        unknown_bits = {o: 0.0 for o in orders}
        for start in range(0, len(ids), chunk):
            stop = min(start + chunk, len(ids))
            # row i: the `width` ids before text[i]
            context = np.lib.stride_tricks.sliding_window_view(padded[start : stop + width], width + 1)[:, :width] \
                if width else np.zeros((stop - start, 0), dtype=np.int64)
            probs = self._probabilities(np.ascontiguousarray(context), ids[start:stop], orders)
            unk = unknown[start:stop]
            for o, p in probs.items():
                b = -np.log2(p)
                totals[o] += float(b.sum()) + spell * int(unk.sum())
                unknown_bits[o] += float(b[unk].sum()) + spell * int(unk.sum())
        n_unknown = int(unknown.sum())
        return {o: {"bits": totals[o], "chars": len(ids), "unknown": n_unknown, "unknown_bits": unknown_bits[o]}
                for o in orders}
