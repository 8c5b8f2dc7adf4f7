"""Classifier scores: one sentence, many sentences, and prefix-by-prefix for one sentence.

Text goes through the bundle's own tokenizer (which applies its own cleaning rules) and is padded exactly like
training (``max_len``, ``padding``, ``truncating`` from the bundle config, "pre" by default). The model is called
through a cached ``tf.function`` with a ``[None, None]`` int32 signature, never ``model.predict``: one graph call
per request keeps scoring-as-you-type responsive, and a batch of any size reuses the same graph.

:func:`explain` scores every word prefix of a sentence ("재미있을", "재미있을 줄", …, the whole sentence) plus the
empty text, all in ONE batched forward pass, and reports how much each word moved the positive-class probability.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hangul_rnn.errors import UsageError

__all__ = ["Ensemble", "Explanation", "Score", "explain", "positive_index", "probabilities", "score", "score_batch"]

_WORD_RE = re.compile(r"\S+")
_POSITIVE_NAMES = ("positive", "pos", "긍정", "1")
_DEFAULT_MAX_LEN = 64
_BATCH = 256


@dataclass(frozen=True)
class Score:
    """The predicted label, its id, and the probability of every label (summing to 1)."""

    label: str
    label_id: int
    probabilities: dict[str, float]

    @property
    def probability(self) -> float:
        """Probability of the predicted label."""
        return self.probabilities[self.label]


@dataclass(frozen=True)
class Explanation:
    """Prefix-by-prefix scores of one sentence.

    ``prefix_scores[i]`` is P(``target``) after ``words[: i + 1]``; ``deltas[i]`` is how much word ``i`` moved it
    (the first word against ``baseline``, the score of empty input). ``final`` is the whole sentence's score.
    """

    words: list[str]
    prefix_scores: list[float]
    deltas: list[float]
    final: Score
    target: str
    baseline: float


class Ensemble:
    """Several classifiers scored as one: each reads the text with its own tokenizer and their class probabilities
    are averaged.

    Models that see a review differently (all morphemes, content morphemes, 5-character words, syllables) make
    different mistakes: on NSMC four of them score 88.0% against 86.5% for the best alone. Every function here that
    takes a bundle takes an ``Ensemble`` too. Members must be classifiers with the same labels.
    """

    task = "classifier"

    def __init__(self, members: Sequence[Any], *, path: Any = None, metrics: dict | None = None) -> None:
        """``path`` and ``metrics`` are set for an ensemble saved under a name (``hangul-rnn ensemble``)."""
        members = list(members)
        if not members:
            raise UsageError("an ensemble needs at least one model")
        for m in members:
            _check_classifier(m)
        names = [_config_value(m, "label_names", None) for m in members]
        for m, n in zip(members[1:], names[1:]):
            if n != names[0]:
                raise UsageError(f"models {_name(members[0])!r} and {_name(m)!r} have different labels "
                                 f"({names[0]} vs {n}); they cannot be averaged")
        self.members = members
        self.config = {"label_names": names[0]}
        self.path = path
        self.metrics = dict(metrics or {})

    @property
    def name(self) -> str:
        """The saved ensemble's folder name, else its members' names joined by " + "."""
        if self.path is not None:
            return str(getattr(self.path, "name", self.path))
        return " + ".join(_name(m) for m in self.members)

    @property
    def label_names(self) -> list[str]:
        return [str(n) for n in self.config.get("label_names") or []]


def _name(bundle: Any) -> str:
    return str(getattr(bundle, "name", "") or "model")


# --------------------------------------------------------------------------------------------------- helpers


def _config_value(bundle: Any, key: str, default: Any) -> Any:
    """A config value at the top level or under ``hyperparameters`` (where training stores it)."""
    config = getattr(bundle, "config", None) or {}
    if config.get(key) is not None:
        return config[key]
    hyper = config.get("hyperparameters")
    if isinstance(hyper, dict) and hyper.get(key) is not None:
        return hyper[key]
    return default


def _check_classifier(bundle: Any) -> None:
    if isinstance(bundle, Ensemble):
        return  # its members were checked when it was made
    task = getattr(bundle, "task", None)
    if task and task != "classifier":
        name = getattr(bundle, "name", "") or "this model"
        raise UsageError(f"model {name!r} is a {task}, not a classifier; pick a classifier model to score text")


def _label_names(bundle: Any, num_classes: int) -> list[str]:
    names = [str(n) for n in (_config_value(bundle, "label_names", None) or [])]
    if len(names) < num_classes:
        names += [str(i) for i in range(len(names), num_classes)]
    return names[:num_classes]


def positive_index(label_names: Sequence[str]) -> int:
    """The class whose probability :func:`explain` tracks: one named positive (or "1"), else class 1."""
    lowered = [n.lower() for n in label_names]
    for name in _POSITIVE_NAMES:
        if name in lowered:
            return lowered.index(name)
    return 1 if len(label_names) > 1 else 0


_FORWARD: OrderedDict[int, tuple[Any, Any]] = OrderedDict()


def _forward(model: Any):
    """A cached tf.function calling ``model(x, training=False)``; traces once for any batch size and length."""
    key = id(model)
    hit = _FORWARD.get(key)
    if hit is not None and hit[0] is model:
        _FORWARD.move_to_end(key)
        return hit[1]
    import tensorflow as tf

    fn = tf.function(
        lambda x: model(x, training=False), input_signature=[tf.TensorSpec([None, None], tf.int32)]
    )
    _FORWARD[key] = (model, fn)
    while len(_FORWARD) > 4:
        _FORWARD.popitem(last=False)
    return fn


def _probabilities(bundle: Any, id_lists: list[list[int]]) -> np.ndarray:
    """Class probabilities ``[N, C]`` (float64) for already encoded texts, padded like training."""
    from hangul_rnn.windows import pad_sequences

    max_len = int(_config_value(bundle, "max_len", _DEFAULT_MAX_LEN))
    padding = _config_value(bundle, "padding", "pre")
    truncating = _config_value(bundle, "truncating", "pre")
    x = pad_sequences(id_lists, max_len, padding=padding, truncating=truncating)
    fn = _forward(bundle.model)
    parts = [np.asarray(fn(x[i : i + _BATCH]), dtype=np.float64) for i in range(0, len(x), _BATCH)]
    probs = np.concatenate(parts, axis=0)
    if probs.ndim == 2 and probs.shape[1] == 1:  # a sigmoid head: P(class 1)
        probs = np.concatenate([1.0 - probs, probs], axis=1)
    probs = np.clip(probs, 0.0, None)
    return probs / probs.sum(axis=1, keepdims=True)


def probabilities(source: Any, texts: Sequence[str]) -> np.ndarray:
    """Class probabilities ``[N, C]`` of raw texts (an empty text scores as empty input, it is not an error here)
    from a bundle, or the mean over an :class:`Ensemble`'s members."""
    texts = list(texts)
    if isinstance(source, Ensemble):
        return sum(probabilities(m, texts) for m in source.members) / len(source.members)
    todo = [i for i, t in enumerate(texts) if t]
    ids: list[list[int]] = [[] for _ in texts]
    for i, encoded in zip(todo, source.tokenizer.encode_batch([texts[i] for i in todo])):
        ids[i] = encoded
    return _probabilities(source, ids)


def _score_row(row: np.ndarray, names: list[str]) -> Score:
    label_id = int(np.argmax(row))
    return Score(names[label_id], label_id, {n: float(p) for n, p in zip(names, row)})


def _check_texts(texts: Sequence[str]) -> None:
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            where = "" if len(texts) == 1 else f" (text {i + 1})"
            raise UsageError(f"nothing to score: the text is empty{where}")


# --------------------------------------------------------------------------------------------------- public API


def score(bundle: Any, text: str) -> Score:
    """The classifier's label and class probabilities for ``text``; empty text is a :class:`UsageError`."""
    return score_batch(bundle, [text])[0]


def score_batch(bundle: Any, texts: Sequence[str]) -> list[Score]:
    """:func:`score` for many texts: tokenized in one batch, scored in batched forward passes."""
    _check_classifier(bundle)
    texts = list(texts)
    if not texts:
        return []
    _check_texts(texts)
    probs = probabilities(bundle, texts)
    names = _label_names(bundle, probs.shape[1])
    return [_score_row(row, names) for row in probs]


def explain(bundle: Any, text: str) -> Explanation:
    """Scores of every word prefix of ``text`` (and of empty input), from one batched forward pass.

    Prefixes are cut from ``text`` itself (up to the end of each whitespace word, the last one being the whole
    text), so the last prefix score is exactly ``score(bundle, text)``'s probability of the target class.
    """
    _check_classifier(bundle)
    if not isinstance(text, str) or not text.strip():
        raise UsageError("nothing to score: the text is empty")
    matches = list(_WORD_RE.finditer(text))
    words = [m.group() for m in matches]
    prefixes = [text[: m.end()] for m in matches[:-1]] + [text]
    probs = probabilities(bundle, ["", *prefixes])
    names = _label_names(bundle, probs.shape[1])
    target = positive_index(names)
    curve = probs[:, target]
    prefix_scores = [float(p) for p in curve[1:]]
    deltas = [float(d) for d in np.diff(curve)]
    return Explanation(
        words=words,
        prefix_scores=prefix_scores,
        deltas=deltas,
        final=_score_row(probs[-1], names),
        target=names[target],
        baseline=float(curve[0]),
    )
