"""tf.data pipelines: next-token windows for generators, padded (or bucketed) batches for classifiers.

Generation (DESIGN.md, "Windows") trains next-token prediction on *every* position of a window (teacher forcing):
a window of ``seq_len + 1`` ids ``w`` becomes ``inputs = w[:-1]`` and ``targets = w[1:]``.  The last
``validation_fraction`` of the id stream is held out as a tail, so no validation target was ever a training target.

How windows are built, and why.  The id stream is kept once, as one int32 tensor; the pipeline only shuffles and
batches the windows' *start offsets* (plain integers), and each batch is cut out of the stream with a single
vectorised ``tf.gather`` (``starts[:, None] + range(seq_len + 1)``).  ``benchmarks/bench_pipeline.py`` compares it
with NumPy ``sliding_window_view`` windows materialised by ``from_tensor_slices`` and with
``Dataset.window(...).flat_map(batch)``: on the 2-core dev machine all three deliver a few thousand batches/s once
cached (materialised windows ~15% ahead, within the noise of shared cores), window/flat_map is ~20x slower in its
first epoch, and every one of them is three orders of magnitude faster than a 256-unit LSTM train step.  Gather was
kept because it costs no memory beyond the stream for any stride (materialised windows need ``(seq_len + 1) /
stride`` times the stream: 100x with ``stride=1``) and its shuffle buffer holds integers, so a buffer as large as
the window count is affordable (pass ``shuffle_buffer`` >= the window count for a full shuffle).

Classification pads (or, with ``bucket=True``, groups by length and pads per batch) id sequences into int32
batches.  Padding value 0 is ``<pad>`` in every vocabulary (DESIGN.md, "Vocabulary").
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import tensorflow as tf

from hangul_rnn.errors import UsageError

__all__ = [
    "classification_datasets",
    "count_windows",
    "generation_datasets",
    "pad_sequences",
    "stateful_dataset",
    "stream_rows",
]

Side = Literal["pre", "post"]
AUTOTUNE = tf.data.AUTOTUNE


# --------------------------------------------------------------------------------------------------- helpers


def _positive_int(name: str, value: object, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise UsageError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise UsageError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _fraction(name: str, value: float) -> float:
    if not isinstance(value, (int, float, np.floating)) or isinstance(value, bool) or not 0.0 <= value < 1.0:
        raise UsageError(f"{name} must be a number in [0, 1), got {value!r}")
    return float(value)


def _side(name: str, value: str) -> str:
    if value not in ("pre", "post"):
        raise UsageError(f"{name} must be 'pre' or 'post', got {value!r}")
    return value


#: Id dtypes a stream keeps as it is: a corpus of jamo ids in uint8 is a quarter of its int32 size, and the windows
#: are widened to int32 one batch at a time (see :func:`_window_dataset`).
_COMPACT_DTYPES = (np.dtype(np.uint8), np.dtype(np.uint16))


def _id_stream(ids: Sequence[int] | np.ndarray) -> np.ndarray:
    """``ids`` as one contiguous array without a copy where possible: uint8/uint16 arrays (what
    :meth:`~hangul_rnn.tokenizers.Tokenizer.encode_array` returns for small vocabularies) stay as they are, any
    other integers become int32, and a Python list is converted once."""
    arr = np.asarray(ids)
    if arr.size == 0:
        raise UsageError("the id stream is empty: there is no text to make windows from")
    if arr.ndim != 1:
        raise UsageError(f"ids must be a flat sequence of token ids, got an array of shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise UsageError(f"ids must be integers, got dtype {arr.dtype}")
    if arr.min() < 0 or arr.max() > np.iinfo(np.int32).max:
        raise UsageError("ids must be non-negative int32 token ids")
    return np.ascontiguousarray(arr, dtype=arr.dtype if arr.dtype in _COMPACT_DTYPES else np.int32)


def count_windows(n_ids: int, seq_len: int, stride: int | None = None) -> int:
    """How many windows of ``seq_len + 1`` ids, starting every ``stride`` ids, fit in ``n_ids`` ids.

    ``stride`` defaults to ``seq_len``: consecutive windows then share exactly one id (the last target of one is the
    first input of the next), so the *inputs* tile the stream without overlap.
    """
    n_ids = _positive_int("n_ids", n_ids, minimum=0)
    seq_len = _positive_int("seq_len", seq_len)
    stride = seq_len if stride is None else _positive_int("stride", stride)
    if n_ids < seq_len + 1:
        return 0
    return (n_ids - seq_len - 1) // stride + 1


def _split_window(window: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
    return window[..., :-1], window[..., 1:]


def _window_dataset(
    stream: np.ndarray,
    *,
    seq_len: int,
    stride: int,
    batch_size: int,
    shuffle_buffer: int | None,
    seed: int,
    cache: bool,
    drop_remainder: bool,
) -> tf.data.Dataset:
    """Batches of (inputs, targets) cut from ``stream`` by gathering at shuffled start offsets.

    The stream is held in its own (possibly uint8/uint16) dtype and each gathered batch is cast to int32, so the
    resident copy of a corpus stays compact while the model still sees int32 ids.
    """
    n_windows = count_windows(len(stream), seq_len, stride)
    ids = tf.constant(stream)
    offsets = tf.range(seq_len + 1, dtype=tf.int64)

    def gather(starts: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        window = tf.gather(ids, starts[:, None] + offsets[None, :])
        return _split_window(tf.cast(window, tf.int32) if window.dtype != tf.int32 else window)

    starts = tf.data.Dataset.range(0, n_windows * stride, stride)
    if shuffle_buffer is None:
        # Validation: fixed order, so the gathered batches themselves can be cached.
        ds = starts.batch(batch_size, drop_remainder=drop_remainder).map(gather, num_parallel_calls=AUTOTUNE)
        if cache:
            ds = ds.cache()
    else:
        # Training: cache before the shuffle (never after: a cache after it would freeze one order for every
        # epoch); what is cached are the start offsets, the windows are re-gathered each epoch (one gather a batch).
        if cache:
            starts = starts.cache()
        ds = starts.shuffle(min(shuffle_buffer, n_windows), seed=seed, reshuffle_each_iteration=True)
        ds = ds.batch(batch_size, drop_remainder=drop_remainder).map(gather, num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE)


# --------------------------------------------------------------------------------------------------- generation


def generation_datasets(
    ids: Sequence[int] | np.ndarray,
    *,
    seq_len: int,
    batch_size: int = 64,
    stride: int | None = None,
    validation_fraction: float = 0.05,
    shuffle_buffer: int = 10_000,
    seed: int = 0,
    cache: bool = True,
    drop_remainder: bool = True,
) -> tuple[tf.data.Dataset, tf.data.Dataset | None]:
    """Next-token training windows and held-out validation windows from one id stream.

    Returns ``(train, validation)``; each element is ``(inputs, targets)``, both int32 ``[batch, seq_len]``, with
    ``targets[:, t] == inputs[:, t + 1]`` for ``t < seq_len - 1``.  ``validation`` is ``None`` when
    ``validation_fraction`` is 0.

    - The validation set is the last ``round(len(ids) * validation_fraction)`` ids (the tail), cut into windows
      with the same ``seq_len``/``stride``, in order, never shuffled; its last partial batch is kept.
    - The training part is everything before the tail: windows start at ``0, stride, 2*stride, ...``; they are
      shuffled with a ``shuffle_buffer``-window buffer under ``seed`` (the same seed gives the same order, epoch by
      epoch; each epoch is a new order), batched (``drop_remainder`` keeps the batch dimension static) and
      prefetched.

    Raises :class:`UsageError` for an empty stream, ``seq_len < 1``, a window longer than the corpus, the training
    part, or the validation tail, and for fewer training windows than one batch when ``drop_remainder`` is set.
    """
    stream = _id_stream(ids)
    seq_len = _positive_int("seq_len", seq_len)
    batch_size = _positive_int("batch_size", batch_size)
    stride = seq_len if stride is None else _positive_int("stride", stride)
    shuffle_buffer = _positive_int("shuffle_buffer", shuffle_buffer)
    validation_fraction = _fraction("validation_fraction", validation_fraction)
    seed = int(seed)

    n_train, n_val = _split_sizes(len(stream), seq_len, stride, batch_size, validation_fraction, drop_remainder)
    train = _window_dataset(
        stream[:n_train],
        seq_len=seq_len,
        stride=stride,
        batch_size=batch_size,
        shuffle_buffer=shuffle_buffer,
        seed=seed,
        cache=cache,
        drop_remainder=drop_remainder,
    )
    validation = None
    if n_val:
        validation = _window_dataset(
            stream[n_train:],
            seq_len=seq_len,
            stride=stride,
            batch_size=batch_size,
            shuffle_buffer=None,
            seed=seed,
            cache=cache,
            drop_remainder=False,
        )
    return train, validation



def _split_sizes(n: int, seq_len: int, stride: int, batch_size: int, validation_fraction: float,
                 drop_remainder: bool) -> tuple[int, int]:
    """Training and validation token counts of an ``n``-token stream, or the UsageError that says which part is
    too short for one window (or one batch) and what to change."""
    window = seq_len + 1
    if window > n:
        raise UsageError(
            f"window of {window} tokens (seq_len {seq_len} + 1) is longer than the corpus ({n} tokens): "
            "lower seq_len or use more text"
        )
    n_val = int(round(n * validation_fraction))
    n_train = n - n_val
    if window > n_train:
        raise UsageError(
            f"window of {window} tokens is longer than the training part ({n_train} of {n} tokens after holding "
            f"out {validation_fraction:.0%} for validation): lower seq_len or validation_fraction"
        )
    if n_val and window > n_val:
        raise UsageError(
            f"window of {window} tokens is longer than the validation tail ({n_val} tokens, "
            f"{validation_fraction:.0%} of {n}): raise validation_fraction, or set it to 0 for no validation"
        )
    n_train_windows = count_windows(n_train, seq_len, stride)
    if drop_remainder and n_train_windows < batch_size:
        raise UsageError(
            f"only {n_train_windows} training windows, fewer than one batch of {batch_size}: "
            "lower batch_size or seq_len, or pass drop_remainder=False"
        )

    return n_train, n_val

def stream_rows(ids: Sequence[int] | np.ndarray, rows: int, seq_len: int) -> np.ndarray:
    """``ids`` cut into ``rows`` contiguous streams of equal length, as a ``[rows, length]`` array.

    Each row is one stretch of the text, so a model that reads row ``r`` window after window (its state carried)
    reads it as the running text it is. The length is a multiple of ``seq_len`` plus one (each window's last target
    is the next window's first input); the few ids that do not fill a last window are left out.
    """
    stream = _id_stream(ids)
    rows = _positive_int("rows", rows)
    seq_len = _positive_int("seq_len", seq_len)
    per_row = (len(stream) - 1) // rows  # predicted tokens available to each row
    windows = per_row // seq_len
    if windows < 1:
        raise UsageError(
            f"{len(stream)} tokens cannot fill {rows} streams of one {seq_len}-token window each: "
            "lower the batch size or seq_len, or use more text"
        )
    length = windows * seq_len + 1
    # Row by row slices, not one fancy index: an int64 index the size of the corpus would cost 8 bytes a token.
    table = np.empty((rows, length), dtype=stream.dtype)
    for row in range(rows):
        start = row * windows * seq_len
        table[row] = stream[start : start + length]
    return table


def stateful_dataset(ids: Sequence[int] | np.ndarray, *, rows: int, seq_len: int) -> tf.data.Dataset:
    """Batches for truncated back-propagation through time: batch ``k`` holds window ``k`` of every row of
    :func:`stream_rows`, so row ``r`` of consecutive batches continues one stream and a stateful model carries its
    state from batch to batch (char-rnn's training order). Never shuffled: shuffling would cut the streams."""
    table = stream_rows(ids, rows, seq_len)
    windows = (table.shape[1] - 1) // seq_len
    ids_t = tf.constant(table)  # kept in the stream's compact dtype (uint8 for jamo); each window widened below

    def window(k: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        start = k * seq_len
        return _split_window(tf.cast(ids_t[:, start : start + seq_len + 1], tf.int32))

    return tf.data.Dataset.range(windows).map(window, num_parallel_calls=AUTOTUNE).prefetch(AUTOTUNE)


# --------------------------------------------------------------------------------------------------- classification


def _truncate(seq: np.ndarray, max_len: int, truncating: str) -> np.ndarray:
    if len(seq) <= max_len:
        return seq
    return seq[-max_len:] if truncating == "pre" else seq[:max_len]


def _as_sequences(sequences: Sequence[Sequence[int]] | Sequence[np.ndarray]) -> list[np.ndarray]:
    out = []
    for i, seq in enumerate(sequences):
        arr = np.asarray(seq)
        if arr.size == 0:
            arr = np.zeros(0, dtype=np.int32)
        elif arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise UsageError(f"sequence {i} is not a flat list of integer token ids")
        out.append(arr.astype(np.int32, copy=False))
    return out


def pad_sequences(
    sequences: Sequence[Sequence[int]] | Sequence[np.ndarray],
    max_len: int,
    *,
    padding: Side = "pre",
    truncating: Side = "pre",
    value: int = 0,
) -> np.ndarray:
    """Pad or cut every sequence to ``max_len`` ids: an int32 array ``[len(sequences), max_len]``.

    ``truncating="pre"`` keeps the *end* of a long sequence (for a left-to-right RNN read to its last step, the end
    is what it remembers best); ``padding="pre"`` puts the padding first, so the last step is a real token.
    """
    max_len = _positive_int("max_len", max_len)
    _side("padding", padding)
    _side("truncating", truncating)
    seqs = _as_sequences(sequences)
    out = np.full((len(seqs), max_len), value, dtype=np.int32)
    for row, seq in zip(out, seqs):
        seq = _truncate(seq, max_len, truncating)
        if len(seq):
            if padding == "pre":
                row[max_len - len(seq):] = seq
            else:
                row[: len(seq)] = seq
    return out


def _bucket_boundaries(lengths: np.ndarray, max_len: int) -> list[int]:
    """Length boundaries at the deciles of the data, so buckets fill about evenly."""
    qs = np.quantile(lengths, np.linspace(0.1, 0.9, 9)) if len(lengths) else np.array([])
    bounds = sorted({int(q) + 1 for q in qs if 1 <= int(q) + 1 <= max_len})
    return bounds or [max_len + 1]


def _classification_dataset(
    seqs: list[np.ndarray],
    labels: np.ndarray,
    *,
    max_len: int,
    batch_size: int,
    padding: Side,
    truncating: Side,
    shuffle: bool,
    seed: int,
    bucket: bool,
) -> tf.data.Dataset:
    y = labels.astype(np.float32 if labels.ndim == 2 else np.int32)  # 2-D: class probabilities (soft targets)
    if not bucket:
        x = pad_sequences(seqs, max_len, padding=padding, truncating=truncating)
        ds = tf.data.Dataset.from_tensor_slices((x, y)).cache()
        if shuffle:
            ds = ds.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
        return ds.batch(batch_size).prefetch(AUTOTUNE)

    cut = [_truncate(s, max_len, truncating) for s in seqs]
    lengths = np.array([len(s) for s in cut], dtype=np.int64)
    if padding == "pre":
        # padded_batch pads at the end; reversing each sequence before and each batch row after turns that into
        # padding at the start.
        cut = [s[::-1] for s in cut]
    flat = np.concatenate(cut) if cut else np.zeros(0, np.int32)
    flat_t = tf.constant(flat, tf.int32)

    def cut_out(start: tf.Tensor, length: tf.Tensor, label: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        return flat_t[start : start + length], label

    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    ds = tf.data.Dataset.from_tensor_slices((starts, lengths, y)).map(cut_out).cache()
    if shuffle:
        ds = ds.shuffle(len(y), seed=seed, reshuffle_each_iteration=True)
    bounds = _bucket_boundaries(lengths, max_len)
    ds = ds.bucket_by_sequence_length(
        element_length_func=lambda x, _y: tf.shape(x)[0],
        bucket_boundaries=bounds,
        bucket_batch_sizes=[batch_size] * (len(bounds) + 1),
        padded_shapes=([None], list(y.shape[1:])),
        padding_values=(0, np.zeros((), y.dtype)),
    )
    # Each bucket ends in one partial batch, so the count is known: saying it lets Keras show a total and an ETA
    # from the first epoch, and keeps it from warning that the data "ran out".
    per_bucket = np.bincount(np.searchsorted(bounds, lengths, side="right"), minlength=len(bounds) + 1)
    ds = ds.apply(tf.data.experimental.assert_cardinality(int(sum(-(-per_bucket // batch_size)))))
    if padding == "pre":
        ds = ds.map(lambda x, lab: (tf.reverse(x, axis=[1]), lab), num_parallel_calls=AUTOTUNE)
    return ds.prefetch(AUTOTUNE)


def validation_split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the held-out examples (sorted) and of the training examples (in shuffled order) among ``n``.

    One function for both sides of the split, so ``evaluate --split validation`` scores exactly the examples a
    classifier was selected on and never one it was trained on.
    """
    n_val = int(round(n * fraction))
    order = np.random.default_rng(seed).permutation(n)
    return np.sort(order[:n_val]), order[n_val:]


def classification_datasets(
    sequences: Sequence[Sequence[int]],
    labels: Sequence[int] | np.ndarray,
    *,
    max_len: int,
    batch_size: int = 64,
    padding: Side = "pre",
    truncating: Side = "pre",
    shuffle: bool = True,
    seed: int = 0,
    validation_fraction: float = 0.0,
    bucket: bool = False,
    soft: tuple[Sequence[Sequence[int]], np.ndarray] | None = None,
) -> tuple[tf.data.Dataset, tf.data.Dataset | None]:
    """Batches of ``(ids int32 [batch, length], label int32 [batch])`` for a classifier.

    ``soft`` (sequences and their class probabilities ``[M, C]``, a teacher's soft labels) adds examples to the
    training side only, after the validation split, so the hold-out is the same with or without them; every target
    is then a probability row ``float32 [batch, C]`` (a label becomes its one-hot row).

    Without ``bucket`` every batch is padded to ``max_len``.  With ``bucket=True`` the truncated, unpadded
    sequences are grouped by length (``Dataset.bucket_by_sequence_length``, boundaries at the deciles of the
    lengths) and each batch is padded only to its longest sequence, on the ``padding`` side; far less padding to
    run the RNN over when most texts are short (NSMC reviews are).

    ``validation_fraction`` > 0 holds out that share of the examples, picked by a permutation under ``seed``
    (not stratified); the validation set is never shuffled.  Training batches are reshuffled each epoch under
    ``seed`` when ``shuffle`` is set.
    """
    max_len = _positive_int("max_len", max_len)
    batch_size = _positive_int("batch_size", batch_size)
    _side("padding", padding)
    _side("truncating", truncating)
    validation_fraction = _fraction("validation_fraction", validation_fraction)
    seqs = _as_sequences(sequences)
    y = np.asarray(labels)
    if len(seqs) == 0:
        raise UsageError("no examples to classify: the sequence list is empty")
    if y.ndim != 1 or len(y) != len(seqs):
        raise UsageError(f"{len(seqs)} sequences but {len(y) if y.ndim == 1 else y.shape} labels: they must match")
    if not np.issubdtype(y.dtype, np.integer) or y.min() < 0:
        raise UsageError("labels must be non-negative integer class ids")

    n = len(seqs)
    n_val = int(round(n * validation_fraction))
    if validation_fraction and not 1 <= n_val < n:
        raise UsageError(
            f"validation_fraction {validation_fraction} leaves {n_val} of {n} examples for validation: "
            "it must leave at least one for each side"
        )
    def dataset(part: list[np.ndarray], labels: np.ndarray, shuffled: bool) -> tf.data.Dataset:
        return _classification_dataset(part, labels, max_len=max_len, batch_size=batch_size, padding=padding,
                                       truncating=truncating, bucket=bucket, shuffle=shuffled, seed=seed)

    extra_seqs: list[np.ndarray] = []
    extra_y = np.zeros((0, 0), np.float32)
    if soft is not None:
        extra_seqs = _as_sequences(soft[0])
        extra_y = np.asarray(soft[1], np.float32)
        if extra_y.ndim != 2 or len(extra_y) != len(extra_seqs) or extra_y.shape[1] <= int(y.max()):
            raise UsageError(f"{len(extra_seqs)} soft-labelled sequences need [{len(extra_seqs)}, classes] "
                             f"probabilities covering label {int(y.max())}, got shape {extra_y.shape}")
        y = np.eye(extra_y.shape[1], dtype=np.float32)[y]
    if not n_val:
        return dataset(seqs + extra_seqs, np.concatenate([y, extra_y]) if soft is not None else y, shuffle), None
    val_idx, train_idx = validation_split(n, validation_fraction, seed)
    train_seqs = [seqs[i] for i in train_idx] + extra_seqs
    train = dataset(train_seqs, np.concatenate([y[train_idx], extra_y]) if soft is not None else y[train_idx],
                    shuffle)
    validation = dataset([seqs[i] for i in val_idx], y[val_idx], False)
    return train, validation
