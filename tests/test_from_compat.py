"""jamo.from_compat: the issue's examples, the documented ambiguous cases, exact round trips on the stated class,
agreement of the NumPy path with the regex path and with hangul-jamo's compose where both rules coincide."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hangul_rnn import jamo as J
from hangul_rnn import jamo_forms as F
from hangul_rnn.from_compat_numpy import from_compat_numpy

COMPAT = "".join(chr(cp) for cp in range(0x3131, 0x3164))
COMPAT_CONSONANTS = COMPAT[:30]
COMPAT_VOWELS = COMPAT[30:]
MODERN_CONJOINING = frozenset(J.LEADS + J.VOWELS + J.TAILS)


def fc(text: str) -> str:
    return J.compose(J.from_compat(text))


# --- examples and documented cases ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ㅇㅏㄴㄴㅕㅇ", "안녕"),  # the examples
        ("ㄷㅏㄹㄱㅇㅣ", "닭이"),
        ("ㅂㅏㄱㅅㅏ", "박사"),
        ("ㄷㅏㄺㅇㅣ", "닭이"),  # the cluster as one compatibility letter (what to_compat gives)
        ("ㄱㅏㅂㅅ", "값"),  # a typed ㅂ + ㅅ joins to ㅄ at the end of a syllable
        ("ㄱㅏㅂㅅㅇㅣ", "값이"),
        ("ㄷㅏㄹㄱㅏ", "달가"),  # a vowel follows: the last consonant leads instead
        ("ㄷㅏㄺㅏ", "달가"),  # a cluster letter before a vowel splits the same way
        ("ㄷㅗㅏㄺㅏ", "돨가"),
        ("ㄱㅗㅏ", "과"),  # compound vowels typed as two keys join after a lead
        ("ㅇㅡㅣㅅㅏ", "의사"),
        ("ㄱㅏㄹㄱㄱㅏ", "갉가"),
        ("ㄱㅏㅆㄷㅏ", "갔다"),  # a double consonant is one letter and may end a syllable
        ("ㄲㅏㄲㅏ", "까까"),
        ("ㄱㄱㅏ", "ㄱ가"),  # ... but is never built from two (ㄱㄱ is chat for 고고)
        ("ㄱㅏㄸ", "가ㄸ"),  # no modern syllable ends in ㄸ
        ("ㅋㅋㅋ", "ㅋㅋㅋ"),  # consonants alone, vowels alone: unchanged
        ("ㅠㅠ", "ㅠㅠ"),
        ("ㅗㅏ", "ㅗㅏ"),  # no lead, so no syllable and no compound vowel either
        ("ㅏㄺㅏ", "ㅏㄺㅏ"),  # the vowel before the cluster has no lead: nothing splits
        ("ㅋㅋㅠㅠ", "ㅋ큐ㅠ"),  # ambiguous: a consonant before a vowel leads it (every peer agrees)
        ("ㄱㅏㄱㅏ", "가가"),  # ambiguous: never 각 + ㅏ
        ("가ㄴ", "가ㄴ"),  # a syllable never takes a compatibility tail
        ("ㄴ가", "ㄴ가"),
        ("abc ㅎㅏㄴ글!", "abc 한글!"),
        ("ㆍㅏ ﾡㅏ ㅿㅏ", "ㆍㅏ ﾡㅏ ㅿㅏ"),  # archaic and half-width jamo are not touched
        ("", ""),
    ],
)
def test_documented_cases(typed: str, expected: str) -> None:
    assert fc(typed) == expected
    assert from_compat_numpy(typed) == J.from_compat(typed)


def test_output_is_conjoining_only_where_a_syllable_forms() -> None:
    assert J.from_compat("ㅋㄱㅏㅂㅅ") == "ㅋ\u1100\u1161\u11b9"
    assert J.from_compat("ㅋㅋ") == "ㅋㅋ"


@pytest.mark.parametrize("bad", [None, b"\xe3\x84\xb1", 3, ["ㄱ"]])
def test_wrong_types_raise_type_error(bad: object) -> None:
    for func in (J.from_compat, J.compose, J.decompose, J.to_compat):
        with pytest.raises(TypeError, match=rf"{func.__name__}\(\) expects text as str, got {type(bad).__name__}"):
            func(bad)  # type: ignore[arg-type]


# --- exact round trips ----------------------------------------------------------------------------------------

# The class with no compatibility jamo at all: syllables, archaic jamo, anything but modern conjoining jamo.
plain_char = st.one_of(
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),
    st.characters(exclude_categories=("Cs",)).filter(
        lambda c: c not in MODERN_CONJOINING and not 0x3131 <= ord(c) <= 0x318E),
    st.sampled_from(list(" .,!?\n1aᆞᆢﾡ")),
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=plain_char))
def test_round_trip_without_compatibility_jamo(s: str) -> None:
    d = J.decompose(s)
    assert J.from_compat(J.to_compat(d)) == d
    assert J.compose(J.from_compat(J.to_compat(d))) == s


# The wider class: compatibility jamo allowed where they touch no syllable and no consonant precedes a vowel
# directly, i.e. runs of consonants, of vowels, or vowels then consonants, set off by a non-jamo character.
compat_run = st.one_of(
    st.text(alphabet=COMPAT_CONSONANTS, min_size=1),
    st.text(alphabet=COMPAT_VOWELS, min_size=1),
    st.tuples(st.text(alphabet=COMPAT_VOWELS, min_size=1), st.text(alphabet=COMPAT_CONSONANTS)).map("".join),
)
separator = st.sampled_from(list(" \n.!a1😀"))
segment = st.one_of(st.text(alphabet=plain_char, max_size=8), st.tuples(separator, compat_run, separator).map(
    "".join))


@settings(max_examples=300, deadline=None)
@given(st.lists(segment, max_size=8).map("".join))
def test_round_trip_with_isolated_compatibility_jamo(s: str) -> None:
    assert J.compose(J.from_compat(J.to_compat(J.decompose(s)))) == s


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=plain_char))
def test_typed_form_round_trip(s: str) -> None:
    """Every cluster and compound vowel typed as two keys, double consonants as one: what a two-set keyboard
    produces. from_compat rebuilds decompose's output exactly."""
    d = J.decompose(s)
    typed = F.split_compound(J.to_compat(d), doubles=False)
    assert J.from_compat(typed) == d


def test_outside_the_class_is_regrouped_as_documented() -> None:
    # a compatibility jamo touching a syllable, or a consonant right before a vowel: the rule decides
    for s in ("갈ㄱ", "각ㅏ", "ㅋㅠ"):
        assert J.compose(J.from_compat(J.to_compat(J.decompose(s)))) != s
    assert fc(J.to_compat(J.decompose("갈ㄱ"))) == "갉"


# --- the NumPy path -------------------------------------------------------------------------------------------

soup_char = st.one_of(
    st.sampled_from(list(COMPAT)),
    st.sampled_from(list(COMPAT)),
    st.sampled_from(list(" a가\ud800😀ᆞﾡ")),
)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=soup_char), st.integers(min_value=1, max_value=9))
def test_numpy_path_matches_regex_path(s: str, chunk: int) -> None:
    saved = J._NUMPY_CHUNK
    J._NUMPY_CHUNK = chunk  # tiny chunks: every boundary rule is exercised
    try:
        assert from_compat_numpy(s) == J._from_compat_regex(s)
    finally:
        J._NUMPY_CHUNK = saved


@settings(max_examples=30, deadline=None)
@given(st.text(alphabet=soup_char, min_size=1))
def test_long_inputs_take_the_numpy_path(s: str) -> None:
    big = s * (3000 // len(s) + 1)
    assert len(big) >= J._NUMPY_MIN_CHARS
    assert J.from_compat(big) == J._from_compat_regex(big)


# --- peers ----------------------------------------------------------------------------------------------------

# Syllables without a cluster tail and compatibility jamo that cannot form a typed cluster or compound vowel with
# a neighbour: here our rule and hangul-jamo's are the same rule (it leaves 갃 + ㅠ alone, we give 각슈).
CLUSTER_TAILS = frozenset(J.TAILS.index(J._TAIL_FROM_ANY[c]) + 1 for c in "ㄳㄵㄶㄺㄻㄼㄽㄾㄿㅀㅄ")
peer_char = st.one_of(
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3).filter(
        lambda c: (ord(c) - 0xAC00) % 28 not in CLUSTER_TAILS),
    st.sampled_from(list("ㅋㅊㅠㅑ .a")),
)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=peer_char))
def test_agrees_with_hangul_jamo_where_the_rules_coincide(s: str) -> None:
    hangul_jamo = pytest.importorskip("hangul_jamo", reason="hangul-jamo (the bench extra) is not installed")
    compat = J.to_compat(J.decompose(s))
    assert fc(compat) == hangul_jamo.compose(compat)


def test_real_corpora_round_trip(shared_corpora: Path) -> None:
    """On NSMC, whose reviews put ㅋㅋ and ㅠㅠ next to syllables, the round trip fails only where the rule says."""
    lines = (shared_corpora / "nsmc" / "ratings_test.txt").read_text(encoding="utf-8").splitlines()[1:5001]
    reviews = [line.split("\t")[1] for line in lines]
    clean = [r for r in reviews if not any(0x3131 <= ord(c) <= 0x318E for c in r)]
    assert len(clean) > 3000
    text = "\n".join(clean)
    assert J.compose(J.from_compat(J.to_compat(J.decompose(text)))) == text
