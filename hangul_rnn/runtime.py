"""NumPy inference over a trained model's weights: generation step by step, scoring over whole sequences.

Training needs TensorFlow; using a trained model does not, and importing TensorFlow costs seconds and half a
gigabyte before the first token. This module reads a bundle's ``model.keras`` archive directly (it is a zip holding
``config.json``, the architecture, and ``model.weights.h5``, the weights) and runs the network with NumPy, so
``generate``, ``score`` and the TUI answer at once. Nothing on its import path imports TensorFlow or Keras.

It runs every layer :mod:`hangul_rnn.models` builds, exactly as Keras does on CPU (logits equal within 1e-4, tested
per architecture): ``Embedding`` (with ``mask_zero``), ``LSTM`` (gates i, f, c, o), ``GRU`` (``reset_after`` with
its two bias rows, or not), ``SimpleRNN``, ``Bidirectional`` (concat/sum/mul/ave), ``Conv1D``, ``MaxPooling1D``,
the masked max/mean pooling, ``Dense``; ``Dropout`` and friends are the identity at inference. The network is read
from the functional graph as a chain from the output back to the input, so layers added between the recurrent ones
(a dropout) need no change here; a layer it does not know is a one-line :class:`FormatError` naming it.

Masking follows Keras: a masked step keeps the states and repeats the previous output (or writes zeros where Keras
forces ``zero_output_for_mask``, inside ``Bidirectional`` with sequences). With a mask, padding is no work at all:
scoring runs each text at its own length (:meth:`Runtime.forward` on unpadded rows gives what Keras gives on the
padded ones).
"""

from __future__ import annotations

import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from hangul_rnn.errors import FormatError, UsageError

__all__ = ["Runtime", "State"]

#: Per recurrent layer, its state arrays: ``[h, c]`` for an LSTM, ``[h]`` for a GRU or simple RNN.
State = list[list[np.ndarray]]

_F = np.float32


# --------------------------------------------------------------------------------------------------- activations


def _sigmoid(x: np.ndarray) -> np.ndarray:
    # tanh form: one ufunc, no overflow warning for large negative inputs (exp(-x) would overflow)
    return _F(0.5) * (np.tanh(_F(0.5) * x) + _F(1.0))


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


_ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "linear": lambda x: x,
    "tanh": np.tanh,
    "sigmoid": _sigmoid,
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
#
# Every layer maps ``(x, mask) -> (x, mask)`` over whole sequences: x is ``[batch, time, features]`` (or
# ``[batch, features]`` once time is reduced), mask ``[batch, time]`` bool or None.


class _Identity:
    """Dropout, noise, regularisers: nothing to do at inference."""

    def __call__(self, x: np.ndarray, mask: np.ndarray | None):
        return x, mask


class _Activation:
    def __init__(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        self.fn = fn

    def __call__(self, x, mask):
        return self.fn(x), mask


class _Embedding:
    def __init__(self, table: np.ndarray, mask_zero: bool) -> None:
        self.table = table
        self.mask_zero = mask_zero

    def __call__(self, ids, mask):
        return self.table[ids], ((ids != 0) if self.mask_zero else mask)


class _Dense:
    def __init__(self, kernel: np.ndarray, bias: np.ndarray | None, activation: Callable) -> None:
        self.kernel, self.bias, self.activation = kernel, bias, activation

    def __call__(self, x, mask):
        y = x @ self.kernel
        if self.bias is not None:
            y += self.bias
        return self.activation(y), mask


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
    MaskedGlobalPooling1D); Keras' own GlobalMaxPooling1D ignores the mask, GlobalAveragePooling1D honours it."""

    def __init__(self, mode: str, masked: bool) -> None:
        self.mode, self.masked = mode, masked

    def __call__(self, x, mask):
        if x.shape[1] == 0:  # an empty text: nothing to pool
            return np.zeros((x.shape[0], x.shape[2]), _F), None
        if mask is None or not self.masked:
            return (x.max(axis=1) if self.mode == "max" else x.mean(axis=1)), None
        keep = mask[:, :, None]
        count = keep.sum(axis=1).astype(_F)
        if self.mode == "max":
            pooled = np.where(keep, x, -np.inf).max(axis=1)
        else:
            pooled = np.where(keep, x, _F(0.0)).sum(axis=1) / np.maximum(count, _F(1.0))
        return np.where(count > 0, pooled, _F(0.0)).astype(_F), None


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
        if self.rec_act is _sigmoid:  # the usual case: sigmoid over all four blocks in place, one pass each
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


class _Recurrent:
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
        for t in range(steps):
            new = self.cell.step(xw[:, t], states)
            if mask is not None:
                keep = mask[:, t, None]
                states = [np.where(keep, n, s) for n, s in zip(new, states)]
                previous = np.where(keep, new[0], _F(0.0) if self.zero_output_for_mask else previous)
            else:
                states = new
                previous = new[0]
            outputs[:, t] = previous
        return outputs, states, previous

    def __call__(self, x, mask):
        outputs, _, last = self.run(x, mask)
        if self.return_sequences:
            return outputs, mask
        return last, None


class _Bidirectional:
    def __init__(self, forward: _Recurrent, backward: _Recurrent, merge_mode: str | None, where: str) -> None:
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


def _snake(name: str) -> str:
    """Keras' own rule for the weight-file group of a layer class (``SimpleRNN`` -> ``simple_rnn``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _one(value: Any) -> int:
    """A Keras size given as an int or a one-element list."""
    if isinstance(value, (list, tuple)):
        value = value[0]
    return int(value)


def _recurrent(class_name: str, config: dict, weights: list[np.ndarray], where: str) -> _Recurrent:
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
    return _Recurrent(cell, return_sequences=bool(config.get("return_sequences", False)),
                      go_backwards=bool(config.get("go_backwards", False)),
                      zero_output_for_mask=bool(config.get("zero_output_for_mask", False)))


def _make_layer(class_name: str, config: dict, weights: list[np.ndarray], where: str) -> Any:
    """One runtime layer from a Keras layer's class name, config and weights (in ``get_weights`` order)."""
    if class_name in _IDENTITY_LAYERS:
        return _Identity()
    if class_name == "Activation":
        return _Activation(_activation(config.get("activation"), where))
    if class_name == "Embedding":
        return _Embedding(weights[0], bool(config.get("mask_zero", False)))
    if class_name == "Dense":
        bias = weights[1] if len(weights) > 1 else None
        return _Dense(weights[0], bias, _activation(config.get("activation"), where))
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


def _chain(model_config: dict, where: str) -> list[dict]:
    """The layers from input to output, following each layer's first input back from the model's output.

    Side branches of the graph (the ``NotEqual`` op Keras records to carry an embedding's mask) are not on the
    chain and are skipped; a model that is not a chain (two inputs, a skip connection) is refused.
    """
    layers = {entry["name"]: entry for entry in model_config.get("layers", [])}
    outputs = model_config.get("output_layers") or []
    if isinstance(outputs, list) and len(outputs) == 3 and isinstance(outputs[0], str):
        outputs = [outputs]
    if len(outputs) != 1:
        raise FormatError(f"{where}: the runtime needs a model with one output, found {len(outputs)}")
    chain: list[dict] = []
    name = outputs[0][0]
    while True:
        entry = layers.get(name)
        if entry is None:
            raise FormatError(f"{where}: the model graph names a layer {name!r} it does not hold")
        if entry["class_name"] == "InputLayer":
            break
        chain.append(entry)
        nodes = entry.get("inbound_nodes") or []
        if len(nodes) != 1 or not nodes[0].get("args"):
            raise FormatError(f"{where}: layer {name!r} is used {len(nodes)} times; the runtime reads a chain")
        first = nodes[0]["args"][0]
        if isinstance(first, list):  # a layer given several tensors (a merge): not a chain
            raise FormatError(f"{where}: layer {name!r} takes several inputs; the runtime reads a chain")
        history = first["config"]["keras_history"]
        if history[2] != 0:
            raise FormatError(f"{where}: layer {name!r} reads output {history[2]} of {history[0]!r} (a state); "
                              "not supported by the runtime")
        name = history[0]
        if len(chain) > 1000:
            raise FormatError(f"{where}: the model graph has a cycle")
    return chain[::-1]


def _is_layer(entry: dict) -> bool:
    """Whether a functional-config entry is a Layer (saved under ``layers/`` in the weights file), not a bare op."""
    return not str(entry.get("module", "")).startswith(("keras.src.ops", "keras.ops"))


def _h5_weights(group: Any, class_name: str) -> list[np.ndarray]:
    """A layer's arrays from its weights-file group, in ``layer.get_weights()`` order."""

    def own(g: Any) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        if "vars" in g:
            out += [np.asarray(g["vars"][str(i)], dtype=_F) for i in range(len(g["vars"]))]
        if "cell" in g:
            out += own(g["cell"])
        return out

    if class_name == "Bidirectional":
        return own(group["forward_layer"]) + own(group["backward_layer"])
    return own(group)


# --------------------------------------------------------------------------------------------------- runtime

_BLAS_LIMITED = False


def _one_blas_thread() -> None:
    """Run BLAS on one thread in this process, unless the user chose a thread count in the environment.

    The runtime's products are small (a step is ``[batch, 256] @ [256, 1024]``): OpenBLAS' worker threads cost
    more to wake than the product, and on a busy 2-core machine batch-16 decoding measured 2,400 tokens/s with
    them against 39,000 without. TensorFlow keeps its own thread pools, so training is not affected.
    """
    global _BLAS_LIMITED
    if _BLAS_LIMITED:
        return
    _BLAS_LIMITED = True
    if any(os.environ.get(v) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")):
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a declared dependency; without it the runtime is only slower
        return
    try:
        threadpool_limits(limits=1, user_api="blas")
    except Exception:  # noqa: BLE001 - an unknown BLAS build: leave it as it is
        pass



class Runtime:
    """A Keras model's network as NumPy arrays: :meth:`forward` over whole sequences; :meth:`read` a prompt and
    :meth:`step` one token at a time with carried :data:`State` for generation.

    Build it with :meth:`from_archive` (a ``.keras`` file, no TensorFlow) or :meth:`from_keras` (a live model, e.g.
    for the per-epoch sample while training; the weights are copied, so build a new one after more training).
    """

    def __init__(self, layers: list[Any], *, source: str = "model") -> None:
        if not layers:
            raise FormatError(f"{source}: the model has no layers")
        _one_blas_thread()
        self.layers = layers
        self.source = source
        self._step_plan: tuple[Any, list[Any], Any] | None = None
        self._first_table: np.ndarray | None = None

    # ---- construction

    @classmethod
    def from_parts(cls, model_config: dict, weights_of: Callable[[int, dict], list[np.ndarray]],
                   source: str) -> Runtime:
        """From a functional model's config and a function giving each config entry's weights."""
        try:
            chain = _chain(model_config, source)
            index = {id(entry): i for i, entry in enumerate(model_config["layers"])}
            layers = []
            for entry in chain:
                where = f"{source}: layer {entry.get('name')!r}"
                weights = weights_of(index[id(entry)], entry)
                layers.append(_make_layer(entry["class_name"], entry.get("config") or {}, weights, where))
        except FormatError:
            raise
        except (KeyError, IndexError, TypeError, ValueError, OSError, RuntimeError) as exc:
            raise FormatError(f"{source}: cannot read the model ({exc.__class__.__name__}: {exc}); the file is "
                              "corrupt or from an unknown Keras version") from None
        return cls(layers, source=source)

    @classmethod
    def from_archive(cls, path: str | Path) -> Runtime:
        """Read a ``.keras`` archive: the architecture from its ``config.json``, the weights from its h5 file."""
        path = Path(path)
        where = str(path)
        try:
            with zipfile.ZipFile(path) as archive:
                config = json.loads(archive.read("config.json"))
                weights_bytes = archive.read("model.weights.h5")
        except FileNotFoundError:
            raise FormatError(f"{where}: missing; the bundle is incomplete (train or save it again)") from None
        except (zipfile.BadZipFile, KeyError, OSError, ValueError, EOFError) as exc:
            msg = str(exc).splitlines()[0][:160] if str(exc) else ""
            raise FormatError(f"{where}: not a readable .keras archive ({exc.__class__.__name__}: {msg}); the "
                              "bundle is corrupt, train or save it again") from None
        import h5py

        try:
            h5 = h5py.File(io.BytesIO(weights_bytes), "r")
        except OSError as exc:
            raise FormatError(f"{where}: the weights file inside is corrupt ({str(exc)[:120]}); train or save the "
                              "model again") from None
        with h5:
            model_config = config.get("config", config) if isinstance(config, dict) else {}
            groups = _group_names(model_config.get("layers", []))

            def weights_of(i: int, entry: dict) -> list[np.ndarray]:
                name = groups.get(i)
                if name is None or f"layers/{name}" not in h5:
                    return []
                try:
                    return _h5_weights(h5[f"layers/{name}"], entry["class_name"])
                except (OSError, KeyError, RuntimeError, ValueError) as exc:
                    raise FormatError(f"{where}: weights of layer {entry.get('name')!r} are unreadable "
                                      f"({str(exc)[:120]}); the bundle is corrupt") from None

            return cls.from_parts(model_config, weights_of, where)

    @classmethod
    def from_keras(cls, model: Any) -> Runtime:
        """From a live Keras functional model (its current weights, copied)."""
        by_name = {layer.name: layer for layer in model.layers}

        def weights_of(i: int, entry: dict) -> list[np.ndarray]:
            layer = by_name.get(entry.get("name"))
            return [np.asarray(w, dtype=_F) for w in layer.get_weights()] if layer is not None else []

        return cls.from_parts(model.get_config(), weights_of, f"model {getattr(model, 'name', '')!r}")

    # ---- whole sequences

    @property
    def masked(self) -> bool:
        """Whether the embedding masks id 0: then padding changes nothing and texts run at their own length."""
        return isinstance(self.layers[0], _Embedding) and self.layers[0].mask_zero

    def forward(self, ids: np.ndarray) -> np.ndarray:
        """The model's output for int ids ``[B, T]``: ``[B, T, V]`` for a generator, ``[B, C]`` for a classifier.

        With a masking embedding, id 0 is padding and is skipped as Keras skips it (any side, any amount).
        """
        x: Any = np.asarray(ids)
        if x.ndim != 2:
            raise UsageError(f"forward needs ids of shape [batch, time], got {x.shape}")
        mask = None
        for layer in self.layers:
            x, mask = layer(x, mask)
        return np.asarray(x, dtype=_F)

    # ---- step by step

    def _plan(self) -> tuple[Any, list[Any], Any]:
        """(embedding, recurrent layers, head layers) for stepping; UsageError for a model that cannot step."""
        if self._step_plan is None:
            embedding, *rest = self.layers
            if not isinstance(embedding, _Embedding):
                raise UsageError("this model does not start with an embedding; it cannot generate text")
            recurrent = [layer for layer in rest if isinstance(layer, _Recurrent)]
            for layer in rest:
                if isinstance(layer, _Recurrent):
                    if not layer.return_sequences or layer.go_backwards:
                        raise UsageError("this model reads whole texts (a classifier); it cannot generate text")
                elif not isinstance(layer, (_Identity, _Dense, _Activation)):
                    raise UsageError(f"this model has a {type(layer).__name__.strip('_')} layer; it cannot "
                                     "generate text step by step")
            last_rnn = max((i for i, layer in enumerate(rest) if isinstance(layer, _Recurrent)), default=-1)
            if last_rnn < 0 or any(isinstance(layer, _Dense) for layer in rest[:last_rnn]):
                raise UsageError("this model has no recurrent layers to carry; it cannot generate text")
            head = [layer for layer in rest[last_rnn + 1 :] if not isinstance(layer, _Identity)]
            self._step_plan = (embedding, recurrent, head)
            # the first layer's input projection of every token, computed once: a step is then a row lookup
            self._first_table = recurrent[0].cell.project(embedding.table)
        return self._step_plan

    def initial_state(self, batch_size: int) -> State:
        """Zero states for ``batch_size`` streams."""
        _, recurrent, _ = self._plan()
        return [layer.zeros(batch_size) for layer in recurrent]

    def _head(self, x: np.ndarray) -> np.ndarray:
        for layer in self._plan()[2]:
            x, _ = layer(x, None)
        return x

    def read(self, ids: np.ndarray, state: State | None = None) -> tuple[np.ndarray, State]:
        """Read prompts ``ids [B, T]`` (T >= 1) from ``state`` (zeros by default): the logits after each prompt's
        last token ``[B, V]`` and the states after it."""
        ids = np.asarray(ids, dtype=np.int64)
        if ids.ndim != 2 or ids.shape[1] < 1:
            raise UsageError(f"read needs ids of shape [batch, time >= 1], got {ids.shape}")
        embedding, recurrent, _ = self._plan()
        state = self.initial_state(ids.shape[0]) if state is None else state
        x = embedding.table[ids]
        new_state = []
        last = x[:, -1]
        for layer, layer_state in zip(recurrent, state):
            x, states, last = layer.run(x, None, [np.asarray(s, _F) for s in layer_state])
            new_state.append(states)
        return self._head(last), new_state

    def step(self, ids: np.ndarray, state: State) -> tuple[np.ndarray, State]:
        """Feed one token per stream (``ids [B]``): the next-token logits ``[B, V]`` and the new states."""
        _, recurrent, _ = self._plan()
        ids = np.asarray(ids, dtype=np.int64).reshape(-1)
        xw = self._first_table[ids]  # type: ignore[index]
        new_state = []
        h = xw
        for i, (layer, layer_state) in enumerate(zip(recurrent, state)):
            if i:
                xw = layer.cell.project(h)
            states = layer.cell.step(xw, layer_state)
            new_state.append(states)
            h = states[0]
        return self._head(h), new_state

    @staticmethod
    def select(state: State, rows: Sequence[int] | np.ndarray) -> State:
        """The states of the given batch rows, in that order (beam search keeps the states of the beams it keeps)."""
        rows = np.asarray(rows, dtype=np.int64)
        return [[s[rows] for s in layer] for layer in state]


def _group_names(entries: list[dict]) -> dict[int, str]:
    """Config index -> the layer's group in the weights file, by Keras' naming: the snake-case class name, with
    ``_1``, ``_2`` … for repeats, in the order the model holds its layers (bare ops are not layers)."""
    used: dict[str, int] = {}
    names: dict[int, str] = {}
    for i, entry in enumerate(entries):
        if not _is_layer(entry):
            continue
        name = _snake(str(entry.get("class_name", "")))
        if name in used:
            used[name] += 1
            names[i] = f"{name}_{used[name]}"
        else:
            used[name] = 0
            names[i] = name
    return names
