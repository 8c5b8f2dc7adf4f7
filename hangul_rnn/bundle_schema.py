"""What a bundle's JSON files must hold, checked on load, so a hand-edited or mismatched bundle is one line.

``config.json``, ``metrics.json`` and ``history.json`` are read by people and editors as well as by hangul-rnn. A
value of the wrong shape (``epochs_done: "two"``, a history that is a list, ``units: "big"``) would otherwise
surface much later as a TypeError deep in training or listing, or blame a command-line option the user never
passed. Each check raises :class:`~hangul_rnn.errors.FormatError` naming the file and the key. The network's
fit to its tokenizer is :func:`check_fits`, run when the network is first read.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hangul_rnn.errors import FormatError, UsageError


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def check_config(config: dict, path: Path) -> None:
    """The sections of a config: ``tokenizer`` and ``hyperparameters`` objects whose values a run would accept,
    ``label_names`` a list of strings, ``params`` a count; an ensemble's ``members`` is checked where it loads."""
    for key in ("tokenizer", "hyperparameters"):
        if key in config and not isinstance(config[key], dict):
            raise FormatError(f"{path}: {key!r} must be a JSON object, got {type(config[key]).__name__}")
    labels = config.get("label_names")
    if labels is not None and not (isinstance(labels, list) and all(isinstance(n, (str, int)) for n in labels)):
        raise FormatError(f"{path}: 'label_names' must be a list of names")
    params = config.get("params")
    if params is not None and (not isinstance(params, int) or isinstance(params, bool) or params < 0):
        raise FormatError(f"{path}: 'params' must be a whole number, got {params!r}")
    if "hyperparameters" in config:
        _check_hyperparameters(config, path)


def _check_hyperparameters(config: dict, path: Path) -> None:
    """The saved training options must pass the same checks as the options of a new run (they are its options
    when the bundle is resumed); the message names the bundle's file and key, not a command-line option."""
    from hangul_rnn.config import TrainConfig

    hp = dict(config["hyperparameters"])
    hp["task"] = config.get("task", hp.get("task"))
    from hangul_rnn.limits import TooBigForThisMachine

    try:
        TrainConfig.from_dict(hp).validate()
    except TooBigForThisMachine:  # checked last: every value is valid, it was trained on a bigger machine
        pass
    except (UsageError, TypeError, ValueError) as exc:
        reason = str(exc).replace("--", "").replace("_", "-")
        raise FormatError(f"{path}: bad saved hyper-parameter ({reason}); the bundle was edited or is corrupt") \
            from None


def check_metrics(metrics: Any, path: Path) -> dict:
    """A JSON object of numbers (None and strings allowed for notes); ``epochs_done`` a whole number ≥ 0."""
    if not isinstance(metrics, dict):
        raise FormatError(f"{path}: expected a JSON object; the bundle is corrupt")
    done = metrics.get("epochs_done")
    if done is not None and (not isinstance(done, int) or isinstance(done, bool) or done < 0):
        raise FormatError(f"{path}: 'epochs_done' must be a whole number ≥ 0, got {done!r}")
    return metrics


def check_history(history: Any, path: Path) -> dict:
    """Per-epoch logs: an object mapping each metric name to a list of numbers (None for a missing epoch)."""
    if not isinstance(history, dict):
        raise FormatError(f"{path}: expected a JSON object; the bundle is corrupt")
    for key, values in history.items():
        if not isinstance(values, list) or not all(v is None or _is_number(v) for v in values):
            raise FormatError(f"{path}: {key!r} must be a list of numbers, one per epoch")
        if any(v is not None and math.isinf(v) and v < 0 for v in values):
            raise FormatError(f"{path}: {key!r} holds -inf")
    return history


def check_fits(runtime: Any, tokenizer: Any, config: dict, source: Path | str) -> None:
    """The network must take every id the tokenizer makes and, for a generator, predict exactly its vocabulary;
    a classifier's tokenizer must be of the kind its config records. Otherwise an id past the embedding's table
    would be an IndexError at the first score, or a wrong distribution with no error at all."""
    from hangul_rnn.np_layers import Dense, Embedding

    check_tokenizer_kind(tokenizer, config, source)
    size = tokenizer.vocab_size
    first, last = runtime.layers[0], runtime.layers[-1]
    if isinstance(first, Embedding) and size > first.table.shape[0]:
        raise FormatError(f"{source}: the tokenizer has {size:,} tokens but the model's embedding takes "
                          f"{first.table.shape[0]:,}; the bundle's files do not belong together")
    if config.get("task") == "generator" and isinstance(last, Dense) and last.kernel.shape[-1] != size:
        raise FormatError(f"{source}: the tokenizer has {size:,} tokens but the model predicts "
                          f"{last.kernel.shape[-1]:,}; the bundle's files do not belong together")


def check_tokenizer_kind(tokenizer: Any, config: dict, source: Path | str) -> None:
    """The tokenizer must be of the kind (jamo, syllable, word) the config records: checked on load, from JSON."""
    recorded = (config.get("tokenizer") or {}).get("kind")
    if recorded and recorded != tokenizer.kind:
        raise FormatError(f"{source}: the config records a {recorded} tokenizer, tokenizer.json holds a "
                          f"{tokenizer.kind} one; the bundle's files do not belong together")
