"""Soft labels: a classifier's (or an ensemble's) class probabilities for unlabelled texts, written to a file that
``train classifier --soft-labels FILE`` learns from (knowledge distillation, Hinton et al. 2015).

Why: an ensemble of the project's classifiers is more accurate than any one of them, but costs its members' time
on every review scored. Its probabilities on the 600K unlabelled ``nsmc-raw`` reviews say far more than the 150K
labels do (how sure, not only which side, and on many more texts), so one network trained to match them on top of
the labelled reviews can come close to the ensemble at the cost of one network.

The file is a UTF-8 TSV (``.gz`` compressed when its name ends so) with the header
``text  label  p:NAME …``: the text, the most probable label's id, and one probability per label name in the
teacher's order. ``label`` makes the same file usable as an ordinary ``tsv:FILE`` corpus (hard labels).
Texts the teacher's own labelled corpus holds (any split, NSMC's test reviews included) are left out by content,
so the file never repeats a labelled review with the teacher's guess, nor a test review at all. Nothing is written
until every text is scored: Ctrl-C leaves no half file.
"""

from __future__ import annotations

import gzip
import io
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from hangul_rnn.errors import UsageError

if TYPE_CHECKING:  # pragma: no cover - typing only
    from hangul_rnn.bundle import Bundle
    from hangul_rnn.ensemble import Ensemble

#: ``report(stage, done, total)``: progress of a stage ("reading …", "scoring (texts)").
Report = Callable[[str, int, int], None]

#: Texts scored per call to the teacher: large enough for its batched forward pass, small enough for progress.
CHUNK = 4096

#: Prefix of a probability column's header: ``p:negative``.
PROB_PREFIX = "p:"


@dataclass(frozen=True)
class LabelReport:
    """What a labelling run read and wrote."""

    path: Path
    texts: int  # rows written
    skipped_known: int  # texts of the teacher's labelled corpus, left out
    skipped_long: int  # texts longer than max_chars, left out
    label_counts: dict[str, int]
    seconds: float


@dataclass(frozen=True)
class SoftLabels:
    """A soft-label file read back: texts and their probability rows ``[N, C]`` (float32, rows sum to 1)."""

    texts: list[str]
    probs: np.ndarray
    label_names: list[str]


def label_corpus(models: str | Sequence[str] | Bundle | Ensemble, corpus: str, path: str | os.PathLike[str], *,
                 limit: int | None = None, max_chars: int | None = None, report: Report | None = None) -> LabelReport:
    """Score the ``train`` texts of ``corpus`` with ``models`` (one classifier name, several averaged, or a loaded
    bundle/ensemble) and write the soft-label file ``path``."""
    from hangul_rnn.bundle import require_task
    from hangul_rnn.ensemble import load_classifiers
    from hangul_rnn.preparation import load_corpus
    from hangul_rnn.scoring import probabilities

    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be ≥ 1, got {limit}")
    if max_chars is not None and max_chars < 1:
        raise UsageError(f"--max-chars must be ≥ 1, got {max_chars}")
    target = Path(path)
    if not target.parent.is_dir():
        raise UsageError(f"cannot write {target}: folder {target.parent} does not exist")
    if isinstance(models, str):
        teacher = load_classifiers([models])
    elif isinstance(models, Sequence):
        teacher = load_classifiers(models)
    else:
        teacher = require_task(models, "classifier")
    started = time.perf_counter()
    step = report or (lambda stage, done, total: None)
    known = _known_texts(teacher, step)
    texts, skipped_known, skipped_long = [], 0, 0
    for text in islice(load_corpus(corpus).texts("train"), limit):
        if text in known:
            skipped_known += 1
        elif max_chars is not None and len(text) > max_chars:
            skipped_long += 1
        else:
            texts.append(" ".join(text.split()))  # a tab or newline inside a text would break the row
        if (skipped_known + skipped_long + len(texts)) % 10_000 == 0:
            step(f"reading {corpus} (texts)", skipped_known + skipped_long + len(texts), 0)
    if not texts:
        raise UsageError(f"{corpus!r} has no text left to label (empty, or every text is in the teacher's corpus)")
    names = _label_names(teacher)
    probs = np.zeros((len(texts), len(names)), np.float64)
    for start in range(0, len(texts), CHUNK):
        step("scoring (texts)", start, len(texts))
        probs[start : start + CHUNK] = probabilities(teacher, texts[start : start + CHUNK])
    step("scoring (texts)", len(texts), len(texts))
    _write(target, texts, probs, names)
    counts = np.bincount(probs.argmax(1), minlength=len(names))
    return LabelReport(path=target, texts=len(texts), skipped_known=skipped_known, skipped_long=skipped_long,
                       label_counts={n: int(c) for n, c in zip(names, counts)},
                       seconds=time.perf_counter() - started)


def _label_names(teacher: Any) -> list[str]:
    names = list(teacher.label_names)
    if len(names) < 2:
        raise UsageError(f"model {getattr(teacher, 'name', teacher)!r} has no label names to write")
    return names


def _known_texts(teacher: Any, step: Report) -> set[str]:
    """Every text of the corpus the teacher (each member of an ensemble) was trained on, all splits: a local read
    only (a corpus not on this machine has nothing to leave out that this run could have read either)."""
    from hangul_rnn.ensemble import Ensemble
    from hangul_rnn.preparation import load_corpus

    members = teacher.members if isinstance(teacher, Ensemble) else [teacher]
    specs = {m.config.get("corpus") for m in members if m.config.get("corpus")}
    known: set[str] = set()
    for spec in sorted(specs):
        corpus = load_corpus(spec)
        for split in corpus.splits:
            try:
                corpus.paths(split, download=False)
            except Exception:  # noqa: BLE001 - not on this machine: nothing of it can be in the texts read here
                continue
            step(f"reading {spec} {split} (texts to leave out)", 0, 0)
            known.update(corpus.texts(split))
    return known


def _write(path: Path, texts: list[str], probs: np.ndarray, names: list[str]) -> None:
    from hangul_rnn import atomic

    def write(fh: Any) -> None:
        raw = gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) if path.name.endswith(".gz") else fh
        out = io.TextIOWrapper(raw, encoding="utf-8", newline="\n")
        out.write("\t".join(["text", "label", *(PROB_PREFIX + n for n in names)]) + "\n")
        labels = probs.argmax(1)
        for text, label, row in zip(texts, labels, probs):
            out.write(f"{text}\t{label}\t" + "\t".join(f"{p:.4f}" for p in row) + "\n")
        out.flush()
        out.detach()
        if raw is not fh:
            raw.close()

    atomic.write_with(path, write)


def _open_soft_labels(source: Path) -> Any:
    """The file as text (decompressed for ``.gz``); a missing file is a one-line UsageError."""
    if not source.is_file():
        raise UsageError(f"--soft-labels: no such file {source}")
    opener: Any = gzip.open if source.name.endswith(".gz") else open
    return opener(source, "rt", encoding="utf-8")


def _label_columns(source: Path, header_line: str) -> tuple[list[str], list[int]]:
    """The label names of a soft-label header and the columns of their probabilities."""
    header = header_line.rstrip("\n").split("\t")
    names = [h[len(PROB_PREFIX):] for h in header if h.startswith(PROB_PREFIX)]
    if header[:1] != ["text"] or len(names) < 2:
        raise UsageError(f"--soft-labels: {source} is not a soft-label file (its header must be 'text', "
                         "'label' and a 'p:NAME' column per label, as 'hangul-rnn label' writes)")
    return names, [header.index(PROB_PREFIX + n) for n in names]


def check_soft_labels(path: str | os.PathLike[str]) -> str:
    """The absolute path of a soft-label file once its header is read: a training run checks the file before it
    loads (or downloads) its corpus, and records a path that a later ``--resume`` from another folder still finds."""
    source = Path(path).expanduser().resolve()
    try:
        with _open_soft_labels(source) as f:
            _label_columns(source, f.readline())
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise UsageError(f"--soft-labels: cannot read {source} ({exc})") from None
    return str(source)


def read_soft_labels(path: str | os.PathLike[str], label_names: list[str] | None = None) -> SoftLabels:
    """Read a file :func:`label_corpus` wrote; ``label_names`` (the classifier's corpus labels, in order) must match
    its probability columns. Each bad line is a one-line UsageError naming it."""
    source = Path(path).expanduser()
    texts: list[str] = []
    rows: list[list[float]] = []
    try:
        with _open_soft_labels(source) as f:
            names, where = _label_columns(source, f.readline())
            if label_names is not None and names != [str(n) for n in label_names]:
                raise UsageError(f"--soft-labels: {source} has labels {names}, the corpus {list(label_names)}")
            for lineno, line in enumerate(f, start=2):
                cells = line.rstrip("\n").split("\t")
                try:
                    row = [float(cells[i]) for i in where]
                except (IndexError, ValueError):
                    raise UsageError(f"--soft-labels: {source} line {lineno} has no number for every label") from None
                if min(row) < 0 or abs(sum(row) - 1.0) > 0.01:
                    raise UsageError(f"--soft-labels: {source} line {lineno}: probabilities must be ≥ 0 and sum to "
                                     f"1, got {row}")
                texts.append(cells[0])
                rows.append(row)
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise UsageError(f"--soft-labels: cannot read {source} ({exc})") from None
    if not texts:
        raise UsageError(f"--soft-labels: {source} has no rows")
    probs = np.asarray(rows, np.float32)
    return SoftLabels(texts=texts, probs=probs / probs.sum(1, keepdims=True), label_names=names)
