"""Where hangul-rnn keeps things on disk.

One place decides the folders so that the CLI, the TUI and the library agree. ``HANGUL_RNN_HOME`` moves all of them
(tests point it at a temporary folder so they never touch the user's real data).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "hangul-rnn"


def home() -> Path:
    """The root of hangul-rnn's user data: ``$HANGUL_RNN_HOME`` or the platform's user data dir."""
    override = os.environ.get("HANGUL_RNN_HOME")
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME))


def data_dir() -> Path:
    """Downloaded corpora live here (``home()/corpora``)."""
    return home() / "corpora"


def models_dir() -> Path:
    """Trained bundles live here, one folder per model name (``home()/models``)."""
    return home() / "models"


def cache_dir() -> Path:
    """Derived data that can be rebuilt (stems, vocabularies): ``$HANGUL_RNN_CACHE`` or ``home()/cache``."""
    override = os.environ.get("HANGUL_RNN_CACHE")
    if override:
        return Path(override).expanduser()
    return home() / "cache"


def config_dir() -> Path:
    """Settings the front ends remember between sessions (the TUI's picked models, form values, theme):
    ``home()/config`` when ``$HANGUL_RNN_HOME`` is set (so tests never touch the user's), else the platform's user
    config dir, where people look for settings rather than data."""
    override = os.environ.get("HANGUL_RNN_HOME")
    if override:
        return Path(override).expanduser() / "config"
    return Path(platformdirs.user_config_dir(APP_NAME))


def local_corpora_dir() -> Path | None:
    """``$HANGUL_RNN_CORPORA``: a folder of local corpus copies used instead of downloading, or None."""
    override = os.environ.get("HANGUL_RNN_CORPORA")
    return Path(override).expanduser() if override else None
