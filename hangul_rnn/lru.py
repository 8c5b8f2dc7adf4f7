"""Least-recently-used pruning of a cache folder, shared by every on-disk cache (stems, encoded ids).

Why one helper: each cache keeps files per corpus and option combination and nothing else ever deletes them, so
each must be bounded the same way. An *entry* is every file whose name starts with the same key (the part before
the first dot: ``KEY.npy`` and ``KEY.json`` go together); it was last used when its newest file was touched, and it
is removed whole, so no half of an entry survives another. Temp files of writes in progress (``*.tmp``) are never
matched by the patterns the caches pass, so a concurrent writer is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["prune", "touch"]


def touch(path: Path) -> None:
    """Mark a cache file as just used, so :func:`prune` removes the entries no run has read for longest."""
    try:
        os.utime(path)
    except OSError:
        pass  # a read-only cache still serves hits


def prune(folder: Path, patterns: Iterable[str], max_bytes: int) -> int:
    """Delete whole entries, least recently used first, until ``folder``'s files matching ``patterns`` take at
    most ``max_bytes``; return the bytes freed."""
    entries: dict[str, list[tuple[float, int, Path]]] = {}
    for pattern in patterns:
        for f in Path(folder).glob(pattern):
            try:
                st = f.stat()
            except OSError:
                continue
            entries.setdefault(f.name.split(".", 1)[0], []).append((st.st_mtime, st.st_size, f))
    total = sum(size for files in entries.values() for _, size, _ in files)
    freed = 0
    for files in sorted(entries.values(), key=lambda fs: max(m for m, _, _ in fs)):
        if total - freed <= max_bytes:
            break
        for _, size, f in files:
            try:
                f.unlink()
                freed += size
            except OSError:
                continue
    return freed
