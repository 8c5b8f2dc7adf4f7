"""hangul-rnn: a Korean text toolkit built on recurrent networks.

Importing the package is cheap on purpose: the public names below are looked up on first use (module
``__getattr__``, the pattern of ``textual.widgets``), so ``import hangul_rnn;
hangul_rnn.load_bundle("annals-syllable")`` loads the bundle and the NumPy runtime but never TensorFlow, and a
user who only wants ``hangul_rnn.jamo`` or ``hangul_rnn.tokenizers`` never pays its import time either. When a
submodule does import TensorFlow, its native start-up lines are kept off the terminal (:mod:`hangul_rnn._quiet_tf`).
"""

from __future__ import annotations

import importlib
from typing import Any

from hangul_rnn import _quiet_tf

__version__ = "0.1.0"

_quiet_tf.install()

#: Public name -> the module that defines it (imported when the name is first used).
_LAZY = {
    "compose": "jamo",
    "decompose": "jamo",
    "from_compat": "jamo",
    "to_compat": "jamo",
    "split_compound": "jamo_forms",
    "join_compound": "jamo_forms",
    "split_jamo": "jamo_forms",
    "join_jamo": "jamo_forms",
    "is_compound_jamo": "jamo_forms",
    "from_halfwidth": "jamo_forms",
    "to_halfwidth": "jamo_forms",
    "classify_jamo": "jamo_forms",
    "is_jamo": "jamo_forms",
    "final_consonant": "hangul",
    "has_batchim": "hangul",
    "attach_particle": "hangul",
    "is_all_hangul": "hangul",
    "make_tokenizer": "tokenizers",
    "load_tokenizer": "tokenizers",
    "get_corpus": "corpora",
    "list_corpora": "corpora",
    "load_bundle": "bundle",
    "list_bundles": "catalog",
    "generate": "sampling",
    "generate_batch": "sampling",
    "SamplingOptions": "samplers",
    "score": "scoring",
    "explain": "scoring",
    "Ensemble": "ensemble",
    "TrainConfig": "config",
    "default_config": "config",
    "train": "training",
    "evaluate": "evaluation",
    "evaluate_ensemble": "evaluation",
}

__all__ = ["__version__", *sorted(_LAZY)]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'hangul_rnn' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"hangul_rnn.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
