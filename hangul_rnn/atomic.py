"""Atomic file writes: the one way hangul-rnn replaces a file it may later read back.

A reader (another process, or this one after a crash or Ctrl-C) sees either the old file or the complete new one,
never a half-written file: data go to a temp file in the same folder, are fsynced, then ``os.replace`` takes over.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO


def write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically; on any failure the temp file is removed and ``path`` untouched."""
    write_with(path, lambda fh: fh.write(data))


def write_with(path: str | Path, write: Callable[[BinaryIO], object]) -> None:
    """Replace ``path`` atomically with what ``write`` writes to the open binary file it is given.

    For data too large to build as one ``bytes`` first (``np.save`` of a corpus-sized id array streams into it).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _new_temp_file(path)
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def _new_temp_file(path: Path) -> tuple[int, str]:
    """A new file beside ``path``, opened for writing, with the permissions any new file gets (``0o666`` less the
    umask: ``tempfile.mkstemp`` would make it private, ``0o600``, and that mode would survive the rename, leaving
    a user's bundles and vector files unreadable to the rest of their group)."""
    while True:
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:  # pragma: no cover - a 48-bit name already taken
            continue


def write_text(path: str | Path, text: str) -> None:
    """:func:`write_bytes` for UTF-8 text with ``\\n`` line endings."""
    write_bytes(path, text.encode("utf-8"))
