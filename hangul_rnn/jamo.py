"""Hangul syllables <-> conjoining jamo, table-driven, with an exact round trip.

Why conjoining jamo: a model that reads jamo sees 19 + 21 + 27 + a few hundred other symbols instead of 11,172
syllables, and because a *trailing* consonant (U+11A8–11C2) is a different code point from a *leading* one
(U+1100–1112), a generated stream recomposes without any end-of-syllable marker.

Why the care over compatibility jamo: text such as NSMC is full of ㅋㅋㅋ and ㅠㅠ (compatibility jamo,
U+3131–318E). :func:`decompose` leaves them alone and :func:`compose` never produces or consumes them from
conjoining input except as a fallback, so ``compose(decompose(s)) == s`` for every string ``s`` that holds none
of the 67 modern conjoining jamo of its own (see :func:`compose` for what happens to text that already does).
Text spelled in compatibility jamo (ㅇㅏㄴㄴㅕㅇ, typed without an IME) comes in through :func:`from_compat`.

This module imports nothing outside the standard library at import time (preprocessing users should not pay for
NumPy, let alone TensorFlow); inputs of 2,048 characters or more use NumPy lazily when it is installed, which is
about 5x faster than ``str.translate`` for decompose and 6x faster than a regex for compose on corpus text.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = [
    "LEADS",
    "VOWELS",
    "TAILS",
    "compose",
    "complete_prefix",
    "decompose",
    "from_compat",
    "is_conjoining_jamo",
    "is_hangul_syllable",
    "join_syllable",
    "split_syllable",
    "to_compat",
]

# --- the Unicode arithmetic (Unicode §3.12) -------------------------------------------------------------------

_S_BASE, _L_BASE, _V_BASE, _T_BASE = 0xAC00, 0x1100, 0x1161, 0x11A7
_L_COUNT, _V_COUNT, _T_COUNT = 19, 21, 28  # _T_COUNT includes "no tail"
_N_COUNT = _V_COUNT * _T_COUNT  # 588 syllables per leading consonant
_S_COUNT = _L_COUNT * _N_COUNT  # 11,172 syllables

LEADS: str = "".join(chr(_L_BASE + i) for i in range(_L_COUNT))
"""The 19 modern leading consonants (초성), U+1100–1112, in syllable order."""
VOWELS: str = "".join(chr(_V_BASE + i) for i in range(_V_COUNT))
"""The 21 modern vowels (중성), U+1161–1175, in syllable order."""
TAILS: str = "".join(chr(_T_BASE + i) for i in range(1, _T_COUNT))
"""The 27 modern trailing consonants (종성), U+11A8–11C2, in syllable order (no entry for "no tail")."""

# Compatibility jamo for display: what a reader expects to see for a jamo that belongs to no syllable.
_LEADS_COMPAT = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS_COMPAT = "".join(chr(0x314F + i) for i in range(_V_COUNT))  # ㅏ … ㅣ
_TAILS_COMPAT = "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"

# Conjoining jamo blocks: Hangul Jamo, Hangul Jamo Extended-A (old leads), Extended-B (old vowels and tails).
_CONJOINING_CLASS = "\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff"
_L_ALL = "\u1100-\u115f\ua960-\ua97f"
_V_ALL = "\u1160-\u11a7\ud7b0-\ud7ca"
_T_ALL = "\u11a8-\u11ff\ud7cb-\ud7ff"
_L_OLD = "\u1113-\u115f\ua960-\ua97f"  # archaic leads and the choseong filler
_V_OLD = "\u1160\u1176-\u11a7\ud7b0-\ud7ca"  # jungseong filler and archaic vowels
_T_OLD = "\u11c3-\u11ff\ud7cb-\ud7ff"  # archaic tails

# --- tables ---------------------------------------------------------------------------------------------------


def _syllable_jamo(index: int) -> str:
    lead, rest = divmod(index, _N_COUNT)
    vowel, tail = divmod(rest, _T_COUNT)
    return LEADS[lead] + VOWELS[vowel] + (TAILS[tail - 1] if tail else "")


_SYLLABLE_JAMO: list[str] = [_syllable_jamo(i) for i in range(_S_COUNT)]

# str.translate table: a list indexed by code point is faster than a dict (no KeyError per unmapped character).
# Code points below the syllable block map to themselves (as ints); above it, IndexError means "unchanged".
_DECOMPOSE_TABLE: list[Any] = list(range(_S_BASE)) + _SYLLABLE_JAMO

_COMPOSE_TABLE: dict[str, str] = {jamo: chr(_S_BASE + i) for i, jamo in enumerate(_SYLLABLE_JAMO)}

_TO_COMPAT_TABLE: dict[int, str] = {
    **{ord(c): h for c, h in zip(LEADS, _LEADS_COMPAT)},
    **{ord(c): h for c, h in zip(VOWELS, _VOWELS_COMPAT)},
    **{ord(c): h for c, h in zip(TAILS, _TAILS_COMPAT)},
}

_LEAD_FROM_ANY = {**{c: c for c in LEADS}, **dict(zip(_LEADS_COMPAT, LEADS))}
_VOWEL_FROM_ANY = {**{c: c for c in VOWELS}, **dict(zip(_VOWELS_COMPAT, VOWELS))}
_TAIL_FROM_ANY = {**{c: c for c in TAILS}, **dict(zip(_TAILS_COMPAT, TAILS))}

_SYLLABLE_RUN = f"[{LEADS[0]}-{LEADS[-1]}][{VOWELS[0]}-{VOWELS[-1]}][{TAILS[0]}-{TAILS[-1]}]?"
_SYLLABLE_SPLIT_RE = re.compile(f"({_SYLLABLE_RUN})")
_MODERN_JAMO_RE = re.compile(f"[{LEADS[0]}-{LEADS[-1]}{VOWELS[0]}-{VOWELS[-1]}{TAILS[0]}-{TAILS[-1]}]")
_OLD_JAMO_RE = re.compile(f"[{_L_OLD}{_V_OLD}{_T_OLD}]")
# An old-Hangul cluster (L* V* T* holding at least one archaic jamo or filler) is kept exactly as written once
# the modern syllables are composed: turning its modern jamo into compatibility jamo would break how fonts draw
# medieval text such as ᄒᆞᆫ.
_OLD_CLUSTER = (
    f"[{_L_ALL}]*[{_L_OLD}][{_L_ALL}]*[{_V_ALL}]*[{_T_ALL}]*"
    f"|[{_L_ALL}]*[{_V_ALL}]*[{_V_OLD}][{_V_ALL}]*[{_T_ALL}]*"
    f"|[{_L_ALL}]*[{_V_ALL}]*[{_T_ALL}]*[{_T_OLD}][{_T_ALL}]*"
)
_LEFTOVER_RE = re.compile(f"(?P<old>{_OLD_CLUSTER})|(?P<one>{_MODERN_JAMO_RE.pattern})")

# Inputs at least this long go through NumPy (when importable); below it the fixed cost of NumPy calls loses to
# str.translate.
_NUMPY_MIN_CHARS = 2048
_NUMPY_CHUNK = 8192  # small enough that every temporary stays in cache and off fresh pages
_numpy_state: dict[str, Any] = {}

# --- single-syllable helpers ----------------------------------------------------------------------------------


def is_hangul_syllable(ch: str) -> bool:
    """True for one precomposed modern syllable (가 … 힣, U+AC00–D7A3), the only thing :func:`decompose` splits."""
    return len(ch) == 1 and _S_BASE <= ord(ch) < _S_BASE + _S_COUNT


def is_conjoining_jamo(ch: str) -> bool:
    """True for one conjoining jamo, modern or archaic (U+1100–11FF, A960–A97F, D7B0–D7FF).

    Compatibility jamo (ㄱ, ㅏ, U+3131–318E) are *not* conjoining: they are ordinary letters in running text.
    """
    if len(ch) != 1:
        return False
    cp = ord(ch)
    return 0x1100 <= cp <= 0x11FF or 0xA960 <= cp <= 0xA97F or 0xD7B0 <= cp <= 0xD7FF


def split_syllable(ch: str) -> tuple[str, str, str]:
    """Split one syllable into (초성, 중성, 종성) as conjoining jamo; the tail is ``""`` when there is none.

    Raises ValueError for anything that is not exactly one modern Hangul syllable, because silently returning
    something for ``"ㄱ"`` or ``"ab"`` would hide a caller's bug.
    """
    if not is_hangul_syllable(ch):
        raise ValueError(f"split_syllable expects one Hangul syllable (U+AC00-U+D7A3), got {ch!r}")
    jamo = _SYLLABLE_JAMO[ord(ch) - _S_BASE]
    return jamo[0], jamo[1], jamo[2:]


def join_syllable(lead: str, vowel: str, tail: str = "") -> str:
    """Build one syllable from its jamo, given as conjoining or compatibility jamo (``join_syllable("ㄱ", "ㅏ",
    "ㄴ") == "간"``).

    Raises ValueError naming the offending argument, e.g. for ``ㄸ`` as a tail (no modern syllable ends in ㄸ).
    """
    lead_c = _LEAD_FROM_ANY.get(lead)
    if lead_c is None:
        raise ValueError(f"join_syllable: {lead!r} is not a leading consonant (one of {_LEADS_COMPAT})")
    vowel_c = _VOWEL_FROM_ANY.get(vowel)
    if vowel_c is None:
        raise ValueError(f"join_syllable: {vowel!r} is not a vowel (one of {_VOWELS_COMPAT})")
    if tail:
        tail_c = _TAIL_FROM_ANY.get(tail)
        if tail_c is None:
            raise ValueError(f"join_syllable: {tail!r} is not a trailing consonant (one of {_TAILS_COMPAT} or '')")
    else:
        tail_c = ""
    return _COMPOSE_TABLE[lead_c + vowel_c + tail_c]


# --- whole strings --------------------------------------------------------------------------------------------


def _numpy_decompose_table() -> Any:
    """One uint64 per UTF-16 code unit: four little-endian uint16 slots holding the unit itself, or L, V, T."""
    table = _numpy_state.get("table")
    if table is None:
        import numpy as np

        table = np.arange(0x10000, dtype=np.uint64)
        index = np.arange(_S_COUNT, dtype=np.uint64)
        tail = index % _T_COUNT
        table[_S_BASE : _S_BASE + _S_COUNT] = (
            (_L_BASE + index // _N_COUNT)
            | ((_V_BASE + index % _N_COUNT // _T_COUNT) << 16)
            | (np.where(tail > 0, _T_BASE + tail, 0) << 32)
        )
        _numpy_state["np"] = np
        _numpy_state["table"] = table
    return table


def _decompose_numpy(text: str) -> str | None:
    """Gather every UTF-16 unit's 4-slot row, drop the empty slots; None when the text cannot take this path."""
    try:
        table = _numpy_decompose_table()
    except ImportError:  # NumPy is a project dependency, but this module must work without it
        return None
    np = _numpy_state["np"]
    u16 = np.uint16
    parts = []
    for start in range(0, len(text), _NUMPY_CHUNK):
        try:
            units = text[start : start + _NUMPY_CHUNK].encode("utf-16-le")
        except UnicodeEncodeError:  # lone surrogates: UTF-16 could pair them up, so keep them off this path
            return None
        slots = table.take(np.frombuffer(units, dtype=u16)).view(u16)
        keep = slots != 0
        keep[::4] = True  # slot 0 is always the character or its lead, even U+0000
        parts.append(slots.compress(keep).tobytes())
    return b"".join(parts).decode("utf-16-le")


def _compose_numpy(text: str) -> str | None:
    """Compose every modern lead+vowel(+tail) run with array arithmetic, chunk by chunk; leftovers stay as they are.

    Chunks end where :func:`complete_prefix` says nothing can join across, so runs are never cut. None when the
    text cannot take this path (no NumPy, lone surrogates).
    """
    try:
        _numpy_decompose_table()  # imports NumPy once
    except ImportError:
        return None
    np = _numpy_state["np"]
    parts = []
    start, n = 0, len(text)
    while start < n:
        chunk = text[start : start + _NUMPY_CHUNK]
        if start + len(chunk) < n:
            chunk = complete_prefix(chunk)[0] or chunk
        start += len(chunk)
        try:
            units = np.frombuffer(chunk.encode("utf-16-le"), dtype=np.uint16).astype(np.int32)
        except UnicodeEncodeError:
            return None
        lead = units[:-1] - _L_BASE
        vowel = units[1:] - _V_BASE
        is_start = (lead >= 0) & (lead < _L_COUNT) & (vowel >= 0) & (vowel < _V_COUNT)
        if not is_start.any():
            parts.append(chunk)
            continue
        tail = np.zeros(len(units), dtype=np.int32)
        tail[:-2] = units[2:] - _T_BASE
        has_tail = np.zeros(len(units), dtype=bool)
        has_tail[:-1] = is_start & (tail[:-1] > 0) & (tail[:-1] < _T_COUNT)
        starts = np.flatnonzero(is_start)
        tails = has_tail[starts]
        tail_index = np.where(tails, tail[starts], 0)
        units[starts] = _S_BASE + (lead[starts] * _V_COUNT + vowel[starts]) * _T_COUNT + tail_index
        keep = np.ones(len(units), dtype=bool)
        keep[starts + 1] = False
        keep[starts[tails] + 2] = False
        parts.append(units.compress(keep).astype(np.uint16).tobytes().decode("utf-16-le"))
    return "".join(parts)


def require_str(value: object, func: str, arg: str = "text") -> None:
    """Raise TypeError naming the function and argument unless ``value`` is a str (bytes and None included)."""
    if not isinstance(value, str):
        raise TypeError(f"{func}() expects {arg} as str, got {type(value).__name__}")


def decompose(text: str) -> str:
    """Replace every Hangul syllable by its conjoining jamo (leading, vowel, optional trailing); nothing else changes.

    Compatibility jamo (ㅋㅋ), Latin, emoji, lone surrogates and conjoining jamo already in the text pass through
    as they are, so the jamo stream a model sees keeps everything the text had.
    """
    require_str(text, "decompose")
    if len(text) >= _NUMPY_MIN_CHARS:
        result = _decompose_numpy(text)
        if result is not None:
            return result
    return text.translate(_DECOMPOSE_TABLE)


def compose(text: str) -> str:
    """Turn conjoining-jamo runs back into syllables: the inverse of :func:`decompose`.

    ``compose(decompose(s)) == s`` for every string ``s`` that contains none of the 67 modern conjoining jamo
    (:data:`LEADS`, :data:`VOWELS`, :data:`TAILS`) of its own: compatibility jamo, incomplete syllables typed as
    ㄱㅏ, all non-Hangul text and archaic conjoining jamo round-trip exactly. The last matters on real data: NSMC
    reviews use the archaic vowels ᆞ and ᆢ as dots right after a syllable (``"넘조아요ᆞᆢ"``), and the syllable
    before them must come back whole.

    For any other input (a model's output, or text that already held conjoining jamo) it is lenient and never
    raises:

    - each modern leading consonant + vowel (+ trailing consonant) becomes one syllable, left to right;
    - every modern conjoining jamo left over (a vowel with no lead, a tail with no vowel, a lone lead, a second
      tail) becomes the matching compatibility jamo (ᄀ → ㄱ, ᅡ → ㅏ, ᆨ → ㄱ), so the screen never shows loose
      conjoining jamo;
    - modern jamo left over inside an old-Hangul cluster (leads, vowels, tails holding at least one archaic jamo
      or a filler) stay as written, so medieval text such as ᄒᆞᆫ still renders as one block; archaic jamo
      themselves are never changed. (A modern lead + vowel is always composed first, so 가ᆞ gives 가ᆞ.)

    Consequently a string that already holds a well-formed modern sequence such as ``"\\u1100\\u1161"`` composes to
    ``"가"``: the identity is promised for decompose's output, not for arbitrary conjoining input.
    """
    require_str(text, "compose")
    result = _compose_numpy(text) if len(text) >= _NUMPY_MIN_CHARS else None
    if result is None:
        parts = _SYLLABLE_SPLIT_RE.split(text)
        parts[1::2] = map(_COMPOSE_TABLE.__getitem__, parts[1::2])
        result = "".join(parts)
    if _MODERN_JAMO_RE.search(result) is None:
        return result
    if _OLD_JAMO_RE.search(result) is None:
        return result.translate(_TO_COMPAT_TABLE)
    return _LEFTOVER_RE.sub(_leftover_match, result)


def _leftover_match(match: re.Match[str]) -> str:
    if match.lastgroup == "one":
        return _TO_COMPAT_TABLE[ord(match[0])]
    return match[0]


def to_compat(text: str, *, archaic: bool = False) -> str:
    """Show modern conjoining jamo as compatibility jamo (ᄀ → ㄱ, ᅡ → ㅏ, ᆨ → ㄱ) without composing anything.

    For displaying a single jamo token or a jamo vocabulary, where conjoining jamo would otherwise render as
    half-width fragments or merge with their neighbours. Syllables and all other text are untouched, and so are
    archaic jamo unless ``archaic=True``: then every archaic conjoining jamo that has a compatibility letter of the
    same Unicode name (or one that normalises to it) becomes it (ᆞ → ㆍ, ᇹ → ㆆ, ᄔ → ㅥ; python-jamo's 59 and
    the Extended-A/B jamo that have one), which is lossy (ᄔ and ᇿ both become ㅥ), so it is for display and
    search, not for a round trip.
    """
    require_str(text, "to_compat")
    if archaic:
        from hangul_rnn.jamo_forms import conjoining_to_compat_table

        return text.translate(conjoining_to_compat_table())
    return text.translate(_TO_COMPAT_TABLE)


# --- compatibility jamo -> conjoining jamo -------------------------------------------------------------------

# What a person types on a two-set keyboard as two keys but writes as one jamo: tail clusters and compound vowels.
_TYPED_CLUSTERS = {"ㄱㅅ": "ㄳ", "ㄴㅈ": "ㄵ", "ㄴㅎ": "ㄶ", "ㄹㄱ": "ㄺ", "ㄹㅁ": "ㄻ", "ㄹㅂ": "ㄼ", "ㄹㅅ": "ㄽ",
                   "ㄹㅌ": "ㄾ", "ㄹㅍ": "ㄿ", "ㄹㅎ": "ㅀ", "ㅂㅅ": "ㅄ"}
_TYPED_VOWELS = {"ㅗㅏ": "ㅘ", "ㅗㅐ": "ㅙ", "ㅗㅣ": "ㅚ", "ㅜㅓ": "ㅝ", "ㅜㅔ": "ㅞ", "ㅜㅣ": "ㅟ", "ㅡㅣ": "ㅢ"}
_CV = f"[{_VOWELS_COMPAT}]"
# One syllable spelled in compatibility jamo: a lead, a vowel (or two typed as one compound), and a tail that is
# taken only when no vowel follows it (a consonant before a vowel leads the next syllable). A typed cluster is
# tried before its first consonant alone, so ㄹㄱ + ㅇ gives ㄺ but ㄹ + ㄱㅏ gives ㄹ then 가.
_COMPAT_SYLLABLE_RE = re.compile(
    f"([{_LEADS_COMPAT}])"
    f"({'|'.join(_TYPED_VOWELS)}|{_CV})"
    f"((?:{'|'.join(_TYPED_CLUSTERS)}|[{_TAILS_COMPAT}])(?!{_CV}))?"
)
# A cluster letter between two vowels gives its last consonant to the next syllable (닭 + ㅏ → 달가), as an IME does.
_SPLIT_CLUSTER = {v: k for k, v in _TYPED_CLUSTERS.items()}
_COMPAT_NUCLEUS = f"(?:(?<=[{_LEADS_COMPAT}]{_CV})|(?<=[{_LEADS_COMPAT}](?:{'|'.join(_TYPED_VOWELS)})))"
_CLUSTER_BEFORE_VOWEL_RE = re.compile(f"{_COMPAT_NUCLEUS}([{''.join(_SPLIT_CLUSTER)}])(?={_CV})")
_LEAD_OF_COMPAT = dict(zip(_LEADS_COMPAT, LEADS))
_VOWEL_OF_COMPAT = {**dict(zip(_VOWELS_COMPAT, VOWELS)), **{k: _VOWEL_FROM_ANY[v] for k, v in _TYPED_VOWELS.items()}}
_TAIL_OF_COMPAT: dict[str | None, str] = {
    None: "",
    **dict(zip(_TAILS_COMPAT, TAILS)),
    **{k: _TAIL_FROM_ANY[v] for k, v in _TYPED_CLUSTERS.items()},
}


def from_compat(text: str) -> str:
    """Turn syllables spelled in compatibility jamo into conjoining jamo, so :func:`compose` makes them syllables.

    ``compose(from_compat("ㅇㅏㄴㄴㅕㅇ")) == "안녕"``. Compatibility jamo do not say whether a consonant ends a
    syllable or starts the next, so the rule every peer uses decides: a consonant right before a vowel leads that
    vowel's syllable, any consonant before it is the previous syllable's tail. Beyond the peers (which give
    ``달ㄱ이`` and ``고ㅏ``), what a two-set keyboard types as two keys joins as an IME joins it:

    - two tail consonants that form a cluster join, the last one leading instead when a vowel follows:
      ``ㄷㅏㄹㄱㅇㅣ`` → 닭이, ``ㄱㅏㅂㅅ`` → 값, ``ㄷㅏㄹㄱㅏ`` → 달가; a cluster letter before a vowel splits
      the same way (``ㄷㅏㄺㅏ`` → 달가);
    - two vowels that form a compound join after a lead (``ㄱㅗㅏ`` → 과, ``ㅇㅡㅣ`` → 의);
    - double consonants are single keys (shift) and are never built from two (``ㄱㄱㅏ`` stays ㄱ + 가).

    Everything that forms no syllable stays as it is, compatibility jamo included: ``ㅋㅋ``, ``ㅠㅠ``, a vowel
    with no lead, a consonant no syllable can take (``ㄱㅏㄸ`` → 가 + ㄸ), archaic and half-width jamo (see
    :func:`hangul_rnn.jamo_forms.from_halfwidth`), and syllables: a compatibility jamo is never joined to a
    precomposed syllable next to it (``가ㄴ`` stays). Ambiguous on purpose, by that rule: ``ㅋㅋㅠㅠ`` → ㅋ큐ㅠ
    (a consonant before a vowel leads), ``ㄱㅏㄱㅏ`` → 가가 (never 각 + ㅏ).

    Exact inverse of ``to_compat`` on decompose's output: ``compose(from_compat(to_compat(decompose(s)))) == s``
    for every ``s`` without modern conjoining jamo in which no compatibility jamo touches a Hangul syllable and
    no compatibility consonant is directly followed by a compatibility vowel (tests/test_from_compat.py).
    """
    require_str(text, "from_compat")
    if len(text) >= _NUMPY_MIN_CHARS:
        from hangul_rnn.from_compat_numpy import from_compat_numpy

        result = from_compat_numpy(text)
        if result is not None:
            return result
    return _from_compat_regex(text)


def _from_compat_regex(text: str) -> str:
    if _CLUSTER_BEFORE_VOWEL_RE.search(text) is not None:
        text = _CLUSTER_BEFORE_VOWEL_RE.sub(lambda m: _SPLIT_CLUSTER[m[1]], text)
    parts: list[Any] = _COMPAT_SYLLABLE_RE.split(text)
    if len(parts) == 1:
        return text
    parts[1::4] = map(_LEAD_OF_COMPAT.__getitem__, parts[1::4])
    parts[2::4] = map(_VOWEL_OF_COMPAT.__getitem__, parts[2::4])
    parts[3::4] = map(_TAIL_OF_COMPAT.__getitem__, parts[3::4])
    return "".join(parts)


def complete_prefix(text: str) -> tuple[str, str]:
    """Split a growing jamo stream into ``(ready, pending)`` with ``ready + pending == text`` (both still jamo).

    ``ready`` can be composed and shown now: no character appended later can change how it composes. ``pending``
    is what the next characters may still join: a final leading consonant (it may get a vowel) or a final
    leading consonant + vowel (it may get a trailing consonant). A final lead + vowel + tail is complete, because
    a syllable takes nothing after its tail. So for a streaming decoder::

        buffer += piece
        ready, buffer = complete_prefix(buffer)
        show(compose(ready))

    shows exactly ``compose(whole_stream)`` once the stream ends and the last ``compose(buffer)`` is shown. This
    holds for streams of modern jamo and other text (what a model trained on modern Korean emits); a stream
    that brings archaic jamo may regroup the syllable before them, as :func:`compose` keeps old-Hangul clusters
    whole.
    """
    if text and text[-1] in _LEAD_SET:
        return text[:-1], text[-1:]
    if len(text) >= 2 and text[-1] in _VOWEL_SET and text[-2] in _LEAD_SET:
        return text[:-2], text[-2:]
    return text, ""


_LEAD_SET = frozenset(LEADS)
_VOWEL_SET = frozenset(VOWELS)
