"""Refusing to train a model under a shipped model's name unless the user says so.

An installed bundle takes precedence over a shipped one of the same name (see :func:`hangul_rnn.catalog.list_bundles`),
so a quick toy run called ``nsmc-classifier`` silently replaced the shipped classifier everywhere it is used by
name. The CLI (``train --force``) and the TUI (a confirm dialog) both ask through this one check.
"""

from __future__ import annotations

from hangul_rnn.errors import UsageError

__all__ = ["check_not_shadowing", "shadows_shipped"]


def shadows_shipped(name: str) -> bool:
    """Whether a model saved as ``name`` would hide the shipped model of that name."""
    from hangul_rnn.catalog import shipped_names

    return name in shipped_names()


def check_not_shadowing(name: str, *, force: bool = False) -> None:
    """Raise UsageError when ``name`` is a shipped model's and ``force`` is not set."""
    if force or not shadows_shipped(name):
        return
    raise UsageError(
        f"{name!r} is the name of a shipped model: a model saved under it would hide the shipped one in "
        "'hangul-rnn models', generate and score; pick another --name, or pass --force to shadow it anyway"
    )
