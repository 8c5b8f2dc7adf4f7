"""Generator / classifier builders (streaming inference is tested against them in test_runtime.py)."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_rnn.errors import UsageError
from hangul_rnn.models import (
    CELLS,
    build_classifier,
    build_generator,
    compile_classifier,
    compile_generator,
    count_params,
)

VOCAB = 23


def _ids(batch, time, seed=0):
    return np.random.default_rng(seed).integers(0, VOCAB, (batch, time)).astype(np.int32)


# --------------------------------------------------------------------------------------------------- builders


@pytest.mark.parametrize("cell", CELLS)
def test_generator_shapes_and_layer_names(cell):
    model = build_generator(VOCAB, cell=cell, layers=2, units=8, embedding_dim=4)
    for time in (1, 7):
        assert model(_ids(3, time)).shape == (3, time, VOCAB)
    names = [layer.name for layer in model.layers]
    assert {"embedding", "rnn_0", "rnn_1", "logits"} <= set(names)
    assert count_params(model) == model.count_params() > 0


@pytest.mark.parametrize("units", [4, 8])
def test_a_tied_generator_drops_the_output_kernel(units):
    """Tying removes the units x vocabulary output kernel (its bias stays, on the embedding); a projection of
    units x embedding_dim comes back when the sizes differ."""
    untied = build_generator(VOCAB, units=units, embedding_dim=4)
    tied = build_generator(VOCAB, units=units, embedding_dim=4, tie_embeddings=True)
    assert tied(_ids(2, 5)).shape == (2, 5, VOCAB)
    projection = units * 4 if units != 4 else 0
    assert count_params(untied) - count_params(tied) == units * VOCAB - projection
    assert [w.shape for w in tied.get_layer("embedding").get_weights()] == [(VOCAB, 4), (VOCAB,)]


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("pooling", ["last", "max", "mean"])
def test_classifier_shapes(cell, pooling):
    model = build_classifier(VOCAB, cell=cell, units=4, embedding_dim=4, pooling=pooling, num_classes=3)
    probs = np.asarray(model(np.array([[0, 0, 3, 4, 5], [1, 2, 3, 0, 0], [0, 0, 0, 0, 0]], np.int32)))
    assert probs.shape == (3, 3)
    assert np.all(np.isfinite(probs))  # an all-padding row pools to zeros, not NaN
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_classifier_bidirectional_and_conv_front_end():
    bi = build_classifier(VOCAB, units=4, embedding_dim=4, layers=2, bidirectional=True)
    assert bi(_ids(2, 9)).shape == (2, 2)
    assert "bi_rnn_1" in [layer.name for layer in bi.layers]
    conv = build_classifier(VOCAB, units=4, embedding_dim=4, conv_filters=6, conv_kernel=3, pool_size=2)
    assert conv(_ids(2, 20)).shape == (2, 2)
    assert {"conv", "conv_pool"} <= {layer.name for layer in conv.layers}


def test_masking_makes_post_padding_match_the_unpadded_sequence():
    model = build_classifier(VOCAB, units=4, embedding_dim=4, dropout=0.0)
    short = np.array([[3, 4, 5]], np.int32)
    np.testing.assert_allclose(
        model(short), model(np.array([[3, 4, 5, 0, 0]], np.int32)), atol=1e-6
    )
    np.testing.assert_allclose(model(short), model(np.array([[0, 0, 3, 4, 5]], np.int32)), atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(cell="transformer"), "unknown cell 'transformer'"),
        (dict(layers=0), "layers must be at least 1"),
        (dict(units=0), "units must be at least 1"),
        (dict(dropout=1.0), "dropout must be in [0, 1)"),
        (dict(recurrent_dropout=-0.1), "recurrent_dropout"),
    ],
)
@pytest.mark.parametrize("builder", [build_generator, build_classifier])
def test_builder_errors_are_one_line(builder, kwargs, message):
    with pytest.raises(UsageError) as info:
        builder(VOCAB, **kwargs)
    assert message in str(info.value) and "\n" not in str(info.value)


def test_vocab_and_classifier_specific_errors():
    with pytest.raises(UsageError, match="vocab_size"):
        build_generator(1)
    with pytest.raises(UsageError, match="pooling"):
        build_classifier(VOCAB, pooling="sum")
    with pytest.raises(UsageError, match="num_classes"):
        build_classifier(VOCAB, num_classes=1)


# --------------------------------------------------------------------------------------------------- training


def test_tiny_generator_learns_a_repetitive_sequence():
    import keras

    keras.utils.set_random_seed(0)
    pattern = np.tile(np.arange(1, 6, dtype=np.int32), 40)  # 1 2 3 4 5 1 2 3 ...
    x = np.stack([pattern[i : i + 10] for i in range(0, 150, 5)])
    y = np.stack([pattern[i + 1 : i + 11] for i in range(0, 150, 5)])
    model = compile_generator(build_generator(6, units=16, embedding_dim=8), learning_rate=0.02)
    before = model.evaluate(x, y, verbose=0)[0]
    model.fit(x, y, batch_size=10, epochs=8, verbose=0)
    after = model.evaluate(x, y, verbose=0)[0]
    assert after < 0.5 * before


def test_tiny_classifier_compiles_and_trains():
    model = compile_classifier(build_classifier(VOCAB, units=4, embedding_dim=4))
    history = model.fit(_ids(8, 6), np.arange(8) % 2, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_saved_and_loaded_models_keep_working(tmp_path):
    import keras

    gen = build_generator(VOCAB, cell="gru", layers=2, units=8, embedding_dim=4)
    gen.save(tmp_path / "gen.keras")
    loaded = keras.saving.load_model(tmp_path / "gen.keras", safe_mode=True)
    ids = _ids(2, 5)
    np.testing.assert_allclose(np.asarray(loaded(ids)), np.asarray(gen(ids)), atol=1e-6)

    clf = build_classifier(VOCAB, units=4, embedding_dim=4, pooling="max")
    clf.save(tmp_path / "clf.keras")
    loaded = keras.saving.load_model(tmp_path / "clf.keras", safe_mode=True)
    np.testing.assert_allclose(np.asarray(loaded(ids)), np.asarray(clf(ids)), atol=1e-6)
