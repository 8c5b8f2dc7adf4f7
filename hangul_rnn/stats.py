"""Token statistics of a corpus: what ``hangul-rnn corpus stats`` and the TUI's corpus view show.

The number a user most needs before training a classifier is the length that covers 95% of the documents (the
textbook picks ``max_len = 25`` words for NSMC from such a histogram), so the histogram and that percentile are
computed here once, for both front ends.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from hangul_rnn.errors import CorpusError, UsageError

#: Levels ``corpus stats`` knows: name -> (tokenizer level, stem option).
STAT_LEVELS: dict[str, tuple[str, str | None]] = {
    "jamo": ("jamo", None),
    "syllable": ("syllable", None),
    "word": ("word", "truncate"),
    "word-raw": ("word", None),
    "morph": ("word", "morph"),
    "morph-all": ("word", "morph-all"),
}


@dataclass(frozen=True)
class CorpusStats:
    """Token counts and the document-length distribution of one corpus split at one level."""

    corpus: str
    split: str
    level: str
    documents: int
    tokens: int
    vocabulary: int
    singletons: int
    lengths: np.ndarray = field(repr=False)
    top_tokens: list[tuple[str, int]]

    def percentile_length(self, q: float = 95.0) -> int:
        """The smallest length that covers ``q`` percent of the documents."""
        if self.lengths.size == 0:
            return 0
        return int(np.percentile(self.lengths, q, method="inverted_cdf"))

    @property
    def mean_length(self) -> float:
        return float(self.lengths.mean()) if self.lengths.size else 0.0

    @property
    def max_length(self) -> int:
        return int(self.lengths.max()) if self.lengths.size else 0

    def histogram(self, bins: int = 20, clip_percentile: float = 99.0) -> list[tuple[int, int, int]]:
        """``(low, high, count)`` rows of equal integer width up to the ``clip_percentile``; longer documents are
        counted in the last row, so a few very long reviews do not squash the rest of the chart."""
        if self.lengths.size == 0:
            return []
        top = max(1, int(np.percentile(self.lengths, clip_percentile)))
        width = max(1, -(-(top + 1) // bins))  # ceil: every bin the same number of lengths
        clipped = np.minimum(self.lengths, top)
        counts = np.bincount(clipped // width, minlength=(top // width) + 1)
        rows = [(i * width, i * width + width - 1, int(c)) for i, c in enumerate(counts)]
        low, high, count = rows[-1]
        rows[-1] = (low, max(high, self.max_length), count)  # the last row holds the clipped tail
        return rows


def corpus_stats(
    spec: str,
    *,
    level: str = "word",
    split: str = "train",
    limit: int | None = None,
    top: int = 20,
    progress: Callable[[int], None] | None = None,
) -> CorpusStats:
    """Tokenize a corpus split (cleaned with the corpus's own rules) and count what the tokens look like."""
    from hangul_rnn.corpora import get_corpus
    from hangul_rnn.tokenizers import make_tokenizer

    if level not in STAT_LEVELS:
        raise UsageError(f"unknown level {level!r}; choose one of: {', '.join(STAT_LEVELS)}")
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be a positive number of documents, got {limit}")
    corpus = get_corpus(spec)
    if split not in corpus.splits:
        raise UsageError(f"corpus {corpus.name!r} has no split {split!r}; it has: {', '.join(corpus.splits)}")
    tok_level, stem = STAT_LEVELS[level]
    tokenizer = make_tokenizer(tok_level, stem=stem, clean=corpus.cleaning)

    texts: list[str] = []
    for text in corpus.texts(split):
        texts.append(text)
        if limit is not None and len(texts) >= limit:
            break
    if not texts:
        raise CorpusError(f"corpus {corpus.name!r} split {split!r} has no documents")

    counts: Counter[str] = Counter()
    lengths = np.empty(len(texts), dtype=np.int64)
    chunk = 2000
    for start in range(0, len(texts), chunk):
        batch = tokenizer.tokenize_batch(texts[start : start + chunk])
        for i, tokens in enumerate(batch, start):
            lengths[i] = len(tokens)
            counts.update(tokens)
        if progress is not None:
            progress(min(start + chunk, len(texts)))

    return CorpusStats(
        corpus=corpus.name,
        split=split,
        level=level,
        documents=len(texts),
        tokens=int(lengths.sum()),
        vocabulary=len(counts),
        singletons=sum(1 for c in counts.values() if c == 1),
        lengths=lengths,
        top_tokens=counts.most_common(top),
    )
