"""Which folder a model name means, and what is there: names, the user's models, the shipped defaults, listings.

A name is looked up among the user's models (``paths.models_dir()``) first, then among the small defaults shipped
inside the package, so a user's model shadows a shipped one of the same name. Listings read only the JSON files so
that ``hangul-rnn models`` stays fast (no Keras import). The on-disk format itself is :mod:`hangul_rnn.bundle`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from hangul_rnn import paths
from hangul_rnn.errors import FormatError, UsageError
from hangul_rnn.folder_swap import recover

#: File systems allow 255 bytes a name; the hidden ``.NAME.tmp-XXXXXXXX`` folder a save writes first needs 15 more.
MAX_NAME_BYTES = 200

_NAME_RE = re.compile(r"^[A-Za-z0-9가-힣][A-Za-z0-9가-힣._-]*$")


@dataclass(frozen=True)
class BundleSummary:
    """What ``hangul-rnn models`` shows about one bundle, read from its JSON files only."""

    name: str
    path: Path
    task: str
    corpus: str
    level: str
    cell: str
    params: int | None
    metrics: dict
    created: str = ""
    error: str | None = None  # set when the bundle cannot be read; the other fields are then best effort
    layers: int = 1
    bidirectional: bool = False

    @property
    def network(self) -> str:
        """The cell as a person names the network: "lstm", "bigru", "2×bilstm"."""
        cell = f"bi{self.cell}" if self.bidirectional else self.cell
        return f"{self.layers}×{cell}" if self.layers > 1 else cell

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "path": str(self.path),
            "task": self.task,
            "corpus": self.corpus,
            "level": self.level,
            "cell": self.cell,
            "layers": self.layers,
            "bidirectional": self.bidirectional,
            "params": self.params,
            "metrics": self.metrics,
            "created": self.created,
            "error": self.error,
        }


def check_name(name: str) -> str:
    """A model name must be a plain folder name; returns it or raises UsageError."""
    if not isinstance(name, str):
        raise TypeError(f"a model name is a str, not {type(name).__name__}")
    if not name or not _NAME_RE.fullmatch(name) or name in (".", ".."):
        raise UsageError(
            f"bad model name {name!r}: use letters, digits, '.', '_' or '-' (no slashes, not starting with '.')"
        )
    if len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise UsageError(f"model name too long ({len(name.encode('utf-8'))} bytes in UTF-8; at most {MAX_NAME_BYTES})")
    return name


def bundle_dir(name: str) -> Path:
    """Where the bundle called ``name`` lives: ``paths.models_dir()/name``."""
    return paths.models_dir() / check_name(name)


def installed_names() -> list[str]:
    """Names of the bundle folders under ``paths.models_dir()``, sorted."""
    root = paths.models_dir()
    if not root.is_dir():
        return []
    for hidden in {p.name[1:].rsplit(".", 1)[0] for p in root.iterdir() if p.name.startswith(".") and "-" in p.name}:
        if hidden and _NAME_RE.fullmatch(hidden):
            recover(root / hidden)  # a bundle a killed save left hidden is listed, not lost
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


SHIPPED_DIR = Path(__file__).resolve().parent / "default_models"


def shipped_dir() -> Path | None:
    """Folder of the small default bundles shipped inside the package (so generate/score work offline at once)."""
    return SHIPPED_DIR if SHIPPED_DIR.is_dir() else None


def shipped_names() -> list[str]:
    """Names of the shipped default bundles; an installed bundle of the same name takes precedence."""
    root = shipped_dir()
    if root is None:
        return []
    return sorted(p.name for p in root.iterdir() if (p / "config.json").is_file())  # bundle.CONFIG_FILE


def resolve_bundle_path(name_or_path: str | Path) -> Path:
    """A folder path, an installed name, or a shipped default name -> the bundle folder; UsageError otherwise."""
    if isinstance(name_or_path, Path) or os.sep in str(name_or_path) or str(name_or_path).startswith("."):
        path = Path(name_or_path).expanduser()
        recover(path)
        if not path.is_dir():
            raise UsageError(f"no model folder at {path}")
        return path
    name = str(name_or_path)
    candidate = paths.models_dir() / name
    if name and _NAME_RE.fullmatch(name):
        recover(candidate)  # a save killed between its two renames left the bundle hidden beside the name
    if name and candidate.is_dir():
        return candidate
    shipped = shipped_dir()
    if shipped is not None and name and (shipped / name).is_dir():
        return shipped / name
    names = sorted(set(installed_names()) | set(shipped_names()))
    listed = ", ".join(names) if names else "none installed; train one with 'hangul-rnn train'"
    raise UsageError(f"no model named {name!r} (installed: {listed})")


def summarize(folder: Path) -> BundleSummary:
    """A BundleSummary from the JSON files of one bundle folder (``error`` set if they cannot be read)."""
    from hangul_rnn import bundle as fmt  # the format module names folders through this one
    from hangul_rnn.ensemble import ENSEMBLE_KIND

    try:
        config = fmt.read_config(folder)
    except FormatError as exc:
        return BundleSummary(folder.name, folder, "?", "?", "?", "?", None, {}, error=str(exc))
    metrics: dict = {}
    error = None
    try:
        from hangul_rnn.bundle_schema import check_history, check_metrics

        metrics = check_metrics(fmt.read_json(folder / fmt.METRICS_FILE), folder / fmt.METRICS_FILE)
        if config.get("kind") != ENSEMBLE_KIND:  # a listing shows a model broken that loading would refuse
            check_history(fmt.read_json(folder / fmt.HISTORY_FILE), folder / fmt.HISTORY_FILE)
    except FormatError as exc:
        error = str(exc)
    tok = config.get("tokenizer") or {}
    hp = config.get("hyperparameters") or {}
    if config.get("kind") == ENSEMBLE_KIND:
        listed = config.get("members")
        members = listed if isinstance(listed, list) else []
        return BundleSummary(
            name=folder.name, path=folder, task="classifier", corpus=str(config.get("corpus", "?")),
            level="ensemble", cell=f"{len(members)} models", params=config.get("params"),
            metrics=key_metrics("classifier", metrics), created=str(config.get("created", "")), error=error,
        )
    return BundleSummary(
        name=folder.name,
        path=folder,
        task=str(config.get("task", "?")),
        corpus=str(config.get("corpus", "?")),
        level=_level_label(tok),
        cell=str(hp.get("cell", "?")),
        params=config.get("params"),
        metrics=key_metrics(str(config.get("task")), metrics),
        created=str(config.get("created", "")),
        error=error,
        layers=int(hp.get("layers") or 1),
        bidirectional=bool(hp.get("bidirectional", False)),
    )


def _level_label(tok: dict) -> str:
    """"jamo", "syllable", or "word/STEM" (word/morph-all, word/truncate…): word models differ most by their stems."""
    level = str(tok.get("level", "?"))
    stem = tok.get("stem")
    return f"{level}/{stem}" if level == "word" and stem else level


def key_metrics(task: str, metrics: dict) -> dict:
    """The few numbers worth a column: loss/perplexity/bits per char, or accuracy."""
    keys = (
        ("val_loss", "perplexity", "bits_per_char", "epochs_done")
        if task == "generator"
        else ("val_accuracy", "val_loss", "test_accuracy", "epochs_done")
    )
    return {k: metrics[k] for k in keys if k in metrics}


def list_bundles() -> list[BundleSummary]:
    """Every installed bundle, then the shipped defaults not shadowed by one, read from JSON only (no Keras)."""
    root = paths.models_dir()
    installed = installed_names()
    summaries = [summarize(root / name) for name in installed]
    shipped = shipped_dir()
    if shipped is not None:
        summaries += [summarize(shipped / name) for name in shipped_names() if name not in installed]
    return summaries
