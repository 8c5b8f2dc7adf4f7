"""Discriminative learning rates (ULMFiT): an optimizer whose step size differs per layer.

Why the learning rate and not the gradient: Adam and RMSprop divide each step by a running scale of the gradient,
so a gradient multiplied by 0.1 gives the same step; only a scaled learning rate makes a layer move less. The
optimizers here are Keras' Adam and RMSprop whose ``update_step`` multiplies the learning rate it is given (the
schedule's value, or what ReduceLROnPlateau set) by the factor of the variable's layer.

The factors are keyed by *layer name* (the first part of a variable's path, ``rnn_0/lstm_cell/kernel`` ->
``rnn_0``) and saved in the optimizer's config, so a bundle's ``model.keras`` reloads with them and its Adam
moments line up with a plain Adam's (same variables): resuming may switch the factors on or off. Layers not named
train at factor 1 (the head).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras

__all__ = ["LayerRateAdam", "LayerRateRMSprop", "archived_optimizer_state", "layer_rate_optimizer", "same_slots"]


class _LayerRates:
    """The part both optimizers share: the factor of each variable, found once when the optimizer is built."""

    layer_factors: dict[str, float]
    _factor_list: list[float]

    def _init_factors(self, layer_factors: dict[str, float] | None) -> None:
        self.layer_factors = {str(k): float(v) for k, v in (layer_factors or {}).items()}
        self._factor_list = []

    def build(self, variables: Any) -> None:
        super().build(variables)  # type: ignore[misc]
        self._factor_list = [self.factor_of(v) for v in variables]

    def factor_of(self, variable: Any) -> float:
        """The learning-rate factor of a model variable (1 for layers the factors do not name)."""
        layer = str(getattr(variable, "path", variable.name)).split("/")[0]
        return self.layer_factors.get(layer, 1.0)

    def update_step(self, gradient: Any, variable: Any, learning_rate: Any) -> Any:
        factor = self._factor_list[self._get_variable_index(variable)]  # type: ignore[attr-defined]
        if factor != 1.0:
            learning_rate = keras.ops.multiply(keras.ops.cast(learning_rate, variable.dtype), factor)
        return super().update_step(gradient, variable, learning_rate)  # type: ignore[misc]

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "layer_factors": dict(self.layer_factors)}  # type: ignore[misc]


@keras.saving.register_keras_serializable(package="hangul_rnn")
class LayerRateAdam(_LayerRates, keras.optimizers.Adam):
    """Adam with a learning-rate factor per layer (see the module docstring)."""

    def __init__(self, *args: Any, layer_factors: dict[str, float] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._init_factors(layer_factors)


@keras.saving.register_keras_serializable(package="hangul_rnn")
class LayerRateRMSprop(_LayerRates, keras.optimizers.RMSprop):
    """RMSprop with a learning-rate factor per layer (see the module docstring)."""

    def __init__(self, *args: Any, layer_factors: dict[str, float] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._init_factors(layer_factors)


def layer_rate_optimizer(name: str, learning_rate: Any, clipnorm: float | None,
                         layer_factors: dict[str, float]) -> keras.optimizers.Optimizer:
    """Adam (``name`` "adam") or RMSprop whose layers named in ``layer_factors`` learn at that share of the rate."""
    cls = LayerRateAdam if name == "adam" else LayerRateRMSprop
    return cls(learning_rate=learning_rate, clipnorm=clipnorm or None, layer_factors=layer_factors)


def same_slots(old: keras.optimizers.Optimizer, new: keras.optimizers.Optimizer) -> bool:
    """Whether two optimizers keep the same state: the same class, or Adam and Adam with per-layer rates (and
    RMSprop alike), whose moments are the same (a resume may switch the rates on or off)."""
    if type(old) is type(new):
        return True
    return any(isinstance(old, base) and isinstance(new, base)
               for base in (keras.optimizers.Adam, keras.optimizers.RMSprop))


def archived_optimizer_state(archive: Path) -> list[Any]:
    """The optimizer variables a ``.keras`` archive holds, in order ([] when it has none: a slim bundle).

    Why read them here: Keras reloads a model saved with frozen layers (a fine-tuning warm-up) with an optimizer
    built for its trainable weights only and skips the saved state, which holds every weight's moments.
    """
    import io
    import zipfile

    import h5py

    try:
        with zipfile.ZipFile(archive) as zf, h5py.File(io.BytesIO(zf.read("model.weights.h5")), "r") as h5:
            group = h5.get("optimizer/vars")
            return [group[str(i)][()] for i in range(len(group))] if group is not None else []
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return []
