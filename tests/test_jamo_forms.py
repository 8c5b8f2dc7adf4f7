"""jamo_forms: compound jamo, half-width jamo, classification, archaic jamo as compatibility letters."""

from __future__ import annotations

import subprocess
import sys
import unicodedata

import jamo as jamo_pkg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hangul_rnn import jamo as J
from hangul_rnn import jamo_forms as F

MODERN_CONJOINING = frozenset(J.LEADS + J.VOWELS + J.TAILS)
CONJOINING_RANGE = [*range(0x1100, 0x1200), *range(0xA960, 0xA980), *range(0xD7B0, 0xD800)]

# --- compound jamo --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("compound", "parts"),
    [("ㄸ", "ㄷㄷ"), ("ㄲ", "ㄱㄱ"), ("ㄺ", "ㄹㄱ"), ("ㅄ", "ㅂㅅ"), ("ㄶ", "ㄴㅎ"), ("ㅢ", "ㅡㅣ"), ("ㅘ", "ㅗㅏ"),
     ("ㅞ", "ㅜㅔ"), ("ᄁ", "ᄀᄀ"), ("ᆩ", "ᆨᆨ"), ("ᆪ", "ᆨᆺ"), ("ᆰ", "ᆯᆨ"), ("ᅴ", "ᅳᅵ")],
)
def test_split_and_join_each_compound(compound: str, parts: str) -> None:
    assert F.is_compound_jamo(compound)
    assert F.split_jamo(compound) == tuple(parts)
    assert F.join_jamo(*parts) == compound
    assert F.split_compound(compound) == parts


def test_compound_counts_and_simple_letters() -> None:
    compat = [c for c in map(chr, range(0x3131, 0x3164)) if F.is_compound_jamo(c)]
    assert len(compat) == 5 + 11 + 7  # doubles, tail clusters, compound vowels
    conjoining = [c for c in MODERN_CONJOINING if F.is_compound_jamo(c)]
    assert len(conjoining) == 5 + 2 + 11 + 7  # lead doubles, tail doubles ㄲ ㅆ, tail clusters, compound vowels
    for simple in "ㄱㅐㅔㅒㅖ가a":
        assert not F.is_compound_jamo(simple)
        assert F.split_jamo(simple) == (simple,)


@pytest.mark.parametrize(
    ("first", "second"), [("ㅂ", "ㄱ"), ("ᄇ", "ᄉ"), ("ㅂ", "ᆺ"), ("ᆨ", "ᄀ"), ("ㅏ", "ㅗ"), ("ㄱ", "")]
)
def test_join_jamo_refuses_what_forms_no_modern_compound(first: str, second: str) -> None:
    with pytest.raises(ValueError, match="form no modern compound jamo"):
        F.join_jamo(first, second)


def test_split_compound_keeps_doubles_when_asked_and_leaves_syllables() -> None:
    assert F.split_compound("닭 ㄲㄺ ᄁ") == "닭 ㄱㄱㄹㄱ ᄀᄀ"
    assert F.split_compound("ㄲㄺㅆ ᄁ", doubles=False) == "ㄲㄹㄱㅆ ᄀᄀ"
    assert F.join_compound("ㄱㄱ ㅅㅅ") == "ㄱㄱ ㅅㅅ"  # compatibility pairs in chat text are not ㄲ ㅆ


# The stated class: no conjoining jamo and no compatibility compound jamo of its own (those split for good).
no_conjoining = st.characters(exclude_categories=()).filter(
    lambda c: not J.is_conjoining_jamo(c) and not F.is_compound_jamo(c))
hangul_char = st.one_of(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), no_conjoining)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=hangul_char))
def test_split_join_round_trip_on_decomposed_text(s: str) -> None:
    d = J.decompose(s)
    split = F.split_compound(d)
    assert F.join_compound(split) == d
    assert not any(F.is_compound_jamo(c) for c in split)
    assert J.compose(F.join_compound(split)) == s


def test_every_syllable_splits_and_joins() -> None:
    d = J.decompose("".join(map(chr, range(0xAC00, 0xD7A4))))
    assert F.join_compound(F.split_compound(d)) == d


# --- half-width jamo ------------------------------------------------------------------------------------------


def test_halfwidth_is_one_to_one_with_modern_compatibility_jamo() -> None:
    halfwidth = "".join(c for c in map(chr, range(0xFFA0, 0xFFDD)) if unicodedata.name(c, ""))
    assert len(halfwidth) == 52
    compat = F.from_halfwidth(halfwidth)
    assert compat == "\u3164" + "".join(map(chr, range(0x3131, 0x3164)))
    assert F.to_halfwidth(compat) == halfwidth
    assert F.from_halfwidth("ﾡￂ 가") == "ㄱㅏ 가"
    assert J.compose(J.from_compat(F.from_halfwidth("ﾾￂﾤ"))) == "한"
    assert F.to_halfwidth("ㆍ가") == "ㆍ가"  # archaic letters have no half-width form


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_halfwidth_round_trip(s: str) -> None:
    no_compat = "".join(c for c in s if not 0x3131 <= ord(c) <= 0x3164)
    assert F.from_halfwidth(F.to_halfwidth(no_compat + "ㄱㅏ")) == no_compat + "ㄱㅏ"


# --- archaic jamo and classification --------------------------------------------------------------------------


def test_archaic_to_compat_agrees_with_python_jamo_and_extends_it() -> None:
    ours = F.conjoining_to_compat_table()
    theirs = {}
    for cp in range(0x1100, 0x1200):
        try:
            letter = jamo_pkg.j2hcj(chr(cp))
        except Exception:  # python-jamo raises for jamo it has no data for
            continue
        if letter != chr(cp):
            theirs[cp] = letter
    assert len(theirs) == 67 + 59
    assert all(ours[cp] == letter for cp, letter in theirs.items())
    assert set(ours) > set(theirs)  # Extended-A/B jamo that have a letter of their name, and ᆡ ← ㆎ by NFKC
    assert J.to_compat("ᆞᇹᄔᇿ", archaic=True) == "ㆍㆆㅥㅥ"
    assert J.to_compat("ᆞ") == "ᆞ"
    assert J.to_compat("\u115f\u1160", archaic=True) == "\u115f\u1160"  # fillers are not letters


@pytest.mark.parametrize(
    ("ch", "form", "roles", "modern"),
    [
        ("ㄱ", "compatibility", ("lead", "tail"), True),
        ("ㄸ", "compatibility", ("lead",), True),
        ("ㄳ", "compatibility", ("tail",), True),
        ("ㅏ", "compatibility", ("vowel",), True),
        ("ㅿ", "compatibility", ("lead", "tail"), False),
        ("ㆍ", "compatibility", ("vowel",), False),
        ("ㆎ", "compatibility", ("vowel",), False),
        ("\u3164", "compatibility", ("filler",), True),
        ("ᄀ", "conjoining", ("lead",), True),
        ("ᅡ", "conjoining", ("vowel",), True),
        ("ᆨ", "conjoining", ("tail",), True),
        ("ᆞ", "conjoining", ("vowel",), False),
        ("ᇹ", "conjoining", ("tail",), False),
        ("\ua960", "conjoining", ("lead",), False),
        ("\ud7cb", "conjoining", ("tail",), False),
        ("\u115f", "conjoining", ("filler",), True),
        ("\u1160", "conjoining", ("filler",), True),
        ("ﾡ", "halfwidth", ("lead", "tail"), True),
        ("ￂ", "halfwidth", ("vowel",), True),
        ("\uffa0", "halfwidth", ("filler",), True),
    ],
)
def test_classify_jamo(ch: str, form: str, roles: tuple[str, ...], modern: bool) -> None:
    assert F.classify_jamo(ch) == F.JamoClass(form, roles, modern)


def test_every_assigned_jamo_is_classified() -> None:
    blocks = [*CONJOINING_RANGE, *range(0x3131, 0x318F), *range(0xFFA0, 0xFFDD)]
    counts: dict[tuple[str, bool], int] = {}
    for cp in blocks:
        ch = chr(cp)
        if not unicodedata.name(ch, ""):
            assert not F.is_jamo(ch)
            continue
        info = F.classify_jamo(ch)
        assert info.roles, ch
        counts[info.form, info.modern] = counts.get((info.form, info.modern), 0) + 1
    assert counts["conjoining", True] == 67 + 2  # and the two fillers
    assert counts["compatibility", True] == 51 + 1
    assert counts["halfwidth", True] == 52
    for ch in ("가", "a", "", "ㄱㄱ", "\u3130"):
        assert not F.is_jamo(ch)
    with pytest.raises(ValueError, match="expects one jamo"):
        F.classify_jamo("가")


@pytest.mark.parametrize(
    "func",
    [F.split_compound, F.join_compound, F.from_halfwidth, F.to_halfwidth, F.is_compound_jamo, F.split_jamo,
     F.classify_jamo, F.is_jamo],
)
def test_wrong_types_raise_type_error(func: object) -> None:
    with pytest.raises(TypeError, match=r"expects \w+ as str, got bytes"):
        func(b"x")  # type: ignore[operator]
    with pytest.raises(TypeError, match="got NoneType"):
        F.join_jamo("ㅂ", None)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=1), st.booleans())
def test_long_split_takes_the_numpy_path_and_agrees(s: str, doubles: bool) -> None:
    big = (s + "ㄲㄺㅘᄁᆰᅪ\x00") * (3000 // (len(s) + 7) + 1)
    assert len(big) >= J._NUMPY_MIN_CHARS
    assert F.split_compound(big, doubles=doubles) == big.translate(F._SPLIT_TABLES[doubles])


def test_preprocessing_modules_import_neither_tensorflow_nor_numpy() -> None:
    code = ("import sys, hangul_rnn.jamo_forms, hangul_rnn.hangul\n"
            "hangul_rnn.hangul.attach_particle('사과', '을'); hangul_rnn.jamo.from_compat('ㄱㅏ')\n"
            "assert 'tensorflow' not in sys.modules and 'numpy' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
