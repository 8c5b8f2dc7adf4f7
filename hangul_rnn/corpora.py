"""The corpus registry: built-in corpora (NSMC, the Annals) and the user's own files, read the same way.

A corpus is named by a *spec*: ``nsmc``, ``annals``, ``text:PATH`` (any UTF-8 text file, one document a line, ``.gz``
accepted) or ``tsv:PATH`` (a tab-separated file with a text and an integer label column). Built-in corpora are
described by TOML manifests shipped in ``hangul_rnn.manifests`` (the ``corpora/`` folder of the source tree): URL,
size, sha256, licence, parse rules and the cleaning rule the corpus's text needs.

Where a file comes from, in order:

1. ``$HANGUL_RNN_CORPORA/<local name>``: a folder of copies the user already has (tests and benchmarks point it at
   ``../shared/corpora``). A copy that differs from the manifest's checksum is *used*, with one warning per file and
   process: the user put it there on purpose (the shared NSMC train split is a rebuild, the Annals file a subset).
2. ``paths.data_dir()/<name>/<filename>``: an earlier download.
3. A download into that folder, when allowed. A downloaded file that does not match its size/sha256 is deleted and
   never used (:class:`~hangul_rnn.errors.ChecksumError`).

Reading is streaming and strict: UTF-8 only, and a byte that is not UTF-8 is a :class:`CorpusError` naming the file
and the line, never a silent replacement character in the training data. This module does not import TensorFlow.
"""

from __future__ import annotations

import re
import sys
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from hangul_rnn import paths
from hangul_rnn.corpus_files import (
    cached_sha256,
    column_index,
    column_values,
    decoded_lines,
    not_a_file,
    record_hash,
    unquote,
)
from hangul_rnn.corpus_manifests import CorpusFile, CorpusManifest, Exclusion, KnownCopy, list_corpora, manifests
from hangul_rnn.download import Progress, download
from hangul_rnn.errors import ChecksumError, CorpusError, CorpusPathError, HangulRNNWarning, UsageError

if sys.version_info >= (3, 11):
    pass
else:  # pragma: no cover - Python 3.10
    pass

__all__ = [
    "Corpus",
    "CorpusFile",
    "CorpusInfo",
    "CorpusManifest",
    "Exclusion",
    "KnownCopy",
    "get_corpus",
    "list_corpora",
]

#: The cleaning rule of corpora that are not built in (``text:``/``tsv:``); rule names live in ``hangul_rnn.text``.
DEFAULT_CLEANING = "plain"


# ------------------------------------------------------------------------------------------------------- get_corpus


def _known_forms() -> str:
    return ", ".join(manifests()) + ", text:PATH (UTF-8 text, .gz too) or tsv:PATH (text and label columns)"


def get_corpus(
    spec: str,
    *,
    text_column: str | int | None = None,
    label_column: str | int | None = None,
    has_header: bool | None = None,
) -> Corpus:
    """The corpus a spec names: ``nsmc``, ``annals``, ``text:PATH`` or ``tsv:PATH``.

    For ``tsv:PATH``, columns are header names or 0-based indices (negative counts from the end). By default the label
    is the last column and the text the one before it, which fits both ``text<TAB>label`` and NSMC's
    ``id<TAB>document<TAB>label``. ``has_header=None`` guesses: a header is assumed when columns are given by name or
    when the first row's label is not an integer. The column options only apply to ``tsv:`` specs.
    """
    if not isinstance(spec, str):
        raise TypeError(f"a corpus spec is a str such as 'nsmc' or 'tsv:PATH', not {type(spec).__name__}")
    if has_header is not None and not isinstance(has_header, bool):
        raise TypeError(f"has_header must be True, False or None, not {type(has_header).__name__}")
    text_column, label_column = _column(text_column, "text_column"), _column(label_column, "label_column")
    spec = spec.strip()
    kind, sep, rest = spec.partition(":")
    column_options = text_column is not None or label_column is not None or has_header is not None
    if sep and kind.lower() in ("text", "tsv") and rest:
        path = Path(rest).expanduser()
        stem = path.name[:-3] if path.name.endswith(".gz") else path.name
        name = Path(stem).stem or stem
        file = CorpusFile(filename=path.name, local_path=path)
        if kind.lower() == "text":
            if column_options:
                raise UsageError("column options (text/label column, header) apply to tsv:PATH corpora only")
            manifest = CorpusManifest(
                name=name, description=f"text file {path}", licence="the user's own", kind="text",
                cleaning=DEFAULT_CLEANING, splits={"train": (file,)},
            )
        else:
            manifest = CorpusManifest(
                name=name, description=f"TSV file {path}", licence="the user's own", kind="labeled",
                cleaning=DEFAULT_CLEANING, splits={"train": (file,)}, has_header=has_header,
                text_column=text_column, label_column=label_column,
            )
        return Corpus(manifest, spec=f"{kind.lower()}:{path}")
    known = manifests().get(spec.lower())
    if known is None:
        raise UsageError(f"unknown corpus {spec!r}; use one of: {_known_forms()}")
    manifest = known
    if column_options:
        raise UsageError(f"corpus {manifest.name!r} has fixed columns; column options apply to tsv:PATH only")
    return Corpus(manifest)


# ------------------------------------------------------------------------------------------------------------ Corpus


@dataclass(frozen=True)
class CorpusInfo:
    """Size and make-up of one split (or of all splits together, ``split="all"``), for ``hangul-rnn corpus info``.

    ``documents`` counts rows (labeled) or non-empty lines (text) *including* empty NSMC documents, so the figures
    match the published ones; ``empty_documents`` says how many of them :meth:`Corpus.texts` skips. ``characters`` is
    every decoded character of the file(s) (header and newlines included, as ``wc -m`` counts),
    ``text_characters`` only those of the documents.
    """

    name: str
    split: str
    path: Path | None
    bytes: int
    data_bytes: int
    lines: int
    documents: int
    empty_documents: int
    characters: int
    text_characters: int
    label_counts: dict[int, int] = field(default_factory=dict)
    #: Documents left out by the corpus's exclusion rule (nsmc-raw: the official NSMC test reviews).
    excluded_documents: int = 0


_warned: set[str] = set()


def _warn_once(key: str, message: str) -> None:
    """Warn about ``key`` once per process: a note repeated on every epoch would bury real warnings."""
    if key in _warned:
        return
    _warned.add(key)
    warnings.warn(message, HangulRNNWarning, stacklevel=4)


class Corpus:
    """A corpus ready to be read: name, kind (``labeled``/``text``), cleaning rule and splits.

    Iteration is lazy and re-reads the file each time, so a 137 MB corpus is never held in memory by this class.
    """

    def __init__(self, manifest: CorpusManifest, *, spec: str | None = None) -> None:
        self.manifest = manifest
        self.spec = spec or manifest.name
        self._excluded: frozenset[str] | None = None

    def __repr__(self) -> str:
        return f"Corpus({self.spec!r}, kind={self.kind!r}, splits={self.splits!r})"

    @property
    def name(self) -> str:
        return self.manifest.name

    @property
    def label_names(self) -> tuple[str, ...]:
        """Names of the integer labels in order (shown by ``score``); empty when the labels have no names."""
        return self.manifest.label_names

    @property
    def kind(self) -> str:
        """``labeled`` (documents with integer labels: classification) or ``text`` (lines: generation)."""
        return self.manifest.kind

    @property
    def cleaning(self) -> str:
        """The name of the cleaning rule (``hangul_rnn.text``) this corpus's text needs."""
        return self.manifest.cleaning

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(self.manifest.splits)

    def _files(self, split: str) -> tuple[CorpusFile, ...]:
        try:
            return self.manifest.splits[split]
        except KeyError:
            raise UsageError(
                f"corpus {self.name!r} has no split {split!r}; it has: {', '.join(self.splits)}"
            ) from None

    # ----------------------------------------------------------------------------------------------- resolution

    def paths(self, split: str = "train", *, download: bool = True, progress: Progress | None = None) -> list[Path]:
        """Every file of a split, resolved (see :meth:`path`)."""
        return [self._resolve(f, download=download, progress=progress) for f in self._files(split)]

    def path(self, split: str = "train", *, download: bool = True, progress: Progress | None = None) -> Path:
        """The file of a split: a local copy in ``$HANGUL_RNN_CORPORA``, an earlier download, or a new download.

        ``download=False`` only looks (``corpus list`` uses it) and raises :class:`CorpusError` when nothing is there.
        ``progress(done_bytes, total_bytes)`` is passed on to the download.
        """
        files = self.paths(split, download=download, progress=progress)
        if len(files) != 1:
            raise UsageError(f"split {split!r} of {self.name!r} has {len(files)} files; use paths()")
        return files[0]

    def _resolve(self, file: CorpusFile, *, download: bool, progress: Progress | None) -> Path:
        if file.local_path is not None:
            if not file.local_path.is_file():
                raise CorpusPathError(not_a_file(file.local_path))
            return file.local_path

        local_dir = paths.local_corpora_dir()
        if local_dir is not None:
            for local_name in file.local_names:
                candidate = local_dir / local_name
                if candidate.is_file():
                    self._check_local_copy(file, candidate)
                    return candidate

        cached = paths.data_dir() / self.name / file.filename
        if cached.is_file():
            if self._matches(file, cached):
                return cached
            cached.unlink()
            _warn_once(
                f"redownload:{cached}",
                f"corpus file {cached} did not match its manifest (size/sha256) and was deleted; downloading again",
            )

        if file.url is None and self.manifest.how_to_get:
            raise CorpusError(
                f"corpus file {file.filename} of {self.name!r} was not found (looked in {cached.parent}"
                + (f" and {local_dir}/{{{', '.join(file.local_names)}}}" if local_dir and file.local_names else "")
                + f"); it cannot be downloaded as one file: {self.manifest.how_to_get}"
            )
        if not download or file.url is None:
            where = f" or in {local_dir}/{{{', '.join(file.local_names)}}}" if local_dir and file.local_names else ""
            raise CorpusError(
                f"corpus file {file.filename} of {self.name!r} is not downloaded (looked in {cached.parent}{where}); "
                f"run `hangul-rnn corpus download {self.name}` or set HANGUL_RNN_CORPORA"
            )
        return _download_file(file, cached, progress=progress)

    def _matches(self, file: CorpusFile, path: Path) -> bool:
        """Whether a file in the download folder is the manifest's file (size always, sha256 where known)."""
        if file.size is not None and path.stat().st_size != file.size:
            return False
        return file.sha256 is None or cached_sha256(path) == file.sha256

    def _check_local_copy(self, file: CorpusFile, path: Path) -> None:
        """Say once if a user-provided copy is not the canonical file; it is used either way."""
        if file.sha256 is None:
            if file.size is None:
                return  # nothing published to compare with
            if path.stat().st_size == file.size:
                return  # right size, no published checksum: the best check there is
        digest = cached_sha256(path)
        if digest == file.sha256:
            return
        known = next((k for k in file.known_copies if k.sha256 == digest), None)
        expected = f"sha256 {file.sha256}" if file.sha256 else f"{file.size:,} bytes, sha256 unknown"
        what = f"it is {known.note}" if known else f"its sha256 is {digest}"
        _warn_once(
            f"local:{path}",
            f"{self.name}: local copy {path} is not the canonical {file.filename} ({expected}); {what}. Using it "
            "as provided; results will not be byte-comparable with the official file.",
        )

    # ------------------------------------------------------------------------------------------------- reading

    def texts(self, split: str = "train") -> Iterator[str]:
        """Raw (uncleaned) documents: each non-blank line of a text corpus, or the text column of a labeled one.

        Empty documents (NSMC has a few: 3 in the official test split) are skipped: a model gains nothing from them
        and most NSMC recipes drop them (``dropna``). :meth:`info` still counts them.
        """
        if self.kind == "labeled":
            for text, _label in self.examples(split):
                yield text
            return
        if self.manifest.text_column is not None:
            excluded = self.excluded_ids()
            for path in self.paths(split):
                for _lineno, doc_id, text in self._text_rows(path):
                    if text.strip() and doc_id not in excluded:
                        yield text
            return
        for path in self.paths(split):
            found = False
            for _lineno, line in decoded_lines(path):
                text = line.rstrip("\r\n")
                if text.strip():
                    found = True
                    yield text
            if not found:
                raise CorpusError(f"corpus file {path} has only blank lines")

    def excluded_ids(self) -> frozenset[str]:
        """Ids this corpus never yields (see :class:`Exclusion`); read once per Corpus, from local files only.

        A missing id file is a one-line :class:`CorpusError`: reading without it could leak the very documents the
        rule exists to keep out. It is never downloaded here, so reading a corpus never touches the network behind
        the user's back.
        """
        rule = self.manifest.exclude
        if rule is None:
            return frozenset()
        if self._excluded is None:
            ids: set[str] = set()
            for path in self.excluded_paths():
                found = set(column_values(path, rule.id_column))
                if not found:
                    raise CorpusError(f"refusing to read {self.name!r}: {path} holds no {rule.id_column!r} ids to "
                                      f"exclude ({rule.reason or 'no reason given'})")
                ids.update(found)
            self._excluded = frozenset(ids)
        return self._excluded

    def excluded_paths(self) -> list[Path]:
        """The files whose ids are excluded (for cache keys: the ids read depend on them too)."""
        rule = self.manifest.exclude
        if rule is None:
            return []
        try:
            return get_corpus(rule.corpus).paths(rule.split, download=False)
        except CorpusError as exc:
            raise CorpusError(
                f"refusing to read {self.name!r} without the ids to exclude ({rule.reason or 'no reason given'}): "
                f"{rule.corpus}/{rule.split} is not available ({exc})"
            ) from None

    def _text_rows(self, path: Path) -> Iterator[tuple[int, str, str]]:
        """``(line number, id, text)`` of each data row of a TSV text corpus (header first; cells not unquoted:
        these files are plain tab-separated text, and a review may itself start and end with a quote)."""
        m = self.manifest
        text_idx = id_idx = None
        for lineno, line in decoded_lines(path):
            row = line.rstrip("\r\n").split("\t")
            if text_idx is None:
                header = [cell.strip() for cell in row]
                text_idx = column_index(m.text_column, header, path, default=-1)
                id_idx = column_index(m.id_column, header, path, default=0) if m.id_column is not None else None
                continue
            if len(row) == 1 and not row[0].strip():
                continue
            if not -len(row) <= text_idx < len(row) or (id_idx is not None and not -len(row) <= id_idx < len(row)):
                raise CorpusError(f"{path}: line {lineno}: missing column (found {len(row)} tab-separated columns)")
            yield lineno, row[id_idx].strip() if id_idx is not None else "", row[text_idx]

    def examples(self, split: str = "train") -> Iterator[tuple[str, int]]:
        """``(document, label)`` pairs of a labeled corpus, empty documents skipped (see :meth:`texts`)."""
        if self.kind != "labeled":
            raise UsageError(
                f"corpus {self.name!r} is a text corpus without labels; a classifier needs a labeled one "
                "(nsmc or tsv:PATH)"
            )
        for path in self.paths(split):
            for _lineno, text, label in self._rows(path):
                if text.strip():
                    yield text, label

    def _rows(self, path: Path) -> Iterator[tuple[int, str, int]]:
        """``(line number, text, label)`` of every data row of a TSV file: one row per line, tab-separated.

        A cell written with CSV quoting (``"..."`` with inner quotes doubled, as pandas writes NSMC's documents that
        hold a quote) is unquoted once, so the strings are those ``pandas.read_table`` gives on the official files.
        Rows never span lines: a stray opening quote (the rebuilt NSMC train split has some) stays as it is instead
        of swallowing the next rows, and every error can name its line.
        """
        m = self.manifest
        text_col, label_col, has_header = m.text_column, m.label_column, m.has_header
        if has_header is None and (isinstance(text_col, str) or isinstance(label_col, str)):
            has_header = True
        text_idx = label_idx = None
        header: list[str] | None = None
        rows = 0
        for lineno, line in decoded_lines(path):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue  # blank line
            row = [unquote(cell) for cell in line.split("\t")]
            if label_idx is None:
                if has_header is None:  # guess: a header's label cell is a name, not a number
                    probe = label_col if isinstance(label_col, int) else -1
                    has_header = not (-len(row) <= probe < len(row) and _is_int(row[probe]))
                header = [cell.strip() for cell in row] if has_header else None
                label_idx = column_index(label_col, header, path, default=-1)
                text_idx = column_index(text_col, header, path, default=label_idx - 1 if label_idx != 0 else 1)
                if has_header:
                    continue
            assert text_idx is not None
            if not (-len(row) <= text_idx < len(row) and -len(row) <= label_idx < len(row)) or len(row) < 2:
                raise CorpusError(
                    f"{path}: line {lineno}: missing column (found {len(row)} tab-separated "
                    f"column{'s' if len(row) != 1 else ''}, need text column {text_idx} and label column {label_idx})"
                )
            raw_label = row[label_idx].strip()
            if not _is_int(raw_label):
                raise CorpusError(f"{path}: line {lineno}: label {raw_label!r} is not an integer")
            rows += 1
            if not 0 <= int(raw_label) <= MAX_LABEL:
                raise CorpusError(f"{path}: line {lineno}: label {raw_label} is out of range (class indices are "
                                  f"0 to {MAX_LABEL}); is the label column right?")
            yield lineno, row[text_idx], int(raw_label)
        if rows == 0:
            raise CorpusError(f"{path} has no data rows" + (" (only a header)" if header is not None else ""))

    def info(self, split: str | None = None) -> CorpusInfo:
        """Bytes, lines, documents, characters and label counts of one split, or of all splits for ``None``.

        Reads the whole split once (a few seconds for the Annals); nothing is kept in memory but the counts.
        """
        splits = [split] if split is not None else list(self.splits)
        total_bytes = data_bytes = lines = documents = empty = characters = text_characters = excluded = 0
        labels: Counter[int] = Counter()
        resolved: list[Path] = []
        for s in splits:
            for path in self.paths(s):
                resolved.append(path)
                total_bytes += path.stat().st_size
                for _n, line in decoded_lines(path):
                    lines += 1
                    characters += len(line)
                    data_bytes += len(line.encode("utf-8"))
                if self.kind == "labeled":
                    for _n, text, label in self._rows(path):
                        documents += 1
                        labels[label] += 1
                        text_characters += len(text)
                        if not text.strip():
                            empty += 1
                elif self.manifest.text_column is not None:
                    ids = self.excluded_ids()
                    for _n, doc_id, text in self._text_rows(path):
                        if doc_id in ids:
                            excluded += 1
                        elif text.strip():
                            documents += 1
                            text_characters += len(text)
                        else:
                            empty += 1
                else:
                    for _n, line in decoded_lines(path):
                        text = line.rstrip("\r\n")
                        if text.strip():
                            documents += 1
                            text_characters += len(text)
        return CorpusInfo(
            name=self.name,
            split=split if split is not None else "all",
            path=resolved[0] if len(resolved) == 1 else None,
            bytes=total_bytes,
            data_bytes=data_bytes,
            lines=lines,
            documents=documents,
            empty_documents=empty,
            characters=characters,
            text_characters=text_characters,
            label_counts=dict(sorted(labels.items())),
            excluded_documents=excluded,
        )


# ----------------------------------------------------------------------------------------------------------- helpers


#: Labels are class indices: 0 … MAX_LABEL. A larger one (a text column read as labels, a typo) would size the
#: classifier's output layer by it.
MAX_LABEL = 9_999

_INT_RE = re.compile(r"[+-]?[0-9]+")


def _is_int(value: str) -> bool:
    """A label as written in a file: ASCII digits with an optional sign (``int()`` also takes ``1_0`` as 10)."""
    return _INT_RE.fullmatch(value) is not None


def _column(value: object, option: str) -> str | int | None:
    """A column option as an index when it is one written as text (``"1"``), so it is not taken for a header name."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{option} must be a column name (str) or index (int), not {type(value).__name__}")
    return int(value.strip()) if _INT_RE.fullmatch(value.strip()) else value


def _download_file(file: CorpusFile, dest: Path, *, progress: Progress | None) -> Path:
    assert file.url is not None
    try:
        result = download(file.url, dest, sha256=file.sha256, size=file.size, progress=progress)
    except ChecksumError:
        raise
    except CorpusError as exc:
        raise CorpusError(f"{exc}. {_offline_hint(file)}") from exc
    if file.sha256 is not None:
        record_hash(result, file.sha256)
    else:
        _warn_once(
            f"unknown-sha:{file.url}",
            f"{file.filename}: no sha256 is published for this file, so only its size was checked "
            f"(this copy's sha256 is {cached_sha256(result)})",
        )
    return result


def _offline_hint(file: CorpusFile) -> str:
    """How to use a copy the user already has when the download fails (offline, firewalled, URL gone)."""
    if not file.local_names:
        return f"Without network, copy {file.filename} into {paths.data_dir()} yourself"
    layout = " or ".join(file.local_names)
    return (f"Without network: put a copy at DIR/{layout} and set HANGUL_RNN_CORPORA=DIR "
            "(every built-in corpus is looked for there first)")
