"""The token <-> id table every tokenizer shares, and the reserved tokens and ids it starts with.

Apart from the tokenizers so that code which only needs ids (the char-id encoder, transfer between bundles, the
sampler's banned ids) reads it without the tokenizers' cleaning and stemming machinery.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from hangul_rnn.errors import FormatError, UsageError

__all__ = ["BOS", "EOS", "PAD", "PAD_ID", "UNK", "UNK_ID", "UNK_MARKER", "HashedVocabulary", "Vocabulary"]

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
PAD_ID = 0
UNK_ID = 1

#: What :meth:`Tokenizer.decode` shows for ``<unk>``: U+FFFD, the standard replacement character. One character
#: (not the five of ``"<unk>"``) so a decoded jamo or syllable stream keeps its shape, and it cannot be confused
#: with text a corpus really contains.
UNK_MARKER = "\ufffd"

#: Ids :meth:`Tokenizer.decode` drops: padding, and the sequence markers that carry no text.
SILENT_TOKENS = frozenset({PAD, BOS, EOS})


class Vocabulary:
    """A token <-> id table, most frequent tokens first.

    Ids: 0 is ``<pad>`` (so zero-padded batches need no mask of their own), 1 is ``<unk>``, then the extra
    ``specials`` in the order given (``<bos>``, ``<eos>``, the word-level newline token), then the tokens by
    descending count. Ties are broken by code-point order of the token, not by first occurrence, so the same
    multiset of tokens always gives the same ids whatever order the documents came in (shuffled or sharded input
    builds the same vocabulary).

    ``counts`` maps every token in the vocabulary to how often it was seen when built (specials that never occur
    count 0); it is kept for statistics, not for lookups.
    """

    __slots__ = ("_ids", "_tokens", "counts", "specials")

    def __init__(
        self,
        tokens: Sequence[str],
        counts: Mapping[str, int] | None = None,
        specials: Sequence[str] = (),
    ) -> None:
        """Make a vocabulary from its full id order (``tokens[0]`` must be ``<pad>``, ``tokens[1]`` ``<unk>``)."""
        tokens = list(tokens)
        if len(tokens) < 2 or tokens[0] != PAD or tokens[1] != UNK:
            raise ValueError(f"a vocabulary starts with {PAD!r}, {UNK!r}; got {tokens[:2]!r}")
        ids: dict[str, int] = {}
        for i, token in enumerate(tokens):
            if not isinstance(token, str):
                raise ValueError(f"vocabulary token {i} is not a string: {token!r}")
            if token in ids:
                raise ValueError(f"vocabulary token {token!r} appears twice (ids {ids[token]} and {i})")
            ids[token] = i
        self._tokens: list[str] = tokens
        self._ids: dict[str, int] = ids
        self.specials: tuple[str, ...] = tuple(specials)
        counts = counts or {}
        self.counts: dict[str, int] = {t: int(counts.get(t, 0)) for t in tokens}

    @classmethod
    def build(
        cls,
        token_lists: Iterable[Iterable[str]],
        *,
        max_size: int | None = None,
        min_count: int = 1,
        specials: Sequence[str] = (),
    ) -> Vocabulary:
        """Count tokens and keep the most frequent.

        ``max_size`` bounds the whole table, reserved ids included (it is the model's embedding/output size);
        ``min_count`` drops tokens seen fewer times. Dropped tokens encode as ``<unk>``.
        """
        counter: Counter[str] = Counter()
        for tokens in token_lists:
            counter.update(tokens)
        return cls.from_counts(counter, max_size=max_size, min_count=min_count, specials=specials)

    @classmethod
    def from_counts(
        cls,
        counts: Mapping[str, int],
        *,
        max_size: int | None = None,
        min_count: int = 1,
        specials: Sequence[str] = (),
    ) -> Vocabulary:
        """Like :meth:`build`, from counts already made (lets callers count in chunks or in parallel)."""
        if min_count < 1:
            raise UsageError(f"min_count must be at least 1, got {min_count}")
        reserved = [PAD, UNK]
        for s in specials:
            if s not in reserved:
                reserved.append(s)
        if max_size is not None and max_size < len(reserved):
            raise UsageError(
                f"max_size {max_size} is smaller than the {len(reserved)} reserved ids ({', '.join(reserved)})"
            )
        reserved_set = set(reserved)
        ranked = sorted(
            ((t, c) for t, c in counts.items() if c >= min_count and t not in reserved_set),
            key=lambda tc: (-tc[1], tc[0]),
        )
        if max_size is not None:
            ranked = ranked[: max_size - len(reserved)]
        tokens = reserved + [t for t, _ in ranked]
        kept = {t: counts.get(t, 0) for t in tokens}
        return cls(tokens, kept, specials=reserved[2:])

    # ---- lookups

    def __len__(self) -> int:
        return len(self._tokens)

    def __contains__(self, token: object) -> bool:
        return token in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(self._tokens)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Vocabulary):
            return NotImplemented
        return self._tokens == other._tokens and self.specials == other.specials

    def __repr__(self) -> str:
        return f"Vocabulary({len(self)} ids, specials={list(self.specials)!r})"

    def id(self, token: str) -> int:
        """The id of ``token``, or ``UNK_ID`` when it is not in the vocabulary."""
        return self._ids.get(token, UNK_ID)

    def token(self, i: int) -> str:
        """The token with id ``i``; an id outside ``0 .. len-1`` (negative ones too) is an :class:`IndexError`."""
        if not 0 <= i < len(self._tokens):
            raise IndexError(f"token id {i} is outside the vocabulary (0..{len(self._tokens) - 1})")
        return self._tokens[i]

    @property
    def tokens(self) -> list[str]:
        """All tokens in id order (a copy)."""
        return list(self._tokens)

    def encode(self, tokens: Iterable[str]) -> list[int]:
        """Ids of ``tokens``; unknown ones become ``UNK_ID``."""
        get = self._ids.get
        return [get(t, UNK_ID) for t in tokens]

    def decode_tokens(self, ids: Iterable[int]) -> list[str]:
        """Tokens of ``ids``, reserved ones included as they are (``<pad>``, ``<unk>``...)."""
        return [self.token(int(i)) for i in ids]

    def oov_rate(self, token_lists: Iterable[Iterable[str]]) -> float:
        """Fraction of tokens (not types) in ``token_lists`` that would encode as ``<unk>``; 0.0 when empty.

        The number to look at before choosing ``max_size``/``min_count``: measured on held-out text it says how
        much of what the model will see it cannot represent.
        """
        total = unknown = 0
        ids = self._ids
        for tokens in token_lists:
            for t in tokens:
                total += 1
                if t not in ids:
                    unknown += 1
        return unknown / total if total else 0.0

    # ---- JSON

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: tokens in id order, their counts, and which of them are specials."""
        return {
            "tokens": list(self._tokens),
            "counts": [self.counts.get(t, 0) for t in self._tokens],
            "specials": list(self.specials),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Vocabulary:
        """Inverse of :meth:`to_dict`; malformed data is a :class:`FormatError`."""
        if isinstance(data, Mapping) and "hash_buckets" in data:
            return HashedVocabulary.from_dict(data)
        try:
            tokens = data["tokens"]
            counts = data.get("counts") or [0] * len(tokens)
            specials = data.get("specials", [])
            if not isinstance(tokens, list) or not isinstance(counts, list) or len(counts) != len(tokens):
                raise ValueError("'tokens' and 'counts' must be lists of the same length")
            if not all(isinstance(c, int) and c >= 0 for c in counts):
                raise ValueError("'counts' must be non-negative integers")
            if not isinstance(specials, list) or any(s not in tokens[2 : 2 + len(specials)] for s in specials):
                raise ValueError("'specials' must name the tokens right after <pad> and <unk>")
            return cls(tokens, dict(zip(tokens, counts)), specials=specials)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatError(f"bad vocabulary data: {exc}") from None


class HashedVocabulary(Vocabulary):
    """The hashing trick: every token's id is a hash of it into a fixed number of buckets, after the reserved ids.

    Why: no table to fit or ship, and no word is ever unknown; the price is collisions (two words sharing a row of
    the embedding), which a bucket count a few times the number of distinct words keeps rare. The hash is CRC-32
    of the token's UTF-8 bytes, stable across processes and machines (Python's own ``hash`` is salted per run).
    ``token(i)`` of a bucket is ``"#i"``: a hashed id cannot be turned back into its words, so this vocabulary
    suits classifiers, not generators.
    """

    __slots__ = ("buckets",)

    def __init__(self, buckets: int, specials: Sequence[str] = ()) -> None:
        if isinstance(buckets, bool) or not isinstance(buckets, int) or buckets < 1:
            raise UsageError(f"the hashing trick needs at least 1 bucket, got {buckets!r}")
        reserved = [PAD, UNK] + [s for s in specials if s not in (PAD, UNK)]
        super().__init__(reserved, specials=reserved[2:])
        self.buckets = buckets

    def __len__(self) -> int:
        return len(self._tokens) + self.buckets

    def __contains__(self, token: object) -> bool:
        return isinstance(token, str)

    def __iter__(self) -> Iterator[str]:
        return iter(self.tokens)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HashedVocabulary):
            return NotImplemented
        return self.buckets == other.buckets and self.specials == other.specials

    def __repr__(self) -> str:
        return f"HashedVocabulary({self.buckets} buckets, specials={list(self.specials)!r})"

    def id(self, token: str) -> int:
        reserved = self._ids.get(token)
        if reserved is not None:
            return reserved
        return len(self._tokens) + zlib.crc32(token.encode("utf-8")) % self.buckets

    def token(self, i: int) -> str:
        if not 0 <= i < len(self):
            raise IndexError(f"token id {i} is outside the vocabulary (0..{len(self) - 1})")
        return self._tokens[i] if i < len(self._tokens) else f"#{i}"

    @property
    def tokens(self) -> list[str]:
        return list(self._tokens) + [f"#{i}" for i in range(len(self._tokens), len(self))]

    def encode(self, tokens: Iterable[str]) -> list[int]:
        return [self.id(t) for t in tokens]

    def oov_rate(self, token_lists: Iterable[Iterable[str]]) -> float:
        return 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"hash_buckets": self.buckets, "specials": list(self.specials)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> HashedVocabulary:
        try:
            buckets, specials = data["hash_buckets"], data.get("specials", [])
            if not isinstance(buckets, int) or isinstance(buckets, bool) or buckets < 1:
                raise ValueError(f"'hash_buckets' must be a positive integer, got {buckets!r}")
            if not isinstance(specials, list) or not all(isinstance(x, str) for x in specials):
                raise ValueError("'specials' must be a list of strings")
            return cls(buckets, specials)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise FormatError(f"bad vocabulary data: {exc}") from None
