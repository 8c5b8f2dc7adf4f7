"""Several classifiers scored as one, in memory and on disk.

An :class:`Ensemble` averages its members' class probabilities; every scoring and evaluation function that takes a
bundle takes one too. Saved under a name, an ensemble is a bundle folder whose config lists its members instead of
holding a network (``hangul-rnn ensemble``), so ``score --model NAME``, ``evaluate NAME`` and the TUI use it like any
model. No TensorFlow here: members run on the NumPy runtime.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hangul_rnn import __version__, paths
from hangul_rnn.bundle import (
    CONFIG_FILE,
    FORMAT_VERSION,
    METRICS_FILE,
    load_bundle,
    now,
    read_config,
    read_json,
    write_json,
)
from hangul_rnn.catalog import check_name, resolve_bundle_path, shipped_dir
from hangul_rnn.errors import FormatError, HangulRNNError, UsageError
from hangul_rnn.folder_swap import install_folder


class Ensemble:
    """Several classifiers scored as one: each reads the text with its own tokenizer and their class probabilities
    are averaged.

    Models that see a review differently (all morphemes, content morphemes, 5-character words, syllables) make
    different mistakes: on NSMC four of them score 88.0% against 86.5% for the best alone. Every function here that
    takes a bundle takes an ``Ensemble`` too. Members must be classifiers with the same labels.
    """

    task = "classifier"

    def __init__(self, members: Sequence[Any], *, path: Any = None, metrics: dict | None = None) -> None:
        """``path`` and ``metrics`` are set for an ensemble saved under a name (``hangul-rnn ensemble``)."""
        members = list(members)
        if not members:
            raise UsageError("an ensemble needs at least one model")
        for m in members:
            check_classifier(m)
        names = [config_value(m, "label_names", None) for m in members]
        for m, n in zip(members[1:], names[1:]):
            if n != names[0]:
                raise UsageError(f"models {_name(members[0])!r} and {_name(m)!r} have different labels "
                                 f"({names[0]} vs {n}); they cannot be averaged")
        self.members = members
        self.config = {"label_names": names[0]}
        self.path = path
        self.metrics = dict(metrics or {})

    @property
    def name(self) -> str:
        """The saved ensemble's folder name, else its members' names joined by " + "."""
        if self.path is not None:
            return str(getattr(self.path, "name", self.path))
        return " + ".join(_name(m) for m in self.members)

    @property
    def label_names(self) -> list[str]:
        return [str(n) for n in self.config.get("label_names") or []]


def _name(bundle: Any) -> str:
    return str(getattr(bundle, "name", "") or "model")


def config_value(bundle: Any, key: str, default: Any) -> Any:
    """A config value at the top level or under ``hyperparameters`` (where training stores it)."""
    config = getattr(bundle, "config", None) or {}
    if config.get(key) is not None:
        return config[key]
    hyper = config.get("hyperparameters")
    if isinstance(hyper, dict) and hyper.get(key) is not None:
        return hyper[key]
    return default


def check_classifier(bundle: Any) -> None:
    if isinstance(bundle, Ensemble):
        return  # its members were checked when it was made
    task = getattr(bundle, "task", None)
    if task and task != "classifier":
        name = getattr(bundle, "name", "") or "this model"
        raise UsageError(f"model {name!r} is a {task}, not a classifier; pick a classifier model to score text")


#: ``config["kind"]`` of a saved ensemble: a folder naming its member bundles instead of holding a model.
ENSEMBLE_KIND = "ensemble"


def save_ensemble(name: str, members: Sequence[str], *, overwrite: bool = False,
                  models_root: str | Path | None = None) -> Path:
    """Save several classifiers as one named model: a folder whose config lists the members (by installed name,
    or by absolute path for a folder given as a path), so ``score --model NAME``, ``evaluate NAME`` and the TUI use
    the averaged ensemble like any bundle (:class:`Ensemble` when loaded).

    The members are checked from their JSON alone (no model is loaded): each must be a classifier bundle, not an
    ensemble, all trained on the same corpus with the same labels.
    """
    check_name(name)
    root = Path(models_root).expanduser() if models_root is not None else paths.models_dir()
    target = root / name
    if len(members) < 2:
        raise UsageError("an ensemble needs at least two models")
    if target.exists() and not overwrite:
        raise UsageError(f"a model named {name!r} already exists; pick another name or use --overwrite")
    refs, configs = [], []
    seen: dict[Path, str] = {}
    for member in members:
        folder = resolve_bundle_path(member)
        resolved = folder.resolve()
        if resolved in seen:  # the average would silently count one model twice
            raise UsageError(f"model {member!r} is listed twice (as {seen[resolved]!r} too); an ensemble "
                             "averages different models")
        seen[resolved] = str(member)
        config = read_config(folder)
        if config.get("kind") == ENSEMBLE_KIND:
            raise UsageError(f"model {member!r} is itself an ensemble; list its members instead")
        if config.get("task") != "classifier":
            raise UsageError(f"model {member!r} is a {config.get('task')}; an ensemble averages classifiers")
        if resolved == target.resolve():
            raise UsageError(f"an ensemble cannot list the model it replaces ({member!r})")
        refs.append(str(member) if folder.parent in (paths.models_dir(), shipped_dir()) and folder.name == member
                    else str(resolved))
        configs.append(config)
    check_same_source(list(zip(members, configs)))
    params = [c.get("params") for c in configs]
    config = {
        "format_version": FORMAT_VERSION,
        "hangul_rnn_version": __version__,
        "task": "classifier",
        "kind": ENSEMBLE_KIND,
        "name": name,
        "members": refs,
        "corpus": configs[0].get("corpus"),
        "label_names": configs[0].get("label_names"),
        "params": sum(params) if all(isinstance(n, int) for n in params) else None,
        "created": now(),
    }

    def write(tmp: Path) -> None:
        write_json(tmp / CONFIG_FILE, config)
        write_json(tmp / METRICS_FILE, {})

    install_folder(target, write)
    return target


def check_same_source(named_configs: Sequence[tuple[str, dict]]) -> None:
    """Classifiers averaged together must be trained on one corpus with one set of labels: averaging "positive" of
    one with class 1 of another, or scoring one on text another was trained on, would be meaningless. Checked from
    the configs alone, so a saved ensemble is checked without loading a model."""
    first_name, first = named_configs[0]
    for name, config in named_configs[1:]:
        for key, what in (("corpus", "corpora"), ("label_names", "labels")):
            if config.get(key) != first.get(key):
                raise UsageError(f"models {first_name!r} and {name!r} have different {what} "
                                 f"({first.get(key)} vs {config.get(key)}); they cannot be averaged")


def load_classifiers(names: Sequence[str]) -> Any:
    """The classifier a name gives, or the average of several (``score --model A --model B``, ``label``): each
    must be a classifier (a one-line error names the one that is not)."""
    from hangul_rnn.bundle import require_task

    if not names:
        raise UsageError("no classifier given: name at least one model")
    bundles = [require_task(load_bundle(name), "classifier") for name in names]
    return bundles[0] if len(bundles) == 1 else Ensemble(bundles)


def load_ensemble(folder: Path, config: dict) -> Ensemble:
    """The members of a saved ensemble, loaded; a broken or nested member is a one-line error naming it."""
    refs = config.get("members")
    if not isinstance(refs, list) or len(refs) < 2 or not all(isinstance(r, str) and r for r in refs):
        raise FormatError(f"{folder / CONFIG_FILE}: an ensemble needs a list of at least two member names")
    members = []
    for ref in refs:
        try:
            # Checked from its config before loading: an ensemble listing itself, or a cycle, would recurse.
            if read_config(resolve_bundle_path(ref)).get("kind") == ENSEMBLE_KIND:
                raise FormatError(f"{folder / CONFIG_FILE}: member {ref!r} is itself an ensemble")
            member = load_bundle(ref)
        except HangulRNNError as exc:
            raise type(exc)(f"ensemble {folder.name!r}, member {ref!r}: {exc}") from None
        if isinstance(member, Ensemble):
            raise FormatError(f"{folder / CONFIG_FILE}: member {ref!r} is itself an ensemble")
        members.append(member)
    metrics_path = folder / METRICS_FILE
    metrics = read_json(metrics_path) if metrics_path.is_file() else {}
    return Ensemble(members, path=folder, metrics=metrics if isinstance(metrics, dict) else {})


