"""Encoded corpora kept on disk, so a second training run on the same text and tokenizer starts at once.

An entry is two files under ``paths.cache_dir()/"ids"``: ``KEY.npy`` (the ids, read back memory-mapped, so a hit
costs no copy until something reads the pages) and ``KEY.json`` (what the ids are: lengths, dtype, a CRC of the
data, whatever else the caller wants back). Small JSON records (``KEY.record.json``, e.g. which vocabulary a fit
gave) live beside them, so a caller can find the key of the ids before it has fitted anything. The JSON is written
after the array, both
atomically, so an entry whose JSON exists is complete. The key is a sha256 the caller builds from everything the
ids depend on (:func:`make_key` adds the format version and a hash of the source files that decide the ids).

A damaged entry (truncated, flipped bits, a JSON that does not match) is warned about and treated as a miss; the
caller rebuilds it and the rewrite replaces it. The folder is pruned least-recently-used first to
:data:`CACHE_MAX_BYTES` after each write, with the same helper as the stem cache.
"""

from __future__ import annotations

import hashlib
import json
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hangul_rnn import atomic, lru, paths

__all__ = [
    "CACHE_MAX_BYTES",
    "CACHE_VERSION",
    "CachedIds",
    "cache_folder",
    "load",
    "load_record",
    "make_key",
    "store",
    "store_record",
]

#: Bump when the layout of an entry changes (the code that decides the ids is hashed into every key already).
CACHE_VERSION = 1

#: The id cache is pruned back to this size after each write. The whole Annals subset at jamo level is ~110 MB
#: (uint8), so this keeps a dozen corpus/tokenizer combinations.
CACHE_MAX_BYTES = 2 * 1024**3

_FORMAT = "hangul-rnn/ids"
_PATTERNS = ("*.npy", "*.json")

#: Modules whose code decides which ids a text gets: reading, cleaning, splitting, lookup. Any edit to them
#: changes every key, which is conservative (a needless re-encode costs seconds) but never serves stale ids.
_SOURCES = ("corpora", "preparation", "text", "jamo", "tokenizers", "char_ids", "corpus_ids", "id_cache")


@dataclass(frozen=True)
class CachedIds:
    """A hit: the ids (read-only, memory-mapped) and the metadata stored with them."""

    ids: np.ndarray
    meta: dict[str, Any]


def cache_folder() -> Path:
    """Where entries live: ``paths.cache_dir()/"ids"`` (so ``HANGUL_RNN_CACHE``/``HANGUL_RNN_HOME`` move it)."""
    return paths.cache_dir() / "ids"


def _code_fingerprint() -> str:
    h = hashlib.sha256()
    package = Path(__file__).resolve().parent
    for name in _SOURCES:
        h.update(name.encode())
        h.update((package / f"{name}.py").read_bytes())
    return h.hexdigest()


def make_key(spec: Mapping[str, Any]) -> str:
    """A sha256 over ``spec`` (JSON-serialisable; what the ids depend on), the format version and the code."""
    header = {"format": _FORMAT, "cache_version": CACHE_VERSION, "code": _code_fingerprint(), "spec": spec}
    data = json.dumps(header, sort_keys=True, ensure_ascii=False, default=str).encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _crc(ids: np.ndarray) -> int:
    return zlib.crc32(np.ascontiguousarray(ids).tobytes())


def load(key: str, folder: Path | None = None) -> CachedIds | None:
    """The entry stored under ``key``, or None when there is none or it is damaged (then with a warning)."""
    folder = cache_folder() if folder is None else Path(folder)
    meta_path, ids_path = folder / f"{key}.json", folder / f"{key}.npy"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("key") != key:
            raise ValueError("its metadata belongs to another entry")
        ids = np.load(ids_path, mmap_mode="r", allow_pickle=False)
        if ids.ndim != 1 or ids.dtype.str != meta.get("dtype") or len(ids) != meta.get("length"):
            raise ValueError(f"holds {ids.dtype}{list(ids.shape)}, expected {meta.get('dtype')}[{meta.get('length')}]")
        if _crc(ids) != meta.get("crc32"):
            raise ValueError("checksum mismatch")
    except (OSError, ValueError, EOFError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        warnings.warn(f"ignoring damaged id cache entry {ids_path} ({exc}); encoding again", RuntimeWarning,
                      stacklevel=2)
        return None
    lru.touch(ids_path)
    lru.touch(meta_path)
    return CachedIds(ids, meta)


def store(key: str, ids: np.ndarray, meta: Mapping[str, Any], folder: Path | None = None) -> None:
    """Save ``ids`` (1-D) with ``meta`` under ``key``, then prune the folder; a failed write is only a warning,
    because the caller has the ids in hand and a missing cache costs time, not correctness."""
    folder = cache_folder() if folder is None else Path(folder)
    ids = np.ascontiguousarray(ids)
    record = {**meta, "key": key, "dtype": ids.dtype.str, "length": len(ids), "crc32": _crc(ids)}
    try:
        atomic.write_with(folder / f"{key}.npy", lambda fh: np.save(fh, ids, allow_pickle=False))
        atomic.write_text(folder / f"{key}.json", json.dumps(record, ensure_ascii=False))
        lru.prune(folder, _PATTERNS, CACHE_MAX_BYTES)
    except OSError as exc:
        warnings.warn(f"could not write id cache entry in {folder} ({exc})", RuntimeWarning, stacklevel=2)


def load_record(key: str, folder: Path | None = None) -> dict[str, Any] | None:
    """A small JSON record stored by :func:`store_record` (such as a fitted tokenizer), or None (a damaged one
    with a warning)."""
    path = (cache_folder() if folder is None else Path(folder)) / f"{key}.record.json"
    if not path.exists():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(record, dict) or record.get("key") != key:
            raise ValueError("it belongs to another entry")
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        warnings.warn(f"ignoring damaged id cache record {path} ({exc})", RuntimeWarning, stacklevel=2)
        return None
    lru.touch(path)
    return record


def store_record(key: str, record: Mapping[str, Any], folder: Path | None = None) -> None:
    """Save a small JSON record under ``key`` (atomically; a failed write is only a warning, as in :func:`store`)."""
    folder = cache_folder() if folder is None else Path(folder)
    try:
        atomic.write_text(folder / f"{key}.record.json", json.dumps({**record, "key": key}, ensure_ascii=False))
    except OSError as exc:
        warnings.warn(f"could not write id cache record in {folder} ({exc})", RuntimeWarning, stacklevel=2)
