"""tf.data windows for generation and padded/bucketed batches for classification."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_rnn.errors import UsageError
from hangul_rnn.windows import classification_datasets, count_windows, generation_datasets, pad_sequences


def _batches(ds):
    return [(x.numpy(), y.numpy()) for x, y in ds]


def _all_windows(ds) -> np.ndarray:
    """Every (inputs + last target) window of a dataset, as rows."""
    rows = [np.concatenate([x, y[:, -1:]], axis=1) for x, y in _batches(ds)]
    return np.concatenate(rows) if rows else np.zeros((0, 0), np.int32)


def test_shapes_dtypes_and_teacher_forcing():
    train, val = generation_datasets(np.arange(1000), seq_len=10, batch_size=4, validation_fraction=0.1)
    x_spec, y_spec = train.element_spec
    assert x_spec.shape.as_list() == [4, 10] and y_spec.shape.as_list() == [4, 10]
    assert x_spec.dtype.name == "int32" and y_spec.dtype.name == "int32"
    for x, y in _batches(train) + _batches(val):
        np.testing.assert_array_equal(y[:, :-1], x[:, 1:])  # targets are the inputs shifted by one
        np.testing.assert_array_equal(y[:, -1], x[:, -1] + 1)  # ids are arange: the last target follows too


@pytest.mark.parametrize("stride", [None, 1, 3, 10, 25])
def test_windows_cover_the_train_part_by_stride(stride):
    n, seq_len = 300, 10
    train, val = generation_datasets(
        np.arange(n), seq_len=seq_len, batch_size=1, stride=stride, validation_fraction=0.1
    )
    step = stride or seq_len
    starts = sorted(_all_windows(train)[:, 0].tolist())
    assert starts == list(range(0, 270 - seq_len, step))
    assert len(starts) == count_windows(270, seq_len, step)
    assert _all_windows(val)[:, 0].tolist() == list(range(270, 300 - seq_len, step))


def test_count_windows():
    assert count_windows(11, 10, 10) == 1
    assert count_windows(10, 10, 10) == 0
    assert count_windows(21, 10) == 2
    assert count_windows(100, 9, 1) == 91


def test_validation_is_the_tail_and_disjoint_from_train():
    ids = np.arange(2000)
    train, val = generation_datasets(ids, seq_len=20, batch_size=8, validation_fraction=0.1)
    train_ids = np.unique(_all_windows(train))
    val_ids = np.unique(_all_windows(val))
    assert train_ids.max() < 1800 <= val_ids.min()
    assert val_ids.max() < 2000
    # validation is in order (not shuffled); training is shuffled
    assert np.all(np.diff(_all_windows(val)[:, 0]) > 0)
    assert not np.all(np.diff(_all_windows(train)[:, 0]) > 0)


def test_no_validation_when_fraction_is_zero():
    train, val = generation_datasets(np.arange(500), seq_len=10, batch_size=2, validation_fraction=0.0)
    assert val is None
    assert _all_windows(train).shape[0] == 48  # 49 windows, drop_remainder drops the odd one


def test_deterministic_under_seed_and_seed_changes_order():
    ids = np.arange(5000)

    def first(seed):
        train, _ = generation_datasets(ids, seq_len=10, batch_size=16, seed=seed)
        return next(iter(train))[0].numpy()

    np.testing.assert_array_equal(first(1), first(1))
    assert not np.array_equal(first(1), first(2))


def test_each_epoch_reshuffles():
    train, _ = generation_datasets(np.arange(3000), seq_len=10, batch_size=16, seed=0)
    epoch1 = next(iter(train))[0].numpy()
    epoch2 = next(iter(train))[0].numpy()
    assert not np.array_equal(epoch1, epoch2)


@pytest.mark.parametrize(
    "ids, kwargs, message",
    [
        (np.arange(42), dict(seq_len=99),
         "window of 100 tokens (seq_len 99 + 1) is longer than the corpus (42 tokens)"),
        ([], dict(seq_len=5), "empty"),
        (np.arange(100), dict(seq_len=0), "seq_len"),
        (np.arange(100), dict(seq_len=90, validation_fraction=0.2), "training part"),
        (np.arange(100), dict(seq_len=10, validation_fraction=0.05), "validation tail"),
        (np.arange(100), dict(seq_len=10, batch_size=64, validation_fraction=0.0), "fewer than one batch"),
        (np.arange(100), dict(seq_len=10, validation_fraction=1.0), "validation_fraction"),
        (np.zeros((4, 4), int), dict(seq_len=2), "flat"),
        (np.array([0.5, 1.5]), dict(seq_len=1), "integers"),
    ],
)
def test_generation_errors_are_one_line(ids, kwargs, message):
    with pytest.raises(UsageError) as info:
        generation_datasets(ids, **kwargs)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_partial_batches_when_not_dropping_remainder():
    train, _ = generation_datasets(
        np.arange(100), seq_len=10, batch_size=64, validation_fraction=0.0, drop_remainder=False
    )
    assert train.element_spec[0].shape.as_list() == [None, 10]
    assert _all_windows(train).shape == (9, 11)


def test_compact_id_streams_give_the_same_int32_batches():
    """uint8/uint16 streams (what encode_array returns) stay compact in memory; the batches are int32 as ever."""
    from hangul_rnn.windows import stateful_dataset, stream_rows

    ids = (np.arange(500) % 50).astype(np.uint8)
    kwargs = {"seq_len": 10, "batch_size": 4, "validation_fraction": 0.1, "shuffle_buffer": 16, "seed": 3}
    for compact in (ids, ids.astype(np.uint16)):
        train_a, val_a = generation_datasets(compact, **kwargs)
        train_b, val_b = generation_datasets(ids.astype(np.int64).tolist(), **kwargs)
        for a, b in ((train_a, train_b), (val_a, val_b)):
            for (xa, ya), (xb, yb) in zip(a, b):
                assert xa.dtype == ya.dtype == np.int32
                assert np.array_equal(xa, xb) and np.array_equal(ya, yb)
        rows = stream_rows(compact, 4, 10)  # row-by-row slices equal the fancy-index definition
        windows = (len(compact) - 1) // 4 // 10
        starts = np.arange(4)[:, None] * windows * 10
        assert rows.dtype == compact.dtype
        assert np.array_equal(rows, compact[starts + np.arange(windows * 10 + 1)[None, :]])
        stateful_a = list(stateful_dataset(compact, rows=4, seq_len=10))
        stateful_b = list(stateful_dataset(ids.astype(np.int64).tolist(), rows=4, seq_len=10))
        assert len(stateful_a) == len(stateful_b) > 1
        for (xa, ya), (xb, yb) in zip(stateful_a, stateful_b):
            assert xa.dtype == ya.dtype == np.int32
            assert np.array_equal(xa, xb) and np.array_equal(ya, yb)


def test_pad_sequences_pre_and_post():
    seqs = [[1, 2, 3, 4], [5], []]
    np.testing.assert_array_equal(pad_sequences(seqs, 3), [[2, 3, 4], [0, 0, 5], [0, 0, 0]])
    np.testing.assert_array_equal(
        pad_sequences(seqs, 3, padding="post", truncating="post"), [[1, 2, 3], [5, 0, 0], [0, 0, 0]]
    )
    np.testing.assert_array_equal(pad_sequences(seqs, 3, padding="post", value=9), [[2, 3, 4], [5, 9, 9], [9, 9, 9]])
    assert pad_sequences(seqs, 3).dtype == np.int32
    with pytest.raises(UsageError):
        pad_sequences(seqs, 3, padding="middle")
    with pytest.raises(UsageError):
        pad_sequences(seqs, 0)


def _toy_classification(n=100, seed=0):
    rng = np.random.default_rng(seed)
    seqs = [list(rng.integers(1, 50, rng.integers(1, 40))) for _ in range(n)]
    labels = [int(len(s) % 2) for s in seqs]  # a label recoverable from the sequence itself
    return seqs, labels


def test_classification_batches_and_labels():
    seqs, labels = _toy_classification()
    train, val = classification_datasets(seqs, labels, max_len=20, batch_size=16, shuffle=True, seed=3)
    assert val is None
    padded = {tuple(r): None for r in pad_sequences(seqs, 20)}
    lookup = {tuple(row): lab for row, lab in zip(pad_sequences(seqs, 20), labels)}
    seen = 0
    for x, y in _batches(train):
        assert x.shape[1] == 20 and x.dtype == np.int32 and y.dtype == np.int32
        for row, lab in zip(x, y):
            assert tuple(row) in padded and lookup[tuple(row)] == lab
        seen += len(y)
    assert seen == 100


def test_classification_validation_split_is_deterministic_and_disjoint():
    seqs = [[i + 1] for i in range(50)]
    labels = [i % 2 for i in range(50)]

    def split(seed):
        train, val = classification_datasets(
            seqs, labels, max_len=1, batch_size=8, validation_fraction=0.2, seed=seed
        )
        tr = {int(v) for x, _ in _batches(train) for v in x[:, 0]}
        va = [int(v) for x, _ in _batches(val) for v in x[:, 0]]
        return tr, va

    tr, va = split(0)
    assert len(va) == 10 and len(tr) == 40 and not tr & set(va)
    assert split(0)[1] == va
    assert split(1)[1] != va


def test_bucketing_gives_varying_lengths_and_pads_on_the_right_side():
    seqs, labels = _toy_classification(200)
    train, _ = classification_datasets(seqs, labels, max_len=30, batch_size=8, bucket=True)
    lengths = set()
    n = 0
    for x, y in _batches(train):
        assert x.shape[1] <= 30
        assert np.all(x[:, -1] != 0)  # pre-padding: every row ends on a real token
        lengths.add(x.shape[1])
        n += len(y)
        for row, lab in zip(x, y):
            assert int(np.count_nonzero(row) % 2) == lab or np.count_nonzero(row) == 30
    assert len(lengths) > 2 and n == 200
    assert int(train.cardinality()) == len(list(_batches(train)))  # the declared count is the real one

    post, _ = classification_datasets(seqs, labels, max_len=30, batch_size=8, bucket=True, padding="post")
    for x, _ in _batches(post):
        assert np.all(x[:, 0] != 0)


@pytest.mark.parametrize(
    "seqs, labels, message",
    [([[1], [2]], [0], "labels"), ([], [], "empty"), ([[1]], [-1], "non-negative")],
)
def test_classification_errors(seqs, labels, message):
    with pytest.raises(UsageError, match=message):
        classification_datasets(seqs, labels, max_len=5)
