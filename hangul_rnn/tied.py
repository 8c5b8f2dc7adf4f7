"""The tied embedding of a generator: one matrix reads the input tokens and scores the next one.

Weight tying (Press & Wolf 2017, Inan et al. 2017; AWD-LSTM uses it): the output layer's kernel is the transpose of
the input embedding, plus a bias of its own. A token's input vector and its output vector are one vector, so a rare
token learns from both ends and the vocabulary-sized output kernel (often most of a syllable model's weights) is
gone.

It is one Keras layer called twice in the functional graph, ``embedding(ids)`` then ``embedding(h, reverse=True)``:
the sharing is the graph's own, so the ``.keras`` archive saves one matrix and reloads with no extra code at any
call site (the class is registered when :mod:`hangul_rnn.models` is imported, as bundle loading does). The NumPy
runtime follows the graph's nodes and reads the second call as a ``Dense`` with the transposed table
(:mod:`hangul_rnn.np_layers`).
"""

from __future__ import annotations

import keras

from hangul_rnn.errors import UsageError

__all__ = ["TiedEmbedding"]


@keras.saving.register_keras_serializable(package="hangul_rnn")
class TiedEmbedding(keras.layers.Embedding):
    """``Embedding`` whose ``reverse=True`` call gives logits ``h @ embeddings.T + output_bias``.

    Its weights are ``[embeddings, output_bias]`` in that order, so code that reads ``get_weights()[0]`` as the
    embedding table (transfer to a classifier, word vectors) sees the table. Masking is refused: a generator reads
    no padding, and a mask would make the reverse call's output ambiguous.
    """

    def __init__(self, input_dim: int, output_dim: int, **kwargs):
        if kwargs.get("mask_zero"):
            raise UsageError("a tied embedding does not mask padding (generators read none)")
        super().__init__(input_dim, output_dim, **kwargs)

    def build(self, input_shape=None):
        if self.built:
            return
        super().build(input_shape)  # the table first: get_weights()[0] stays the embedding table
        self.output_bias = self.add_weight(shape=(self.input_dim,), initializer="zeros", name="output_bias")

    @property
    def variable_serialization_spec(self):
        spec = dict(super().variable_serialization_spec)
        spec[None] = [*spec[None], "output_bias"]
        return spec

    def call(self, inputs, reverse: bool = False):
        if not reverse:
            return super().call(inputs)
        kernel = keras.ops.cast(keras.ops.transpose(self.embeddings), inputs.dtype)
        return keras.ops.matmul(inputs, kernel) + keras.ops.cast(self.output_bias, inputs.dtype)

    def compute_output_shape(self, input_shape, reverse: bool = False):
        if reverse:
            return (*input_shape[:-1], self.input_dim)
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, reverse: bool = False):
        if reverse:
            return keras.KerasTensor(self.compute_output_shape(inputs.shape, True), dtype=self.compute_dtype)
        return super().compute_output_spec(inputs)
