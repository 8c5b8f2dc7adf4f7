"""Evaluation of saved models on held-out data: classifier accuracy and confusion, generator bits per character,
and ensembles of classifiers. Test splits are for reporting; ``"validation"`` is the exact hold-out a model was
early-stopped on, for choosing between configurations."""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from hangul_rnn.bundle import Bundle
from hangul_rnn.config import train_config_from_bundle
from hangul_rnn.confusion import classification_report, mcnemar
from hangul_rnn.ensemble import check_same_source
from hangul_rnn.errors import UsageError
from hangul_rnn.preparation import generator_text, load_corpus, split_tail


def generator_metrics(loss: float, tokens: int, chars: float, raw_chars: float = 0) -> dict[str, float]:
    """Perplexity, bits per token and bits per character from a mean loss in nats per token.

    ``bits_per_char`` divides by the characters of the *cleaned* text (``chars``), the text the model predicts;
    ``bits_per_raw_char`` by the characters before cleaning (``raw_chars``), which flatters a model whose cleaning
    removes much (Hanja glosses in the Annals) and is shown beside it, named as such, only for comparison.
    """
    out = {"perplexity": float(math.exp(min(loss, 700.0))), "bits_per_token": float(loss / math.log(2))}
    if tokens and chars:
        out["tokens_per_char"] = tokens / chars
        out["bits_per_char"] = out["bits_per_token"] * tokens / chars
    if tokens and raw_chars:
        out["bits_per_raw_char"] = out["bits_per_token"] * tokens / raw_chars
    return out


#: The pseudo-split ``evaluate`` knows besides a corpus's own: the share of ``train`` a model held out.
VALIDATION = "validation"

#: Texts scored per step of a classifier evaluation: progress is reported (and Ctrl-C lands) between steps.
_EVAL_CHUNK = 2000

#: ``progress(done, total)`` of an evaluation: examples (times members, for an ensemble) or tokens of a generator.
EvalProgress = Callable[[int, int], None]


def evaluation_source(bundle: Bundle, split: str, corpus: str | None = None) -> tuple[Any, str]:
    """The corpus :func:`evaluate` reads for ``split`` and which of its splits: the split itself where the corpus has
    it, ``train`` for the validation hold-out (and for a generator's validation tail, its fallback for any split the
    corpus lacks). An unknown split of a classifier is a UsageError, raised before anything is read or downloaded.

    ``corpus`` (a spec: ``text:FILE``, ``tsv:FILE``, a built-in name) scores the model on other text than its own: a
    generator needs a text corpus, a classifier a labelled one; a split it lacks reads the whole corpus when
    ``split`` is the default ``test`` and the corpus has a single split (a plain file)."""
    if corpus is not None:
        return _foreign_source(bundle, split, corpus)
    cfg = train_config_from_bundle(bundle)
    spec = str(bundle.config.get("corpus", cfg.corpus))
    own = load_corpus(spec)
    splits = tuple(getattr(own, "splits", ("train",)))
    if bundle.task == "generator":
        return own, split if split != "train" and split in splits else "train"
    if split == VALIDATION:
        return own, "train"
    if split not in splits:
        raise UsageError(f"corpus {spec!r} has no split {split!r} (it has: {', '.join(splits)}, or {VALIDATION})")
    return own, split


def _foreign_source(bundle: Bundle, split: str, spec: str) -> tuple[Any, str]:
    from hangul_rnn.preparation import absolute_spec

    spec = absolute_spec(spec)
    corpus = load_corpus(spec)
    path = spec.partition(":")[2] if spec.partition(":")[1] else ""
    if path and not Path(path).is_file():
        raise UsageError(f"--corpus {spec}: no such file")
    wanted = "text" if bundle.task == "generator" else "labeled"
    if getattr(corpus, "kind", "text") != wanted:
        form = "text:FILE (any UTF-8 text)" if wanted == "text" else "tsv:FILE (text and label columns)"
        raise UsageError(f"--corpus {spec}: a {bundle.task} is scored on {form}, not on a "
                         f"{getattr(corpus, 'kind', '?')} corpus")
    names = tuple(getattr(corpus, "label_names", ()) or ())
    if bundle.task == "classifier" and names and list(names) != list(bundle.label_names):
        raise UsageError(f"--corpus {spec} labels {', '.join(names)}; model {bundle.name!r} predicts "
                         f"{', '.join(bundle.label_names)}")
    splits = tuple(corpus.splits)
    if split == VALIDATION:
        raise UsageError("--split validation is a model's own hold-out; with --corpus give a split of that corpus")
    if split in splits:
        return corpus, split
    if split == "test" and len(splits) == 1:
        return corpus, splits[0]
    raise UsageError(f"corpus {spec!r} has no split {split!r} (it has: {', '.join(splits)})")


def _classifier_examples(bundle: Bundle, split: str, limit: int | None,
                         corpus_spec: str | None = None) -> list[tuple[str, int]]:
    """The labelled examples of ``split``; ``"validation"`` is the exact hold-out the bundle was trained beside."""
    cfg = train_config_from_bundle(bundle)
    corpus, source = evaluation_source(bundle, split, corpus_spec)
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
        raise UsageError(f"split {split!r} of {corpus_spec or cfg.corpus!r} has no examples")
    classes = len(bundle.label_names)
    strange = sorted({y for _, y in examples if not 0 <= y < classes})
    if strange:
        raise UsageError(f"{corpus_spec or cfg.corpus} has labels {strange} that model {bundle.name!r} does not "
                         f"predict (it knows 0–{classes - 1}: {', '.join(bundle.label_names)})")
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
    names = label_names or [str(i) for i in range(n_classes)]
    return {
        "task": "classifier",
        "split": split,
        "examples": count,
        "accuracy": float(np.trace(confusion) / max(count, 1)),
        "loss": float(-np.log(p_true).sum()) / max(count, 1),
        **classification_report(confusion, names),
        "confusion": confusion.tolist(),
        "label_names": names,
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


def check_options(*, limit: int | None = None, adapt: float = 0.0, streams: int | None = None) -> None:
    """The numeric options of an evaluation, checked on their own so a caller can say a bad one before it reads
    (or downloads) a corpus; one-line UsageErrors."""
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    if adapt < 0 or not math.isfinite(adapt):
        raise UsageError(f"--adapt must be a learning rate ≥ 0, got {adapt}")
    if streams is not None and streams < 1:
        raise UsageError(f"--streams must be ≥ 1, got {streams}")


def evaluate(bundle: Bundle, *, split: str = "test", limit: int | None = None,
             progress: EvalProgress | None = None, corpus: str | None = None, streams: int | None = None,
             adapt: float = 0.0) -> dict:
    """Score a bundle on held-out data.

    Classifiers: accuracy, loss and confusion matrix (rows = true label, columns = predicted) on the corpus's
    ``split``, or on ``"validation"``, the examples held out of ``train`` while training. Generators: loss,
    perplexity, bits per token, per cleaned character (``bits_per_char``) and per raw character on ``split`` where
    the corpus has it (and it is not ``train``), else on the validation tail of the training text, cut as in
    training. ``corpus`` scores another corpus (see :func:`evaluation_source`); for a generator its whole text.
    The text is read as ``streams`` contiguous streams (default: up to 64) with the recurrent state carried from
    window to window, as the model reads text when it generates; ``adapt`` > 0 adapts a copy of the weights to
    the text as it is read (dynamic evaluation, :func:`score_text`). ``progress(done, total)`` is called as
    examples (classifiers) or tokens (generators) are scored.
    """
    check_options(limit=limit)
    if bundle.task == "classifier":
        if adapt or streams is not None:
            raise UsageError("--adapt and --streams apply to generators (text read as streams); not to a classifier")
        examples = _classifier_examples(bundle, split, limit, corpus)
        probs = _chunked_probabilities(bundle, [t for t, _ in examples], progress)
        result = _classification_metrics(probs, [y for _, y in examples], split, bundle.label_names)
        return {**result, "corpus": corpus or str(bundle.config.get("corpus", ""))}
    text, source = _generator_eval_text(bundle, split, limit, corpus)
    return {"corpus": corpus or str(bundle.config.get("corpus", "")), **score_text(bundle, text, source=source,
                                                                                   progress=progress,
                                                                                   streams=streams, adapt=adapt)}


def _generator_eval_text(bundle: Bundle, split: str, limit: int | None, corpus_spec: str | None) -> tuple[str, str]:
    """The raw text a generator is scored on, and what to call it."""
    cfg = train_config_from_bundle(bundle)
    corpus, read = evaluation_source(bundle, split, corpus_spec)
    if corpus_spec is not None or read != "train":
        return generator_text(corpus, limit, read), read
    _, text = split_tail(generator_text(corpus, cfg.limit), cfg.validation_fraction)
    if limit is not None:
        text = "\n".join(text.split("\n")[:limit])
    return text, "validation tail"


def score_text(bundle: Bundle, text: str, *, source: str = "text", progress: EvalProgress | None = None,
               streams: int | None = None, adapt: float = 0.0) -> dict:
    """Bits per cleaned and per raw character of ``text`` under a generator, the state carried across windows.

    The text is encoded as in training and cut into ``streams`` contiguous streams (default: up to 64, each at
    least 20 windows long); every stream is read window after window by a stateful copy of the network, so each
    token is predicted from all of its stream before it, not only from its own window. The few tokens that do not
    fill a last window of a stream are left out; ``tokens`` says how many were scored and ``bits_per_char``
    divides by the cleaned characters they stand for (tokens scored / tokens per cleaned character).

    ``adapt`` > 0 is dynamic evaluation (Krause et al. 2018): after each window is scored, one SGD step of that
    size on its loss, so later windows are predicted by weights that have read the text before them, the way a
    compressor such as PPMd learns the text it is compressing. Every window is still scored before any step
    learns from it (the streams advance together, so window ``w`` of every stream is predicted from windows
    ``< w`` of all streams: a code a decoder could follow). The bundle's own weights are never changed.
    """
    check_options(adapt=adapt, streams=streams)
    cfg = train_config_from_bundle(bundle)
    ids = bundle.tokenizer.encode_array(text, dtype=np.int32)  # the ids of encode(), without a list per token
    if len(ids) < cfg.seq_len + 1:
        raise UsageError(f"the {source} of {cfg.corpus!r} has {len(ids)} tokens, fewer than one window "
                         f"(seq_len {cfg.seq_len}); nothing to evaluate")
    if streams is None:
        streams = max(1, min(64, (len(ids) - 1) // (20 * cfg.seq_len)))
    loss_sum, scored = _stream_loss(bundle, ids, streams, cfg.seq_len, progress, adapt)
    chars, raw_chars = len(bundle.tokenizer.clean_text(text)), len(text)
    loss = loss_sum / scored
    share = scored / len(ids)  # the scored tokens stand for this share of the text's characters
    return {"task": "generator", "split": source, "tokens": scored, "streams": streams, "adapt": adapt,
            "chars": round(chars * share), "raw_chars": round(raw_chars * share), "loss": loss,
            **generator_metrics(loss, scored, chars * share, raw_chars * share)}


def _stream_loss(bundle: Bundle, ids: np.ndarray, streams: int, seq_len: int,
                 progress: EvalProgress | None, adapt: float = 0.0) -> tuple[float, int]:
    """Summed loss (nats) and number of predicted tokens over ``streams`` rows read with carried state, with an
    SGD step of size ``adapt`` after each window when it is > 0 (see :func:`score_text`)."""
    import keras
    import tensorflow as tf

    from hangul_rnn.training import stateful_generator
    from hangul_rnn.windows import stateful_dataset, stream_rows

    cfg = train_config_from_bundle(bundle)
    model = stateful_generator(bundle.model, cfg, bundle.tokenizer.vocab_size, streams)
    rows = stream_rows(ids, streams, seq_len)
    total_tokens = rows.shape[0] * (rows.shape[1] - 1)

    step = keras.optimizers.SGD(learning_rate=adapt) if adapt > 0 else None

    @tf.function
    def window_loss(x, y):
        with tf.GradientTape(watch_accessed_variables=step is not None) as tape:
            logits = model(x, training=False)
            losses = keras.losses.sparse_categorical_crossentropy(y, logits, from_logits=True)
            mean = tf.reduce_mean(losses)
        if step is not None:  # the window is scored above, before its own step
            weights = model.trainable_variables
            step.apply_gradients(zip(tape.gradient(mean, weights), weights))
        return tf.reduce_sum(tf.cast(losses, tf.float64))

    total, done = 0.0, 0
    for x, y in stateful_dataset(ids, rows=streams, seq_len=seq_len):
        total += float(window_loss(x, y))
        done += int(x.shape[0]) * int(x.shape[1])
        if progress is not None:
            progress(done, total_tokens)
    return total, done


def _hold_out(bundle: Bundle) -> tuple:
    cfg = train_config_from_bundle(bundle)
    return cfg.seed, cfg.validation_fraction, cfg.limit


def evaluate_ensemble(bundles: list[Bundle], *, split: str = "test", limit: int | None = None,
                      progress: EvalProgress | None = None) -> dict:
    """Score classifiers together as a :class:`hangul_rnn.ensemble.Ensemble` (class probabilities averaged, each
    member reading the text with its own tokenizer) and list each member's own accuracy beside the ensemble's.

    All must be classifiers of the same corpus with the same labels; on ``"validation"`` they must also have held
    out the same examples, or one would be scored on what another was trained on.
    """
    from hangul_rnn.ensemble import Ensemble

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    ensemble = Ensemble(bundles)  # checks: at least one, classifiers only, the same labels
    _check_same_examples(bundles, split)
    first = bundles[0]
    examples = _classifier_examples(first, split, limit)
    texts, labels = [t for t, _ in examples], [y for _, y in examples]
    work = len(texts) * len(ensemble.members)
    member_probs = [_chunked_probabilities(b, texts, progress, offset=i * len(texts), total=work)
                    for i, b in enumerate(ensemble.members)]
    members = [{"model": b.name, "accuracy": _classification_metrics(p, labels, split, [])["accuracy"]}
               for b, p in zip(ensemble.members, member_probs)]
    result = _classification_metrics(sum(member_probs) / len(member_probs), labels, split, first.label_names)
    return {**result, "members": members}


def evaluate_model(model: Any, *, split: str = "test", limit: int | None = None,
                   progress: EvalProgress | None = None, corpus: str | None = None, streams: int | None = None,
                   adapt: float = 0.0) -> dict:
    """Score what :func:`hangul_rnn.bundle.load_bundle` gave: one bundle (:func:`evaluate`), or a saved ensemble
    as its members (:func:`evaluate_ensemble`). The CLI's ``evaluate NAME`` and the TUI's Evaluate both call this."""
    members = list(getattr(model, "members", None) or [model])
    if len(members) == 1:
        return evaluate(members[0], split=split, limit=limit, progress=progress, corpus=corpus, streams=streams,
                        adapt=adapt)
    if corpus is not None:
        raise UsageError("--corpus scores one model at a time; give a single model name")
    if adapt or streams is not None:
        raise UsageError("--adapt and --streams apply to one generator (text read as streams); not to classifiers")
    return evaluate_ensemble(members, split=split, limit=limit, progress=progress)


def reporting_split(model: Any) -> str:
    """The split a model's figure is reported on when none is asked for: its corpus's ``test`` split where it has
    one, else (a classifier of the user's own file) the validation hold-out it was trained beside; a generator
    reads its held-out tail either way."""
    first = list(getattr(model, "members", None) or [model])[0]
    if first.task == "generator":
        return "test"
    spec = str(first.config.get("corpus", train_config_from_bundle(first).corpus))
    return "test" if "test" in tuple(getattr(load_corpus(spec), "splits", ())) else VALIDATION


def record_test_result(model: Any, result: dict, *, split: str, limit: int | None = None,
                       corpus: str | None = None) -> bool:
    """Keep a classifier's (or saved ensemble's) accuracy on its whole own test split in its metrics, where
    ``models`` and the TUI list it; any other evaluation (a slice, another corpus, validation) is not its test
    figure and is not kept. Returns whether it was recorded (shipped models never are)."""
    from hangul_rnn.bundle import record_metrics

    if result.get("task") != "classifier" or split != "test" or limit is not None or corpus is not None:
        return False
    return record_metrics(model, {"test_accuracy": result["accuracy"], "test_loss": result["loss"],
                                  "test_examples": result["examples"]})


def _check_same_examples(bundles: list[Bundle], split: str) -> None:
    """Classifiers scored on one set of examples must know them alike: one corpus, one set of labels and, on
    ``"validation"``, the same hold-out (or one would be scored on what another was trained on)."""
    check_same_source([(b.name, b.config) for b in bundles])
    first = bundles[0]
    for b in bundles[1:]:
        if split == VALIDATION and _hold_out(b) != _hold_out(first):
            raise UsageError(f"models {first.name!r} and {b.name!r} held out different validation examples "
                             "(seed, validation share or limit differ): one was trained on the other's")


def evaluate_against(model: Any, against: Any, *, split: str = "test", limit: int | None = None,
                     progress: EvalProgress | None = None, corpus: str | None = None) -> dict:
    """Score two classifiers (bundles or ensembles) on the same examples and test whether they differ.

    The result is ``model``'s own :func:`evaluate` result, with ``against``'s under ``"against"`` and McNemar's
    exact test under ``"mcnemar"``: the examples only one of them got right, and the two-sided p of so lopsided a
    split were each such example a fair coin toss. A p below 0.05 says the accuracies differ by more than the
    test set's chance; a difference of a few tenths of a point on NSMC's 50,000 reviews often does not.
    """
    from hangul_rnn.ensemble import Ensemble

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    Ensemble([model, against])  # both classifiers, with the same labels
    plain = [m for x in (model, against) for m in (x.members if isinstance(x, Ensemble) else [x])]
    if corpus is None:
        _check_same_examples(plain, split)
    examples = _classifier_examples(plain[0], split, limit, corpus)
    texts, labels = [t for t, _ in examples], [y for _, y in examples]
    probs = [_chunked_probabilities(source, texts, progress, offset=i * len(texts), total=2 * len(texts))
             for i, source in enumerate((model, against))]
    names = plain[0].label_names
    mine, theirs = (_classification_metrics(p, labels, split, names) for p in probs)
    y = np.asarray(labels)
    paired = mcnemar(probs[0].argmax(-1) == y, probs[1].argmax(-1) == y)
    return {**mine, "corpus": corpus or str(plain[0].config.get("corpus", "")),
            "against": {"model": against.name, **theirs}, "mcnemar": paired.to_dict()}
