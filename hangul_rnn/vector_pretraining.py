"""Word vectors pretrained on unlabelled text, tokenized exactly as a classifier will tokenize its reviews, for
``train classifier --embeddings FILE``.

Why: NSMC has 150K labelled reviews, its raw pool 662K more without labels (``nsmc-raw``, the official test reviews
left out by the corpus reader). Vectors learnt from all of them start a classifier's embedding rows where 150K
reviews leave rare morphemes barely trained. The vectors must be trained on the classifier's own tokens (Kiwi
morphemes for ``--stem morph-all``), so this reads a corpus through :func:`hangul_rnn.tokenizers.make_tokenizer`
with the corpus's cleaning rule, the same path training takes.

The skip-gram itself is gensim's word2vec (optional extra ``vectors``): a well-kept C implementation with worker
threads, far faster on a CPU than a Keras skip-gram of ours would be, and the reference the format comes from.
Nothing is written until training has finished (Ctrl-C leaves no half file); the file is written by
:func:`hangul_rnn.embeddings.write_vectors`, which leaves out tokens the text format cannot hold (Kiwi names with
spaces such as ``짐 캐리``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np

from hangul_rnn.errors import UsageError

#: ``report(stage, done, total)``: progress of a stage ("tokenizing (texts)", "training (epochs)").
Report = Callable[[str, int, int], None]

#: What the CLI offers and the library defaults to; the shipped classifier's vectors used these.
DEFAULTS: dict[str, Any] = {"level": "word", "stem": "morph-all", "dim": 128, "window": 5, "min_count": 3,
                            "epochs": 5, "negative": 10, "seed": 1}


@dataclass(frozen=True)
class VectorsReport:
    """What a pretraining run read and wrote."""

    path: Path
    texts: int
    tokens: int
    vocabulary: int
    written: int
    dim: int
    seconds: float


def pretrain_vectors(corpus: str, path: str | os.PathLike[str], *, level: str = DEFAULTS["level"],
                     stem: str | None = DEFAULTS["stem"], truncate_to: int = 5, dim: int = DEFAULTS["dim"],
                     window: int = DEFAULTS["window"], min_count: int = DEFAULTS["min_count"],
                     epochs: int = DEFAULTS["epochs"], negative: int = DEFAULTS["negative"], cbow: bool = False,
                     limit: int | None = None, seed: int = DEFAULTS["seed"], workers: int | None = None,
                     report: Report | None = None) -> VectorsReport:
    """Train skip-gram (or ``cbow``) vectors on the ``train`` texts of ``corpus`` and write them to ``path``
    (word2vec text format, ``.gz`` compressed). ``level``/``stem``/``truncate_to`` must be the classifier's."""
    for name, value, low in (("dim", dim, 1), ("window", window, 1), ("min-count", min_count, 1),
                             ("epochs", epochs, 1), ("negative", negative, 0)):
        if value < low:
            raise UsageError(f"--{name} must be ≥ {low}, got {value}")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    word2vec, callback_base = _gensim()
    from hangul_rnn.embeddings import write_vectors
    from hangul_rnn.preparation import load_corpus
    from hangul_rnn.tokenizers import make_tokenizer

    start = time.perf_counter()
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: folder {target.parent} does not exist")
    source = load_corpus(corpus)
    tokenizer = make_tokenizer(level, stem=stem if level == "word" else None, truncate_to=truncate_to,
                               clean=getattr(source, "cleaning", None))
    texts = list(islice(source.texts("train"), limit))
    if not texts:
        raise UsageError(f"{corpus!r} has no text to learn vectors from")

    def tokenized(done: int) -> None:
        if report is not None:
            report("tokenizing (texts)", done, len(texts))

    sentences = [tokens for tokens in tokenizer.tokenize_stream(texts, progress=tokenized) if tokens]
    model = word2vec(vector_size=dim, window=window, min_count=min_count, sg=0 if cbow else 1, negative=negative,
                     workers=workers or max(1, os.cpu_count() or 1), seed=seed)
    model.build_vocab(sentences)
    if not len(model.wv):
        raise UsageError(f"no token of {corpus!r} occurs {min_count} times; lower --min-count")
    model.train(sentences, total_examples=len(sentences), epochs=epochs,
                callbacks=[_epoch_reporter(callback_base, epochs, report)])
    words = list(model.wv.index_to_key)
    written = write_vectors(target, words, np.asarray(model.wv.vectors, dtype=np.float32))
    return VectorsReport(path=target, texts=len(texts), tokens=sum(map(len, sentences)), vocabulary=len(words),
                         written=written, dim=dim, seconds=time.perf_counter() - start)


def _gensim() -> tuple[Any, Any]:
    """gensim's Word2Vec and its callback base class, or the one-line error that says which extra installs it."""
    try:
        from gensim.models import Word2Vec
        from gensim.models.callbacks import CallbackAny2Vec
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.split(".")[0] == "gensim":
            raise UsageError("pretraining vectors needs gensim: pip install 'hangul-rnn[vectors]'") from None
        raise
    return Word2Vec, CallbackAny2Vec


def _epoch_reporter(base: Any, epochs: int, report: Report | None) -> Any:
    """A gensim callback (``base`` is gensim's ``CallbackAny2Vec``) turning the end of each pass into
    ``report("training (epochs)", k, epochs)``."""

    class EpochReport(base):
        def __init__(self) -> None:
            self.done = 0

        def on_epoch_end(self, model: Any) -> None:
            self.done += 1
            if report is not None:
                report("training (epochs)", self.done, epochs)

    if report is not None:
        report("training (epochs)", 0, epochs)
    return EpochReport()
