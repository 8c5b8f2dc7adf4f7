"""A generator corpus as token ids: read, split off the validation tail, fit the tokenizer, encode; cached on disk.

Why a module of its own: this is the step between a corpus file and the first training batch, and on a whole
corpus it used to be the slow, memory-hungry one (one Python string per jamo). Here the ids are built with the
NumPy path of the jamo and syllable tokenizers (:meth:`~hangul_rnn.tokenizers.Tokenizer.encode_array`), no list of
tokens or of lines the size of the corpus is made, and the result goes to :mod:`hangul_rnn.id_cache`: a second run
with the same corpus files, limit, validation split and tokenizer loads the ids without reading the corpus at all.
The ids are keyed by the *fitted* tokenizer, and a record maps the unfitted tokenizer and fit options to the
vocabulary the fit gave; so a fresh run and a resumed one (which brings its bundle's tokenizer) share one entry.

The ids are exactly those of the list path (``tokenizer.fit(lines)``, then ``tokenizer.encode(train_text)`` and
``tokenizer.encode(val_text)``): the tests compare the two.
"""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hangul_rnn import id_cache
from hangul_rnn.errors import FormatError, UsageError

__all__ = ["GeneratorIds", "corpus_identity", "generator_ids"]

Report = Callable[[str, int, "int | None"], None]

_HASH_BLOCK = 1 << 20


@dataclass(frozen=True)
class GeneratorIds:
    """What training a generator needs from its corpus: the tokenizer (fitted) and the two id streams."""

    tokenizer: Any
    train_ids: np.ndarray
    val_ids: np.ndarray
    #: Characters of the raw validation text (the denominator of bits per raw character).
    val_chars: int
    #: Characters of the cleaned validation text, which the model predicts (the denominator of bits per character).
    val_clean_chars: int = 0
    #: True when the ids came from the disk cache.
    cached: bool = False


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(_HASH_BLOCK):
            h.update(block)
    return h.hexdigest()


def corpus_identity(corpus: Any, split: str = "train") -> dict[str, Any] | None:
    """What a corpus split's text depends on: its manifest (parse rules) and the sha256 of each of its files.

    Hashing the files (tens of MB, well under a second) instead of trusting names or times keeps the key about
    content. None for a corpus that cannot list its files; the caller then keys on the text itself.
    """
    list_paths = getattr(corpus, "paths", None)
    manifest = getattr(corpus, "manifest", None)
    if list_paths is None or manifest is None or not dataclasses.is_dataclass(manifest) or isinstance(manifest, type):
        return None
    files = [Path(p) for p in list_paths(split, download=False)]
    manifest_data = dataclasses.asdict(manifest)
    manifest_data.pop("splits", None)  # which URL or local copy served the bytes does not matter; the bytes do
    identity = {
        "spec": getattr(corpus, "spec", None),
        "manifest": manifest_data,
        "split": split,
        "files": [_file_sha256(p) for p in files],
    }
    excluded = getattr(corpus, "excluded_paths", None)
    if excluded is not None and getattr(manifest, "exclude", None) is not None:
        # the text also depends on the ids left out (nsmc-raw: the NSMC test split), so they are part of the key
        identity["excluded_files"] = [_file_sha256(Path(p)) for p in excluded()]
    return identity


def _text_identity(text: str) -> dict[str, Any]:
    return {"text_sha256": hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()}


def generator_ids(
    cfg: Any,
    corpus: Any,
    tokenizer: Any,
    report: Report,
    make_tokenizer: Callable[[], Any],
    *,
    use_cache: bool = True,
) -> GeneratorIds:
    """Train and validation ids of ``corpus`` under ``cfg`` (limit, validation_fraction, max_vocab, min_count).

    ``tokenizer`` None means fit a new one made by ``make_tokenizer`` on the training lines (or take the vocabulary
    an identical earlier fit recorded); a given tokenizer (resuming) is used as it is. Progress goes to
    ``report(stage, done, total)``: reading, fitting (lines), encoding (characters), or loading cached ids.
    ``use_cache=False`` neither reads nor writes the cache.
    """
    from hangul_rnn.preparation import generator_text
    from hangul_rnn.tokenizers import load_tokenizer

    report("reading the corpus", 0, None)
    fit_options = {"max_size": cfg.max_vocab, "min_count": cfg.min_count}
    tok = make_tokenizer() if tokenizer is None else tokenizer
    text: str | None = None
    fit_key = ids_key = None
    if use_cache:
        identity = corpus_identity(corpus)
        if identity is None:
            text = generator_text(corpus, cfg.limit)
            identity = _text_identity(text)
        base = {"corpus": identity, "limit": cfg.limit, "validation_fraction": cfg.validation_fraction,
                "meta": 2}  # 2: entries record the cleaned validation characters too
        if tokenizer is None:  # the vocabulary a fit gives is recorded, so the ids can be found without fitting
            fit_key = id_cache.make_key({**base, "tokenizer": tok.to_dict(), "fit": fit_options})
            record = id_cache.load_record(fit_key)
            if record is not None:
                try:
                    tok = load_tokenizer(record["tokenizer"])
                except (KeyError, FormatError) as exc:
                    warnings.warn(f"ignoring damaged id cache record {fit_key} ({exc}); fitting again",
                                  RuntimeWarning, stacklevel=2)
        if tok.vocab is not None:
            ids_key = id_cache.make_key({**base, "tokenizer": tok.to_dict()})
            hit = id_cache.load(ids_key)
            if hit is not None:
                n_train = int(hit.meta["train_tokens"])
                report("loading cached ids", len(hit.ids), len(hit.ids))
                return GeneratorIds(tok, hit.ids[:n_train], hit.ids[n_train:], int(hit.meta["val_chars"]),
                                    int(hit.meta["val_clean_chars"]), True)

    if text is None:
        text = generator_text(corpus, cfg.limit)
    if not text.strip():
        raise UsageError(f"corpus {cfg.corpus!r} has no text (empty file or --limit too small)")
    train_ids, val_ids, val_chars, val_clean_chars = _encode_split(tok, text, cfg.validation_fraction, fit_options,
                                                                  report)
    del text
    if not use_cache:
        return GeneratorIds(tok, train_ids, val_ids, val_chars, val_clean_chars)
    n_train = len(train_ids)
    ids = np.concatenate([train_ids, val_ids])
    del train_ids, val_ids
    if ids_key is None:
        ids_key = id_cache.make_key({**base, "tokenizer": tok.to_dict()})
    id_cache.store(ids_key, ids, {"train_tokens": n_train, "val_chars": val_chars,
                                  "val_clean_chars": val_clean_chars})
    if fit_key is not None:
        id_cache.store_record(fit_key, {"tokenizer": tok.to_dict()})
    return GeneratorIds(tok, ids[:n_train], ids[n_train:], val_chars, val_clean_chars)



def _encode_split(tok: Any, text: str, validation_fraction: float, fit_options: dict,
                  report: Report) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Training and validation ids of ``text`` (its tail held out), fitting ``tok`` on the training part first if
    it has no vocabulary, and the validation tail's raw and cleaned character counts (what bits per character are
    divided by)."""
    from hangul_rnn.preparation import split_tail

    train_text, val_text = split_tail(text, validation_fraction)
    train_stage = "encoding the training text (characters)"
    if tok.vocab is None:
        n_lines = train_text.count("\n") + 1
        train_ids = tok.fit_encode_array(
            train_text, **fit_options,
            fit_progress=lambda done: report("fitting the tokenizer", done, n_lines),
            progress=lambda done, total: report(train_stage, done, total),
        )
    else:
        train_ids = _encode(tok, train_text, train_stage, report)
    val_ids = _encode(tok, val_text, "encoding the validation text (characters)", report)
    val_chars, val_clean_chars = len(val_text), len(tok.clean_text(val_text))
    return train_ids, val_ids, val_chars, val_clean_chars

def _encode(tok: Any, text: str, stage: str, report: Report) -> np.ndarray:
    return tok.encode_array(text, progress=lambda done, total: report(stage, done, total))
