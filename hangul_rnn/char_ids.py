"""Characters to token ids with NumPy: the path jamo- and syllable-level tokenizers take on whole corpora.

Why: the list path (:meth:`hangul_rnn.tokenizers.Tokenizer.encode`) holds one Python string per token before it
looks anything up, which on a corpus of tens of millions of characters costs gigabytes and minutes. Here cleaned
text goes to UTF-32 code points a chunk at a time and dense tables indexed by code point give the ids: one id per
character, or for a syllable the ids of its conjoining lead, vowel and tail, found once per vocabulary with the
Unicode arithmetic (exactly what :func:`hangul_rnn.jamo.decompose` does, DESIGN §3). The only thing that grows with
the corpus is the id array itself, in the smallest unsigned
dtype that holds every id.

The results equal the list path's exactly (the tests compare them on random text); only single-code-point tokens
can ever match, as on the list path, where a jamo or syllable token is always one character.

No TensorFlow here, only NumPy (which the tokenizers import lazily).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

import numpy as np

from hangul_rnn.jamo import LEADS, TAILS, VOWELS

if TYPE_CHECKING:
    from hangul_rnn.vocabulary import Vocabulary

__all__ = [
    "CHUNK_CHARS",
    "code_points",
    "count_tokens",
    "encode_pieces",
    "id_dtype",
    "id_table",
]

#: Characters handled per NumPy pass: large enough that per-call overhead vanishes, small enough that the
#: temporaries (UTF-32 code points, three jamo slots per character) stay a few MB whatever the corpus size.
CHUNK_CHARS = 1 << 20

_S_BASE = ord("가")
_L_BASE = ord(LEADS[0])
_V_BASE = ord(VOWELS[0])
_T_BASE = ord(TAILS[0]) - 1  # tail index 0 means "no tail"
_V_COUNT, _T_COUNT = len(VOWELS), len(TAILS) + 1
_N_COUNT = _V_COUNT * _T_COUNT
_S_COUNT = len(LEADS) * _N_COUNT
_MAX_CODE_POINT = 0x10FFFF


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as uint32, lone surrogates included (they are characters of a Python string)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def id_dtype(vocab_size: int) -> np.dtype:
    """The smallest dtype that holds every id below ``vocab_size``: uint8, uint16, else int32.

    A jamo stream of a whole corpus in uint8 is a quarter of its int32 size, which is most of the memory that
    encoding a corpus needs.
    """
    if vocab_size <= 1 << 8:
        return np.dtype(np.uint8)
    if vocab_size <= 1 << 16:
        return np.dtype(np.uint16)
    return np.dtype(np.int32)


def id_table(vocab: Vocabulary, dtype: np.dtype | type = np.int32) -> np.ndarray:
    """A code point -> id table over all of Unicode, ``<unk>``'s id wherever the vocabulary has no such token.

    Tokens longer than one code point (``<pad>``, ``<bos>`` ...) never come out of a character split, so they
    are left out, exactly as they never match on the list path.
    """
    from hangul_rnn.vocabulary import UNK_ID

    table = np.full(_MAX_CODE_POINT + 1, UNK_ID, dtype=dtype)
    for i, token in enumerate(vocab):
        if len(token) == 1:
            table[ord(token)] = i
    return table


def _jamo_rows(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per code point, the ids of its up to three jamo and which of the three slots are used.

    A syllable's row holds the ids of its lead, vowel and tail (Unicode §3.12 arithmetic, as
    :func:`hangul_rnn.jamo.decompose` splits it); any other code point has its own id in slot 0 alone. Encoding
    is then two gathers and one compress per chunk, with no arithmetic on the text.
    """
    rows = np.zeros((len(table), 3), dtype=table.dtype)
    keep = np.zeros((len(table), 3), dtype=bool)
    rows[:, 0] = table
    keep[:, 0] = True
    index = np.arange(_S_COUNT)
    tail = index % _T_COUNT
    syllables = slice(_S_BASE, _S_BASE + _S_COUNT)
    rows[syllables, 0] = table[_L_BASE + index // _N_COUNT]
    rows[syllables, 1] = table[_V_BASE + index % _N_COUNT // _T_COUNT]
    rows[syllables, 2] = table[_T_BASE + tail]  # tail 0 reads an unused slot: U+11A7, masked out below
    keep[syllables, 1] = True
    keep[syllables, 2] = tail > 0
    return rows, keep


def encode_pieces(
    pieces: Iterable[str],
    vocab: Vocabulary,
    *,
    decompose: bool,
    dtype: np.dtype | type | None = None,
    progress: Callable[[int], None] | None = None,
) -> np.ndarray:
    """Ids of the characters of the (already cleaned) text that ``pieces`` make up when joined, after splitting
    syllables into jamo if ``decompose``.

    Taking pieces lets a caller clean a corpus a piece at a time (:func:`hangul_rnn.text.clean_pieces`) without
    ever holding it cleaned whole. ``dtype`` defaults to :func:`id_dtype` of the vocabulary. ``progress`` is
    called with the number of characters encoded so far, after each :data:`CHUNK_CHARS` or piece.
    """
    out_dtype = np.dtype(dtype) if dtype is not None else id_dtype(len(vocab))
    table = id_table(vocab, out_dtype)
    rows, keep = _jamo_rows(table) if decompose else (table, None)
    parts = []
    done = 0
    for piece in pieces:
        for start in range(0, len(piece), CHUNK_CHARS):
            chunk = piece[start : start + CHUNK_CHARS]
            cps = code_points(chunk)
            if keep is None:
                parts.append(rows[cps])
            else:
                parts.append(rows[cps][keep[cps]])
            done += len(chunk)
            if progress is not None:
                progress(done)
    if not parts:
        return np.zeros(0, dtype=out_dtype)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _split_syllable_counts(counts: np.ndarray) -> np.ndarray:
    """Character counts -> jamo counts: each syllable's count moves to its lead, vowel and tail (exact integers)."""
    counts = np.concatenate([counts, np.zeros(max(0, _S_BASE + _S_COUNT - len(counts)), dtype=counts.dtype)])
    grid = counts[_S_BASE : _S_BASE + _S_COUNT].reshape(len(LEADS), _V_COUNT, _T_COUNT).copy()
    counts[_S_BASE : _S_BASE + _S_COUNT] = 0
    counts[_L_BASE : _L_BASE + len(LEADS)] += grid.sum(axis=(1, 2))
    counts[_V_BASE : _V_BASE + _V_COUNT] += grid.sum(axis=(0, 2))
    counts[_T_BASE + 1 : _T_BASE + _T_COUNT] += grid.sum(axis=(0, 1))[1:]
    return counts


def count_tokens(texts: Iterable[str], *, decompose: bool) -> dict[str, int]:
    """How often each character (each jamo, if ``decompose``) occurs in ``texts``.

    A bincount over code points; jamo counts follow from the syllable counts by arithmetic, so the text is
    never decomposed.
    """
    counts = np.zeros(0, dtype=np.int64)
    for text in texts:
        for start in range(0, len(text), CHUNK_CHARS):
            cps = code_points(text[start : start + CHUNK_CHARS])
            if not len(cps):
                continue
            chunk = np.bincount(cps, minlength=len(counts))
            chunk[: len(counts)] += counts
            counts = chunk
    if decompose:
        counts = _split_syllable_counts(counts)
    return {chr(cp): int(counts[cp]) for cp in np.flatnonzero(counts)}
