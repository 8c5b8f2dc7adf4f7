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

import gzip
import json
import sys
import warnings
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from hangul_rnn import atomic, paths
from hangul_rnn.download import Progress, download, sha256_file
from hangul_rnn.errors import ChecksumError, CorpusError, HangulRNNWarning, UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

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

KINDS = ("labeled", "text")
#: The cleaning rule of corpora that are not built in (``text:``/``tsv:``); rule names live in ``hangul_rnn.text``.
DEFAULT_CLEANING = "plain"
_VERIFY_CACHE_NAME = "corpus-checksums.json"


# --------------------------------------------------------------------------------------------------------- manifests


@dataclass(frozen=True)
class KnownCopy:
    """A local copy that is known not to be the canonical file, and what it is instead (said in the warning)."""

    sha256: str
    note: str


@dataclass(frozen=True)
class Exclusion:
    """Documents a corpus must never yield: those whose id is in a column of another corpus's split.

    Why: nsmc-raw is the pool the NSMC splits were drawn from, so it holds every official test review; pretraining
    on it would leak the test set into a classifier fine-tuned from it. The rule is part of reading the corpus, so no
    caller can forget it, and reading refuses (rather than leaks) when the ids cannot be read.
    """

    corpus: str
    split: str
    id_column: str
    reason: str = ""


@dataclass(frozen=True)
class CorpusFile:
    """One file of a split: where to download it, what it must hash to, and which local names stand for it."""

    filename: str
    url: str | None = None
    size: int | None = None
    sha256: str | None = None
    local_names: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    known_copies: tuple[KnownCopy, ...] = ()
    #: Set for ``text:``/``tsv:`` corpora: the user's own file, used as it is.
    local_path: Path | None = None


@dataclass(frozen=True)
class CorpusManifest:
    """What a manifest says about a corpus: provenance, licence, parse rules and its files per split."""

    name: str
    description: str
    licence: str
    kind: str
    cleaning: str
    splits: dict[str, tuple[CorpusFile, ...]]
    homepage: str | None = None
    sample: str | None = None
    has_header: bool | None = None
    text_column: str | int | None = None
    label_column: str | int | None = None
    label_names: tuple[str, ...] = ()  # names of labels 0, 1, ... (NSMC: negative, positive); empty: the ids
    id_column: str | None = None  # a TSV text corpus: the column of document ids (what an exclusion matches)
    exclude: Exclusion | None = None
    #: For a corpus with no single file to download: what a user does to get the local copy (said in the error).
    how_to_get: str | None = None

    def sample_path(self) -> Path | None:
        """The tiny real excerpt shipped with the package (for tests and examples), or None."""
        if self.sample is None:
            return None
        return Path(str(resources.files("hangul_rnn.manifests").joinpath(self.sample)))


def _parse_manifest(data: dict, source: str) -> CorpusManifest:
    try:
        fmt = data.get("format", {})
        splits = {
            split: tuple(
                CorpusFile(
                    filename=f["filename"],
                    url=f.get("url"),
                    size=f.get("size"),
                    sha256=(f.get("sha256") or None) and f["sha256"].lower(),
                    local_names=tuple(f.get("local_names", ())),
                    aliases=tuple(f.get("aliases", ())),
                    known_copies=tuple(KnownCopy(k["sha256"].lower(), k["note"]) for k in f.get("known_copies", ())),
                )
                for f in files
            )
            for split, files in data["splits"].items()
        }
        manifest = CorpusManifest(
            name=data["name"],
            description=data["description"],
            licence=data["licence"],
            kind=data["kind"],
            cleaning=data["cleaning"],
            splits=splits,
            homepage=data.get("homepage"),
            sample=data.get("sample"),
            has_header=fmt.get("has_header"),
            text_column=fmt.get("text_column"),
            label_column=fmt.get("label_column"),
            label_names=tuple(str(n) for n in fmt.get("label_names", ())),
            id_column=fmt.get("id_column"),
            exclude=Exclusion(**data["exclude"]) if "exclude" in data else None,
            how_to_get=data.get("how_to_get"),
        )
    except (KeyError, TypeError) as exc:  # a broken manifest is a packaging bug, but say which one
        raise CorpusError(f"corpus manifest {source} is malformed: missing or wrong {exc}") from exc
    if manifest.kind not in KINDS:
        raise CorpusError(f"corpus manifest {source}: unknown kind {manifest.kind!r} (known: {', '.join(KINDS)})")
    return manifest


@lru_cache(maxsize=1)
def _manifests() -> dict[str, CorpusManifest]:
    found: dict[str, CorpusManifest] = {}
    for entry in sorted(resources.files("hangul_rnn.manifests").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            manifest = _parse_manifest(tomllib.loads(entry.read_text(encoding="utf-8")), entry.name)
            found[manifest.name] = manifest
    return found


def list_corpora() -> list[CorpusManifest]:
    """The built-in corpora, by name."""
    return list(_manifests().values())


# ------------------------------------------------------------------------------------------------------- get_corpus


def _known_forms() -> str:
    return ", ".join(_manifests()) + ", text:PATH (UTF-8 text, .gz too) or tsv:PATH (text and label columns)"


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
    known = _manifests().get(spec.lower())
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
                raise CorpusError(f"corpus file {file.local_path} does not exist")
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
        return file.sha256 is None or _cached_sha256(path) == file.sha256

    def _check_local_copy(self, file: CorpusFile, path: Path) -> None:
        """Say once if a user-provided copy is not the canonical file; it is used either way."""
        if file.sha256 is None:
            if file.size is None:
                return  # nothing published to compare with
            if path.stat().st_size == file.size:
                return  # right size, no published checksum: the best check there is
        digest = _cached_sha256(path)
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
            for _lineno, line in _decoded_lines(path):
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
                found = set(_column_values(path, rule.id_column))
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
        for lineno, line in _decoded_lines(path):
            row = line.rstrip("\r\n").split("\t")
            if text_idx is None:
                header = [cell.strip() for cell in row]
                text_idx = _column_index(m.text_column, header, path, default=-1)
                id_idx = _column_index(m.id_column, header, path, default=0) if m.id_column is not None else None
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
        for lineno, line in _decoded_lines(path):
            line = line.rstrip("\r\n")
            if not line.strip():
                continue  # blank line
            row = [_unquote(cell) for cell in line.split("\t")]
            if label_idx is None:
                if has_header is None:  # guess: a header's label cell is a name, not a number
                    probe = label_col if isinstance(label_col, int) else -1
                    has_header = not (-len(row) <= probe < len(row) and _is_int(row[probe]))
                header = [cell.strip() for cell in row] if has_header else None
                label_idx = _column_index(label_col, header, path, default=-1)
                text_idx = _column_index(text_col, header, path, default=label_idx - 1 if label_idx != 0 else 1)
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
                for _n, line in _decoded_lines(path):
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
                    for _n, line in _decoded_lines(path):
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


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True


def _column_values(path: Path, column: str) -> Iterator[str]:
    """The values of the named column of a TSV file with a header (ids for an exclusion), stripped."""
    index = None
    for _lineno, line in _decoded_lines(path):
        row = line.rstrip("\r\n").split("\t")
        if index is None:
            index = _column_index(column, [cell.strip() for cell in row], path, default=0)
            continue
        if -len(row) <= index < len(row) and row[index].strip():
            yield row[index].strip()


def _unquote(cell: str) -> str:
    """Undo CSV quoting of one cell when it is well formed (``"a ""b"" c"`` -> ``a "b" c``); else keep the cell."""
    if len(cell) >= 2 and cell[0] == '"' and cell[-1] == '"':
        inner = cell[1:-1]
        if '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
    return cell


def _column_index(column: str | int | None, header: list[str] | None, path: Path, *, default: int) -> int:
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


def _is_gzip(path: Path) -> bool:
    if path.suffix == ".gz":
        return True
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _decoded_lines(path: Path) -> Iterator[tuple[int, str]]:
    """``(line number, line)`` of a UTF-8 (optionally gzipped) file, newline kept, read lazily and strictly.

    Bytes are split on ``\\n`` first and decoded line by line, so an error can name its line; a UTF-8 BOM on the
    first line is dropped. Encoded surrogates are invalid UTF-8 and are reported like any other bad byte.
    """
    if not path.is_file():
        raise CorpusError(f"corpus file {path} does not exist")
    lineno = 0
    try:
        opener = gzip.open if _is_gzip(path) else open
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


def _download_file(file: CorpusFile, dest: Path, *, progress: Progress | None) -> Path:
    assert file.url is not None
    try:
        result = download(file.url, dest, sha256=file.sha256, size=file.size, progress=progress)
    except ChecksumError:
        raise
    except CorpusError as exc:
        raise CorpusError(f"{exc}. {_offline_hint(file)}") from exc
    if file.sha256 is not None:
        _record_hash(result, file.sha256)
    else:
        _warn_once(
            f"unknown-sha:{file.url}",
            f"{file.filename}: no sha256 is published for this file, so only its size was checked "
            f"(this copy's sha256 is {_cached_sha256(result)})",
        )
    return result


def _offline_hint(file: CorpusFile) -> str:
    """How to use a copy the user already has when the download fails (offline, firewalled, URL gone)."""
    if not file.local_names:
        return f"Without network, copy {file.filename} into {paths.data_dir()} yourself"
    layout = " or ".join(file.local_names)
    return (f"Without network: put a copy at DIR/{layout} and set HANGUL_RNN_CORPORA=DIR "
            "(every built-in corpus is looked for there first)")


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


def _cached_sha256(path: Path) -> str:
    """sha256 of a file, remembered by (path, size, mtime) so a 137 MB corpus is hashed once, not on every run."""
    stat = path.stat()
    key = str(path.resolve())
    entry = _load_cache().get(key)
    if entry and entry.get("size") == stat.st_size and entry.get("mtime_ns") == stat.st_mtime_ns:
        return str(entry["sha256"])
    digest = sha256_file(path)
    _store_cache(key, {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest})
    return digest


def _record_hash(path: Path, sha256: str) -> None:
    """Remember a just-verified download so the next :meth:`Corpus.path` does not hash it again."""
    stat = path.stat()
    _store_cache(str(path.resolve()), {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256})
