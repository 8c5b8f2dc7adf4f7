"""Evaluation of saved models on held-out data: classifier accuracy and confusion, generator bits per character,
and ensembles of classifiers. Test splits are for reporting; ``"validation"`` is the exact hold-out a model was
early-stopped on, for choosing between configurations."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from typing import Any

from hangul_rnn.bundle import Bundle, check_same_source
from hangul_rnn.config import train_config_from_bundle
from hangul_rnn.errors import UsageError
from hangul_rnn.preparation import generation_windows, load_corpus, generator_text, split_tail


def generator_metrics(loss: float, tokens: int, chars: int) -> dict[str, float]:
    """Perplexity, bits per token and bits per character from a mean loss in nats per token."""
    out = {"perplexity": float(math.exp(min(loss, 700.0))), "bits_per_token": float(loss / math.log(2))}
    if tokens and chars:
        out["tokens_per_char"] = tokens / chars
        out["bits_per_char"] = out["bits_per_token"] * tokens / chars
    return out


#: The pseudo-split ``evaluate`` knows besides a corpus's own: the share of ``train`` a model held out.
VALIDATION = "validation"

#: Texts scored per step of a classifier evaluation: progress is reported (and Ctrl-C lands) between steps.
_EVAL_CHUNK = 2000

#: ``progress(done, total)`` of an evaluation: examples (times members, for an ensemble) or tokens of a generator.
EvalProgress = Callable[[int, int], None]


def _batches(ds) -> Iterator[tuple[Any, Any]]:
    for x, y in ds:
        yield x, y


def evaluation_source(bundle: Bundle, split: str) -> tuple[Any, str]:
    """The corpus :func:`evaluate` reads for ``split`` and which of its splits: the split itself where the corpus has
    it, ``train`` for the validation hold-out (and for a generator's validation tail, its fallback for any split the
    corpus lacks). An unknown split of a classifier is a UsageError, raised before anything is read or downloaded."""
    cfg = train_config_from_bundle(bundle)
    spec = str(bundle.config.get("corpus", cfg.corpus))
    corpus = load_corpus(spec)
    splits = tuple(getattr(corpus, "splits", ("train",)))
    if bundle.task == "generator":
        return corpus, split if split != "train" and split in splits else "train"
    if split == VALIDATION:
        return corpus, "train"
    if split not in splits:
        raise UsageError(f"corpus {spec!r} has no split {split!r} (it has: {', '.join(splits)}, or {VALIDATION})")
    return corpus, split


def _classifier_examples(bundle: Bundle, split: str, limit: int | None) -> list[tuple[str, int]]:
    """The labelled examples of ``split``; ``"validation"`` is the exact hold-out the bundle was trained beside."""
    cfg = train_config_from_bundle(bundle)
    corpus, source = evaluation_source(bundle, split)
    if split == VALIDATION:
        if not cfg.validation_fraction:
            raise UsageError(f"model {bundle.name!r} was trained without a validation hold-out")
        from hangul_rnn.windows import validation_split

        train_examples = list(islice(corpus.examples(source), cfg.limit))
        val_idx, _ = validation_split(len(train_examples), cfg.validation_fraction, cfg.seed)
        held_out = [train_examples[i] for i in val_idx]
        return [(t, int(y)) for t, y in islice(held_out, limit)]
    examples = [(t, int(y)) for t, y in islice(corpus.examples(source), limit)]
    if not examples:
        raise UsageError(f"split {split!r} of {cfg.corpus!r} has no examples")
    return examples


def _classification_metrics(probs, labels: list[int], split: str, label_names: list[str]) -> dict:
    import numpy as np

    n_classes = probs.shape[-1]
    y = np.asarray(labels, dtype=np.int64)
    pred = probs.argmax(axis=-1)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    valid = (y >= 0) & (y < n_classes)
    np.add.at(confusion, (y[valid], pred[valid]), 1)
    p_true = np.clip(probs[np.arange(len(y)), np.clip(y, 0, n_classes - 1)], 1e-12, 1.0)
    count = len(y)
    return {
        "task": "classifier",
        "split": split,
        "examples": count,
        "accuracy": float(np.trace(confusion) / max(count, 1)),
        "loss": float(-np.log(p_true).sum()) / max(count, 1),
        "confusion": confusion.tolist(),
        "label_names": label_names or [str(i) for i in range(n_classes)],
    }


def _chunked_probabilities(source: Any, texts: list[str], progress: EvalProgress | None, *, offset: int = 0,
                           total: int | None = None):
    """:func:`hangul_rnn.scoring.probabilities` a chunk at a time, so that scoring 50K reviews (stemming included,
    a minute or more) shows how far it has got."""
    import numpy as np

    from hangul_rnn.scoring import probabilities

    total = len(texts) if total is None else total
    parts = []
    for start in range(0, len(texts), _EVAL_CHUNK):
        parts.append(probabilities(source, texts[start : start + _EVAL_CHUNK]))
        if progress is not None:
            progress(offset + start + len(parts[-1]), total)
    return np.concatenate(parts, axis=0)


def evaluate(bundle: Bundle, *, split: str = "test", limit: int | None = None,
             progress: EvalProgress | None = None) -> dict:
    """Score a bundle on held-out data.

    Classifiers: accuracy, loss and confusion matrix (rows = true label, columns = predicted) on the corpus's
    ``split``, or on ``"validation"``, the examples held out of ``train`` while training. Generators: loss,
    perplexity, bits per token and per character on ``split`` where the corpus has it (and it is not ``train``),
    else on the validation tail of the training text, cut as in training. ``progress(done, total)`` is called as
    examples (classifiers) or tokens (generators) are scored.
    """
    import numpy as np

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    cfg = train_config_from_bundle(bundle)
    model = bundle.model
    tok = bundle.tokenizer

    if bundle.task == "classifier":
        examples = _classifier_examples(bundle, split, limit)
        probs = _chunked_probabilities(bundle, [t for t, _ in examples], progress)
        return _classification_metrics(probs, [y for _, y in examples], split, bundle.label_names)

    corpus, read = evaluation_source(bundle, split)
    import keras

    if read != "train":
        text = generator_text(corpus, limit, read)
        source = read
    else:
        _, text = split_tail(generator_text(corpus, cfg.limit), cfg.validation_fraction)
        if limit is not None:
            text = "\n".join(text.split("\n")[:limit])
        source = "validation tail"
    ids = tok.encode(text) if text else []
    if len(ids) < cfg.seq_len + 1:
        raise UsageError(f"the {source} of {cfg.corpus!r} has {len(ids)} tokens, fewer than one window "
                         f"(seq_len {cfg.seq_len}); nothing to evaluate")
    ds = generation_windows(ids, replace(cfg, stride=None), shuffle=False)
    total, n = 0.0, 0
    targets = len(ids) - 1  # every token but the first is predicted once (windows do not overlap here)
    for x, y in _batches(ds):
        logits = model(x, training=False)
        losses = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
        losses = np.asarray(losses, dtype=np.float64)
        total += float(losses.sum())
        n += losses.size
        if progress is not None:
            progress(min(n, targets), targets)
    loss = total / max(n, 1)
    return {"task": "generator", "split": source, "tokens": len(ids), "characters": len(text), "loss": loss,
            **generator_metrics(loss, len(ids), len(text))}


def _hold_out(bundle: Bundle) -> tuple:
    cfg = train_config_from_bundle(bundle)
    return cfg.seed, cfg.validation_fraction, cfg.limit


def evaluate_ensemble(bundles: list[Bundle], *, split: str = "test", limit: int | None = None,
                      progress: EvalProgress | None = None) -> dict:
    """Score classifiers together as a :class:`hangul_rnn.scoring.Ensemble` (class probabilities averaged, each
    member reading the text with its own tokenizer) and list each member's own accuracy beside the ensemble's.

    All must be classifiers of the same corpus with the same labels; on ``"validation"`` they must also have held
    out the same examples, or one would be scored on what another was trained on.
    """
    from hangul_rnn.scoring import Ensemble

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    ensemble = Ensemble(bundles)  # checks: at least one, classifiers only, the same labels
    check_same_source([(b.name, b.config) for b in bundles])
    first = bundles[0]
    for b in bundles[1:]:
        if split == VALIDATION and _hold_out(b) != _hold_out(first):
            raise UsageError(f"models {first.name!r} and {b.name!r} held out different validation examples "
                             "(seed, validation share or limit differ): one was trained on the other's")
    examples = _classifier_examples(first, split, limit)
    texts, labels = [t for t, _ in examples], [y for _, y in examples]
    work = len(texts) * len(ensemble.members)
    member_probs = [_chunked_probabilities(b, texts, progress, offset=i * len(texts), total=work)
                    for i, b in enumerate(ensemble.members)]
    members = [{"model": b.name, "accuracy": _classification_metrics(p, labels, split, [])["accuracy"]}
               for b, p in zip(ensemble.members, member_probs)]
    result = _classification_metrics(sum(member_probs) / len(member_probs), labels, split, first.label_names)
    return {**result, "members": members}
