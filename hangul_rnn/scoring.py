"""Classifier scores: one sentence, many sentences, and prefix-by-prefix for one sentence.

Text goes through the bundle's own tokenizer (which applies its own cleaning rules) and is cut like training
(``max_len`` and ``truncating`` from the bundle config, "pre" by default). The network runs in NumPy
(:class:`hangul_rnn.runtime.Runtime`, no TensorFlow): a model whose embedding masks padding reads each text at its
own length, which gives what Keras gives on the padded ids at a fraction of the work (texts are grouped by
length, so a batch pads only to its own longest); a model without a mask (the Conv1D front end reads padding as
input) is padded to ``max_len`` exactly as in training.

:func:`explain` scores every word prefix of a sentence ("재미있을", "재미있을 줄", …, the whole sentence) plus the
empty text, all in ONE batched forward pass, and reports how much each word moved the positive-class probability.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from hangul_rnn.ensemble import Ensemble, check_classifier, config_value
from hangul_rnn.errors import UsageError

__all__ = ["Explanation", "Score", "cut_ids", "explain", "positive_index", "probabilities", "score", "score_batch",
           "warm_analyser"]

_WORD_RE = re.compile(r"\S+")
_POSITIVE_NAMES = ("positive", "pos", "긍정", "1")
_DEFAULT_MAX_LEN = 64
_BATCH = 256

#: Prefixes ``explain`` scores at most; a longer text is explained a few words at a step, so the work stays
#: proportional to the text (every prefix is tokenized on its own: one per word would be quadratic).
MAX_EXPLAIN_STEPS = 200


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
    note: str | None = None  # set when words are grouped: a long text is explained in MAX_EXPLAIN_STEPS steps


def _label_names(bundle: Any, num_classes: int) -> list[str]:
    names = [str(n) for n in (config_value(bundle, "label_names", None) or [])]
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


def _pad(id_lists: Sequence[Sequence[int]], length: int, padding: str) -> np.ndarray:
    """Rows of ids padded with 0 to ``length`` (``"pre"``: before, ``"post"``: after)."""
    out = np.zeros((len(id_lists), length), dtype=np.int64)
    for row, ids in zip(out, id_lists):
        if len(ids):
            if padding == "post":
                row[: len(ids)] = ids
            else:
                row[length - len(ids) :] = ids
    return out


def cut_ids(ids: Sequence[int], max_len: int, truncating: str = "pre", drop_unknown: bool = False) -> list[int]:
    """A text's ids as a classifier reads them, in training and scoring alike: at most ``max_len`` (``"pre"`` keeps
    the end, ``"post"`` the beginning), then, with ``drop_unknown``, without ``<unk>``: Keras' Tokenizer drops
    unknown words after the textbook has cut each review to its first 25, so the cut comes first."""
    from hangul_rnn.tokenizers import UNK_ID

    kept = list(ids[-max_len:] if truncating == "pre" else ids[:max_len]) if len(ids) > max_len else list(ids)
    return [i for i in kept if i != UNK_ID] if drop_unknown else kept


def _probabilities(bundle: Any, id_lists: list[list[int]]) -> np.ndarray:
    """Class probabilities ``[N, C]`` (float64) for already encoded texts, cut and padded like training."""
    max_len = int(config_value(bundle, "max_len", _DEFAULT_MAX_LEN))
    padding = config_value(bundle, "padding", "pre")
    truncating = config_value(bundle, "truncating", "pre")
    drop_unknown = bool(config_value(bundle, "drop_unknown", False))
    cut = [cut_ids(ids, max_len, truncating, drop_unknown) for ids in id_lists]
    runtime = bundle.runtime
    probs = np.zeros((len(cut), 0))
    if runtime.masked:  # padding is skipped: run each group of similar lengths at its own longest
        order = sorted(range(len(cut)), key=lambda i: len(cut[i]))
        parts = []
        for start in range(0, len(order), _BATCH):
            rows = [cut[i] for i in order[start : start + _BATCH]]
            parts.append(runtime.forward(_pad(rows, max(1, len(rows[-1])), padding)))
        ordered = np.concatenate(parts, axis=0).astype(np.float64)
        probs = np.empty_like(ordered)
        probs[order] = ordered
    else:
        parts = [runtime.forward(_pad(cut[i : i + _BATCH], max_len, padding)) for i in range(0, len(cut), _BATCH)]
        probs = np.concatenate(parts, axis=0).astype(np.float64)
    if probs.ndim == 2 and probs.shape[1] == 1:  # a sigmoid head: P(class 1)
        probs = np.concatenate([1.0 - probs, probs], axis=1)
    probs = np.clip(probs, 0.0, None)
    return probs / probs.sum(axis=1, keepdims=True)


def probabilities(source: Any, texts: Sequence[str], *, must_read: Sequence[int] = ()) -> np.ndarray:
    """Class probabilities ``[N, C]`` of raw texts (an empty text scores as empty input, it is not an error here)
    from a bundle, or the mean over an :class:`Ensemble`'s members.

    The texts at the indices ``must_read`` are the user's own: one the tokenizer's cleaning reduces to nothing
    (emoji only, control characters, another script) is a UsageError instead of the empty input's confident label.
    """
    texts = list(texts)
    if isinstance(source, Ensemble):
        return np.mean([probabilities(m, texts, must_read=must_read) for m in source.members], axis=0)
    todo = [i for i, t in enumerate(texts) if t]
    ids: list[list[int]] = [[] for _ in texts]
    for i, encoded in zip(todo, source.tokenizer.encode_batch([texts[i] for i in todo])):
        ids[i] = encoded
    for i in must_read:
        if not ids[i]:
            where = "" if len(must_read) == 1 else f"text {i + 1} ({texts[i][:30]!r}) "
            raise UsageError(f"nothing to score: {where or repr(texts[i][:30]) + ' '}has nothing the model reads once "
                             f"cleaned (cleaning '{source.tokenizer.clean}' drops it)")
    return _probabilities(source, ids)


def _score_row(row: np.ndarray, names: list[str]) -> Score:
    label_id = int(np.argmax(row))
    return Score(names[label_id], label_id, {n: float(p) for n, p in zip(names, row)})


def _check_texts(texts: Sequence[str]) -> None:
    for i, text in enumerate(texts):
        if not isinstance(text, str) or not text.strip():
            where = "" if len(texts) == 1 else f" (text {i + 1})"
            raise UsageError(f"nothing to score: the text is empty{where}")


# --------------------------------------------------------------------------------------------------- Kiwi


_WARM_TEXT = "영화가 정말 재미있었어요"


def _stems_of(name: str | Any, depth: int = 0) -> set:
    from hangul_rnn.bundle import read_config
    from hangul_rnn.catalog import resolve_bundle_path
    from hangul_rnn.ensemble import ENSEMBLE_KIND

    config = read_config(resolve_bundle_path(name))
    if config.get("kind") == ENSEMBLE_KIND and depth == 0:
        return set().union(*(_stems_of(m, 1) for m in config.get("members") or []))
    return {(config.get("tokenizer") or {}).get("stem")}


def warm_analyser(models: Sequence[str | Any]) -> threading.Thread | None:
    """Start Kiwi on a background thread, and run its first analysis there, when one of ``models`` (names or
    folders; a saved ensemble's members count) reads text through morpheme stems; returns the thread, else None.

    Kiwi takes about a second to load and its first analysis almost two more; with this the wait overlaps reading
    the bundle and the network (and a person typing), and the first score does not pay it. Only the bundles' JSON is
    read here; a problem with them is left for the real load to report.
    """
    from hangul_rnn.errors import HangulRNNError

    try:
        stems = set().union(*(_stems_of(m) for m in models)) if models else set()
    except (HangulRNNError, OSError):
        return None
    if not stems & {"morph", "morph-all"}:
        return None

    def load() -> None:
        from hangul_rnn import morph

        try:
            morph.stem_batch([_WARM_TEXT, _WARM_TEXT])  # the path encode_batch takes: same Kiwi, same threads
            morph.stem(_WARM_TEXT)
        except Exception:  # noqa: BLE001 - the first real use raises it again, with its one-line error
            pass

    thread = threading.Thread(target=load, name="kiwi-warm", daemon=True)
    thread.start()
    return thread


# --------------------------------------------------------------------------------------------------- public API


def score(bundle: Any, text: str) -> Score:
    """The classifier's label and class probabilities for ``text``; empty text is a :class:`UsageError`."""
    return score_batch(bundle, [text])[0]


def score_batch(bundle: Any, texts: Sequence[str]) -> list[Score]:
    """:func:`score` for many texts: tokenized in one batch, scored in batched forward passes."""
    check_classifier(bundle)
    texts = list(texts)
    if not texts:
        return []
    _check_texts(texts)
    probs = probabilities(bundle, texts, must_read=range(len(texts)))
    names = _label_names(bundle, probs.shape[1])
    return [_score_row(row, names) for row in probs]


def explain(bundle: Any, text: str) -> Explanation:
    """Scores of every word prefix of ``text`` (and of empty input), from one batched forward pass.

    Prefixes are cut from ``text`` itself (up to the end of each whitespace word, the last one being the whole
    text), so the last prefix score is exactly ``score(bundle, text)``'s probability of the target class.
    """
    check_classifier(bundle)
    if not isinstance(text, str) or not text.strip():
        raise UsageError("nothing to score: the text is empty")
    ends = [m.end() for m in _WORD_RE.finditer(text)]
    step = -(-len(ends) // MAX_EXPLAIN_STEPS)  # words per step: 1 up to MAX_EXPLAIN_STEPS words
    ends = ends[step - 1 :: step] + ([ends[-1]] if len(ends) % step else [])
    starts = [0, *ends[:-1]]
    words = [text[a:b].strip() for a, b in zip(starts, ends)]
    prefixes = [text[:end] for end in ends[:-1]] + [text]
    probs = probabilities(bundle, ["", *prefixes], must_read=[len(prefixes)])
    names = _label_names(bundle, probs.shape[1])
    target = positive_index(names)
    curve = probs[:, target]
    prefix_scores = [float(p) for p in curve[1:]]
    deltas = [float(d) for d in np.diff(curve)]
    return Explanation(
        note=(f"a long text: explained {step} words at a time ({len(words)} steps)" if step > 1 else None),
        words=words,
        prefix_scores=prefix_scores,
        deltas=deltas,
        final=_score_row(probs[-1], names),
        target=names[target],
        baseline=float(curve[0]),
    )
