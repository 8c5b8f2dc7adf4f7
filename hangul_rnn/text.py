"""Cleaning rules per corpus, kept as data: a named tuple of regex rules applied in order.

Why data and not code: each corpus needs a different mix of the same few operations (drop a script, drop an
annotation, space out punctuation, collapse whitespace), and a reader should be able to see, per corpus, exactly
which rules run and in which order. ``CLEANING_RULES[name]`` is that list; :func:`clean` only applies it.

Every rule is one precompiled regex applied with one ``re.sub`` over the whole text (or one whole-text C call such
as ``unicodedata.normalize``), never a per-character Python loop: ``clean_annals`` runs over ~57M characters.

Every rule set is idempotent, ``clean(clean(t, r), r) == clean(t, r)``, so a cache built from cleaned text can be
cleaned again safely; the tests check it with Hypothesis. Empty or whitespace-only input cleans to ``""``.

This module imports only the standard library (no TensorFlow): preprocessing must stay cheap to import.

Decisions (see the rule sets below for the exact patterns):

* **Punctuation spacing** (nsmc, annals). A run of the *same* punctuation character becomes its own word:
  ``재밌다!!`` -> ``재밌다 !!``, ``...`` stays ``...`` (runs like ``!!!`` and ``...`` carry sentiment), while
  ``?!`` becomes ``? !`` (two tokens from a small set instead of many combinations). ``.``, ``,`` and ``:`` between
  two digits stay (``3.5``, ``1,000``, ``10:30``). ``_`` is treated as a letter, so ``ㅠ_ㅠ`` stays one word.
* **NSMC** keeps Hangul syllables, compatibility jamo (ㅋㅋ ㅠㅠ ㅡㅡ), ASCII letters, digits and ASCII
  punctuation; a few look-alikes are mapped to ASCII first (fullwidth forms, ``…`` -> ``...``, curly quotes,
  ``。`` ``、``); everything else (emoji, symbols such as ♥ ★, Hanja, kana, conjoining jamo) becomes a space.
  Reviews are single-line, so newlines become spaces too.
* **Annals** (the Korean translation of the Annals of the Joseon Dynasty) keeps one paragraph per line; see
  :data:`ANNALS_RULES` for what is dropped (Hanja glosses, footnote markers, 【】 editorial notes).
* **plain** is NFC plus whitespace tidying, nothing else: for user text whose conventions are unknown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from hangul_rnn.errors import UsageError

__all__ = [
    "ANNALS_RULES",
    "CLEANING_RULES",
    "LINE_LOCAL_RULES",
    "NEWLINE_TOKEN",
    "NSMC_RULES",
    "PLAIN_RULES",
    "Rule",
    "clean",
    "clean_annals",
    "clean_nsmc",
    "clean_pieces",
    "iter_lines",
    "join_words",
    "rule_names",
    "split_words",
]

#: The word that stands for a line break in word-level token streams (see :func:`split_words`).
NEWLINE_TOKEN = "<nl>"


@dataclass(frozen=True)
class Rule:
    """One cleaning step: replace every match of ``pattern`` by ``replacement`` in a single ``re.sub`` pass.

    ``replacement`` is a ``re.sub`` template string (or a callable on the match). A rule whose ``pattern`` is
    ``None`` is a whole-text transform: ``replacement`` is then a ``str -> str`` function (Unicode normalisation,
    ``str.translate``), still one C-level pass. ``repeat`` re-applies the rule until it matches nothing; it is set
    only where one pass can expose a new match (nested empty brackets), and costs one extra scan.
    """

    name: str
    pattern: re.Pattern[str] | None
    replacement: str | Callable[..., str]
    repeat: bool = False

    def apply(self, text: str) -> str:
        """Return ``text`` with this rule applied."""
        if self.pattern is None:
            assert callable(self.replacement)
            return self.replacement(text)
        if not self.repeat:
            return self.pattern.sub(self.replacement, text)
        while True:
            text, count = self.pattern.subn(self.replacement, text)
            if count == 0:
                return text


# --- character classes (strings to splice into patterns) --------------------------------------------------------

#: Hanja: CJK radicals, iteration/zero marks, unified ideographs with every extension, compatibility ideographs.
_HANJA = (
    "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    "\U00020000-\U0003ffff"
)
#: Anything Hangul: syllables, compatibility jamo, conjoining jamo (incl. extended blocks).
_HANGUL_ANY = "\uac00-\ud7a3\u3131-\u318e\u1100-\u11ff\ua960-\ua97f\ud7b0-\ud7ff"
#: Compatibility jamo kept in NSMC (ㄱ..ㅣ and the old letters), without U+3164 HANGUL FILLER (an invisible blank).
_COMPAT_JAMO = "\u3131-\u3163\u3165-\u318e"
#: ASCII punctuation except ``_`` (treated as a letter so ``ㅠ_ㅠ`` stays whole), as a character-class body.
_ASCII_PUNCT = r"!-/:-@\[-\^`{-~"
#: Punctuation that gets spaced out: ASCII plus the typographic/CJK marks the Annals translation uses.
_PUNCT = _ASCII_PUNCT + "·‘’“”…‥《》〈〉「」『』【】〔〕―—–・"
#: Opening and closing brackets whose contents may be a Hanja gloss or end up empty.
_BRACKETS = "()\\[\\]《》〈〉「」『』【】"


def _nfc(text: str) -> str:
    """NFC: composes decomposed Hangul (e.g. text from macOS file names) and folds canonical singletons
    (U+037E -> ``;``, compatibility ideographs -> unified) before the character classes look at the text."""
    return unicodedata.normalize("NFC", text)


def _translator(table: dict[int, str]) -> Callable[[str], str]:
    """A whole-text step mapping a few characters through ``table``: one regex scan for the (rare) characters to
    map, which is several times faster than ``str.translate`` with a dict on non-ASCII text."""
    pattern = re.compile("[" + "".join(re.escape(chr(code)) for code in sorted(table)) + "]")

    def lookup(match: re.Match[str]) -> str:
        return table[ord(match[0])]

    def translate(text: str) -> str:
        return pattern.sub(lookup, text)

    return translate


def _rule(name: str, pattern: str, replacement: str | Callable[..., str], *, repeat: bool = False) -> Rule:
    return Rule(name, re.compile(pattern), replacement, repeat)


# --- shared rules --------------------------------------------------------------------------------------------------

_NFC = Rule("nfc", None, _nfc)


def _spaced(match: re.Match[str]) -> str:
    # A function, not the template r" \g<0> ": CPython expands templates in Python code, the function is faster.
    return f" {match[0]} "


#: Space out each run of one punctuation character, except ``.``/``,``/``:`` between digits. The conditions are
#: checked *after* the punctuation character (not before it, where they read most naturally: "not after a digit,
#: or not [.,:] before a digit"): a pattern that starts with a character class lets the regex engine jump from
#: candidate to candidate instead of trying the conditions at every position, which halves this rule's time.
_SPACE_PUNCT = _rule(
    "space_punctuation",
    rf"([{_PUNCT}])(?:(?<!\d[{_PUNCT}])|(?<![.,:])|(?!\d))\1*",
    _spaced,
)

# Line-preserving whitespace: any whitespace but "\n" becomes one space, lines are trimmed, the text is stripped.
# The patterns match only what must change (not every single space), which halves their cost on real text.
_COLLAPSE_SPACES = _rule("collapse_spaces", r" [^\S\n]+|[^\S\n ][^\S\n]*", " ")
_TRIM_LINES = _rule("trim_lines", r" \n ?|\n ", "\n")
_STRIP = Rule("strip", None, str.strip)  # str.strip and regex \s agree on what whitespace is

# --- NSMC ----------------------------------------------------------------------------------------------------------

_NSMC_MAP: dict[int, str] = {code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)}  # fullwidth -> ASCII
_NSMC_MAP.update(
    {
        ord("…"): "...",
        ord("‥"): "..",
        ord("‘"): "'",
        ord("’"): "'",
        ord("“"): '"',
        ord("”"): '"',
        ord("。"): ".",
        ord("、"): ",",
        ord("～"): "~",
        ord("∼"): "~",
    }
)

NSMC_RULES: tuple[Rule, ...] = (
    _NFC,
    Rule("ascii_lookalikes", None, _translator(_NSMC_MAP)),
    _rule("drop_other_scripts", rf"[^\uac00-\ud7a3{_COMPAT_JAMO}0-9A-Za-z_{_ASCII_PUNCT}\s]+", " "),
    _SPACE_PUNCT,
    _rule("collapse_whitespace", r" \s+|[^\S ]\s*", " "),  # single-line: newlines too
    _STRIP,
)
"""NSMC movie reviews: Hangul, compatibility jamo, ASCII letters/digits/punctuation; one line.

Before/after (a real review from ``ratings_test.txt``): ``이건뭐 노답이네 80~90년대 어린이 영화좀 보고 본받아라!``
-> ``이건뭐 노답이네 80 ~ 90년대 어린이 영화좀 보고 본받아라 !``.
"""

# --- Annals --------------------------------------------------------------------------------------------------------

#: A footnote marker: 3-4 digits (optionally ``-N``) and ``)``, not part of a number nor of ``(1392)``. The check
#: on what precedes the first digit comes after that digit, so the pattern starts with ``\d`` (see _SPACE_PUNCT).
_FOOTNOTE = r"\d(?<![\d(]\d)\d{2,3}(?:-\d+)?\)"
#: First syllables of the particles and endings that follow a footnote marker (measured on the corpus).
_JOIN_SYLLABLES = "의에을를이가은는과와로으도만하한할함해께까부처보라인입된되들"

_ANNALS_MAP: dict[int, str] = {
    ord("（"): "(",
    ord("）"): ")",
    ord("〔"): "[",
    ord("〕"): "]",
    ord("。"): ".",
    ord("、"): ",",
    ord("∼"): "~",
    ord("～"): "~",
}

ANNALS_RULES: tuple[Rule, ...] = (
    _NFC,
    # Fullwidth parentheses and tortoise-shell brackets hold glosses like the ASCII ones: unify them first.
    Rule("ascii_brackets", None, _translator(_ANNALS_MAP)),
    # 【...】 are translators' notes inside a sentence (``이방과(李芳果) 【상왕(上王)의 구휘(舊諱).】 는``); they are
    # not narrative, so the whole note goes. It becomes a space, not nothing: the word after a note is as often a
    # new word (``아들이 【...】 경사에서``) as a particle.
    _rule("drop_editorial_notes", r"【[^】\n]*】", " "),
    # A bracket group with Hanja and no Hangul is the Hanja spelling of the word before it: drop it with its
    # brackets and join, ``대왕(太祖康獻至仁啓運聖文神武大王)의`` -> ``대왕의``, ``중[妖僧]`` -> ``중``.
    _rule(
        "drop_hanja_glosses",
        rf"[(\[][^()\[\]\n{_HANGUL_ANY}]*[{_HANJA}][^()\[\]\n{_HANGUL_ANY}]*[)\]]",
        "",
    ),
    # Any Hanja left (inside mixed groups, 《大典》, stray characters) becomes a space, never glueing neighbours.
    _rule("drop_hanja", rf"[{_HANJA}]+", " "),
    # Brackets emptied by the two rules above (``《 》``, ``( ; )``); repeated for nesting like ``(())``.
    _rule("drop_empty_brackets", r"[(\[《〈「『【](?:[^\S\n]|[·,;:])*[)\]》〉」』】]", "", repeat=True),
    # Footnote markers ``001)``..``1010)`` (also ``414-1)``) follow the annotated word, and the source put a space
    # after them. Most often (~80% on the corpus) the next word is a particle or an ending of the annotated word
    # (의 에 을 를 이 가 하는 ...): then marker and space go and the word is joined, ``시좌궁(時坐宮)001) 에``
    # -> ``시좌궁에``. Otherwise (a new word: ``경인1023) 2월``) the marker becomes a space. The choice is made on
    # the next syllable alone, so a name starting with 이 gets joined (rare). A parenthesised year ``(1392)`` is
    # kept: the lookbehind refuses digits preceded by ``(`` or another digit.
    _rule(
        "join_footnote_markers",
        rf"{_FOOTNOTE}[^\S\n]*(?=[{_JOIN_SYLLABLES}])",
        "",
    ),
    _rule("drop_footnote_markers", _FOOTNOTE, " "),
    _SPACE_PUNCT,
    _COLLAPSE_SPACES,
    _TRIM_LINES,
    # A line with no Hangul left is Classical Chinese that leaked into the translation (or was only Hanja): drop it.
    # This also removes blank lines, so every kept line is one paragraph.
    _rule("drop_lines_without_hangul", rf"(?m)^[^\n{_HANGUL_ANY}]*(?:\n|\Z)", ""),
    _STRIP,
    # Removals can join a base letter and a combining mark that were apart: compose them again.
    _NFC,
)
"""The Korean translation of the Annals of the Joseon Dynasty: Hangul prose, one paragraph per line.

Dropped: Hanja glosses with their brackets (joined to the word they gloss), other Hanja, emptied brackets,
footnote markers, 【】 notes, lines without Hangul. Kept: Hangul, digits, Latin, Hangul-only brackets (``13일(임진)``
keeps the sexagenary day, ``(1392)`` the year), ``[편찬자 주: ...]`` notes, line breaks. Punctuation is spaced out.

Before/after (a real line): ``임금이 잠저(潛邸)에 있을 때, 꿈에 신인(神人)이 금자[金尺]를 가지고``
-> ``임금이 잠저에 있을 때 , 꿈에 신인이 금자를 가지고``.
"""

# --- plain ---------------------------------------------------------------------------------------------------------

PLAIN_RULES: tuple[Rule, ...] = (_NFC, _COLLAPSE_SPACES, _TRIM_LINES, _STRIP)
"""Any text: NFC, whitespace other than newlines collapsed to one space, lines trimmed, text stripped.

Blank lines are kept (they may separate paragraphs); nothing else changes.
"""

#: Rule sets by name; :func:`clean` looks names up here, the CLI lists them with :func:`rule_names`.
CLEANING_RULES: dict[str, tuple[Rule, ...]] = {
    "nsmc": NSMC_RULES,
    "annals": ANNALS_RULES,
    "plain": PLAIN_RULES,
}


def rule_names() -> list[str]:
    """The names :func:`clean` accepts, sorted (for help texts and error messages)."""
    return sorted(CLEANING_RULES)


def clean(text: str, rules: str = "plain") -> str:
    """Apply the rule set named ``rules`` to ``text``, in order; unknown names raise :class:`UsageError`.

    The result is idempotent under the same rule set, and ``""`` for empty or whitespace-only text.
    """
    try:
        rule_set = CLEANING_RULES[rules]
    except KeyError:
        raise UsageError(
            f"unknown cleaning rules {rules!r}; known: {', '.join(rule_names())}"
        ) from None
    for rule in rule_set:
        text = rule.apply(text)
    return text


def clean_nsmc(text: str) -> str:
    """Clean one NSMC review (or many joined by newlines: they come back as one line); see :data:`NSMC_RULES`."""
    return clean(text, "nsmc")


def clean_annals(text: str) -> str:
    """Clean Annals text, keeping one paragraph per line; see :data:`ANNALS_RULES`."""
    return clean(text, "annals")


_WORD_OR_NEWLINE = re.compile(r"\n|[^\s]+")


def split_words(text: str) -> list[str]:
    """Split on whitespace into words; each ``"\\n"`` becomes its own :data:`NEWLINE_TOKEN` word.

    Word-level models then learn where paragraphs end. A literal ``<nl>`` word in the text is indistinguishable
    from a line break afterwards (it comes back as one from :func:`join_words`); cleaned corpora do not contain it
    as a word except in the NSMC rule set, which keeps ``<`` and ``>`` but spaces them out (``< nl >``).
    """
    return [NEWLINE_TOKEN if word == "\n" else word for word in _WORD_OR_NEWLINE.findall(text)]


def join_words(tokens: list[str]) -> str:
    """Inverse of :func:`split_words`: words joined by one space, :data:`NEWLINE_TOKEN` as ``"\\n"`` with no
    space on either side, so ``split_words(join_words(split_words(t))) == split_words(t)``."""
    parts: list[str] = []
    at_line_start = True
    for token in tokens:
        if token == NEWLINE_TOKEN:
            parts.append("\n")
            at_line_start = True
        else:
            if not at_line_start:
                parts.append(" ")
            parts.append(token)
            at_line_start = False
    return "".join(parts)


#: Rule sets under which cleaning is *line-local*: ``clean(t) == "\n".join(c for c in map(clean, t.split("\n")) if c)``
#: for every text ``t``: no rule looks across a line break, lines that clean to nothing are dropped, and no
#: cleaned line is blank. The tests check it with Hypothesis. NSMC is not (its lines become one), nor is plain (it
#: keeps blank lines).
LINE_LOCAL_RULES: frozenset[str] = frozenset({"annals"})

#: Characters cleaned per piece by :func:`clean_pieces` (cut at the next line break).
PIECE_CHARS = 1 << 20


def clean_pieces(
    text: str,
    rules: str,
    *,
    piece_chars: int = PIECE_CHARS,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[str]:
    """``clean(text, rules)`` as consecutive pieces (``"".join`` of them is exactly that string).

    For a line-local rule set (:data:`LINE_LOCAL_RULES`) the text is cleaned about ``piece_chars`` characters at a
    time, cut at line breaks, so a corpus-sized text never has a cleaned copy in memory whole and a caller can
    report progress; any other rule set gives one piece, the whole cleaned text. ``progress(done, total)`` gets
    the characters of ``text`` cleaned so far after each piece.
    """
    n = len(text)
    if rules not in LINE_LOCAL_RULES:
        cleaned = clean(text, rules)
        if progress is not None:
            progress(n, n)
        yield cleaned
        return
    if n == 0 and progress is not None:
        progress(0, 0)
    start, first = 0, True
    while start < n:
        end = text.find("\n", min(start + piece_chars, n))
        end = n if end < 0 else end
        piece = clean(text[start:end], rules)
        start = end + 1
        if progress is not None:
            progress(min(start, n), n)
        if piece:
            yield piece if first else "\n" + piece
            first = False


def iter_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` as ``text.split("\n")`` gives them, one at a time (no list the size of the text)."""
    start = 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end]
        start = end + 1
