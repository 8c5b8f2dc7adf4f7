"""The NumPy path of :func:`hangul_rnn.jamo.from_compat`, imported only for inputs long enough to need it.

It finds exactly the syllables the regex path finds (tests/test_from_compat.py checks both on random jamo soup and
on chunk boundaries) at about the speed of :func:`hangul_rnn.jamo.compose`'s own NumPy path.
"""

from __future__ import annotations

from typing import Any

from hangul_rnn import jamo as J

_C_BASE, _C_COUNT = 0x3131, 51  # the modern compatibility jamo ㄱ … ㅣ
_COMPAT_MODERN = "".join(chr(_C_BASE + i) for i in range(_C_COUNT))


def _from_compat_tables() -> tuple[Any, Any]:
    """Two arrays for :func:`_from_compat_arrays`: one row per UTF-16 code unit (its conjoining lead or vowel in
    bits 0-15, its tail in 16-31, its index among the 51 modern compatibility jamo in 32-47, 51 for anything else,
    and a flag for cluster letters at bit 48), and the pair table: typed cluster or compound vowel of two indices.
    """
    tables = J._numpy_state.get("from_compat")
    if tables is None:
        import numpy as np

        rows = np.full(0x10000, _C_COUNT << 32, dtype=np.uint64)
        for i, ch in enumerate(_COMPAT_MODERN):
            code = ord(J._LEAD_OF_COMPAT.get(ch, "\0")) | ord(J._VOWEL_OF_COMPAT.get(ch, "\0"))
            tail = ord(J._TAIL_OF_COMPAT.get(ch, "\0"))
            rows[ord(ch)] = code | tail << 16 | i << 32 | (ch in J._SPLIT_CLUSTER) << 48
        pairs = np.zeros((_C_COUNT + 1) ** 2, dtype=np.uint16)
        for pair, joined in (*J._TYPED_VOWELS.items(), *J._TYPED_CLUSTERS.items()):
            target = J._VOWEL_FROM_ANY.get(joined) or J._TAIL_FROM_ANY[joined]
            pairs[(ord(pair[0]) - _C_BASE) * (_C_COUNT + 1) + ord(pair[1]) - _C_BASE] = ord(target)
        J._numpy_state["np"] = np
        tables = J._numpy_state["from_compat"] = (rows, pairs)
    return tables


def from_compat_numpy(text: str) -> str | None:
    """:func:`hangul_rnn.jamo.from_compat` chunk by chunk with array arithmetic; None without NumPy.

    Chunks end after a character that is no modern compatibility jamo, so no syllable is cut; a chunk the arrays
    do not take (lone surrogates, a cluster letter to split) goes through the regex.
    """
    try:
        tables = _from_compat_tables()
    except ImportError:
        return None
    parts = []
    start, n = 0, len(text)
    while start < n:
        chunk = text[start : start + J._NUMPY_CHUNK]
        if start + len(chunk) < n:
            chunk = chunk.rstrip(_COMPAT_MODERN) or text[start:]
        start += len(chunk)
        try:
            result = _from_compat_arrays(tables, chunk.encode("utf-16-le"))
        except UnicodeEncodeError:
            result = None
        parts.append(J._from_compat_regex(chunk) if result is None else result)
    return "".join(parts)


def _from_compat_arrays(tables: tuple[Any, Any], units: bytes) -> str | None:
    """Each rule of the regex as a shifted comparison. They find the same syllables because a consonant is a tail
    only when no vowel follows it, so a syllable never swallows the start of the next."""
    np = J._numpy_state["np"]
    rows, pairs = tables
    n = len(units) // 2
    u = np.zeros(n + 2, dtype=np.uint16)  # padded so that every look ahead stays in bounds
    u[:n] = np.frombuffer(units, dtype=np.uint16)
    row = rows.take(u)
    code = (row & 0xFFFF).astype(np.uint16)  # the conjoining lead or vowel
    tail = (row >> 16 & 0xFFFF).astype(np.uint16)
    index = (row >> 32 & 0xFFFF).astype(np.intp)
    pair = np.append(pairs.take(index[:-1] * (_C_COUNT + 1) + index[1:]), 0)  # jamo p and p + 1 as one jamo

    def before(a: Any) -> Any:  # before(a)[p] == a[p - 1]
        return np.concatenate(([False], a[:-1]))

    def after(a: Any) -> Any:  # after(a)[p] == a[p + 1]
        return np.concatenate((a[1:], [False]))

    is_vowel = code >= J._V_BASE
    start = (code > 0) & ~is_vowel & after(is_vowel)
    nucleus = before(start)
    second = before(nucleus & (pair > 0))
    after_last = before((nucleus & ~after(second)) | second)  # right after the syllable's last vowel
    if (after_last & (row >> 48 > 0) & after(is_vowel)).any():
        return None  # a cluster letter gives its last consonant to the next syllable: rare, left to the regex
    cluster = after_last & ~is_vowel & (pair > 0) & ~after(after(is_vowel))
    single = after_last & ~cluster & (tail > 0) & ~after(is_vowel)
    out = np.where(start | nucleus, code, u)
    out[nucleus & after(second)] = pair[nucleus & after(second)]
    out[single] = tail[single]
    out[cluster] = pair[cluster]
    keep = ~second & ~before(cluster)
    return str(out[:n].compress(keep[:n]).tobytes().decode("utf-16-le"))
