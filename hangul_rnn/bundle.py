"""A trained model on disk: config + tokenizer + Keras model + metrics + history, in one versioned folder.

A bundle folder holds exactly these files::

    config.json     format_version, versions, task, corpus, tokenizer settings, hyper-parameters, labels, times
    tokenizer.json  the fitted tokenizer (``Tokenizer.to_dict()``), never a pickle
    model.keras     the Keras model: read by the NumPy runtime to generate and score; loaded by Keras (with
                    ``safe_mode=True``) only to train, resume or evaluate
    metrics.json    key numbers (val loss, perplexity, bits per char, accuracy, ``epochs_done``)
    history.json    per-epoch Keras logs, appended across resumed runs

Writes are atomic: a new bundle is written into a temporary folder beside the target and renamed into place only
once it is complete; an older bundle of the same name is renamed aside first and deleted only after the new one is
in place, so an interrupted or failed save never leaves a half-written model under the name; a save killed
between its renames is put back on the next look-up (:mod:`hangul_rnn.folder_swap`). Training uses the
same save for its per-epoch checkpoint: the bundle *is* the checkpoint.

Which folder a name means, and listing them, is :mod:`hangul_rnn.catalog`; a saved ensemble (a folder naming its
members) is :mod:`hangul_rnn.ensemble`.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hangul_rnn import __version__
from hangul_rnn.catalog import check_name, resolve_bundle_path, shipped_dir
from hangul_rnn.errors import FormatError, UsageError
from hangul_rnn.folder_swap import install_folder

if TYPE_CHECKING:  # pragma: no cover - typing only; importing keras here would cost seconds
    import keras

    from hangul_rnn.ensemble import Ensemble
    from hangul_rnn.runtime import Runtime
    from hangul_rnn.tokenizers import Tokenizer

#: Version of the on-disk layout. Bump it when a change makes old readers misread new bundles.
FORMAT_VERSION = 1

CONFIG_FILE = "config.json"
TOKENIZER_FILE = "tokenizer.json"
MODEL_FILE = "model.keras"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.json"
BUNDLE_FILES = (CONFIG_FILE, TOKENIZER_FILE, MODEL_FILE, METRICS_FILE, HISTORY_FILE)

from hangul_rnn.config import TASKS  # noqa: E402  (the one list of tasks)


@dataclass
class Bundle:
    """A trained model with everything needed to use it; ``path`` is None until it is saved.

    Two views of the network, each built on first use: :attr:`runtime` (NumPy, no TensorFlow: what generating and
    scoring use) and :attr:`model` (the Keras model: what training, resuming and evaluating use). A loaded bundle
    holds neither until asked, so ``load_bundle`` then ``generate`` never imports TensorFlow; a bundle made around a
    live Keras model (training's per-epoch sample, tests) reads its runtime from that model's current weights.
    """

    path: Path | None
    config: dict
    tokenizer: Tokenizer
    model: keras.Model = field(default=None, repr=False, compare=False)  # a property below
    metrics: dict = field(default_factory=dict)
    history: dict = field(default_factory=dict)
    model_file: Path | None = None

    @property
    def task(self) -> str:
        """``"generator"`` or ``"classifier"``."""
        return str(self.config.get("task", ""))

    @property
    def name(self) -> str:
        """The folder name once saved, else the name recorded in the config."""
        if self.path is not None:
            return self.path.name
        return str(self.config.get("name", ""))

    @property
    def label_names(self) -> list[str]:
        """Class names of a classifier (``"0"``, ``"1"``, … where the corpus names none)."""
        return [str(n) for n in self.config.get("label_names") or []]

    @property
    def runtime(self) -> Runtime:
        """The network in NumPy (:class:`hangul_rnn.runtime.Runtime`), for generating and scoring.

        From the archive on disk (read once, cached), or, for a bundle around a live Keras model, from that model's
        weights as they are now (built again on every access, so a model trained further is followed).
        """
        from hangul_rnn.runtime import Runtime

        state = self.__dict__
        live = state.get("_model")
        if live is not None and state.get("_live", True):
            return Runtime.from_keras(live)
        with _LOAD_LOCK:
            if state.get("_runtime") is None:
                if self.model_file is None:
                    raise UsageError(f"model {self.name!r} has no network to run (no model file, no Keras model)")
                runtime = Runtime.from_archive(self.model_file)
                from hangul_rnn.bundle_schema import check_fits

                check_fits(runtime, self.tokenizer, self.config, self.model_file)
                state["_runtime"] = runtime
            return state["_runtime"]


def _get_model(self: Bundle) -> keras.Model:
    """The Keras model, loaded from ``model_file`` on first use (this imports TensorFlow)."""
    state = self.__dict__
    if state.get("_model") is None:
        with _LOAD_LOCK:
            if state.get("_model") is None:
                if self.model_file is None:
                    raise UsageError(f"model {self.name!r} has no Keras model")
                state["_model"] = _load_keras_model(self.model_file)
                state["_live"] = False  # it is the file's model: the cached runtime still matches it
    return state["_model"]


def _set_model(self: Bundle, model: keras.Model | None) -> None:
    if isinstance(model, property):  # the dataclass default seen through the class attribute
        model = None
    self.__dict__["_model"] = model
    self.__dict__["_live"] = True
    self.__dict__["_runtime"] = None


_LOAD_LOCK = threading.RLock()
Bundle.model = property(_get_model, _set_model, doc=_get_model.__doc__)


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _stamp_config(bundle: Bundle) -> dict:
    """The config as written: the caller's keys plus format and version stamps."""
    config = dict(bundle.config)
    config["format_version"] = FORMAT_VERSION
    config["hangul_rnn_version"] = __version__
    try:
        import keras
        import tensorflow as tf

        config["keras_version"] = keras.__version__
        config["tensorflow_version"] = tf.__version__
    except Exception:  # noqa: BLE001 - versions are informative only
        pass
    config.setdefault("created", now())
    config["saved"] = now()
    try:
        config["params"] = int(bundle.model.count_params())
    except Exception:  # noqa: BLE001 - an unbuilt model has no parameter count yet
        config.setdefault("params", None)
    return config


def write_json(path: Path, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=2, default=_json_default)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())


def _json_default(obj: Any) -> Any:
    """NumPy scalars and arrays (Keras logs) as plain JSON."""
    if hasattr(obj, "tolist"):
        return obj.tolist()
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def save_bundle(bundle: Bundle, path: str | Path) -> Path:
    """Write ``bundle`` to the folder ``path`` atomically and return the path; sets ``bundle.path``.

    All five files are written into a temporary folder beside the target first (see :func:`install_folder`), so a
    failure while writing leaves an existing bundle of that name untouched.
    """
    target = Path(path).expanduser()
    check_name(target.name)
    config = _stamp_config(bundle)

    def write(tmp: Path) -> None:
        write_json(tmp / CONFIG_FILE, config)
        write_json(tmp / TOKENIZER_FILE, bundle.tokenizer.to_dict())
        bundle.model.save(tmp / MODEL_FILE)
        write_json(tmp / METRICS_FILE, bundle.metrics)
        write_json(tmp / HISTORY_FILE, bundle.history)

    install_folder(target, write)
    bundle.config = config
    bundle.path = target
    return target


def record_metrics(bundle: Bundle | Ensemble, updates: dict) -> bool:
    """Merge ``updates`` into the bundle's metrics.json on disk (atomically) and into ``bundle.metrics``.

    Evaluation results belong with the model, so ``hangul-rnn models`` and the TUI can list a test accuracy without
    re-running it. Shipped defaults are never touched (their figures are in MODEL_CARD.md, and a checkout's tracked
    files must not change by evaluating them); neither is a folder that cannot be written. Returns whether the
    numbers were recorded.
    """
    from hangul_rnn import atomic

    folder = Path(bundle.path) if bundle.path else None
    shipped = shipped_dir()
    if folder is None or not (folder / METRICS_FILE).is_file():
        return False
    if shipped is not None and folder.resolve().is_relative_to(shipped.resolve()):
        return False
    metrics = read_json(folder / METRICS_FILE)
    if not isinstance(metrics, dict):
        return False
    metrics.update(updates)
    try:
        atomic.write_text(folder / METRICS_FILE,
                          json.dumps(metrics, ensure_ascii=False, indent=2, default=_json_default) + "\n")
    except OSError:
        return False
    bundle.metrics = metrics
    return True


def slim_copy(src: str | Path, dest: str | Path) -> Path:
    """Copy a bundle without the optimizer state (about a third of the size), e.g. to ship or share it.

    Resuming such a copy restarts the optimizer, as every resume does; the weights are the same.
    """
    bundle = load_model_bundle(src)
    import keras

    # Rebuilt from its config, the model is uncompiled (clone_model would copy the optimizer along).
    model = keras.Model.from_config(bundle.model.get_config())
    model.set_weights(bundle.model.get_weights())
    bundle.model = model
    return save_bundle(bundle, Path(dest))


def read_json(path: Path) -> Any:
    if not path.is_file():
        raise FormatError(f"{path}: missing; the bundle is incomplete (train or save it again)")
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path}: not valid JSON ({exc.__class__.__name__}: {exc}); the bundle is corrupt") from None
    except OSError as exc:  # unreadable (permissions), a folder where the file belongs, …
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc}); the bundle is unreadable") from None
    except RecursionError:
        raise FormatError(f"{path}: JSON nested too deeply to be a bundle file; the bundle is corrupt") from None


def read_config(folder: Path) -> dict:
    """Read and check ``config.json``: a JSON object with a known ``format_version`` and task."""
    path = folder / CONFIG_FILE
    config = read_json(path)
    if not isinstance(config, dict):
        raise FormatError(f"{path}: expected a JSON object; the bundle is corrupt")
    version = config.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        raise FormatError(f"{path}: no format_version; not a hangul-rnn bundle or corrupt")
    if version > FORMAT_VERSION:
        raise FormatError(
            f"{path}: format_version {version} is newer than this hangul-rnn reads ({FORMAT_VERSION}); "
            "upgrade hangul-rnn"
        )
    if version < 1:
        raise FormatError(f"{path}: unknown format_version {version}")
    if config.get("task") not in TASKS:
        raise FormatError(f"{path}: unknown task {config.get('task')!r} (expected generator or classifier)")
    from hangul_rnn.bundle_schema import check_config

    check_config(config, path)
    return config


def load_bundle(name_or_path: str | Path) -> Bundle | Ensemble:
    """Load a bundle by folder path or installed name; FormatError (one line, naming the file) if it is broken.

    A saved ensemble (:func:`hangul_rnn.ensemble.save_ensemble`) loads as a :class:`hangul_rnn.ensemble.Ensemble`
    of its members, usable wherever a classifier is; :func:`load_model_bundle` is for callers that need one network.
    """
    from hangul_rnn import ensemble  # it loads its members through this function

    folder = resolve_bundle_path(name_or_path)
    config = read_config(folder)
    if config.get("kind") == ensemble.ENSEMBLE_KIND:
        return ensemble.load_ensemble(folder, config)
    tok_path = folder / TOKENIZER_FILE
    tok_data = read_json(tok_path)
    from hangul_rnn.bundle_schema import check_history, check_metrics

    metrics = check_metrics(read_json(folder / METRICS_FILE), folder / METRICS_FILE)
    history = check_history(read_json(folder / HISTORY_FILE), folder / HISTORY_FILE)

    from hangul_rnn.tokenizers import load_tokenizer

    try:
        tokenizer = load_tokenizer(tok_data)
    except FormatError as exc:
        raise FormatError(f"{tok_path}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any failure here means a bad file, reported as such
        raise FormatError(f"{tok_path}: cannot read tokenizer ({exc.__class__.__name__}: {exc})") from None

    from hangul_rnn.bundle_schema import check_tokenizer_kind

    check_tokenizer_kind(tokenizer, config, tok_path)
    model_path = folder / MODEL_FILE
    if not model_path.is_file():
        raise FormatError(f"{model_path}: missing; the bundle is incomplete (train or save it again)")
    _check_archive(model_path)
    # Neither network is read here: generating and scoring read the runtime (NumPy), training and evaluating the
    # Keras model (TensorFlow), each on first use.
    return Bundle(path=folder, config=config, tokenizer=tokenizer, metrics=metrics, history=history,
                  model_file=model_path)


def load_model_bundle(name_or_path: str | Path) -> Bundle:
    """:func:`load_bundle` for a caller that needs one network (training, resuming, copying, generating): a saved
    ensemble is a UsageError naming its members instead."""
    loaded = load_bundle(name_or_path)
    if not isinstance(loaded, Bundle):
        members = ", ".join(getattr(m, "name", "?") for m in loaded.members)
        raise UsageError(f"model {loaded.name!r} is an ensemble of {members}; pick one of its members")
    return loaded


def _check_archive(model_path: Path) -> None:
    """Refuse a model file that is not a zip at all (truncated, overwritten) now, with the reason, not later."""
    import zipfile

    if not zipfile.is_zipfile(model_path):
        # Keras reports a truncated or overwritten archive as "File not found", which sends a user looking for
        # a file that is right there.
        raise FormatError(f"{model_path}: not a .keras archive (truncated or overwritten); the bundle is corrupt, "
                          "train or save it again")


def _load_keras_model(model_path: Path) -> keras.Model:
    import keras

    try:  # registers the project's custom layers, if it has any, before deserialising
        import hangul_rnn.models  # noqa: F401
    except ImportError:
        pass
    _check_archive(model_path)
    try:
        return keras.models.load_model(model_path, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - corrupt zip, unknown layer, unsafe lambda: all one message
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise FormatError(f"{model_path}: cannot load Keras model ({exc.__class__.__name__}: {msg[:200]})") from None


def require_task(bundle: Bundle | Ensemble, task: str) -> Bundle | Ensemble:
    """Raise UsageError unless ``bundle`` is a ``task`` model (``generate`` needs a generator, …)."""
    if bundle.task != task:
        raise UsageError(f"model {bundle.name!r} is a {bundle.task}, this command needs a {task}")
    return bundle


