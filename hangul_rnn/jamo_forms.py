"""The other shapes a jamo takes: compound jamo and their parts, archaic and half-width jamo, and what each jamo is.

:mod:`hangul_rnn.jamo` handles the syllable <-> jamo arithmetic; this module handles the jamo themselves:

- compound jamo (ㄲ, ㄳ, ㅘ and their conjoining forms) split into their parts and back, because a model or a
  search index that sees ㄹ + ㄱ instead of ㄺ shares statistics between 닭 and 달;
- half-width jamo (U+FFA0–FFDC, from old Korean encodings) and compatibility jamo, one-to-one both ways, because
  NFKC turns half-width jamo into *conjoining* jamo that then compose with their neighbours;
- the classification of every jamo Unicode has (form, position in a syllable, modern or archaic), and the
  compatibility letter of each conjoining jamo, archaic ones included (used by ``jamo.to_compat(archaic=True)``).

Everything is built from the tables in :mod:`hangul_rnn.jamo` and the Unicode names in :mod:`unicodedata`, so the
archaic tables cover what the running Python's Unicode database names, not a list copied by hand. No NumPy: the
string functions are ``str.translate`` or one regex pass.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any, NamedTuple

from hangul_rnn import jamo as J

__all__ = [
    "JamoClass",
    "classify_jamo",
    "from_halfwidth",
    "is_compound_jamo",
    "is_jamo",
    "join_compound",
    "join_jamo",
    "split_compound",
    "split_jamo",
    "to_halfwidth",
]

# --- compound jamo ----------------------------------------------------------------------------------------------

_COMPAT_DOUBLES = {"ㄲ": "ㄱㄱ", "ㄸ": "ㄷㄷ", "ㅃ": "ㅂㅂ", "ㅆ": "ㅅㅅ", "ㅉ": "ㅈㅈ"}
_COMPAT_PARTS = {
    **_COMPAT_DOUBLES,
    **{joined: pair for pair, joined in J._TYPED_CLUSTERS.items()},
    **{joined: pair for pair, joined in J._TYPED_VOWELS.items()},
}


def _conjoining_parts() -> dict[str, str]:
    """The modern compound conjoining jamo, each split into parts of its own position (ᆪ → ᆨᆺ, ᄁ → ᄀᄀ)."""
    parts = {}
    for compound, pair in _COMPAT_PARTS.items():
        first, second = pair[0], pair[1]
        for table in (J._LEAD_FROM_ANY, J._VOWEL_FROM_ANY, J._TAIL_FROM_ANY):
            if compound in table and first in table and second in table:
                parts[table[compound]] = table[first] + table[second]
    return parts


_PARTS: dict[str, str] = {**_COMPAT_PARTS, **_conjoining_parts()}
_JOIN: dict[str, str] = {pair: compound for compound, pair in _PARTS.items()}


def _split_table(parts: dict[str, str]) -> list[Any]:
    """A str.translate table indexed by code point (faster than a dict); IndexError past its end means unchanged."""
    table: list[Any] = list(range(max(map(ord, parts)) + 1))
    for compound, pair in parts.items():
        table[ord(compound)] = pair
    return table


_SPLIT_TABLES = {
    True: _split_table(_PARTS),
    False: _split_table({c: p for c, p in _PARTS.items() if c not in _COMPAT_DOUBLES}),
}
_CONJOINING_PAIR_RE = re.compile("|".join(pair for pair in _JOIN if J.is_conjoining_jamo(pair[0])))


def is_compound_jamo(ch: str) -> bool:
    """True for one modern compound jamo, compatibility or conjoining: a double consonant (ㄲ ㄸ ㅃ ㅆ ㅉ), a tail
    cluster (ㄳ … ㅄ) or a compound vowel (ㅘ ㅙ ㅚ ㅝ ㅞ ㅟ ㅢ). ㅐ, ㅔ, ㅒ, ㅖ count as simple letters, as in
    the Korean alphabet's 24 + 16 (and in every peer).
    """
    J.require_str(ch, "is_compound_jamo", "ch")
    return ch in _PARTS


def split_jamo(ch: str) -> tuple[str, ...]:
    """The parts of one compound jamo in its own form (``"ㄺ"`` → ``("ㄹ", "ㄱ")``, ``"ᆰ"`` → ``("ᆯ", "ᆨ")``);
    any other single character comes back alone, ``(ch,)``, as python-jamo's ``decompose_jamo`` does."""
    J.require_str(ch, "split_jamo", "ch")
    if len(ch) != 1:
        raise ValueError(f"split_jamo expects one character, got {ch!r}")
    return tuple(_PARTS.get(ch, ch))


def join_jamo(first: str, second: str) -> str:
    """The compound jamo of two parts of the same form: ``join_jamo("ㅂ", "ㅅ") == "ㅄ"``, ``join_jamo("ㅗ", "ㅏ")
    == "ㅘ"``, ``join_jamo("ᆸ", "ᆺ") == "ᆹ"``. Conjoining parts keep their position, so ``join_jamo("ᄇ", "ᄉ")``
    fails: modern Korean has no leading ㅄ. Raises ValueError when the two form no modern compound jamo."""
    J.require_str(first, "join_jamo", "first")
    J.require_str(second, "join_jamo", "second")
    joined = _JOIN.get(first + second) if len(first) == len(second) == 1 else None
    if joined is None:
        raise ValueError(f"join_jamo: {first!r} + {second!r} form no modern compound jamo")
    return joined


def split_compound(text: str, *, doubles: bool = True) -> str:
    """Replace every modern compound jamo in ``text`` by its parts (ㄺ → ㄹㄱ, ᆰ → ᆯᆨ, ㅢ → ㅡㅣ); syllables and
    everything else are untouched (decompose first to reach the jamo inside syllables).

    ``doubles=False`` keeps compatibility ㄲ ㄸ ㅃ ㅆ ㅉ whole: what a two-set keyboard types with one key, so
    ``from_compat(split_compound(to_compat(decompose(s)), doubles=False))`` rebuilds ``decompose(s)`` for all
    modern Hangul. Conjoining jamo are always split in full, since :func:`join_compound` restores them exactly.
    """
    J.require_str(text, "split_compound")
    if len(text) >= J._NUMPY_MIN_CHARS:
        result = _split_numpy(text, doubles)
        if result is not None:
            return result
    return text.translate(_SPLIT_TABLES[doubles])


def _split_numpy(text: str, doubles: bool) -> str | None:
    """decompose's NumPy trick: one uint32 per UTF-16 unit holding the unit or its two parts, empty slots dropped.
    None without NumPy or with lone surrogates."""
    try:
        import numpy as np

        units = np.frombuffer(text.encode("utf-16-le"), dtype=np.uint16)
    except (ImportError, UnicodeEncodeError):
        return None
    key = f"split_compound_{doubles}"
    table = J._numpy_state.get(key)
    if table is None:
        table = np.arange(0x10000, dtype=np.uint32)
        for compound, pair in _PARTS.items():
            if doubles or compound not in _COMPAT_DOUBLES:
                table[ord(compound)] = ord(pair[0]) | ord(pair[1]) << 16
        table = J._numpy_state[key] = table
    slots = table.take(units).view(np.uint16)
    keep = slots != 0
    keep[::2] = True  # slot 0 is always the character or its first part, even U+0000
    return str(slots.compress(keep).tobytes().decode("utf-16-le"))


def join_compound(text: str) -> str:
    """Inverse of :func:`split_compound` on conjoining jamo: two adjacent leads, vowels or tails that form a
    compound become it, left to right. ``join_compound(split_compound(decompose(s))) == decompose(s)`` for every
    ``s`` without conjoining jamo or compatibility compound jamo of its own, because a syllable has one lead, one
    vowel and one tail, so adjacent conjoining jamo of one position only come from a split.

    Compatibility jamo are left alone: ``ㄱㄱ`` and ``ㅅㅅ`` in chat text are not ㄲ and ㅆ. Join a typed pair
    with :func:`join_jamo`, or a whole typed text with :func:`hangul_rnn.jamo.from_compat`.
    """
    J.require_str(text, "join_compound")
    return _CONJOINING_PAIR_RE.sub(lambda m: _JOIN[m[0]], text)


# --- half-width jamo --------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _halfwidth_tables() -> tuple[dict[int, str], dict[int, str]]:
    """(half-width -> compatibility, compatibility -> half-width), matched by Unicode name (52 each way)."""
    to_compat = {}
    for cp in range(0xFFA0, 0xFFDD):
        name = unicodedata.name(chr(cp), "")
        if name.startswith("HALFWIDTH HANGUL "):
            to_compat[cp] = unicodedata.lookup(name.removeprefix("HALFWIDTH "))
    return to_compat, {ord(compat): chr(cp) for cp, compat in to_compat.items()}


def from_halfwidth(text: str) -> str:
    """Half-width jamo (U+FFA0–FFDC, e.g. ﾡ) → the compatibility jamo of the same name (ㄱ); all else unchanged.

    Exact both ways with :func:`to_halfwidth` for the 51 modern letters and the filler. Use it before
    :func:`hangul_rnn.jamo.from_compat` on text from old terminals or EUC-KR/Johab conversions.
    """
    J.require_str(text, "from_halfwidth")
    return text.translate(_halfwidth_tables()[0])


def to_halfwidth(text: str) -> str:
    """Modern compatibility jamo and the Hangul filler → half-width jamo; archaic letters have none and stay."""
    J.require_str(text, "to_halfwidth")
    return text.translate(_halfwidth_tables()[1])


# --- classification and archaic jamo ----------------------------------------------------------------------------

_CONJOINING_ROLES = {"HANGUL CHOSEONG ": "lead", "HANGUL JUNGSEONG ": "vowel", "HANGUL JONGSEONG ": "tail"}
_FORM_PREFIXES = {"HANGUL ": "compatibility", "HALFWIDTH HANGUL ": "halfwidth"}
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
_MODERN_LETTERS = {"lead": J._LEADS_COMPAT, "vowel": J._VOWELS_COMPAT, "tail": J._TAILS_COMPAT}
_CONJOINING_RANGE = (*range(0x1100, 0x1200), *range(0xA960, 0xA980), *range(0xD7B0, 0xD800))


class JamoClass(NamedTuple):
    """What one jamo is: ``form`` is "conjoining", "compatibility" or "halfwidth"; ``roles`` the positions it can
    take in a syllable, a subset of ("lead", "vowel", "tail") in that order, or ("filler",); ``modern`` whether
    modern Korean uses it (the 67 conjoining and 51 compatibility/half-width letters of today's syllables, and the
    fillers) rather than only Middle Korean."""

    form: str
    roles: tuple[str, ...]
    modern: bool


@lru_cache(maxsize=1)
def _letters() -> dict[str, tuple[str, ...]]:
    """Compatibility letter name (the part after "HANGUL LETTER ") -> the roles of conjoining jamo of that name."""
    roles: dict[str, list[str]] = {}
    for cp in _CONJOINING_RANGE:
        name = unicodedata.name(chr(cp), "")
        for prefix, role in _CONJOINING_ROLES.items():
            if name.startswith(prefix) and not name.endswith("FILLER"):
                roles.setdefault(name.removeprefix(prefix), []).append(role)
    return {letter: tuple(r for r in ("lead", "vowel", "tail") if r in found) for letter, found in roles.items()}


@lru_cache(maxsize=1)
def conjoining_to_compat_table() -> dict[int, str]:
    """Every conjoining jamo with a compatibility letter → that letter (for ``jamo.to_compat(archaic=True)``).

    The letter of the same Unicode name (ᇹ HANGUL JONGSEONG YEORINHIEUH → ㆆ HANGUL LETTER YEORINHIEUH), or the
    conjoining jamo the letter itself normalises to under NFKC where the names differ (ᆡ ARAEA-I ← ㆎ ARAEAE).
    Fillers are not letters and stay.
    """
    table = dict(J._TO_COMPAT_TABLE)
    for cp in range(0x3131, 0x318F):
        target = unicodedata.normalize("NFKC", chr(cp))
        if cp != 0x3164 and len(target) == 1 and J.is_conjoining_jamo(target):
            table.setdefault(ord(target), chr(cp))
    for cp in _CONJOINING_RANGE:
        name = unicodedata.name(chr(cp), "")
        prefix = next((p for p in _CONJOINING_ROLES if name.startswith(p)), None)
        if prefix is not None and not name.endswith("FILLER"):
            try:
                table.setdefault(cp, unicodedata.lookup("HANGUL LETTER " + name.removeprefix(prefix)))
            except KeyError:  # no compatibility letter of that name
                pass
    return table


def is_jamo(ch: str) -> bool:
    """True for one jamo of any form: conjoining (modern or archaic, fillers included), compatibility (U+3131–318E
    and the filler U+3164) or half-width (U+FFA0–FFDC). Syllables are not jamo."""
    J.require_str(ch, "is_jamo", "ch")
    if len(ch) != 1:
        return False
    cp = ord(ch)
    in_blocks = J.is_conjoining_jamo(ch) or 0x3131 <= cp <= 0x318E or cp == 0x3164 or 0xFFA0 <= cp <= 0xFFDC
    return in_blocks and unicodedata.name(ch, "") != ""


def classify_jamo(ch: str) -> JamoClass:
    """Form, possible positions and modernity of one jamo (:class:`JamoClass`); ValueError for anything else.

    A compatibility or half-width consonant does not say where it stands, so its roles are every position the
    letter takes: ``classify_jamo("ㄱ").roles == ("lead", "tail")``, ㄸ only leads and ㄳ only ends a modern
    syllable; an archaic letter gets the positions of the conjoining jamo of its name (ㅿ: lead and tail).
    """
    J.require_str(ch, "classify_jamo", "ch")
    if not is_jamo(ch):
        raise ValueError(f"classify_jamo expects one jamo (conjoining, compatibility or half-width), got {ch!r}")
    name = unicodedata.name(ch)
    if J.is_conjoining_jamo(ch):
        if ch in _FILLERS:
            return JamoClass("conjoining", ("filler",), True)
        role = next(r for prefix, r in _CONJOINING_ROLES.items() if name.startswith(prefix))
        return JamoClass("conjoining", (role,), ord(ch) in J._TO_COMPAT_TABLE)
    form = "halfwidth" if name.startswith("HALFWIDTH") else "compatibility"
    if ch in _FILLERS:
        return JamoClass(form, ("filler",), True)
    letter = unicodedata.lookup(name.removeprefix("HALFWIDTH ")) if form == "halfwidth" else ch
    modern = 0x3131 <= ord(letter) <= 0x3163
    if modern:
        roles = [r for r, letters in _MODERN_LETTERS.items() if letter in letters]
    else:
        roles = list(_letters().get(name.removeprefix("HANGUL LETTER "), ()))
        target = unicodedata.normalize("NFKC", letter)
        if len(target) == 1 and J.is_conjoining_jamo(target):
            roles.append(classify_jamo(target).roles[0])
    return JamoClass(form, tuple(r for r in ("lead", "vowel", "tail") if r in roles), modern)
