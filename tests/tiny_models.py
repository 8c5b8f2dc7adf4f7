"""Tiny training setups shared by the transfer and fine-tuning tests: the sample reviews as a classifier corpus and
as plain text for a generator, and one call that trains such a generator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hangul_rnn.config import TrainConfig
from hangul_rnn.training import train

REPO_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_TSV = REPO_ROOT / "corpora" / "samples" / "nsmc_sample.tsv"
#: A classifier on the sample reviews, one quick epoch.
TINY_CLASSIFIER = {"task": "classifier", "corpus": f"tsv:{SAMPLE_TSV}", "max_len": 24, "batch_size": 32, "epochs": 1,
                   "validation_fraction": 0.2, "patience": 0, "learning_rate": 1e-2}


def review_text(folder: Path) -> Path:
    """The sample reviews without their labels, one per line: what a generator to transfer from reads."""
    reviews = [line.split("\t")[1] for line in SAMPLE_TSV.read_text(encoding="utf-8").splitlines()[1:]]
    path = folder / "reviews.txt"
    path.write_text("\n".join(reviews) + "\n", encoding="utf-8")
    return path


def train_generator(text: Path, root: Path, name: str, **network: Any) -> Path:
    """A syllable generator of ``network``'s shape trained one epoch on ``text``, saved as ``root/name``."""
    train(TrainConfig(task="generator", corpus=f"text:{text}", level="syllable", seq_len=20, batch_size=16, epochs=1,
                      validation_fraction=0.1, sample_chars=0, patience=0, **network), name=name, models_root=root)
    return root / name
