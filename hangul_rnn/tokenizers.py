"""Text to token ids and back: jamo, syllable and word tokenizers over one frequency-sorted :class:`Vocabulary`.

Every tokenizer follows the same path — ``clean`` (a named :func:`hangul_rnn.text.clean` rule set, stored with the
tokenizer so inference cleans exactly like training) → split into tokens → look the tokens up in the vocabulary.
Tokenizers are saved as JSON (``"format_version": 1``), never pickled, so a bundle can be read by a newer release,
inspected by a person, and loaded without executing anything.

This module must stay cheap to import: no TensorFlow, and kiwipiepy (through :mod:`hangul_rnn.morph`) is imported
only when a ``WordTokenizer(stem="morph")`` actually stems something.

The vocabulary and its reserved ids are :mod:`hangul_rnn.vocabulary`; streaming ids back to text is
:mod:`hangul_rnn.piece_decoders`. What stays here (about 600 lines) is one concept: the base class and its three
levels, which share the fit/encode/serialise machinery through private hooks, and the factory and loader that must
know every level; cut further, each piece would reach into the others' internals.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from itertools import islice
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from hangul_rnn import atomic
from hangul_rnn import jamo as _jamo
from hangul_rnn import text as _text
from hangul_rnn.arg_types import require_ids, require_text, require_texts
from hangul_rnn.errors import FormatError, UsageError
from hangul_rnn.text import NEWLINE_TOKEN
from hangul_rnn.vocabulary import (
    BOS,
    EOS,
    PAD,
    PAD_ID,
    SILENT_TOKENS,
    UNK,
    UNK_ID,
    UNK_MARKER,
    HashedVocabulary,
    Vocabulary,
)

__all__ = [
    "BOS",
    "EOS",
    "FORMAT_VERSION",
    "LEVELS",
    "PAD",
    "PAD_ID",
    "STEM_CHOICES",
    "UNK",
    "UNK_ID",
    "UNK_MARKER",
    "JamoTokenizer",
    "SyllableTokenizer",
    "Tokenizer",
    "HashedVocabulary",
    "Vocabulary",
    "WordTokenizer",
    "load_tokenizer",
    "make_tokenizer",
]

#: The on-disk format this release writes and the newest it reads.
FORMAT_VERSION = 1

#: Token levels :func:`make_tokenizer` knows.
from hangul_rnn.config import LEVELS  # noqa: E402  (the one list of levels)

#: Values of ``WordTokenizer(stem=...)``.
STEM_CHOICES: tuple[str | None, ...] = ("truncate", "morph", "morph-all", None)

#: Morpheme stems: which Kiwi tags each drops. ``"morph"`` keeps content morphemes (a small vocabulary for topic
#: and generation work); ``"morph-all"`` keeps every morpheme, endings, particles and punctuation included, because
#: sentiment often lives there (-네요 vs -냐, "..." vs "!", 안/못 with their endings).
_MORPH_STEMS = ("morph", "morph-all")

#: Texts tokenized per call while fitting, so progress can be reported and a generator is never held whole.
_FIT_CHUNK = 2000

#: Batches of at least this many lines use :func:`hangul_rnn.morph.cached_stem_batch`.
_CACHE_MIN_LINES = 1000

T = TypeVar("T", bound="Tokenizer")
C = TypeVar("C", bound="_CharTokenizer")


# --------------------------------------------------------------------------------------------------- tokenizers


class Tokenizer:
    """Base class: cleaning, vocabulary, ids, JSON. Subclasses only say how cleaned text splits into tokens.

    A tokenizer is made unfitted (no vocabulary), :meth:`fit` on training text, then used for
    :meth:`encode`/:meth:`decode`. :meth:`tokenize` and :meth:`detokenize` work without a vocabulary.
    """

    #: The name stored under ``"kind"`` in JSON; :func:`load_tokenizer` dispatches on it.
    kind: ClassVar[str] = ""
    #: Ids reserved after ``<pad>``/``<unk>`` for this kind: the generator's start/end markers and the line break
    #: (``"\n"`` for characters, ``<nl>`` for words), reserved so that a tokenizer fitted line by line still
    #: knows newlines when it encodes a whole multi-line text.
    specials: ClassVar[tuple[str, ...]] = (BOS, EOS, "\n")

    def __init__(self, *, clean: str | None = None, vocab: Vocabulary | None = None) -> None:
        if clean is not None:
            names = list(_text.rule_names())
            if clean not in names:
                raise UsageError(f"unknown cleaning rules {clean!r}; choose one of: {', '.join(names)}")
        #: Name of the :func:`hangul_rnn.text.clean` rule set applied before tokenizing, or None for raw text.
        self.clean: str | None = clean
        self.vocab: Vocabulary | None = vocab

    # ---- subclass hooks

    def _split(self, text: str) -> list[str]:
        """Tokens of one already-cleaned text."""
        raise NotImplementedError

    def _split_batch(self, texts: list[str]) -> list[list[str]]:
        """Tokens of many cleaned texts; overridden where one batched call is faster (Kiwi)."""
        return [self._split(t) for t in texts]

    def detokenize(self, tokens: Iterable[str]) -> str:
        """Text from tokens (the inverse of tokenizing, up to cleaning and stemming)."""
        raise NotImplementedError

    def _params(self) -> dict[str, Any]:
        """Constructor arguments of the subclass, stored in JSON."""
        return {}

    # ---- text <-> tokens

    def clean_text(self, text: str) -> str:
        """``text`` after this tokenizer's cleaning rule: the characters a model built on it predicts (and so the
        denominator of its bits per character)."""
        require_text(text)
        if self.clean is None:
            return text
        return _text.clean(text, rules=self.clean)

    def tokenize(self, text: str) -> list[str]:
        """Clean ``text`` with this tokenizer's rules and split it into tokens.

        A text of nothing but whitespace has no tokens at every level: a blank review or a blank prompt is empty,
        not a run of spaces (so exact round trips hold for every text except whitespace-only ones).
        """
        return self.tokenize_batch([require_text(text)])[0]

    def tokenize_batch(self, texts: Iterable[str]) -> list[list[str]]:
        """:meth:`tokenize` for many texts at once (one Kiwi call for morpheme stems)."""
        cleaned = [self.clean_text(t) for t in require_texts(texts)]
        keep = [i for i, t in enumerate(cleaned) if t and not t.isspace()]
        out: list[list[str]] = [[] for _ in cleaned]
        for i, tokens in zip(keep, self._split_batch([cleaned[i] for i in keep])):
            out[i] = tokens
        return out

    def tokenize_stream(self, texts: Iterable[str], *,
                        progress: Callable[[int], None] | None = None) -> Iterator[list[str]]:
        """:meth:`tokenize_batch` over a corpus, a chunk of texts at a time, so that a long run can report
        ``progress(texts done)`` and Kiwi's on-disk cache keeps one entry per chunk."""
        done = 0
        it = require_texts(texts)
        while chunk := list(islice(it, _FIT_CHUNK)):
            yield from self.tokenize_batch(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done)

    def unknown_tokens(self, text: str) -> list[str]:
        """Tokens of ``text`` the vocabulary lacks, each once, in order of first appearance.

        Sampling reports them for a prompt, since they reach the model as ``<unk>``.
        """
        vocab = self._fitted()
        seen: dict[str, None] = {}
        for t in self.tokenize(text):
            if t not in vocab:
                seen.setdefault(t, None)
        return list(seen)

    # ---- vocabulary

    def fit(
        self: T,
        texts: Iterable[str],
        *,
        max_size: int | None = None,
        min_count: int = 1,
        progress: Callable[[int], None] | None = None,
    ) -> T:
        """Build the vocabulary from ``texts`` (cleaned and tokenized like at inference); returns ``self``.

        ``progress`` is called with the number of texts done so far, after each chunk of texts.
        """
        counter: Counter[str] = Counter()
        for tokens in self.tokenize_stream(texts, progress=progress):
            counter.update(tokens)
        self.vocab = Vocabulary.from_counts(counter, max_size=max_size, min_count=min_count, specials=self.specials)
        return self

    def _fitted(self) -> Vocabulary:
        if self.vocab is None:
            raise UsageError(f"the {self.kind} tokenizer has no vocabulary yet; fit it on training text first")
        return self.vocab

    @property
    def vocab_size(self) -> int:
        """Number of ids, reserved ones included (the size of the model's embedding and output layers)."""
        return len(self._fitted())

    # ---- text <-> ids

    def encode(self, text: str) -> list[int]:
        """Ids of ``text``; tokens outside the vocabulary become ``UNK_ID``. Empty or blank text gives ``[]``."""
        return self._fitted().encode(self.tokenize(text))

    def encode_array(
        self,
        text: str,
        *,
        dtype: Any = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """The ids of :meth:`encode` as a NumPy array: ``encode_array(t)`` equals ``np.array(encode(t))``.

        ``dtype`` defaults to the smallest unsigned dtype that holds every id of the vocabulary (uint8 for a jamo
        vocabulary of up to 256 ids), because corpus-sized id streams are what training holds in memory; pass
        ``np.int32`` where arithmetic on the ids could overflow. ``progress(done, total)`` is called with the
        number of cleaned characters encoded so far and their total (jamo and syllable levels, once per chunk of a
        few million characters), or once at the end (words).

        This base version goes through the token list; the jamo and syllable tokenizers override it with a
        chunked NumPy path that never holds one Python object per token.
        """
        import numpy as np

        from hangul_rnn.char_ids import id_dtype

        ids = self.encode(text)
        if progress is not None:
            progress(len(text), len(text))
        return np.array(ids, dtype=dtype if dtype is not None else id_dtype(len(self._fitted())))

    def fit_encode_array(
        self,
        text: str,
        *,
        max_size: int | None = None,
        min_count: int = 1,
        dtype: Any = None,
        fit_progress: Callable[[int], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """Fit on the lines of ``text``, then return :meth:`encode_array` of the whole ``text``.

        Exactly ``fit(text.split("\\n"), ...)`` followed by ``encode_array(text)`` (how a generator's training text
        is prepared), without a list of its lines; the jamo and syllable tokenizers clean a corpus under
        line-local rules only once for both. ``fit_progress`` gets the number of lines done, ``progress`` what
        :meth:`encode_array` reports.
        """
        require_text(text)
        self.fit(_text.iter_lines(text), max_size=max_size, min_count=min_count, progress=fit_progress)
        return self.encode_array(text, dtype=dtype, progress=progress)

    def encode_batch(self, texts: Iterable[str]) -> list[list[int]]:
        """:meth:`encode` for many texts, tokenized in one batch."""
        vocab = self._fitted()
        return [vocab.encode(tokens) for tokens in self.tokenize_batch(texts)]

    def decode(self, ids: Iterable[int]) -> str:
        """Text of ``ids``: ``<pad>``, ``<bos>`` and ``<eos>`` are dropped, ``<unk>`` shows as :data:`UNK_MARKER`."""
        vocab = self._fitted()
        tokens: list[str] = []
        for i in require_ids(ids):
            t = vocab.token(i)
            if t in SILENT_TOKENS:
                continue
            tokens.append(UNK_MARKER if t == UNK else t)
        return self.detokenize(tokens)

    # ---- JSON

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with everything needed to tokenize like this one (the vocabulary included)."""
        return {
            "format_version": FORMAT_VERSION,
            "kind": self.kind,
            "clean": self.clean,
            **self._params(),
            "vocab": self.vocab.to_dict() if self.vocab is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Tokenizer:
        """A tokenizer from :meth:`to_dict` output; called on the base class it picks the class by ``"kind"``."""
        return _from_dict(data, expect=cls)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the tokenizer as JSON, atomically: a crash never leaves a half-written file in place."""
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=1)
        _atomic_write(Path(path), text)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Tokenizer:
        """Read a file written by :meth:`save`; a bad or too-new file is a :class:`FormatError` naming it."""
        return _from_dict(_read_json(Path(path)), expect=cls, source=str(path))

    def __repr__(self) -> str:
        params = "".join(f", {k}={v!r}" for k, v in self._params().items())
        size = len(self.vocab) if self.vocab is not None else "unfitted"
        return f"{type(self).__name__}(clean={self.clean!r}{params}, vocab={size})"


class _CharTokenizer(Tokenizer):
    """A tokenizer whose tokens are single code points (jamo or characters): fits and encodes with NumPy.

    :meth:`fit` counts with a bincount over code points and :meth:`encode_array` looks ids up in a code point
    table (see :mod:`hangul_rnn.char_ids`), so neither builds a Python string per token; both give exactly what
    the token-list path gives, cleaning included (the same rules; under line-local ones a long text is cleaned a
    piece at a time, which gives the same string, see :func:`hangul_rnn.text.clean_pieces`).
    """

    #: Whether syllables are split into conjoining jamo before the lookup.
    decomposes: ClassVar[bool] = False

    def fit(
        self: C,
        texts: Iterable[str],
        *,
        max_size: int | None = None,
        min_count: int = 1,
        progress: Callable[[int], None] | None = None,
    ) -> C:
        """Build the vocabulary from ``texts``, exactly as :meth:`Tokenizer.fit` does (same counts, same order,
        ``progress`` called with the number of texts done after each chunk of texts), counting with NumPy."""
        from hangul_rnn.char_ids import count_tokens

        counter: Counter[str] = Counter()
        done = 0
        it = require_texts(texts)
        while chunk := list(islice(it, _FIT_CHUNK)):
            cleaned = (self.clean_text(t) for t in chunk)
            kept = "".join(t for t in cleaned if t and not t.isspace())  # tokenize() skips blank texts
            counter.update(count_tokens([kept], decompose=self.decomposes))
            done += len(chunk)
            if progress is not None:
                progress(done)
        self.vocab = Vocabulary.from_counts(counter, max_size=max_size, min_count=min_count, specials=self.specials)
        return self

    def _clean_pieces(self, text: str, progress: Callable[[int, int], None] | None = None) -> Iterator[str]:
        """The cleaned text as consecutive pieces (see :func:`hangul_rnn.text.clean_pieces`), minus a blank text
        (:meth:`tokenize` gives no tokens for one; pieces of a line-local rule set are never blank)."""
        require_text(text)
        if self.clean is None:
            pieces: Iterable[str] = [text]
            if progress is not None:
                progress(len(text), len(text))
        else:
            pieces = _text.clean_pieces(text, self.clean, progress=progress)
        return (p for p in pieces if p and not p.isspace())

    def encode_array(
        self,
        text: str,
        *,
        dtype: Any = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """:meth:`Tokenizer.encode_array` with NumPy: ``progress(done, total)`` counts characters of ``text``
        cleaned (under line-local rules, piece by piece; otherwise once, after cleaning the whole text)."""
        from hangul_rnn.char_ids import encode_pieces

        vocab = self._fitted()
        return encode_pieces(self._clean_pieces(text, progress), vocab, decompose=self.decomposes, dtype=dtype)

    def fit_encode_array(
        self,
        text: str,
        *,
        max_size: int | None = None,
        min_count: int = 1,
        dtype: Any = None,
        fit_progress: Callable[[int], None] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Any:
        """:meth:`Tokenizer.fit_encode_array`, cleaning ``text`` once when its rules are line-local.

        Under such rules (:data:`hangul_rnn.text.LINE_LOCAL_RULES`) the tokens of all the cleaned lines are the
        tokens of the cleaned text minus its line breaks, so one pass of cleaning serves both the counts and the
        ids; ``fit_progress`` then gets the lines cleaned so far and ``progress`` the characters encoded.
        """
        require_text(text)
        if self.clean not in _text.LINE_LOCAL_RULES:
            return super().fit_encode_array(text, max_size=max_size, min_count=min_count, dtype=dtype,
                                            fit_progress=fit_progress, progress=progress)
        from hangul_rnn.char_ids import count_tokens, encode_pieces

        lines = [0, 0]  # lines counted so far, up to this position

        def cleaned(done: int, total: int) -> None:
            lines[0] += text.count("\n", lines[1], done)
            lines[1] = done
            if fit_progress is not None:
                fit_progress(lines[0] + (done == total))

        pieces = list(self._clean_pieces(text, cleaned))
        counts = count_tokens(pieces, decompose=self.decomposes)
        counts.pop("\n", None)  # line breaks join the cleaned lines; fitting on lines never sees one
        self.vocab = Vocabulary.from_counts(counts, max_size=max_size, min_count=min_count, specials=self.specials)
        total = sum(map(len, pieces))
        report = None if progress is None else (lambda done: progress(done, total))
        return encode_pieces(pieces, self.vocab, decompose=self.decomposes, dtype=dtype, progress=report)


class JamoTokenizer(_CharTokenizer):
    """One token per conjoining jamo: syllables decompose to lead/vowel/tail (U+1100 block); other characters
    (spaces, punctuation, compatibility jamo such as ㅋ) stay single tokens.

    A Korean vocabulary shrinks from thousands of syllables to a few dozen jamo, and since leads and tails are
    distinct code points a generated stream recomposes without ambiguity; :meth:`decode` composes, so users see
    real syllables, never loose jamo.
    """

    kind = "jamo"
    decomposes = True

    def _split(self, text: str) -> list[str]:
        return list(_jamo.decompose(text))

    def detokenize(self, tokens: Iterable[str]) -> str:
        return _jamo.compose("".join(tokens))


class SyllableTokenizer(_CharTokenizer):
    """One token per character (a Hangul syllable, a letter, a space, an emoji code point)."""

    kind = "syllable"

    def _split(self, text: str) -> list[str]:
        return list(text)

    def detokenize(self, tokens: Iterable[str]) -> str:
        return "".join(tokens)


class WordTokenizer(Tokenizer):
    """Whitespace words, optionally stemmed; each newline is its own ``<nl>`` token so line structure survives.

    ``stem="truncate"`` keeps the first ``truncate_to`` characters of each word (the textbook method: Korean
    endings come last, so 재미있을/재미있는 share 재미있); ``stem="morph"`` replaces each line by its Kiwi content
    morphemes with verbs and adjectives as lemmas (재미있을 → 재미있다); ``stem="morph-all"`` keeps every morpheme
    (재미있다 을 것 같 다 ...); ``stem=None`` keeps words as they are.
    """

    kind = "word"
    specials = (BOS, EOS, NEWLINE_TOKEN)

    def __init__(
        self,
        stem: str | None = "truncate",
        truncate_to: int = 5,
        *,
        clean: str | None = None,
        vocab: Vocabulary | None = None,
    ) -> None:
        if stem not in STEM_CHOICES:
            raise UsageError(f"unknown stem option {stem!r}; choose one of: truncate, morph, morph-all, none")
        if isinstance(truncate_to, bool) or not isinstance(truncate_to, int) or truncate_to < 1:
            raise UsageError(f"truncate_to must be a positive number of characters, got {truncate_to!r}")
        super().__init__(clean=clean, vocab=vocab)
        self.stem: str | None = stem
        self.truncate_to: int = truncate_to

    def _params(self) -> dict[str, Any]:
        return {"stem": self.stem, "truncate_to": self.truncate_to}

    def _split(self, text: str) -> list[str]:
        if self.stem in _MORPH_STEMS:
            return self._split_batch([text])[0]
        words = _text.split_words(text)
        if self.stem == "truncate":
            n = self.truncate_to
            return [w if w == NEWLINE_TOKEN else w[:n] for w in words]
        return words

    def _split_batch(self, texts: list[str]) -> list[list[str]]:
        if self.stem not in _MORPH_STEMS:
            return [self._split(t) for t in texts]
        # Stem every line of every text in one batched call, then put the newline tokens back between lines.
        lines_per_text = [t.split("\n") for t in texts]
        flat = [line for lines in lines_per_text for line in lines]
        stems = _stem_lines(flat, keep_all=self.stem == "morph-all")
        out: list[list[str]] = []
        pos = 0
        for lines in lines_per_text:
            tokens: list[str] = []
            for k in range(len(lines)):
                if k:
                    tokens.append(NEWLINE_TOKEN)
                tokens.extend(stems[pos])
                pos += 1
            out.append(tokens)
        return out

    def detokenize(self, tokens: Iterable[str]) -> str:
        return _text.join_words(list(tokens))


def _stem_lines(lines: list[str], *, keep_all: bool = False) -> list[list[str]]:
    """Kiwi stems of each line; blank lines skip Kiwi.

    Corpus-sized batches go through the disk cache (re-stemming NSMC takes minutes); small ones, as at inference,
    go straight to Kiwi so they do not litter the cache with one-off entries.
    """
    todo = [i for i, line in enumerate(lines) if line.strip()]
    result: list[list[str]] = [[] for _ in lines]
    if not todo:
        return result
    from hangul_rnn import morph  # imports kiwipiepy: only now that there is something to stem

    stop_tags: frozenset[str] = frozenset() if keep_all else morph.DEFAULT_STOP_TAGS
    batch = [lines[i] for i in todo]
    if len(batch) == 1:
        stems = [morph.stem(batch[0], stop_tags=stop_tags)]
    elif len(batch) < _CACHE_MIN_LINES:
        stems = morph.stem_batch(batch, stop_tags=stop_tags)
    else:
        stems = morph.cached_stem_batch(batch, stop_tags=stop_tags)
    for i, s in zip(todo, stems):
        result[i] = list(s)
    return result


# --------------------------------------------------------------------------------------------------- factories

_KINDS: dict[str, type[Tokenizer]] = {
    cls.kind: cls for cls in (JamoTokenizer, SyllableTokenizer, WordTokenizer)
}


def make_tokenizer(
    level: str,
    *,
    stem: str | None = None,
    truncate_to: int = 5,
    clean: str | None = None,
) -> Tokenizer:
    """An unfitted tokenizer for ``level`` ("jamo", "syllable" or "word").

    ``stem`` and ``truncate_to`` apply to words only; ``stem=None`` keeps whole words (pass ``"truncate"`` for the
    textbook method). A ``stem`` given for another level is a :class:`UsageError` rather than silently ignored.
    """
    if level == "word":
        return WordTokenizer(stem=stem, truncate_to=truncate_to, clean=clean)
    if level in ("jamo", "syllable"):
        if stem is not None:
            raise UsageError(f"stem={stem!r} only applies to the word level, not {level!r}")
        return _KINDS[level](clean=clean)
    raise UsageError(f"unknown token level {level!r}; choose one of: {', '.join(LEVELS)}")


def load_tokenizer(path_or_dict: str | os.PathLike[str] | Mapping[str, Any]) -> Tokenizer:
    """A tokenizer from a JSON file written by :meth:`Tokenizer.save` or from a dict of :meth:`Tokenizer.to_dict`."""
    if isinstance(path_or_dict, Mapping):
        return _from_dict(path_or_dict, expect=Tokenizer)
    return Tokenizer.load(path_or_dict)


def _from_dict(data: Any, *, expect: type[Tokenizer], source: str = "tokenizer data") -> Tokenizer:
    """Check version and kind, then build the tokenizer; every problem is one :class:`FormatError` line."""
    if not isinstance(data, Mapping):
        raise FormatError(f"{source}: expected a JSON object, got {type(data).__name__}")
    version = data.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int):
        raise FormatError(f"{source}: no valid format_version; it is not a hangul-rnn tokenizer file")
    if version > FORMAT_VERSION:
        raise FormatError(
            f"{source}: tokenizer format version {version} is newer than this hangul-rnn reads "
            f"({FORMAT_VERSION}); upgrade hangul-rnn"
        )
    if version < 1:
        raise FormatError(f"{source}: unknown tokenizer format version {version}")
    kind = data.get("kind")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise FormatError(f"{source}: unknown tokenizer kind {kind!r} (known: {', '.join(_KINDS)})")
    if expect is not Tokenizer and not issubclass(cls, expect):
        raise FormatError(f"{source}: holds a {kind} tokenizer, not a {expect.kind} one")
    try:
        vocab_data = data.get("vocab")
        vocab = Vocabulary.from_dict(vocab_data) if vocab_data is not None else None
        clean = data.get("clean")
        if cls is WordTokenizer:
            tok: Tokenizer = WordTokenizer(
                stem=data.get("stem", "truncate"), truncate_to=data.get("truncate_to", 5), clean=clean, vocab=vocab
            )
        else:
            tok = cls(clean=clean, vocab=vocab)
    except (FormatError, UsageError) as exc:
        raise FormatError(f"{source}: {exc}") from None
    if vocab is not None and tuple(vocab.specials) != tuple(tok.specials):
        raise FormatError(f"{source}: vocabulary specials {list(vocab.specials)} do not match a {kind} tokenizer")
    return tok


def _read_json(path: Path) -> Any:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FormatError(f"{path}: no such tokenizer file") from None
    except UnicodeDecodeError as exc:
        raise FormatError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise FormatError(f"{path}: corrupt JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None


def _atomic_write(path: Path, text: str) -> None:
    atomic.write_text(path, text)
