"""NumPy inference over a trained model's weights: generation step by step, scoring over whole sequences.

Training needs TensorFlow; using a trained model does not, and importing TensorFlow costs seconds and half a
gigabyte before the first token. This module reads a bundle's ``model.keras`` archive directly (it is a zip holding
``config.json``, the architecture, and ``model.weights.h5``, the weights) and runs the network with NumPy, so
``generate``, ``score`` and the TUI answer at once. Nothing on its import path imports TensorFlow or Keras.

It runs every layer :mod:`hangul_rnn.models` builds, exactly as Keras does on CPU (logits equal within 1e-4, tested
per architecture): ``Embedding`` (with ``mask_zero``), ``LSTM`` (gates i, f, c, o), ``GRU`` (``reset_after`` with
its two bias rows, or not), ``SimpleRNN``, ``Bidirectional`` (concat/sum/mul/ave), ``Conv1D``, ``MaxPooling1D``,
the masked max/mean pooling, ``Dense``, the tied embedding of :mod:`hangul_rnn.tied` (its second, reverse call is
a ``Dense`` with the transposed table); their NumPy forms are in :mod:`hangul_rnn.np_layers`. ``Dropout`` and
friends are the identity at inference. The network is read from the functional graph as a chain of layer calls
from the output back to the input, so layers added between the recurrent ones (a dropout) need no change here; a
layer it does not know is a one-line :class:`FormatError` naming it.

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
from hangul_rnn.np_layers import Activation, Dense, Embedding, Identity, Recurrent, make_layer

__all__ = ["Runtime", "State"]

#: Per recurrent layer, its state arrays: ``[h, c]`` for an LSTM, ``[h]`` for a GRU or simple RNN.
State = list[list[np.ndarray]]

_F = np.float32


def _snake(name: str) -> str:
    """Keras' own rule for the weight-file group of a layer class (``SimpleRNN`` -> ``simple_rnn``)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _chain(model_config: dict, where: str) -> list[tuple[dict, dict]]:
    """The layer calls from input to output, as (layer entry, call keyword arguments), following each call's first
    input back from the model's output.

    Side branches of the graph (the ``NotEqual`` op Keras records to carry an embedding's mask) are not on the
    chain and are skipped; a model that is not a chain (two inputs, a skip connection) is refused. A layer may be
    called more than once along the chain (a tied embedding reads the ids, then scores the next token): each
    call is followed by its own node.
    """
    layers = {entry["name"]: entry for entry in model_config.get("layers", [])}
    outputs = model_config.get("output_layers") or []
    if isinstance(outputs, list) and len(outputs) == 3 and isinstance(outputs[0], str):
        outputs = [outputs]
    if len(outputs) != 1:
        raise FormatError(f"{where}: the runtime needs a model with one output, found {len(outputs)}")
    chain: list[tuple[dict, dict]] = []
    name, node_index = outputs[0][0], int(outputs[0][1])
    while True:
        entry = layers.get(name)
        if entry is None:
            raise FormatError(f"{where}: the model graph names a layer {name!r} it does not hold")
        if entry["class_name"] == "InputLayer":
            break
        nodes = entry.get("inbound_nodes") or []
        if not 0 <= node_index < len(nodes) or not nodes[node_index].get("args"):
            raise FormatError(f"{where}: layer {name!r} has no call {node_index} with an input; the runtime reads "
                              "a chain")
        node = nodes[node_index]
        chain.append((entry, dict(node.get("kwargs") or {})))
        first = node["args"][0]
        if isinstance(first, list):  # a layer given several tensors (a merge): not a chain
            raise FormatError(f"{where}: layer {name!r} takes several inputs; the runtime reads a chain")
        history = first["config"]["keras_history"]
        if history[2] != 0:
            raise FormatError(f"{where}: layer {name!r} reads output {history[2]} of {history[0]!r} (a state); "
                              "not supported by the runtime")
        name, node_index = history[0], int(history[1])
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
            for entry, call_kwargs in chain:
                where = f"{source}: layer {entry.get('name')!r}"
                weights = weights_of(index[id(entry)], entry)
                layers.append(make_layer(entry["class_name"], entry.get("config") or {}, weights, where,
                                         call_kwargs))
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
        return isinstance(self.layers[0], Embedding) and self.layers[0].mask_zero

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
            if not isinstance(embedding, Embedding):
                raise UsageError("this model does not start with an embedding; it cannot generate text")
            recurrent = [layer for layer in rest if isinstance(layer, Recurrent)]
            for layer in rest:
                if isinstance(layer, Recurrent):
                    if not layer.return_sequences or layer.go_backwards:
                        raise UsageError("this model reads whole texts (a classifier); it cannot generate text")
                elif not isinstance(layer, (Identity, Dense, Activation)):
                    raise UsageError(f"this model has a {type(layer).__name__.strip('_')} layer; it cannot "
                                     "generate text step by step")
            last_rnn = max((i for i, layer in enumerate(rest) if isinstance(layer, Recurrent)), default=-1)
            if last_rnn < 0 or any(isinstance(layer, Dense) for layer in rest[:last_rnn]):
                raise UsageError("this model has no recurrent layers to carry; it cannot generate text")
            head = [layer for layer in rest[last_rnn + 1 :] if not isinstance(layer, Identity)]
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
