"""The NumPy runtime against Keras: equal outputs for every architecture the builders make, tiny and untrained.

Each configuration is built here with fresh weights, saved as a ``.keras`` archive, read back without Keras
(:meth:`Runtime.from_archive`) and from the live model (:meth:`Runtime.from_keras`), and compared with the model's
own output on ids padded before, after, not at all, and entirely (an empty text).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from hangul_rnn.errors import FormatError, UsageError
from hangul_rnn.runtime import Runtime

ATOL = 1e-4
VOCAB = 23
SHIPPED = Path(__file__).resolve().parent.parent / "hangul_rnn" / "default_models"


def _ids(rng: np.random.Generator, batch: int = 4, time: int = 12) -> np.ndarray:
    ids = rng.integers(2, VOCAB, size=(batch, time)).astype("int32")
    ids[1, :4] = 0  # pre-padding
    ids[2, -5:] = 0  # post-padding
    ids[3, :] = 0  # an empty text
    return ids


def _sharpen(model, factor: float = 2.5):
    """Untrained outputs sit near uniform, where a wrong gate would hide under the tolerance: scale the weights."""
    model.set_weights([w * factor for w in model.get_weights()])
    return model


def _both(model, tmp_path: Path) -> list[Runtime]:
    path = tmp_path / "m.keras"
    model.save(path)
    return [Runtime.from_archive(path), Runtime.from_keras(model)]


def _assert_generator_matches(model, ids: np.ndarray, want: np.ndarray, tmp_path: Path) -> None:
    """Both runtimes of a generator give Keras' logits over the whole sequence, after reading a prefix, and step by
    step from there (ids are 9 long: read 4, step 5)."""
    for runtime in _both(model, tmp_path):
        np.testing.assert_allclose(runtime.forward(ids), want, atol=ATOL)
        logits, state = runtime.read(ids[:, :4])
        np.testing.assert_allclose(logits, want[:, 3], atol=ATOL)
        for t in range(4, 9):
            logits, state = runtime.step(ids[:, t], state)
            np.testing.assert_allclose(logits, want[:, t], atol=ATOL)


CLASSIFIERS = [
    dict(cell=cell, pooling=pooling, bidirectional=bi, layers=1 + (i % 2))
    for i, (cell, pooling, bi) in enumerate(itertools.product(("lstm", "gru", "rnn"), ("last", "max", "mean"),
                                                             (False, True)))
] + [
    dict(cell=cell, pooling=pooling, conv_filters=5, conv_kernel=3, pool_size=2, layers=1 + (i % 2),
         bidirectional=i == 1)
    for i, (cell, pooling) in enumerate(itertools.product(("lstm", "gru", "rnn"), ("last", "max", "mean")))
] + [  # the non-recurrent baselines, the hidden Dense head and unmasked padding (the textbook's models)
    dict(cell="bag"),
    dict(cell="flatten", max_len=12),
    dict(cell="conv", conv_kernel=3, pool_size=2, max_len=12),
    dict(cell="bag", hidden_units=7, hidden_dropout=0.3),
    dict(cell="lstm", hidden_units=4, mask_padding=False),
    dict(cell="gru", pooling="max", mask_padding=False),
] + [  # concat pooling (ULMFiT's last + max + mean): every cell, stacked, both directions, no mask, a conv front
    dict(cell="lstm", pooling="concat", layers=2),
    dict(cell="gru", pooling="concat"),
    dict(cell="rnn", pooling="concat", bidirectional=True),
    dict(cell="lstm", pooling="concat", mask_padding=False),
    dict(cell="gru", pooling="concat", conv_filters=5, conv_kernel=3, pool_size=2, hidden_units=4),
]


@pytest.mark.parametrize("kwargs", CLASSIFIERS, ids=lambda k: "-".join(f"{v}" for v in k.values()))
def test_classifier_outputs_equal_keras(kwargs, tmp_path):
    import keras

    from hangul_rnn.models import build_classifier

    keras.utils.set_random_seed(1)
    model = _sharpen(build_classifier(VOCAB, units=6, embedding_dim=5, dropout=0.1, num_classes=3, **kwargs))
    ids = _ids(np.random.default_rng(0))
    want = np.asarray(model(ids, training=False))
    assert np.ptp(want[:3], axis=0).max() > 0.01  # the rows differ: the comparison can see a mistake
    for runtime in _both(model, tmp_path):
        np.testing.assert_allclose(runtime.forward(ids), want, atol=ATOL)


@pytest.mark.parametrize("cell, layers", [(c, n) for c in ("lstm", "gru", "rnn") for n in (1, 2)])
def test_generator_logits_equal_keras_over_sequences_and_steps(cell, layers, tmp_path):
    import keras

    from hangul_rnn.models import build_generator

    keras.utils.set_random_seed(2)
    model = _sharpen(build_generator(VOCAB, cell=cell, layers=layers, units=7, embedding_dim=4), 3.0)
    ids = np.random.default_rng(1).integers(1, VOCAB, size=(3, 9)).astype("int32")
    want = np.asarray(model(ids, training=False))
    _assert_generator_matches(model, ids, want, tmp_path)


@pytest.mark.parametrize("cell, layers, units", [("lstm", 1, 4), ("lstm", 2, 7), ("gru", 1, 7), ("rnn", 2, 4)])
def test_tied_generator_equals_keras_and_reloads(cell, layers, units, tmp_path):
    """--tie-embeddings: the embedding layer is called twice (ids in, logits out); with units != embedding_dim a
    projection comes first. The runtime follows both calls; Keras reloads the archive with no custom_objects."""
    import keras

    from hangul_rnn.models import build_generator

    keras.utils.set_random_seed(5)
    model = _sharpen(build_generator(VOCAB, cell=cell, layers=layers, units=units, embedding_dim=4,
                                     tie_embeddings=True), 3.0)
    assert ("projection" in [layer.name for layer in model.layers]) == (units != 4)
    assert "logits" not in [layer.name for layer in model.layers]
    ids = np.random.default_rng(4).integers(1, VOCAB, size=(3, 9)).astype("int32")
    want = np.asarray(model(ids, training=False))
    assert np.ptp(want[:, -1], axis=0).max() > 0.01
    _assert_generator_matches(model, ids, want, tmp_path)
    reloaded = keras.models.load_model(tmp_path / "m.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(reloaded(ids, training=False)), want, atol=1e-6)


def test_gru_without_reset_after_and_a_dropout_between_layers(tmp_path):
    """Layers the builders may grow (a Dropout between recurrent layers, reset_after=False) need no change here."""
    import keras

    keras.utils.set_random_seed(3)
    ids_in = keras.Input(shape=(None,), dtype="int32")
    x = keras.layers.Embedding(VOCAB, 4)(ids_in)
    x = keras.layers.GRU(5, return_sequences=True, reset_after=False)(x)
    x = keras.layers.Dropout(0.3)(x)
    x = keras.layers.LSTM(6, return_sequences=True, return_state=True)(x)[0]
    x = keras.layers.Dense(VOCAB)(x)
    model = _sharpen(keras.Model(ids_in, x), 3.0)
    ids = np.random.default_rng(2).integers(1, VOCAB, size=(2, 7)).astype("int32")
    want = np.asarray(model(ids, training=False))
    for runtime in _both(model, tmp_path):
        np.testing.assert_allclose(runtime.forward(ids), want, atol=ATOL)
        logits, state = runtime.read(ids[:, :3])
        for t in range(3, 7):
            logits, state = runtime.step(ids[:, t], state)
        np.testing.assert_allclose(logits, want[:, -1], atol=ATOL)


def test_generator_with_layer_dropout_steps_like_keras(tmp_path):
    """The textbook generator's Dropout between its LSTMs is the identity at inference, stepping included."""
    import keras

    from hangul_rnn.models import build_generator

    keras.utils.set_random_seed(4)
    model = _sharpen(build_generator(VOCAB, layers=2, units=5, embedding_dim=4, layer_dropout=0.2), 3.0)
    assert any(layer.name == "dropout_0" for layer in model.layers)
    ids = np.random.default_rng(3).integers(1, VOCAB, size=(2, 6)).astype("int32")
    want = np.asarray(model(ids, training=False))
    for runtime in _both(model, tmp_path):
        logits, state = runtime.read(ids[:, :2])
        for t in range(2, 6):
            logits, state = runtime.step(ids[:, t], state)
        np.testing.assert_allclose(logits, want[:, -1], atol=ATOL)


def test_read_continues_from_carried_states():
    import keras

    from hangul_rnn.models import build_generator

    keras.utils.set_random_seed(7)
    model = _sharpen(build_generator(VOCAB, cell="lstm", layers=2, units=6, embedding_dim=4), 3.0)
    runtime = Runtime.from_keras(model)
    rng = np.random.default_rng(3)
    prompt, token, more = (rng.integers(1, VOCAB, size=(2, n)) for n in (6, 1, 4))
    state = runtime.initial_state(2)
    assert [len(s) for s in state] == [2, 2] and state[0][0].shape == (2, 6) and not state[0][0].any()
    _, state = runtime.read(prompt, state)
    _, state = runtime.step(token[:, 0], state)
    logits, _ = runtime.read(more, state)
    whole = np.asarray(model(np.concatenate([prompt, token, more], axis=1).astype("int32")))
    np.testing.assert_allclose(logits, whole[:, -1], atol=ATOL)


@pytest.mark.parametrize("name", ["annals-syllable", "nsmc-classifier"])
def test_shipped_bundles_equal_keras(name):
    import keras

    import hangul_rnn.models  # noqa: F401  (registers the custom layers a classifier's archive names)

    path = SHIPPED / name / "model.keras"
    model = keras.models.load_model(path, safe_mode=True)
    runtime = Runtime.from_archive(path)
    rng = np.random.default_rng(4)
    vocab = int(model.get_layer("embedding").input_dim)
    ids = rng.integers(2, vocab, size=(3, 40)).astype("int32")
    if runtime.masked:
        ids[1, :25] = 0
    want = np.asarray(model(ids, training=False))
    np.testing.assert_allclose(runtime.forward(ids), want, atol=ATOL)
    if name == "annals-syllable":  # and token by token, as generate runs it
        logits, state = runtime.read(ids[:, :20])
        np.testing.assert_allclose(logits, want[:, 19], atol=ATOL)
        for t in range(20, 40):
            logits, state = runtime.step(ids[:, t], state)
            np.testing.assert_allclose(logits, want[:, t], atol=ATOL)


def test_unpadded_rows_equal_padded_ones_with_a_mask(tmp_path):
    import keras

    from hangul_rnn.models import build_classifier

    keras.utils.set_random_seed(5)
    runtime = Runtime.from_keras(build_classifier(VOCAB, units=4, embedding_dim=3, bidirectional=True))
    row = np.array([[5, 6, 7, 8]])
    padded = np.array([[0, 0, 0, 5, 6, 7, 8]])
    np.testing.assert_allclose(runtime.forward(row), runtime.forward(padded), atol=1e-6)


@pytest.mark.parametrize("padding", ["pre", "post"])
def test_concat_pooling_reads_the_last_real_token_however_the_text_is_padded(padding):
    import keras

    from hangul_rnn.models import build_classifier

    keras.utils.set_random_seed(6)
    model = _sharpen(build_classifier(VOCAB, units=4, embedding_dim=3, pooling="concat"))
    row = np.array([[5, 6, 7, 8]], dtype="int32")
    padded = np.array([[0, 0, 0, 5, 6, 7, 8] if padding == "pre" else [5, 6, 7, 8, 0, 0, 0]], dtype="int32")
    np.testing.assert_allclose(np.asarray(model(padded, training=False)), np.asarray(model(row, training=False)),
                               atol=1e-6)
    np.testing.assert_allclose(Runtime.from_keras(model).forward(padded), Runtime.from_keras(model).forward(row),
                               atol=1e-6)
    pool = model.get_layer("pool")
    assert pool.mode == "concat" and tuple(pool.output.shape) == (None, 12)  # last, max and mean of 4 units


def test_a_classifier_cannot_step():
    import keras

    from hangul_rnn.models import build_classifier

    keras.utils.set_random_seed(6)
    runtime = Runtime.from_keras(build_classifier(VOCAB, units=4, embedding_dim=3))
    with pytest.raises(UsageError, match="cannot generate"):
        runtime.initial_state(1)


@pytest.mark.parametrize("damage", ["not a zip", "cut", "bad weights", "no weights"])
def test_a_corrupt_archive_is_a_one_line_format_error(damage, tmp_path):
    import zipfile

    source = (SHIPPED / "annals-syllable" / "model.keras").read_bytes()
    path = tmp_path / "model.keras"
    if damage == "not a zip":
        path.write_bytes(b"hello")
    elif damage == "cut":
        path.write_bytes(source[: len(source) // 2])
    else:
        with zipfile.ZipFile(SHIPPED / "annals-syllable" / "model.keras") as src, zipfile.ZipFile(path, "w") as dst:
            for item in src.namelist():
                data = src.read(item)
                if item == "model.weights.h5":
                    if damage == "no weights":
                        continue
                    data = data[:2000] + b"\0" * 5000 + data[7000:]
                dst.writestr(item, data)
    with pytest.raises(FormatError) as info:
        Runtime.from_archive(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
