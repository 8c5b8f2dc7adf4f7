"""Reading a corpus file, and knowing a file's checksum without hashing it again.

Reading is streaming and strict: UTF-8 only (a bad byte is a :class:`~hangul_rnn.errors.CorpusError` naming the
file and the line, never a silent replacement character), gzip detected by its magic bytes, TSV columns given by
name or index. Checksums of verified files are remembered by (path, size, mtime) in the user cache.
"""

from __future__ import annotations

import gzip
import json
import zlib
from collections.abc import Iterator
from pathlib import Path

from hangul_rnn import atomic, paths
from hangul_rnn.download import sha256_file
from hangul_rnn.errors import CorpusError, UsageError

_VERIFY_CACHE_NAME = "corpus-checksums.json"


def column_values(path: Path, column: str) -> Iterator[str]:
    """The values of the named column of a TSV file with a header (ids for an exclusion), stripped."""
    index = None
    for _lineno, line in decoded_lines(path):
        row = line.rstrip("\r\n").split("\t")
        if index is None:
            index = column_index(column, [cell.strip() for cell in row], path, default=0)
            continue
        if -len(row) <= index < len(row) and row[index].strip():
            yield row[index].strip()


def unquote(cell: str) -> str:
    """Undo CSV quoting of one cell when it is well formed (``"a ""b"" c"`` -> ``a "b" c``); else keep the cell."""
    if len(cell) >= 2 and cell[0] == '"' and cell[-1] == '"':
        inner = cell[1:-1]
        if '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
    return cell


def column_index(column: str | int | None, header: list[str] | None, path: Path, *, default: int) -> int:
    """A column given by name (needs a header) or index, as an index into the row."""
    if column is None:
        return default
    if isinstance(column, int):
        return column
    if column.lstrip("-").isdigit():
        return int(column)
    if header is None:
        raise UsageError(f"column {column!r} is given by name but {path} has no header; give its index instead")
    try:
        return header.index(column)
    except ValueError:
        raise CorpusError(f"{path} has no column {column!r}; its columns are: {', '.join(header)}") from None


def is_gzip(path: Path) -> bool:
    if path.suffix == ".gz":
        return True
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def decoded_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a UTF-8 (optionally gzipped) file, newline kept, read lazily and strictly.

    Bytes are split on ``\\n`` first and decoded line by line, so an error can name its line; a UTF-8 BOM on the
    first line is dropped. Encoded surrogates are invalid UTF-8 and are reported like any other bad byte.
    """
    if not path.is_file():
        raise CorpusError(not_a_file(path))
    lineno = 0
    try:
        opener = gzip.open if is_gzip(path) else open
        with opener(path, "rb") as f:
            for lineno, raw in enumerate(f, 1):
                try:
                    line = raw.decode("utf-8")
                except UnicodeDecodeError as exc:
                    raise CorpusError(
                        f"{path}: line {lineno} is not valid UTF-8 (bytes {raw[exc.start:exc.end]!r} at byte "
                        f"{exc.start} of the line); convert the file to UTF-8"
                    ) from None
                if lineno == 1 and line.startswith("\ufeff"):
                    line = line[1:]
                yield lineno, line
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise CorpusError(f"{path}: broken gzip data after line {lineno} ({exc})") from exc
    if lineno == 0:
        raise CorpusError(f"corpus file {path} is empty")


def _cache_file() -> Path:
    return paths.cache_dir() / _VERIFY_CACHE_NAME


def _load_cache() -> dict[str, dict]:
    try:
        data = json.loads(_cache_file().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _store_cache(key: str, entry: dict) -> None:
    """Best effort: a cache that cannot be written only costs a re-hash next time."""
    data = _load_cache()
    data[key] = entry
    target = _cache_file()
    try:
        atomic.write_text(target, json.dumps(data, indent=1, sort_keys=True))
    except OSError:
        pass


def cached_sha256(path: Path) -> str:
    """sha256 of a file, remembered by (path, size, mtime) so a 137 MB corpus is hashed once, not on every run."""
    stat = path.stat()
    key = str(path.resolve())
    entry = _load_cache().get(key)
    if entry and entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns:
        return str(entry["sha256"])
    digest = sha256_file(path)
    _store_cache(key, {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest})
    return digest


def record_hash(path: Path, sha256: str) -> None:
    """Remember a just-verified download so the next :meth:`Corpus.path` does not hash it again."""
    stat = path.stat()
    _store_cache(str(path.resolve()), {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256})


def not_a_file(path: Path) -> str:
    """Why ``path`` cannot be read as a corpus file, in words: missing, a folder, a FIFO or another special file."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return f"corpus file {path} does not exist"
    except OSError as exc:
        return f"corpus file {path} cannot be read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return f"corpus file {path} is a folder; give a file in it"
    if stat.S_ISFIFO(mode):
        return f"corpus file {path} is a named pipe (FIFO); give a regular file (a corpus is read more than once)"
    return f"corpus file {path} is not a regular file (a device or socket)"
