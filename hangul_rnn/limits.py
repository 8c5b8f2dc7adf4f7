"""Sizes a user can ask for, checked before anything is allocated: one line instead of a MemoryError an hour in.

A number that parses is not yet a number the machine or a library takes: numpy seeds stop at 2**32-1, and an
innocent-looking ``--units 1000000000`` or ``--max-len 1000000000`` asks for terabytes. :func:`check_train_sizes`
estimates what a training run will hold in memory (weights, gradients, Adam's two moments, one batch's activations)
from the options alone and refuses a run that cannot fit this machine.
"""

from __future__ import annotations

import os
from typing import Any

from hangul_rnn.errors import UsageError

#: numpy's legacy seeding (what ``keras.utils.set_random_seed`` calls) takes 0 … 2**32-1.
MAX_TRAIN_SEED = 2**32 - 1

#: Longest window or sequence a recurrent network is trained on, in tokens; far beyond any useful one.
MAX_SEQUENCE = 100_000

_GATES = {"lstm": 4, "gru": 3, "rnn": 1}


class TooBigForThisMachine(UsageError):
    """A run that would not fit this machine's memory: a fact about the machine, not about the options, so a
    bundle trained elsewhere with these options is not broken here (:mod:`hangul_rnn.bundle_schema` lets it pass)."""


def physical_memory() -> int | None:
    """Bytes of RAM on this machine, or None where the OS does not say."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def train_memory_estimate(cfg: Any) -> int:
    """Bytes a run of ``cfg`` (a TrainConfig) holds at least, leaving out the embedding's vocabulary rows."""
    dirs = 2 if cfg.bidirectional else 1
    gates = _GATES.get(cfg.cell, 4)
    first = gates * cfg.units * (cfg.units + cfg.embedding_dim + 2) * dirs
    rest = gates * cfg.units * (cfg.units + cfg.units * dirs + 2) * dirs * (cfg.layers - 1)
    weights = (first + rest) * 4 * 4  # float32 weights, gradients and Adam's two moments
    length = cfg.seq_len if cfg.task == "generator" else cfg.max_len
    activations = cfg.batch_size * length * cfg.units * dirs * cfg.layers * gates * 4 * 2  # kept for backprop
    return weights + activations


def check_train_sizes(cfg: Any) -> None:
    """UsageError, naming the option, for a seed numpy refuses, a sequence past :data:`MAX_SEQUENCE`, or a network
    whose estimated memory exceeds this machine's."""
    if cfg.seed > MAX_TRAIN_SEED:
        raise UsageError(f"--seed must be at most {MAX_TRAIN_SEED} (2**32-1), got {cfg.seed}")
    for name in ("seq_len", "max_len"):
        if getattr(cfg, name) > MAX_SEQUENCE:
            raise UsageError(f"--{name.replace('_', '-')} must be at most {MAX_SEQUENCE:,}, got {getattr(cfg, name):,}")
    memory = physical_memory()
    need = train_memory_estimate(cfg)
    if memory is not None and need > memory:
        raise TooBigForThisMachine(
            f"this network needs about {need / 2**30:,.1f} GiB (weights, Adam state, one batch's activations) and "
            f"the machine has {memory / 2**30:,.1f} GiB; lower --units, --layers, --embedding-dim, --batch-size or "
            "the sequence length"
        )


def check_padded(rows: int, length: int) -> None:
    """UsageError when ``rows`` sequences padded to ``length`` int32 ids (the array, TensorFlow's copy of it and
    the shuffle buffer's) would not fit this machine's memory: ``--max-len`` sizes it, not the texts."""
    memory = physical_memory()
    need = rows * length * 4 * 3
    if memory is not None and need > memory:
        raise UsageError(f"{rows:,} examples padded to --max-len {length:,} need about {need / 2**30:,.1f} GiB and "
                         f"the machine has {memory / 2**30:,.1f} GiB; lower --max-len (or --limit)")
