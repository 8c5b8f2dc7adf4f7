"""Keras 3 models: next-token generators and sentence classifiers (inference runs them in :mod:`hangul_rnn.runtime`).

Generator: ``ids [batch, time] -> embedding -> rnn_0 .. rnn_{L-1} -> logits [batch, time, vocab]``.  It returns
*logits* (no softmax): the loss is ``from_logits=True`` and the sampler divides logits by a temperature.  Every
recurrent layer is built with ``return_sequences=True, return_state=True``; the functional graph uses only its
sequence output, and :mod:`hangul_rnn.runtime` runs the same layers step by step in NumPy carrying their states
(generation never needs TensorFlow).

Classifier: ``ids [batch, time] -> embedding -> [Conv1D -> MaxPooling1D] -> rnn x L -> pooling -> softmax``.

Masking decision.  Without the conv front end the embedding uses ``mask_zero=True`` (id 0 is ``<pad>``): the RNN
then skips padded steps, so ``pooling="last"`` is the last *real* token's output for pre- and post-padding alike,
and "mean"/"max" pool over real steps only.  With pre-padding and "last" the mask changes little (the RNN has read
the padding first) but it stays on, so the model is right whichever padding the data uses; the price is that
cuDNN's fused kernel is not used on a GPU for pre-padded masks, irrelevant on CPU.  ``Conv1D`` cannot carry a mask,
so with ``conv_filters > 0`` the embedding has no mask and padding is read as ordinary (learned) input, which is
what the textbook IMDB model does.
"""

from __future__ import annotations

from typing import Literal

import keras
import numpy as np

from hangul_rnn.errors import UsageError

__all__ = [
    "CELLS",
    "MaskedGlobalPooling1D",
    "last_step_view",
    "build_classifier",
    "build_generator",
    "compile_classifier",
    "compile_generator",
    "count_params",
    "reset_states",
]

from hangul_rnn.config import CELLS, ENCODERS, OPTIMIZERS  # noqa: E402  (the one list of cells)
from hangul_rnn.config import POOLINGS as _CONFIG_POOLINGS  # noqa: E402
from hangul_rnn.layer_rates import layer_rate_optimizer  # noqa: E402  (also registers its optimizers for loading)
from hangul_rnn.tied import TiedEmbedding  # noqa: E402  (registered for loading archives that hold one)

POOLINGS = tuple(p for p in _CONFIG_POOLINGS if p is not None)
_LAYER_CLASSES = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU, "rnn": keras.layers.SimpleRNN}


# --------------------------------------------------------------------------------------------------- checks


def _int_at_least(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise UsageError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise UsageError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _rate(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)) or not 0.0 <= value < 1.0:
        raise UsageError(f"{name} must be in [0, 1), got {value!r}")
    return float(value)


def _cell(cell: str) -> str:
    if not isinstance(cell, str) or cell.lower() not in CELLS:
        raise UsageError(f"unknown cell {cell!r}: choose one of {', '.join(CELLS)}")
    return cell.lower()


def _common_checks(vocab_size, cell, layers, units, embedding_dim, dropout, recurrent_dropout):
    return (
        _int_at_least("vocab_size", vocab_size, 2),
        _cell(cell),
        _int_at_least("layers", layers, 1),
        _int_at_least("units", units, 1),
        _int_at_least("embedding_dim", embedding_dim, 1),
        _rate("dropout", dropout),
        _rate("recurrent_dropout", recurrent_dropout),
    )


# --------------------------------------------------------------------------------------------------- generator


def build_generator(
    vocab_size: int,
    *,
    cell: str = "lstm",
    layers: int = 1,
    units: int = 256,
    embedding_dim: int = 64,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    stateful_batch: int | None = None,
    layer_dropout: float = 0.0,
    tie_embeddings: bool = False,
) -> keras.Model:
    """A next-token model: int ids ``[batch, time]`` (time may vary) to logits ``[batch, time, vocab_size]``.

    Layers are named ``embedding``, ``rnn_0`` ... ``rnn_{layers-1}``, ``logits``; :mod:`hangul_rnn.runtime` reads
    them by these names.  ``dropout`` is the recurrent layers' input dropout (so with stacked layers it is the
    dropout between layers), ``recurrent_dropout`` their state dropout; both act in training only.

    ``stateful_batch=B`` builds the same network for truncated back-propagation through time: a fixed batch of B
    rows whose recurrent states carry from one call to the next (reset with :func:`reset_states`). Its weights are
    exactly those of the stateless model (the carried states are not weights), so ``set_weights`` moves them
    between the two: train or score statefully, save and sample with the stateless one.

    ``layer_dropout`` puts a Dropout layer between stacked recurrent layers (the textbook's Emb -> LSTM -> Dropout
    -> LSTM); unlike ``dropout`` it leaves the first layer's input alone.

    ``tie_embeddings`` scores the next token with the input embedding itself
    (:class:`~hangul_rnn.tied.TiedEmbedding`, called again with ``reverse=True``: logits ``h @ E.T + b``) instead
    of a ``logits`` Dense.
    When ``units`` differs from ``embedding_dim``, a linear ``projection`` Dense(embedding_dim, no bias) maps the
    last recurrent output to the embedding's size first, the usual way (Press & Wolf 2017); allowed rather than
    refused because the two sizes are chosen for different reasons (a wide state, a small table).
    """
    vocab_size, cell, layers, units, embedding_dim, dropout, recurrent_dropout = _common_checks(
        vocab_size, cell, layers, units, embedding_dim, dropout, recurrent_dropout
    )
    rnn_class = _LAYER_CLASSES[cell]
    if stateful_batch is not None:
        stateful_batch = _int_at_least("stateful_batch", stateful_batch, 1)
        ids = keras.Input(batch_shape=(stateful_batch, None), dtype="int32", name="ids")
    else:
        ids = keras.Input(shape=(None,), dtype="int32", name="ids")
    embedding = (TiedEmbedding if tie_embeddings else keras.layers.Embedding)(vocab_size, embedding_dim,
                                                                               name="embedding")
    x = embedding(ids)
    for i in range(layers):
        outputs = rnn_class(
            units,
            return_sequences=True,
            return_state=True,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            stateful=stateful_batch is not None,
            name=f"rnn_{i}",
        )(x)
        x = outputs[0]
        if layer_dropout and i < layers - 1:
            x = keras.layers.Dropout(_rate("layer_dropout", layer_dropout), name=f"dropout_{i}")(x)
    if tie_embeddings:
        if units != embedding_dim:
            x = keras.layers.Dense(embedding_dim, use_bias=False, name="projection")(x)
        logits = embedding(x, reverse=True)
    else:
        logits = keras.layers.Dense(vocab_size, name="logits")(x)
    return keras.Model(ids, logits, name=f"generator_{cell}")


def reset_states(model: keras.Model) -> None:
    """Zero the carried states of every stateful recurrent layer of ``model`` (a no-op for a stateless one)."""
    for layer in model.layers:
        if getattr(layer, "stateful", False):
            layer.reset_state()


def last_step_view(model: keras.Model) -> keras.Model:
    """Generator ``model`` scoring only the token after each window: the last step's output alone goes through the
    logits layer (the textbook's many-to-one next-word model, targets ``[batch]``).

    It shares every weight with ``model``, which stays the sequence model that is saved and sampled; training
    through the view skips the vocabulary-sized product at every other step, most of the work on a word vocabulary.
    """
    names = {layer.name for layer in model.layers}
    if "projection" in names:  # tied, units != embedding_dim: the projection feeds the table
        hidden = model.get_layer("projection").output
    else:  # the last recurrent layer's sequence (its states are the other outputs)
        last_rnn = max((layer for layer in model.layers if layer.name.startswith("rnn_")),
                       key=lambda layer: int(layer.name.split("_")[1]))
        hidden = last_rnn.output[0]
    last = hidden[:, -1]
    logits = model.get_layer("logits")(last) if "logits" in names else model.get_layer("embedding")(last, reverse=True)
    return keras.Model(model.input, logits, name=f"{model.name}_last_step")


def compile_generator(model: keras.Model, learning_rate: float | object = 2e-3, *,
                      clipnorm: float | None = 5.0, optimizer: str | keras.optimizers.Optimizer = "adam"
                      ) -> keras.Model:
    """Adam (or RMSprop) + sparse categorical crossentropy on logits, clipped gradients; returns ``model``.

    ``learning_rate`` may be a Keras schedule; ``clipnorm`` None or 0 turns clipping off. ``optimizer`` may be an
    optimizer object already made (a :func:`last_step_view` trains with its generator's)."""
    return _compile(model, learning_rate, clipnorm, from_logits=True, optimizer=optimizer)


def _optimizer(name: str, learning_rate: float | object, clipnorm: float | None,
               layer_factors: dict[str, float] | None = None) -> keras.optimizers.Optimizer:
    if name not in OPTIMIZERS:
        raise UsageError(f"unknown optimizer {name!r}: choose one of {', '.join(OPTIMIZERS)}")
    if layer_factors:
        return layer_rate_optimizer(name, learning_rate, clipnorm, layer_factors)
    cls = keras.optimizers.Adam if name == "adam" else keras.optimizers.RMSprop
    return cls(learning_rate=learning_rate, clipnorm=clipnorm or None)


def _compile(model: keras.Model, learning_rate: float | object, clipnorm: float | None, *,
             from_logits: bool, optimizer: str | keras.optimizers.Optimizer = "adam",
             layer_factors: dict[str, float] | None = None, soft_targets: bool = False) -> keras.Model:
    """The one training recipe both kinds of model share; they differ only in what the last layer outputs.
    ``soft_targets``: the targets are probability rows (a teacher's soft labels), not class ids."""
    if isinstance(optimizer, str):
        optimizer = _optimizer(optimizer, learning_rate, clipnorm, layer_factors)
    if soft_targets:
        loss: keras.losses.Loss = keras.losses.CategoricalCrossentropy(from_logits=from_logits)
        accuracy: keras.metrics.Metric = keras.metrics.CategoricalAccuracy(name="accuracy")
    else:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits)
        accuracy = keras.metrics.SparseCategoricalAccuracy(name="accuracy")
    model.compile(optimizer=optimizer, loss=loss, metrics=[accuracy])
    return model


# --------------------------------------------------------------------------------------------------- classifier


@keras.saving.register_keras_serializable(package="hangul_rnn")
class MaskedGlobalPooling1D(keras.layers.Layer):
    """Max or mean over time of the unmasked steps only; a row with every step masked (an empty text) gives zeros.

    Keras' GlobalMaxPooling1D ignores the mask (padded steps would enter the max), and its masked mean divides
    0 by 0 for an all-padding row; both would feed NaN or padding into the output layer.

    "concat" (ULMFiT's concat pooling) is ``[last, max, mean]`` side by side, three times the features: "last" is
    the output at the last unmasked step, which is where pre- or post-padded text ends, so it does not depend on
    what the recurrent layer writes at masked steps.
    """

    def __init__(self, mode: str = "max", **kwargs):
        super().__init__(**kwargs)
        if mode not in ("max", "mean", "concat"):
            raise UsageError(f"unknown pooling mode {mode!r}: choose max, mean or concat")
        self.mode = mode
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if self.mode == "concat":
            return keras.ops.concatenate([self._last(inputs, mask), self._pool(inputs, mask, "max"),
                                          self._pool(inputs, mask, "mean")], axis=-1)
        return self._pool(inputs, mask, self.mode)

    @staticmethod
    def _pool(inputs, mask, mode: str):
        ops = keras.ops
        if mask is None:
            return ops.max(inputs, axis=1) if mode == "max" else ops.mean(inputs, axis=1)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)
        count = ops.sum(ops.cast(keep, inputs.dtype), axis=1)
        if mode == "max":
            pooled = ops.max(ops.where(keep, inputs, ops.full_like(inputs, -np.inf)), axis=1)
        else:
            pooled = ops.sum(ops.where(keep, inputs, ops.zeros_like(inputs)), axis=1) / ops.maximum(count, 1.0)
        return ops.where(count > 0, pooled, ops.zeros_like(pooled))

    @staticmethod
    def _last(inputs, mask):
        """The output at the last unmasked step (zeros for an all-masked row), a one-hot selection over time."""
        ops = keras.ops
        if mask is None:
            return inputs[:, -1]
        steps = ops.shape(inputs)[1]
        positions = ops.where(ops.cast(mask, "bool"), ops.arange(steps, dtype="int32"), -1)
        pick = ops.one_hot(ops.max(positions, axis=1), steps, dtype=inputs.dtype)  # index -1: a zero row
        return ops.sum(inputs * ops.expand_dims(pick, -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        features = input_shape[2] * 3 if self.mode == "concat" and input_shape[2] is not None else input_shape[2]
        return (input_shape[0], features)

    def get_config(self):
        return {**super().get_config(), "mode": self.mode}


def build_classifier(  # noqa: C901 - one flat branch per optional part of the network
    vocab_size: int,
    *,
    cell: str = "lstm",
    layers: int = 1,
    units: int = 64,
    embedding_dim: int = 128,
    dropout: float = 0.2,
    recurrent_dropout: float = 0.0,
    bidirectional: bool = False,
    conv_filters: int = 0,
    conv_kernel: int = 5,
    pool_size: int = 4,
    pooling: Literal["last", "max", "mean", "concat"] = "last",
    num_classes: int = 2,
    hidden_units: int = 0,
    hidden_dropout: float = 0.0,
    mask_padding: bool = True,
    max_len: int | None = None,
) -> keras.Model:
    """A sentence classifier: int ids ``[batch, time]`` to class probabilities ``[batch, num_classes]`` (softmax).

    ``conv_filters > 0`` puts ``Conv1D(conv_filters, conv_kernel, relu) -> MaxPooling1D(pool_size)`` before the
    recurrent layers (no mask then, see the module docstring).  ``pooling`` reduces the last recurrent layer over
    time: its final output ("last"), or the max / mean of its outputs over the (unmasked) steps, or all three side by
    side ("concat").  ``dropout`` is
    both the recurrent layers' input dropout and a Dropout before the output layer.  ``hidden_units > 0`` adds
    ``Dense(hidden_units, relu) -> Dropout(hidden_dropout)`` before the head.  ``mask_padding=False`` reads padding
    as input (Keras' default Embedding, the textbook's models).

    ``cell`` may also name a non-recurrent encoder (:data:`hangul_rnn.config.ENCODERS`), the baselines to beat:
    "bag" (masked mean of the embeddings), "flatten" (the embeddings of all ``max_len`` positions flattened, a
    feed-forward net: it needs ``max_len``) and "conv" (``Conv1D(units) -> MaxPooling1D -> Conv1D(units) ->
    global max pooling``).
    """
    encoder = cell.lower() if isinstance(cell, str) and cell.lower() in ENCODERS else None
    vocab_size, cell, layers, units, embedding_dim, dropout, recurrent_dropout = _common_checks(
        vocab_size, "lstm" if encoder else cell, layers, units, embedding_dim, dropout, recurrent_dropout
    )
    cell = encoder or cell
    conv_filters = _int_at_least("conv_filters", conv_filters, 0)
    conv_kernel = _int_at_least("conv_kernel", conv_kernel, 1)
    pool_size = _int_at_least("pool_size", pool_size, 1)
    num_classes = _int_at_least("num_classes", num_classes, 2)
    hidden_units = _int_at_least("hidden_units", hidden_units, 0)
    hidden_dropout = _rate("hidden_dropout", hidden_dropout)
    if pooling not in POOLINGS:
        raise UsageError(f"unknown pooling {pooling!r}: choose one of {', '.join(POOLINGS)}")

    if encoder:
        ids, x = _non_recurrent(cell, vocab_size, units, embedding_dim, conv_kernel, pool_size, max_len)
    else:
        ids = keras.Input(shape=(None,), dtype="int32", name="ids")
        x = _recurrent_encoder(ids, cell, vocab_size, layers, units, embedding_dim, dropout, recurrent_dropout,
                               bidirectional, conv_filters, conv_kernel, pool_size, pooling,
                               mask_padding and conv_filters == 0)
    if dropout:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    if hidden_units:
        x = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(x)
        if hidden_dropout:
            x = keras.layers.Dropout(hidden_dropout, name="hidden_dropout")(x)
    probs = keras.layers.Dense(num_classes, activation="softmax", name="probabilities")(x)
    return keras.Model(ids, probs, name=f"classifier_{cell}")


def _recurrent_encoder(ids, cell, vocab_size, layers, units, embedding_dim, dropout, recurrent_dropout,
                       bidirectional, conv_filters, conv_kernel, pool_size, pooling, mask):
    """Embedding -> [Conv1D -> MaxPooling1D] -> recurrent layers -> pooling: one vector per text."""
    rnn_class = _LAYER_CLASSES[cell]
    x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=mask, name="embedding")(ids)
    if conv_filters:
        x = keras.layers.Conv1D(conv_filters, conv_kernel, activation="relu", name="conv")(x)
        x = keras.layers.MaxPooling1D(pool_size, name="conv_pool")(x)
    for i in range(layers):
        last = i == layers - 1
        rnn = rnn_class(
            units,
            return_sequences=not (last and pooling == "last"),
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            name=f"rnn_{i}",
        )
        if bidirectional:
            rnn = keras.layers.Bidirectional(rnn, name=f"bi_rnn_{i}")
        x = rnn(x)
    if pooling != "last":
        x = MaskedGlobalPooling1D(pooling, name="pool")(x)
    return x


def _non_recurrent(cell: str, vocab_size: int, units: int, embedding_dim: int, conv_kernel: int, pool_size: int,
                   max_len: int | None):
    """The input and one vector per text of a non-recurrent encoder (see :func:`build_classifier`)."""
    if cell == "bag":
        ids = keras.Input(shape=(None,), dtype="int32", name="ids")
        x = keras.layers.Embedding(vocab_size, embedding_dim, mask_zero=True, name="embedding")(ids)
        return ids, MaskedGlobalPooling1D("mean", name="pool")(x)
    if max_len is None:
        raise UsageError(f"the {cell} encoder reads a fixed number of tokens: give max_len")
    max_len = _int_at_least("max_len", max_len, 1)
    ids = keras.Input(shape=(max_len if cell == "flatten" else None,), dtype="int32", name="ids")
    x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(ids)
    if cell == "flatten":
        return ids, keras.layers.Flatten(name="flatten")(x)
    shortest = conv_kernel - 1 + pool_size * conv_kernel  # what both convolutions and the pooling between need
    if max_len < shortest:
        raise UsageError(f"the conv encoder needs --max-len ≥ {shortest} with --conv-kernel {conv_kernel} and "
                         f"--pool-size {pool_size}, got {max_len}")
    x = keras.layers.Conv1D(units, conv_kernel, activation="relu", name="conv")(x)
    x = keras.layers.MaxPooling1D(pool_size, name="conv_pool")(x)
    x = keras.layers.Conv1D(units, conv_kernel, activation="relu", name="conv_2")(x)
    return ids, keras.layers.GlobalMaxPooling1D(name="pool")(x)


def compile_classifier(model: keras.Model, learning_rate: float | object = 1e-3, *, clipnorm: float = 5.0,
                       optimizer: str = "adam", layer_factors: dict[str, float] | None = None,
                       soft_targets: bool = False) -> keras.Model:
    """Adam (or RMSprop) + sparse categorical crossentropy on probabilities, clipped gradients, accuracy.

    ``layer_factors`` (layer name -> factor) scales the learning rate of those layers' weights
    (:mod:`hangul_rnn.layer_rates`, the discriminative rates of fine-tuning). ``soft_targets``: crossentropy
    against probability rows instead (``train --soft-labels``; a one-hot row is a hard label)."""
    return _compile(model, learning_rate, clipnorm, from_logits=False, optimizer=optimizer,
                    layer_factors=layer_factors, soft_targets=soft_targets)


def count_params(model: keras.Model) -> int:
    """Number of weights (trainable or not) in a built model."""
    return int(sum(int(np.prod(w.shape)) for w in model.weights))
