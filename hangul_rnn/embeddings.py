"""Pretrained word vectors in and out of a model's embedding layer, in the text format word2vec, fastText (``.vec``)
and GloVe share: one word a line, then its numbers, separated by spaces; word2vec and fastText put a header line
``COUNT DIM`` first, GloVe does not (both are read); ``.gz`` files are read and written compressed. No TensorFlow.

Why: the textbooks suggest pretrained vectors where a small labelled set over-fits (NSMC in the TensorFlow book,
Chollet's GloVe section): ``train --embeddings FILE`` starts the embedding rows of the tokens the file has from its
vectors and the rest from the usual random start, and ``--freeze-embeddings`` keeps the rows fixed. Tokens are
matched exactly as the tokenizer writes them (a morpheme model's tokens are Kiwi's morphemes: ``영화``, ``보다``,
``네요``; a word model's are words cut by ``--stem``), so vectors should be trained on text tokenized the same way —
``hangul-rnn export-embeddings`` writes a trained model's rows in this format, for another model to start from.

A file's dimension decides ``embedding_dim`` (an ``--embedding-dim`` given beside it is replaced, and the run
reports it): a mismatch could not be meant, and refusing would make every user type the number twice.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import numpy as np

from hangul_rnn.errors import FormatError, HangulRNNError, UsageError

#: ``progress(bytes_read, total_bytes)`` while a vector file is read (a fastText file is gigabytes).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WordVectors:
    """The vectors of the wanted words found in a file, and what the file holds."""

    path: Path
    dim: int
    vectors: dict[str, np.ndarray]
    words_in_file: int


@dataclass(frozen=True)
class PretrainedRows:
    """Which embedding rows start from a file (``ids``, their ``vectors``) and the tokens it lacks (``missing``,
    most frequent first), for a vocabulary."""

    path: Path
    dim: int
    ids: np.ndarray
    vectors: np.ndarray
    missing: list[str]

    @property
    def found(self) -> int:
        return int(self.ids.size)

    def record(self) -> dict[str, Any]:
        """What the bundle's config keeps of the start: the file, its dimension and the counts."""
        return {"file": str(self.path), "dim": self.dim, "found": self.found, "missing": len(self.missing)}


@contextmanager
def _open_text(path: Path) -> Iterator[tuple[IO[str], Callable[[], int]]]:
    """The file as text lines (decompressed for ``.gz``) and a function giving the compressed bytes read so far."""
    try:
        raw = open(path, "rb")
    except FileNotFoundError:
        raise UsageError(f"--embeddings {path}: no such file") from None
    except OSError as exc:
        raise HangulRNNError(f"--embeddings {path}: cannot read it ({exc.strerror or exc})") from None
    with raw:
        binary: Any = gzip.GzipFile(fileobj=raw) if path.name.endswith(".gz") else raw
        yield io.TextIOWrapper(binary, encoding="utf-8", newline=None), raw.tell


def _header(first: str) -> int | None:
    """The dimension a word2vec/fastText header ``COUNT DIM`` gives, or None when the line is a vector."""
    parts = first.split()
    if len(parts) == 2 and all(p.isdigit() for p in parts):
        return int(parts[1])
    return None


def _numbers(path: Path, number: int, word: str, rest: str, dim: int) -> np.ndarray:
    values = rest.split()
    if len(values) != dim:
        raise FormatError(f"{path} line {number}: {word!r} has {len(values)} numbers, not {dim} as the file's "
                          "first vector (or header) says")
    try:
        return np.array(values, dtype=np.float32)
    except ValueError:
        bad = next(v for v in values if not _is_number(v))
        raise FormatError(f"{path} line {number}: {word!r} has {bad[:20]!r}, which is not a number") from None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def vector_dimension(path: str | Path) -> int:
    """The dimension of a vector file, from its header or first vector: read before any data is prepared, so a
    missing, binary or malformed file stops the run at once."""
    path = Path(path).expanduser()
    try:
        with _open_text(path) as (lines, _):
            first = lines.readline()
            if _header(first) is not None:
                first_vector = lines.readline()
                dim = _header(first) or 0
                if first_vector.strip():
                    word, _, rest = first_vector.strip().partition(" ")
                    _numbers(path, 2, word, rest, dim)
                return dim
    except (UnicodeDecodeError, OSError, EOFError) as exc:
        raise FormatError(f"{path}: not a word-vector text file (UTF-8, one word and its numbers a line; binary "
                          f"word2vec files are not read): {exc.__class__.__name__}") from None
    word, _, rest = first.strip().partition(" ")
    if not rest:
        raise FormatError(f"{path}: empty, or its first line has no numbers; expected 'WORD 0.1 0.2 …'")
    return _numbers(path, 1, word, rest, len(rest.split())).size


def read_vectors(path: str | Path, wanted: Collection[str] | None = None, *,
                 progress: Progress | None = None) -> WordVectors:
    """The vectors of the ``wanted`` words (every word when None) in a word-vector text file.

    Every line's length is checked; the numbers are parsed only for wanted words, so a 2-million-word fastText
    file costs a pass over its lines, not 600 million float conversions. A word that appears twice keeps its
    first vector (some word2vec files repeat a few). FormatError (one line: file, line number, word) for a row of
    the wrong length or with a value that is not a number.
    """
    path = Path(path).expanduser()
    dim = vector_dimension(path)
    total = max(1, path.stat().st_size)
    found: dict[str, np.ndarray] = {}
    words = 0
    with _open_text(path) as (lines, tell):
        try:
            for number, line in enumerate(lines, 1):
                if number == 1 and _header(line) is not None:
                    continue
                word, _, rest = line.rstrip("\r\n").rstrip().partition(" ")
                if not word:
                    continue
                words += 1
                if word not in found and (wanted is None or word in wanted):
                    found[word] = _numbers(path, number, word, rest, dim)
                elif rest.count(" ") + 1 != dim and len(rest.split()) != dim:
                    _numbers(path, number, word, rest, dim)  # raises: the row has the wrong length
                if progress is not None and number % 20000 == 0:
                    progress(tell(), total)
        except (UnicodeDecodeError, EOFError, OSError) as exc:
            raise FormatError(f"{path}: unreadable after {words:,} words ({exc.__class__.__name__}); the file is "
                              "truncated or not UTF-8 text") from None
    if progress is not None:
        progress(total, total)
    if not words:
        raise FormatError(f"{path}: no word vectors in it")
    return WordVectors(path=path, dim=dim, vectors=found, words_in_file=words)


def _storable(token: str) -> bool:
    """Whether the text format can hold ``token``: a word ends at the first space, so one with whitespace (a
    syllable model's space and newline) can be neither read nor written."""
    return bool(token) and not any(c.isspace() for c in token)


def pretrained_rows(tokens: list[str], vectors: WordVectors, skip: Collection[str] = ()) -> PretrainedRows:
    """The embedding rows of a vocabulary (``tokens`` in id order) the file has vectors for; ``skip`` (padding,
    unknown, sequence markers) and tokens with whitespace are neither looked up nor counted missing. A file that
    has none of the tokens is a UsageError: it was tokenized otherwise (another language, level or stems)."""
    ids, rows, missing = [], [], []
    for i, token in enumerate(tokens):
        if token in skip or not _storable(token):
            continue
        vector = vectors.vectors.get(token)
        if vector is None:
            missing.append(token)
        else:
            ids.append(i)
            rows.append(vector)
    if not rows:
        raise UsageError(f"--embeddings {vectors.path}: none of the model's {len(missing):,} tokens is among its "
                         f"{vectors.words_in_file:,} words; the vectors were made for other tokens (this model's "
                         f"look like: {', '.join(missing[:6])})")
    matrix = np.stack(rows)
    return PretrainedRows(vectors.path, vectors.dim, np.asarray(ids, dtype=np.int64), matrix, missing)


def set_rows(model: Any, rows: PretrainedRows, *, layer: str = "embedding") -> None:
    """Write ``rows`` into the embedding layer of a Keras ``model``; the other rows keep their random start."""
    embedding = model.get_layer(layer)
    table, *rest = (np.array(w) for w in embedding.get_weights())  # rest: a tied embedding's output bias
    if table.shape[1] != rows.dim:
        raise UsageError(f"the embedding layer has {table.shape[1]} dimensions, the vectors of {rows.path} "
                         f"{rows.dim}")
    table[rows.ids] = rows.vectors
    embedding.set_weights([table, *rest])


def with_file_dimension(config: Any) -> Any:
    """``config`` (a TrainConfig with ``embeddings`` set) with the file's absolute path and its dimension as
    ``embedding_dim``, the file checked; a config without a file is returned as it is."""
    if not getattr(config, "embeddings", None):
        return config
    path = Path(config.embeddings).expanduser().resolve()
    return replace(config, embeddings=str(path), embedding_dim=vector_dimension(path))


def write_vectors(path: str | Path, tokens: list[str], table: np.ndarray, skip: Collection[str] = ()) -> int:
    """Write ``table``'s rows as ``token v1 … vD`` lines under a ``COUNT DIM`` header (word2vec/fastText text;
    ``.gz`` compressed), replacing ``path`` atomically. Tokens in ``skip`` and tokens with whitespace (a
    syllable model's space and newline, which the format cannot hold) are left out. Returns the rows written."""
    from hangul_rnn.atomic import write_with

    path = Path(path).expanduser()
    kept = [i for i, t in enumerate(tokens) if t not in skip and _storable(t)]
    dim = int(table.shape[1])

    def write(fh: IO[bytes]) -> None:
        out: Any = gzip.GzipFile(fileobj=fh, mode="wb", mtime=0) if path.name.endswith(".gz") else fh
        out.write(f"{len(kept)} {dim}\n".encode())
        for i in kept:
            numbers = " ".join(f"{x:.6g}" for x in table[i])
            out.write(f"{tokens[i]} {numbers}\n".encode())
        if out is not fh:
            out.close()

    try:
        write_with(path, write)
    except OSError as exc:
        raise HangulRNNError(f"cannot write {path}: {exc.strerror or exc}") from None
    return len(kept)


def export_embeddings(bundle: Any, path: str | Path) -> tuple[int, int, int]:
    """Write a trained model's embedding rows (read by the NumPy runtime: no TensorFlow) as a vector file;
    returns (rows written, dimension, vocabulary size). Padding, unknown and the sequence markers are left out."""
    from hangul_rnn.np_layers import Embedding
    from hangul_rnn.tokenizers import PAD, UNK

    if getattr(bundle, "members", None) is not None:
        raise UsageError(f"{bundle.name!r} is an ensemble; its members each have their own embedding")
    first = bundle.runtime.layers[0]
    if not isinstance(first, Embedding):
        raise UsageError(f"model {bundle.name!r} does not start with an embedding layer")
    vocab = bundle.tokenizer.vocab
    table = np.asarray(first.table)
    if table.shape[0] != len(vocab):
        raise FormatError(f"model {bundle.name!r}: its embedding has {table.shape[0]} rows but its tokenizer "
                          f"{len(vocab)} tokens; the bundle is corrupt")
    written = write_vectors(path, vocab.tokens, table, skip={PAD, UNK, *vocab.specials})
    return written, int(table.shape[1]), len(vocab)


__all__ = ["PretrainedRows", "WordVectors", "export_embeddings", "pretrained_rows", "read_vectors", "set_rows",
           "vector_dimension", "with_file_dimension", "write_vectors"]
