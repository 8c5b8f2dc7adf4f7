"""Deleting and renaming installed models: the one way the front ends change what is under ``paths.models_dir()``.

Both refuse what would lose or break something: a shipped model (it lives inside the package), a name already
taken, a shipped model's name (see :mod:`hangul_rnn.shadowing`), and a model a saved ensemble lists by name (the
ensemble would stop loading). A delete first renames the folder to a hidden one, so a crash half-way leaves no
half-deleted bundle in the listing.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path

from hangul_rnn import paths
from hangul_rnn.errors import UsageError

__all__ = ["delete_model", "ensembles_using", "rename_model"]


def _installed(name: str) -> Path:
    from hangul_rnn.catalog import check_name, shipped_names

    folder = paths.models_dir() / check_name(name)
    if not folder.is_dir():
        if name in shipped_names():
            raise UsageError(f"{name!r} is a shipped model: it comes with the package and cannot be changed")
        raise UsageError(f"no installed model named {name!r}")
    return folder


def ensembles_using(name: str) -> list[str]:
    """Installed ensembles that list the model ``name`` among their members."""
    from hangul_rnn.catalog import installed_names

    folder = (paths.models_dir() / name).resolve()
    users = []
    for other in installed_names():
        try:
            config = json.loads((paths.models_dir() / other / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        members = config.get("members") if isinstance(config, dict) else None
        if isinstance(members, list) and any(m == name or Path(str(m)) == folder for m in members):
            users.append(other)
    return users


def _refuse_if_used(name: str, doing: str) -> None:
    users = ensembles_using(name)
    if users:
        raise UsageError(f"cannot {doing} {name!r}: the ensemble{'s' if len(users) > 1 else ''} "
                         f"{', '.join(users)} list{'' if len(users) > 1 else 's'} it; delete those first")


def delete_model(name: str) -> None:
    """Remove the installed model ``name`` (its whole folder)."""
    folder = _installed(name)
    _refuse_if_used(name, "delete")
    doomed = folder.with_name(f".deleting-{name}-{uuid.uuid4().hex[:8]}")
    folder.rename(doomed)  # atomic: from here on the model is gone from every listing
    shutil.rmtree(doomed, ignore_errors=True)


def rename_model(old: str, new: str, *, force: bool = False) -> Path:
    """Rename the installed model ``old`` to ``new``; returns its new folder. ``force`` allows a shipped name."""
    from hangul_rnn.catalog import check_name
    from hangul_rnn.shadowing import check_not_shadowing

    folder = _installed(old)
    check_name(new)
    if new == old:
        return folder
    target = paths.models_dir() / new
    if target.exists():
        raise UsageError(f"a model named {new!r} exists already")
    check_not_shadowing(new, force=force)
    _refuse_if_used(old, "rename")
    folder.rename(target)
    _record_name(target, new)
    return target


def _record_name(folder: Path, name: str) -> None:
    """The config's own ``name`` follows the folder's (it is what an unsaved copy of the bundle reports)."""
    from hangul_rnn import atomic

    path = folder / "config.json"
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    if isinstance(config, dict) and "name" in config:
        config["name"] = name
        atomic.write_text(path, json.dumps(config, ensure_ascii=False, indent=2))
