"""NumPy versions of the Keras layers the project builds, for :mod:`hangul_rnn.runtime` (inference only).

Each layer maps ``(x, mask) -> (x, mask)`` over whole sequences: ``x`` is ``[batch, time, features]`` (or
``[batch, features]`` once time is reduced), ``mask`` ``[batch, time]`` bool or None, as Keras propagates it.
Recurrent layers also run one step at a time for generation. The arithmetic follows Keras' CPU kernels exactly
(gate orders, GRU's ``reset_after`` bias rows, masked steps keeping the states and repeating the previous output,
``Bidirectional`` forcing zero outputs at masked steps when it returns sequences); ``tests/test_runtime.py``
compares every builder configuration with Keras.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from hangul_rnn.errors import FormatError, UsageError

_F = np.float32

# --------------------------------------------------------------------------------------------------- activations


def sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: one ufunc, no overflow warning for large negative inputs (exp(-x) would overflow)
    return _F(0.5) * (np.tanh(_F(0.5) * x) + _F(1.0))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "relu": lambda x: np.maximum(x, _F(0.0)),
    "softmax": _softmax,
    "hard_sigmoid": lambda x: np.clip((x + _F(3.0)) / _F(6.0), _F(0.0), _F(1.0)),
    "elu": lambda x: np.where(x > 0, x, np.expm1(np.minimum(x, 0))).astype(_F),
}


def _activation(name: Any, where: str) -> Callable[[np.ndarray], np.ndarray]:
    if isinstance(name, dict):  # a serialised activation object
        name = (name.get("config") or {}).get("name") or name.get("class_name")
    fn = _ACTIVATIONS.get(str(name or "linear"))
    if fn is None:
        raise FormatError(f"{where}: activation {name!r} is not supported by the NumPy runtime")
    return fn


# --------------------------------------------------------------------------------------------------- layers


class Identity:
    """Dropout, noise, regularisers: nothing to do at inference."""

    def __call__(self, x: np.ndarray, mask: np.ndarray | None):
        return x, mask


class Activation:
    def __init__(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        self.fn = fn

    def __call__(self, x, mask):
        return self.fn(x), mask


class Embedding:
    def __init__(self, table: np.ndarray, mask_zero: bool) -> None:
        self.table = table
        self.mask_zero = mask_zero

    def __call__(self, ids, mask):
        return self.table[ids], ((ids != 0) if self.mask_zero else mask)


class Dense:
    def __init__(self, kernel: np.ndarray, bias: np.ndarray | None, activation: Callable) -> None:
        self.kernel, self.bias, self.activation = kernel, bias, activation

    def __call__(self, x, mask):
        y = x @ self.kernel
        if self.bias is not None:
            y += self.bias
        return self.activation(y), mask


class _Flatten:
    """Keras Flatten: ``[B, T, F]`` to ``[B, T * F]`` in row order (the feed-forward classifier's fixed length)."""

    def __call__(self, x, mask):
        return x.reshape(x.shape[0], -1), None


class _Conv1D:
    """Keras Conv1D (channels last): ``valid``, ``same`` or ``causal`` padding, strides, dilation. No mask out."""

    def __init__(self, kernel, bias, activation, strides: int, padding: str, dilation: int) -> None:
        self.kernel, self.bias, self.activation = kernel, bias, activation
        self.strides, self.padding, self.dilation = strides, padding, dilation

    def __call__(self, x, mask):
        k, s, d = self.kernel.shape[0], self.strides, self.dilation
        span = d * (k - 1) + 1
        t = x.shape[1]
        if self.padding == "causal":
            x = np.pad(x, ((0, 0), (span - 1, 0), (0, 0)))
        elif self.padding == "same":
            total = max((-(-t // s) - 1) * s + span - t, 0)
            x = np.pad(x, ((0, 0), (total // 2, total - total // 2), (0, 0)))
        length = (x.shape[1] - span) // s + 1
        if length <= 0:
            raise UsageError(f"the text is too short for the model's convolution ({t} tokens, it needs {span})")
        y = np.zeros((x.shape[0], length, self.kernel.shape[2]), dtype=_F)
        for j in range(k):
            start = j * d
            y += x[:, start : start + (length - 1) * s + 1 : s] @ self.kernel[j]
        if self.bias is not None:
            y += self.bias
        return self.activation(y), None


class _Pool1D:
    """MaxPooling1D / AveragePooling1D, ``valid`` padding (Keras' default)."""

    def __init__(self, size: int, strides: int, mode: str) -> None:
        self.size, self.strides, self.mode = size, strides, mode

    def __call__(self, x, mask):
        length = (x.shape[1] - self.size) // self.strides + 1
        if length <= 0:
            raise UsageError(f"the text is too short for the model's pooling ({x.shape[1]} steps, it needs "
                             f"{self.size})")
        idx = np.arange(length)[:, None] * self.strides + np.arange(self.size)[None, :]
        windows = x[:, idx]  # [B, L, size, F]
        return (windows.max(axis=2) if self.mode == "max" else windows.mean(axis=2)), None


class _GlobalPool:
    """Max or mean over time; ``masked``: over unmasked steps only, an all-masked row giving zeros (the project's
    MaskedGlobalPooling1D); Keras' own GlobalMaxPooling1D ignores the mask, GlobalAveragePooling1D honours it.
    "concat" is ``[last, max, mean]`` side by side, "last" being the output at the last unmasked step."""

    def __init__(self, mode: str, masked: bool) -> None:
        self.mode, self.masked = mode, masked

    def __call__(self, x, mask):
        if self.mode == "concat":
            return np.concatenate([self._last(x, mask), self._pool(x, mask, "max"), self._pool(x, mask, "mean")],
                                  axis=-1), None
        return self._pool(x, mask, self.mode), None

    def _pool(self, x, mask, mode: str) -> np.ndarray:
        if x.shape[1] == 0:  # an empty text: nothing to pool
            return np.zeros((x.shape[0], x.shape[2]), _F)
        if mask is None or not self.masked:
            return x.max(axis=1) if mode == "max" else x.mean(axis=1)
        keep = mask[:, :, None]
        count = keep.sum(axis=1).astype(_F)
        if mode == "max":
            pooled = np.where(keep, x, -np.inf).max(axis=1)
        else:
            pooled = np.where(keep, x, _F(0.0)).sum(axis=1) / np.maximum(count, _F(1.0))
        return np.where(count > 0, pooled, _F(0.0)).astype(_F)

    @staticmethod
    def _last(x, mask) -> np.ndarray:
        if x.shape[1] == 0:
            return np.zeros((x.shape[0], x.shape[2]), _F)
        if mask is None:
            return x[:, -1]
        positions = np.where(mask, np.arange(x.shape[1]), -1).max(axis=1)
        last = x[np.arange(x.shape[0]), np.maximum(positions, 0)]
        return np.where((positions >= 0)[:, None], last, _F(0.0)).astype(_F)


# --------------------------------------------------------------------------------------------------- cells


class _Cell:
    """One recurrent cell: ``project`` the inputs of every step at once (one matrix product), then ``step``."""

    units: int
    n_states: int = 1

    def __init__(self, kernel, recurrent, bias, activation, recurrent_activation) -> None:
        self.kernel, self.recurrent = kernel, recurrent
        self.act, self.rec_act = activation, recurrent_activation
        self.units = recurrent.shape[0]
        self.input_bias = bias

    def project(self, x: np.ndarray) -> np.ndarray:
        y = x @ self.kernel
        if self.input_bias is not None:
            y += self.input_bias
        return y

    def step(self, xw: np.ndarray, states: list[np.ndarray]) -> list[np.ndarray]:
        raise NotImplementedError


class _SimpleCell(_Cell):
    def step(self, xw, states):
        return [self.act(xw + states[0] @ self.recurrent)]


class _LSTMCell(_Cell):
    n_states = 2

    def step(self, xw, states):
        h, c = states
        u = self.units
        z = h @ self.recurrent
        z += xw
        g = self.act(z[..., 2 * u : 3 * u])  # the candidate, before z is overwritten by the gates
        if self.rec_act is sigmoid:  # the usual case: sigmoid over all four blocks in place, one pass each
            z *= _F(0.5)
            np.tanh(z, out=z)
            z += _F(1.0)
            z *= _F(0.5)
        else:
            z = self.rec_act(z)
        c = z[..., u : 2 * u] * c
        c += z[..., :u] * g
        return [z[..., 3 * u :] * self.act(c), c]


class _GRUCell(_Cell):
    def __init__(self, kernel, recurrent, bias, activation, recurrent_activation, reset_after: bool) -> None:
        self.reset_after = reset_after
        recurrent_bias = None
        if bias is not None and reset_after:
            bias, recurrent_bias = bias[0], bias[1]
        super().__init__(kernel, recurrent, bias, activation, recurrent_activation)
        self.recurrent_bias = recurrent_bias

    def step(self, xw, states):
        (h,) = states
        u = self.units
        if self.reset_after:
            inner = h @ self.recurrent
            if self.recurrent_bias is not None:
                inner += self.recurrent_bias
            zr = self.rec_act(xw[..., : 2 * u] + inner[..., : 2 * u])
            z, r = zr[..., :u], zr[..., u:]
            hh = self.act(xw[..., 2 * u :] + r * inner[..., 2 * u :])
        else:
            inner = h @ self.recurrent[:, : 2 * u]
            zr = self.rec_act(xw[..., : 2 * u] + inner)
            z, r = zr[..., :u], zr[..., u:]
            hh = self.act(xw[..., 2 * u :] + (r * h) @ self.recurrent[:, 2 * u :])
        return [z * h + (1 - z) * hh]


class Recurrent:
    """An LSTM/GRU/SimpleRNN layer over whole sequences (masking as Keras), or one step at a time."""

    def __init__(self, cell: _Cell, *, return_sequences: bool, go_backwards: bool, zero_output_for_mask: bool) -> None:
        self.cell = cell
        self.return_sequences = return_sequences
        self.go_backwards = go_backwards
        self.zero_output_for_mask = zero_output_for_mask

    def zeros(self, batch: int) -> list[np.ndarray]:
        return [np.zeros((batch, self.cell.units), _F) for _ in range(self.cell.n_states)]

    def run(self, x, mask, states=None):
        """Outputs ``[B, T, units]`` (in time order, as the layer returns them) and the final states."""
        batch, steps = x.shape[0], x.shape[1]
        states = self.zeros(batch) if states is None else states
        if self.go_backwards:
            x = x[:, ::-1]
            mask = mask[:, ::-1] if mask is not None else None
        xw = self.cell.project(x)
        outputs = np.zeros((batch, steps, self.cell.units), _F)
        previous = np.zeros((batch, self.cell.units), _F)
        # steps no row reads (the padding of a batch's shorter texts) cost nothing; steps every row reads skip the
        # masking arithmetic
        active = mask.any(axis=0) if mask is not None else None
        full = mask.all(axis=0) if mask is not None else None
        for t in range(steps):
            if active is not None and not active[t]:
                if self.zero_output_for_mask:
                    previous = np.zeros_like(previous)
                outputs[:, t] = previous
                continue
            new = self.cell.step(xw[:, t], states)
            if full is None or full[t]:
                states = new
                previous = new[0]
            else:
                keep = mask[:, t, None]
                states = [np.where(keep, n, s) for n, s in zip(new, states)]
                previous = np.where(keep, new[0], _F(0.0) if self.zero_output_for_mask else previous)
            outputs[:, t] = previous
        return outputs, states, previous

    def __call__(self, x, mask):
        outputs, _, last = self.run(x, mask)
        if self.return_sequences:
            return outputs, mask
        return last, None


class _Bidirectional:
    def __init__(self, forward: Recurrent, backward: Recurrent, merge_mode: str | None, where: str) -> None:
        if merge_mode not in ("concat", "sum", "mul", "ave"):
            raise FormatError(f"{where}: Bidirectional merge mode {merge_mode!r} is not supported by the runtime")
        self.forward, self.backward, self.merge_mode = forward, backward, merge_mode
        self.return_sequences = forward.return_sequences
        if self.return_sequences:  # Keras forces this on both directions when sequences are returned
            forward.zero_output_for_mask = backward.zero_output_for_mask = True

    def __call__(self, x, mask):
        fw, _ = self.forward(x, mask)
        bw, _ = self.backward(x, mask)
        if self.return_sequences:
            bw = bw[:, ::-1]
        if self.merge_mode == "concat":
            y = np.concatenate([fw, bw], axis=-1)
        elif self.merge_mode == "sum":
            y = fw + bw
        elif self.merge_mode == "mul":
            y = fw * bw
        else:
            y = (fw + bw) / _F(2.0)
        return y, (mask if self.return_sequences else None)


# --------------------------------------------------------------------------------------------------- building


_IDENTITY_LAYERS = frozenset({"Dropout", "SpatialDropout1D", "GaussianNoise", "GaussianDropout", "AlphaDropout",
                              "ActivityRegularization", "Masking"})
_RECURRENT_LAYERS = frozenset({"LSTM", "GRU", "SimpleRNN"})
#: Layers with neither weights nor settings that matter at inference.
_WEIGHTLESS: dict[str, type] = {**{name: Identity for name in _IDENTITY_LAYERS}, "Flatten": _Flatten}


def _one(value: Any) -> int:
    """A Keras size given as an int or a one-element list."""
    if isinstance(value, (list, tuple)):
        value = value[0]
    return int(value)


def _recurrent(class_name: str, config: dict, weights: list[np.ndarray], where: str) -> Recurrent:
    activation = _activation(config.get("activation", "tanh"), where)
    recurrent_activation = _activation(config.get("recurrent_activation", "sigmoid"), where)
    if len(weights) not in (2, 3):
        raise FormatError(f"{where}: expected 2 or 3 weight arrays, found {len(weights)}")
    kernel, recurrent = weights[0], weights[1]
    bias = weights[2] if len(weights) == 3 else None
    gates = {"LSTM": 4, "GRU": 3, "SimpleRNN": 1}[class_name]
    units = recurrent.shape[0]
    if kernel.ndim != 2 or recurrent.shape != (units, gates * units) or kernel.shape[1] != gates * units:
        raise FormatError(f"{where}: weight shapes {kernel.shape}, {recurrent.shape} do not fit a {class_name}")
    cell: _Cell
    if class_name == "LSTM":
        cell = _LSTMCell(kernel, recurrent, bias, activation, recurrent_activation)
    elif class_name == "GRU":
        reset_after = bool(config.get("reset_after", True))
        if bias is not None and bias.shape != ((2, 3 * units) if reset_after else (3 * units,)):
            raise FormatError(f"{where}: GRU bias of shape {bias.shape} does not fit reset_after={reset_after}")
        cell = _GRUCell(kernel, recurrent, bias, activation, recurrent_activation, reset_after)
    else:
        cell = _SimpleCell(kernel, recurrent, bias, activation, recurrent_activation)
    return Recurrent(cell, return_sequences=bool(config.get("return_sequences", False)),
                      go_backwards=bool(config.get("go_backwards", False)),
                      zero_output_for_mask=bool(config.get("zero_output_for_mask", False)))


def _embedding(class_name: str, config: dict, weights: list[np.ndarray], where: str, call_kwargs: dict) -> Any:
    """An embedding lookup, or the reverse call of a tied embedding (:mod:`hangul_rnn.tied`: weights are the table
    and the output bias), which scores the next token as a Dense with the transposed table."""
    if class_name == "Embedding":
        return Embedding(weights[0], bool(config.get("mask_zero", False)))
    if len(weights) != 2 or weights[0].ndim != 2 or weights[1].shape != (weights[0].shape[0],):
        raise FormatError(f"{where}: a tied embedding needs a table and an output bias, found "
                          f"{[w.shape for w in weights]}")
    if call_kwargs.get("reverse"):
        return Dense(np.ascontiguousarray(weights[0].T), weights[1], _activation("linear", where))
    return Embedding(weights[0], False)


def make_layer(class_name: str, config: dict, weights: list[np.ndarray], where: str,
               call_kwargs: dict | None = None) -> Any:
    """One runtime layer from a Keras layer's class name, config and weights (in ``get_weights`` order), for the
    call of it made with ``call_kwargs`` (only a tied embedding's ``reverse`` changes what a call does)."""
    if class_name in _WEIGHTLESS:
        return _WEIGHTLESS[class_name]()
    if class_name == "Activation":
        return Activation(_activation(config.get("activation"), where))
    if class_name in ("Embedding", "TiedEmbedding"):
        return _embedding(class_name, config, weights, where, call_kwargs or {})
    if class_name == "Dense":
        bias = weights[1] if len(weights) > 1 else None
        return Dense(weights[0], bias, _activation(config.get("activation"), where))
    if class_name == "Conv1D":
        if config.get("data_format", "channels_last") != "channels_last" or _one(config.get("groups", 1)) != 1:
            raise FormatError(f"{where}: only channels-last, ungrouped Conv1D is supported by the runtime")
        bias = weights[1] if len(weights) > 1 else None
        return _Conv1D(weights[0], bias, _activation(config.get("activation"), where), _one(config.get("strides", 1)),
                       str(config.get("padding", "valid")), _one(config.get("dilation_rate", 1)))
    if class_name in ("MaxPooling1D", "AveragePooling1D"):
        if config.get("padding", "valid") != "valid":
            raise FormatError(f"{where}: only 'valid' padding is supported for {class_name} by the runtime")
        size = _one(config.get("pool_size", 2))
        strides = _one(config.get("strides") or size)
        return _Pool1D(size, strides, "max" if class_name == "MaxPooling1D" else "mean")
    if class_name == "MaskedGlobalPooling1D":
        return _GlobalPool(str(config.get("mode", "max")), masked=True)
    if class_name == "GlobalMaxPooling1D":
        return _GlobalPool("max", masked=False)
    if class_name == "GlobalAveragePooling1D":
        return _GlobalPool("mean", masked=True)
    if class_name in _RECURRENT_LAYERS:
        return _recurrent(class_name, config, weights, where)
    if class_name == "Bidirectional":
        inner, back = config["layer"], config.get("backward_layer") or config["layer"]
        half = len(weights) // 2
        forward = _recurrent(inner["class_name"], inner["config"], weights[:half], where)
        backward_config = dict(back["config"], go_backwards=not inner["config"].get("go_backwards", False))
        backward = _recurrent(back["class_name"], backward_config, weights[half:], where)
        return _Bidirectional(forward, backward, config.get("merge_mode", "concat"), where)
    raise FormatError(f"{where}: layer class {class_name!r} is not supported by the NumPy runtime")
