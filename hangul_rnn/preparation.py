"""Data preparation for training and evaluation: corpus -> cleaned text -> tokenizer -> ids -> tf.data.

Validation is the tail of the training data, never the test split: for generators the joined text is cut at a
line (or space) boundary ``validation_fraction`` from its end and both parts are encoded separately, so the bits
per character of the held-out text are exact and jamo, syllable and word models compare on one scale.
Every stage reports ``(stage, done, total)`` often, which is also where a cancel is noticed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from hangul_rnn.config import TrainConfig
from hangul_rnn.errors import UsageError

#: ``report(stage, done, total)``: progress of a preparation stage; ``total`` None when unknown.
Report = Callable[[str, int, "int | None"], None]


@dataclass
class PreparedData:
    """What the data step hands to fitting."""

    tokenizer: Any
    train_ds: Any
    val_ds: Any
    tokens_per_step: int
    train_tokens: int
    val_tokens: int
    val_chars: int  # characters of the cleaned validation text: what the model predicts
    val_raw_chars: int = 0  # characters of the same text before cleaning
    label_names: list[str] | None = None
    num_classes: int = 0
    soft_examples: int = 0  # --soft-labels rows added to the training side
    soft_dropped: int = 0  # --soft-labels rows left out: their text is a labelled example's


def load_corpus(spec: str):
    """The corpus a spec names, with one correction: ``text:FILE.tsv`` is read as ``tsv:FILE.tsv`` (its text column).

    Why: read line by line, a TSV file gives a generator its ids, tabs and labels as text to learn (issue 16);
    a labeled file's documents are its text column, whatever the spec's prefix said.
    """
    from hangul_rnn.corpora import get_corpus

    return get_corpus(tsv_aware_spec(spec))


def tsv_aware_spec(spec: str) -> str:
    """``text:PATH`` -> ``tsv:PATH`` when PATH names a ``.tsv`` (or ``.tsv.gz``) file; any other spec unchanged."""
    kind, sep, rest = spec.strip().partition(":")
    if sep and kind.lower() == "text" and rest.lower().removesuffix(".gz").endswith(".tsv"):
        return "tsv:" + rest
    return spec


def _fetch_corpus(corpus, split: str, report: Callable[[str, int, int | None], None]) -> None:
    """Download the split's files now if they are missing, reporting bytes, so a first run on nsmc or annals shows
    its download (tens of MB) as a stage of its own and can be cancelled during it (the partial file resumes)."""
    fetch = getattr(corpus, "paths", None)
    if fetch is not None:
        fetch(split, progress=lambda done, total: report("downloading the corpus (bytes)", done, total))


def generator_text(corpus, limit: int | None, split: str = "train") -> str:
    """The documents of ``split`` (at most ``limit``) joined with newlines."""
    return "\n".join(islice(corpus.texts(split), limit))


def split_tail(text: str, fraction: float) -> tuple[str, str]:
    """Cut ``text`` about ``fraction`` from its end, at a newline, else a space, else anywhere."""
    if fraction <= 0 or not text:
        return text, ""
    cut = int(len(text) * (1.0 - fraction))
    lowest = int(len(text) * (1.0 - 2 * fraction))  # never move the cut further than one more fraction
    for sep in ("\n", " "):
        at = text.rfind(sep, max(0, lowest), cut + 1)
        if at > 0:
            return text[:at], text[at + 1 :]
    return text[:cut], text[cut:]


def absolute_spec(spec: str) -> str:
    """``text:rel/path`` -> ``text:/abs/path`` so a bundle's corpus still resolves from another folder."""
    for prefix in ("text:", "tsv:"):
        if spec.startswith(prefix):
            return prefix + str(Path(spec[len(prefix):]).expanduser().resolve())
    return spec


def _make_tokenizer(cfg: TrainConfig, corpus):
    from hangul_rnn.tokenizers import make_tokenizer

    clean = cfg.clean if cfg.clean is not None else getattr(corpus, "cleaning", None)
    if cfg.clean is None and clean is not None:
        from hangul_rnn import text as _text

        names = list(_text.rule_names())
        if clean not in names:  # a corpus rule the cleaning module does not know: the generic rules
            clean = "plain" if "plain" in names else None
    return make_tokenizer(cfg.level, stem=cfg.stem, truncate_to=cfg.truncate_to, clean=clean)


def generation_windows(ids: Any, cfg: TrainConfig, *, shuffle: bool):
    from hangul_rnn.windows import generation_datasets

    kwargs: dict[str, Any] = dict(seq_len=cfg.seq_len, batch_size=cfg.batch_size, validation_fraction=0.0,
                                  seed=cfg.seed)
    if cfg.stride is not None:
        kwargs["stride"] = cfg.stride
    if not shuffle:  # validation and evaluation: in order, every window, the last batch kept
        kwargs["shuffle_buffer"] = 1
        kwargs["drop_remainder"] = False
    ds, _ = generation_datasets(ids, **kwargs)
    return ds


def prepare_generator(cfg: TrainConfig, tokenizer, report: Callable[[str, int, int | None], None]) -> PreparedData:
    corpus = load_corpus(cfg.corpus)
    _fetch_corpus(corpus, "train", report)
    from hangul_rnn.corpus_ids import generator_ids  # read, fit, encode with NumPy; cached on disk

    encoded = generator_ids(cfg, corpus, tokenizer, report, lambda: _make_tokenizer(cfg, corpus))
    tokenizer, train_ids, val_ids = encoded.tokenizer, encoded.train_ids, encoded.val_ids
    if len(train_ids) < cfg.seq_len + 1:
        raise UsageError(
            f"the window (--seq-len {cfg.seq_len}) is longer than the training text ({len(train_ids)} tokens); "
            f"use a smaller --seq-len or more text"
        )
    train_ds, val_ds = _generator_datasets(cfg, train_ids, val_ids)
    return PreparedData(
        tokenizer=tokenizer,
        train_ds=train_ds,
        val_ds=val_ds,
        tokens_per_step=cfg.batch_size * cfg.seq_len,
        train_tokens=len(train_ids),
        val_tokens=len(val_ids) if val_ds is not None else 0,
        val_chars=encoded.val_clean_chars if val_ds is not None else 0,
        val_raw_chars=encoded.val_chars if val_ds is not None else 0,
    )


def _generator_datasets(cfg: TrainConfig, train_ids: Any, val_ids: Any) -> tuple[Any, Any]:
    """Training and validation batches: independent shuffled windows, or with ``cfg.stateful`` one stream per batch
    row in order (truncated back-propagation through time; validation read the same way, its state carried)."""
    from hangul_rnn.windows import stateful_dataset

    if cfg.stateful:
        train_ds = stateful_dataset(train_ids, rows=cfg.batch_size, seq_len=cfg.seq_len)
        enough = len(val_ids) >= cfg.batch_size * cfg.seq_len + 1
        val_ds = stateful_dataset(val_ids, rows=cfg.batch_size, seq_len=cfg.seq_len) if enough else None
    else:
        train_ds = generation_windows(train_ids, cfg, shuffle=True)
        val_ds = generation_windows(val_ids, cfg, shuffle=False) if len(val_ids) >= cfg.seq_len + 1 else None
    if cfg.targets == "last":  # one target per window: the token after it (models.last_step_view)
        train_ds = train_ds.map(lambda x, y: (x, y[:, -1]))
        val_ds = val_ds.map(lambda x, y: (x, y[:, -1])) if val_ds is not None else None
    return train_ds, val_ds


def _label_names(corpus, num_classes: int) -> list[str]:
    names = getattr(corpus, "label_names", None)
    if names and len(names) >= num_classes:
        return [str(n) for n in names]
    return [str(i) for i in range(num_classes)]


def prepare_classifier(cfg: TrainConfig, tokenizer, label_names: list[str] | None,
                        report: Callable[[str, int, int | None], None]) -> PreparedData:
    from hangul_rnn.windows import classification_datasets

    corpus = load_corpus(cfg.corpus)
    _fetch_corpus(corpus, "train", report)
    report("reading the corpus", 0, None)
    if getattr(corpus, "kind", "labeled") != "labeled":
        raise UsageError(f"corpus {cfg.corpus!r} has no labels: train a classifier on nsmc or tsv:PATH")
    examples = list(islice(corpus.examples("train"), cfg.limit))
    if not examples:
        raise UsageError(f"corpus {cfg.corpus!r} has no examples (empty file or --limit too small)")
    texts = [t for t, _ in examples]
    labels = [int(y) for _, y in examples]
    if min(labels) < 0:
        raise UsageError(f"corpus {cfg.corpus!r} has negative labels; labels must be 0, 1, …")
    if len(set(labels)) < 2:  # it would train and save a model that answers the same for every text
        limit = f" (in the first {cfg.limit:,}: try a larger --limit)" if cfg.limit else ""
        raise UsageError(f"corpus {cfg.corpus!r} has one label only ({labels[0]}) in its {len(labels):,} examples"
                         f"{limit}; a classifier needs examples of at least two classes")
    num_classes = max(2, max(labels) + 1, len(label_names or []))
    from hangul_rnn.limits import check_padded

    label_names = label_names or _label_names(corpus, num_classes)
    soft = _soft_labels(cfg, texts, label_names, num_classes, report)
    soft_texts = soft.texts if soft is not None else []
    check_padded(len(texts) + len(soft_texts), cfg.max_len)  # before fitting and encoding: the padded array
    if tokenizer is None:
        tokenizer = _make_tokenizer(cfg, corpus)
        if cfg.hash_buckets:  # the hashing trick: nothing to fit
            from hangul_rnn.vocabulary import HashedVocabulary

            tokenizer.vocab = HashedVocabulary(cfg.hash_buckets, tokenizer.specials)
        else:
            every = texts + soft_texts  # the vocabulary of every text the network learns from
            tokenizer.fit(every, max_size=cfg.max_vocab, min_count=cfg.min_count,
                          progress=lambda done: report("fitting the tokenizer", done, len(every)))
    report("encoding", 0, None)
    encoded = tokenizer.encode_batch(texts + soft_texts)
    if cfg.drop_unknown:
        from hangul_rnn.scoring import cut_ids  # the one cut scoring applies too

        encoded = [cut_ids(s, cfg.max_len, cfg.truncating, True) for s in encoded]
    sequences, soft_sequences = encoded[: len(texts)], encoded[len(texts):]
    train_ds, val_ds = classification_datasets(
        sequences, labels, max_len=cfg.max_len, batch_size=cfg.batch_size, seed=cfg.seed,
        validation_fraction=cfg.validation_fraction, padding=cfg.padding,  # type: ignore[arg-type]
        truncating=cfg.truncating,  # type: ignore[arg-type]
        bucket=cfg.bucket, soft=(soft_sequences, soft.probs) if soft is not None else None,
    )
    import numpy as np

    read = np.minimum([len(s) for s in encoded], cfg.max_len)  # the tokens the network reads of each text
    val_tokens = 0
    if val_ds is not None:
        from hangul_rnn.windows import validation_split

        val_tokens = int(read[validation_split(len(sequences), cfg.validation_fraction, cfg.seed)[0]].sum())
    return PreparedData(
        tokenizer=tokenizer,
        train_ds=train_ds,
        val_ds=val_ds,
        tokens_per_step=cfg.batch_size * cfg.max_len,
        train_tokens=int(read.sum()) - val_tokens,
        val_tokens=val_tokens,
        val_chars=0,
        label_names=label_names,
        num_classes=num_classes,
        soft_examples=len(soft_texts),
        soft_dropped=soft.dropped if soft is not None else 0,
    )


@dataclass
class _Soft:
    texts: list[str]
    probs: Any
    dropped: int  # rows whose text equals a labelled example's


def _soft_labels(cfg: TrainConfig, texts: list[str], label_names: list[str], num_classes: int,
                 report: Callable[[str, int, int | None], None]) -> _Soft | None:
    """``--soft-labels``: the teacher's rows, less any whose text is a labelled example's (one in the validation
    hold-out would otherwise teach the network the teacher's answer on the very reviews it is selected on)."""
    if not cfg.soft_labels:
        return None
    from hangul_rnn.soft_labels import read_soft_labels

    report("reading the soft labels", 0, None)
    read = read_soft_labels(cfg.soft_labels, label_names)
    if len(read.label_names) != num_classes:
        raise UsageError(f"--soft-labels: {cfg.soft_labels} has {len(read.label_names)} labels, the corpus "
                         f"{num_classes}")
    labelled = set(texts)
    keep = [i for i, t in enumerate(read.texts) if t not in labelled]
    return _Soft([read.texts[i] for i in keep], read.probs[keep], len(read.texts) - len(keep))


def steps_of(ds) -> int | None:
    try:
        n = int(ds.cardinality())
    except Exception:  # noqa: BLE001
        return None
    return n if n >= 0 else None
