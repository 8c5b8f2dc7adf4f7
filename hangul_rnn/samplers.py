"""How the next token is chosen: one small class per strategy, each with one method.

:meth:`Sampler.get_next_token` (the name keras-hub's samplers use) takes the next-token logits of every row of the
batch and returns, for every row of the next step, the token id and the row it continues. Greedy and random
sampling continue each row with one token (``parents`` is ``0..B-1``); beam search keeps the ``num_beams`` best
continuations of each sample, so a row's parent can be another row. The decoding loop
(:mod:`hangul_rnn.sampling`) reorders the network states and the text by ``parents`` and needs to know no more:
a new strategy is one new class here plus a flag.

Logits are read in float64 with ``banned`` ids set to -inf (``<pad>`` and friends are never chosen).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from hangul_rnn.errors import UsageError

__all__ = ["BeamSampler", "GreedySampler", "RandomSampler", "Sampler", "SamplingOptions", "sample_next"]

_PAD_ID = 0  # mirrors hangul_rnn.tokenizers.PAD_ID


@dataclass
class SamplingOptions:
    """How the next token is drawn. Mutable on purpose: :class:`RandomSampler` reads it again before every token
    (the TUI changes temperature while text streams).

    ``temperature`` 0 means greedy (argmax); ``top_k`` 0 means no top-k cut; ``top_p`` 1.0 means no nucleus cut.
    """

    temperature: float = 1.0
    top_k: int = 0
    top_p: float = 1.0

    def validate(self) -> SamplingOptions:
        """Raise a one-line :class:`UsageError` for values out of range; return ``self``."""
        t, k, p = self.temperature, self.top_k, self.top_p
        if not isinstance(t, (int, float)) or isinstance(t, bool) or not np.isfinite(t) or t < 0:
            raise UsageError(f"temperature must be a number >= 0 (0 = greedy), got {t!r}")
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 0:
            raise UsageError(f"top-k must be a whole number >= 0 (0 = off), got {k!r}")
        if not isinstance(p, (int, float)) or isinstance(p, bool) or not (0.0 < p <= 1.0):
            raise UsageError(f"top-p must be in (0, 1] (1 = off), got {p!r}")
        return self


_PENALTIES: dict[int, tuple[Sequence[int], int, np.ndarray]] = {}


def _penalty(banned: Sequence[int], v: int) -> np.ndarray:
    """``[V]``: -inf at the banned ids (none if that would ban every id), 0 elsewhere; cached per banned list, since
    a decoder passes the same list object at every step and one addition is cheaper than a masked assignment."""
    hit = _PENALTIES.get(id(banned))
    if hit is not None and hit[0] is banned and hit[1] == v:
        return hit[2]
    penalty = np.zeros(v)
    ban = [i for i in banned if 0 <= i < v]
    if ban and len(ban) < v:
        penalty[ban] = -np.inf
    if len(_PENALTIES) > 64:
        _PENALTIES.clear()
    _PENALTIES[id(banned)] = (banned, v, penalty)
    return penalty


def _masked(logits: np.ndarray, banned: Sequence[int], dtype: type = np.float64) -> np.ndarray:
    """A ``[B, V]`` copy (float64 by default) with banned ids and NaN at -inf (unless that would ban everything)."""
    x: np.ndarray = np.asarray(logits, dtype=dtype)
    if x.ndim == 1:
        x = x[None, :]
    if x.ndim != 2 or x.shape[1] == 0:
        raise ValueError(f"logits must be [batch, vocab], got shape {np.shape(logits)}")
    x = x + _penalty(banned, x.shape[1])  # float64: exact for float32 logits, so argmax keeps their order
    nan = np.isnan(x)
    if nan.any():
        x[nan] = -np.inf
    dead = ~np.isfinite(x.max(axis=1))  # every id NaN/-inf (or +inf): nothing can be drawn honestly
    if dead.any():
        row = int(np.flatnonzero(dead)[0])
        raise ValueError(f"logits row {row} has no finite value outside the banned ids (all NaN/inf): the model "
                         "produced no usable distribution")
    return x


def _own_float(logits: np.ndarray) -> type:
    """float32 for float32 logits (the runtime's), float64 for anything else."""
    return np.float32 if getattr(logits, "dtype", None) == np.float32 else np.float64


def sample_next(
    logits: np.ndarray,
    options: SamplingOptions | None = None,
    rng: np.random.Generator | None = None,
    *,
    banned: Sequence[int] = (_PAD_ID,),
) -> np.ndarray:
    """Draw one token id per row of ``logits [B, V]`` (a 1-D ``[V]`` gives a 0-d array).

    Works in float64 with the max subtracted before ``exp``, so no temperature overflows. ``banned`` ids (by
    default ``<pad>``) are never drawn. Temperature 0 is argmax; otherwise top-k keeps exactly the ``k`` largest
    logits, then top-p keeps the smallest set of most probable tokens whose mass reaches ``p`` (always at least
    one), and one token is drawn from what is left, renormalised.
    """
    options = (options or SamplingOptions()).validate()
    one = np.ndim(logits) == 1
    if options.temperature == 0:  # argmax needs no widening: keep the logits' own precision
        out = np.argmax(_masked(logits, banned, _own_float(logits)), axis=1)
        return out[0] if one else out
    rng = rng if rng is not None else np.random.default_rng()
    x = _masked(logits, banned)
    n, v = x.shape
    x /= float(options.temperature)
    k = int(options.top_k)
    if 0 < k < v:
        drop = np.argpartition(-x, k - 1, axis=1)[:, k:]
        np.put_along_axis(x, drop, -np.inf, axis=1)
    x -= x.max(axis=1, keepdims=True)
    p = np.exp(x)
    p /= p.sum(axis=1, keepdims=True)
    if options.top_p < 1.0:
        order = np.argsort(-p, axis=1, kind="stable")
        sorted_p = np.take_along_axis(p, order, axis=1)
        before = np.cumsum(sorted_p, axis=1) - sorted_p  # mass of the more probable tokens
        drop_sorted = before >= options.top_p
        drop_sorted[:, 0] = False
        drop_mask = np.zeros_like(drop_sorted)
        np.put_along_axis(drop_mask, order, drop_sorted, axis=1)
        p[drop_mask] = 0.0
        p /= p.sum(axis=1, keepdims=True)
    cdf = np.cumsum(p, axis=1)
    u = np.asarray(rng.random(n))[:, None] * cdf[:, -1:]
    out = np.minimum((cdf <= u).sum(axis=1), v - 1)
    return out[0] if one else out


class Sampler:
    """A strategy for choosing the next token. Subclasses implement :meth:`get_next_token`.

    ``rows_per_sample``: batch rows the strategy keeps per sample (1, or the beam width); the decoding loop runs
    ``num_samples * rows_per_sample`` rows. :meth:`start` is called once before the first token.
    """

    rows_per_sample: int = 1

    def start(self, num_samples: int) -> None:
        """Reset any per-run state for ``num_samples`` samples."""

    def get_next_token(self, logits: np.ndarray, banned: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        """``(ids [R], parents [R])``: the token of each row of the next step and the row of ``logits`` it
        continues."""
        raise NotImplementedError

    def best_rows(self, num_samples: int) -> np.ndarray:
        """The row that is each sample's answer when the run ends (its first row unless the strategy ranks them)."""
        return np.arange(num_samples) * self.rows_per_sample


class GreedySampler(Sampler):
    """The most likely token, always: deterministic, and the reference the runtime is tested against."""

    def get_next_token(self, logits, banned):
        x = _masked(logits, banned, _own_float(logits))
        return np.argmax(x, axis=1), np.arange(x.shape[0])


class RandomSampler(Sampler):
    """A draw from the distribution at ``options.temperature``, cut by top-k and top-p (greedy at temperature 0).

    ``options`` is read on every call, so a change between tokens applies to the next token.
    """

    def __init__(self, options: SamplingOptions | None = None, seed: int | np.random.Generator | None = None) -> None:
        self.options = (options if options is not None else SamplingOptions()).validate()
        self.rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)

    def get_next_token(self, logits, banned):
        ids = np.atleast_1d(sample_next(logits, self.options, self.rng, banned=banned))
        return ids, np.arange(ids.shape[0])


class BeamSampler(Sampler):
    """Beam search: keep the ``num_beams`` continuations of highest total log-probability per sample.

    Row ``s * num_beams + j`` is beam ``j`` of sample ``s``. At the start every beam of a sample holds the same
    prompt, so only its first row competes (the others start at -inf) and the first step picks ``num_beams``
    different tokens. With one beam this is greedy decoding, token for token.
    """

    def __init__(self, num_beams: int) -> None:
        if isinstance(num_beams, bool) or not isinstance(num_beams, (int, np.integer)) or num_beams < 1:
            raise UsageError(f"the number of beams must be at least 1, got {num_beams!r}")
        self.rows_per_sample = self.num_beams = int(num_beams)
        self.scores = np.zeros(0)

    def start(self, num_samples: int) -> None:
        self.scores = np.full((num_samples, self.num_beams), -np.inf)
        self.scores[:, 0] = 0.0

    def get_next_token(self, logits, banned):
        x = _masked(logits, banned)
        n, k = self.scores.shape
        v = x.shape[1]
        x -= x.max(axis=1, keepdims=True)
        logp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))  # log-softmax, stable
        total = (self.scores.reshape(-1, 1) + logp).reshape(n, k * v)
        if k * v > k:
            top = np.argpartition(-total, k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(k * v), (n, k * v)).copy()
        order = np.argsort(-np.take_along_axis(total, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)  # best first
        self.scores = np.take_along_axis(total, top, axis=1)
        parents = (top // v + np.arange(n)[:, None] * k).reshape(-1)
        return (top % v).reshape(-1), parents

    def best_rows(self, num_samples: int) -> np.ndarray:
        return np.argmax(self.scores, axis=1) + np.arange(num_samples) * self.num_beams
