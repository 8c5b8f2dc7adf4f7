"""Tokenizers and vocabularies: round trips, reserved ids, JSON files, errors, and the NSMC test split."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hangul_rnn.errors import FormatError, UsageError
from hangul_rnn.tokenizers import (
    BOS,
    EOS,
    PAD,
    PAD_ID,
    UNK,
    UNK_ID,
    UNK_MARKER,
    JamoTokenizer,
    SyllableTokenizer,
    Tokenizer,
    Vocabulary,
    WordTokenizer,
    load_tokenizer,
    make_tokenizer,
)

NL = "<nl>"

#: A real NSMC review (test split, id 9952932), used for the word-level checks.
NSMC_REVIEW = "괜히 나올 때 어미 알 건드려서 긁어 부스름 만들었다는 분이 저 아래 보이던데, 영화 제대로 안 봤네."


# --------------------------------------------------------------------------------------------------- strategies


def _is_conjoining_jamo(ch: str) -> bool:
    o = ord(ch)
    return 0x1100 <= o <= 0x11FF or 0xA960 <= o <= 0xA97F or 0xD7B0 <= o <= 0xD7FF


#: Text as corpora have it: mostly syllables, some compatibility jamo, Latin, digits, punctuation, emoji, spaces.
#: Loose *conjoining* jamo are left out: they are not text anyone types, and recomposing them is jamo.py's business.
_chars = st.one_of(
    st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3),  # Hangul syllables
    st.characters(min_codepoint=0x3131, max_codepoint=0x318E),  # compatibility jamo (ㅋ, ㅠ)
    st.sampled_from(list(" .,!?~\"'()0123456789abcXYZ\n\t") + ["😀", "👍", "漢", "字", "é", "я"]),
    st.characters(blacklist_categories=("Cs",)).filter(lambda c: not _is_conjoining_jamo(c)),
)
texts = st.text(_chars, max_size=60)


# --------------------------------------------------------------------------------------------------- import cost


def test_import_pulls_in_neither_tensorflow_nor_kiwi() -> None:
    code = (
        "import sys\n"
        "import hangul_rnn.tokenizers as t\n"
        "w = t.WordTokenizer(stem='morph')\n"
        "w2 = t.load_tokenizer(w.to_dict())\n"
        "t.make_tokenizer('word', stem='truncate').fit(['재미있을 줄 알았는데'])\n"
        "t.make_tokenizer('jamo').fit(['가나다'])\n"
        "print('tensorflow' in sys.modules, 'kiwipiepy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


# --------------------------------------------------------------------------------------------------- vocabulary


def test_vocabulary_order_and_reserved_ids() -> None:
    v = Vocabulary.build([["b", "a", "c"], ["c", "a", "d"], ["c"]], specials=(BOS, EOS))
    assert v.tokens == [PAD, UNK, BOS, EOS, "c", "a", "b", "d"]
    assert v.id(PAD) == PAD_ID == 0 and v.id(UNK) == UNK_ID == 1
    assert v.id("c") == 4 and v.token(4) == "c"
    assert v.counts["c"] == 3 and v.counts["a"] == 2 and v.counts[BOS] == 0
    assert len(v) == 8 and "a" in v and "zz" not in v


def test_vocabulary_ties_do_not_depend_on_document_order() -> None:
    a = Vocabulary.build([["y", "x"], ["z"]])
    b = Vocabulary.build([["z"], ["x", "y"]])
    assert a == b
    assert a.tokens[2:] == ["x", "y", "z"]


def test_vocabulary_max_size_counts_reserved_ids_and_min_count() -> None:
    lists = [list("aaaabbbccd")]
    v = Vocabulary.build(lists, max_size=4)
    assert v.tokens == [PAD, UNK, "a", "b"]
    v = Vocabulary.build(lists, max_size=5, specials=(BOS, EOS))
    assert v.tokens == [PAD, UNK, BOS, EOS, "a"]
    v = Vocabulary.build(lists, min_count=2)
    assert v.tokens == [PAD, UNK, "a", "b", "c"]
    assert v.id("d") == UNK_ID
    with pytest.raises(UsageError):
        Vocabulary.build(lists, max_size=3, specials=(BOS, EOS))
    with pytest.raises(UsageError):
        Vocabulary.build(lists, min_count=0)


def test_vocabulary_specials_in_text_keep_their_reserved_id() -> None:
    v = Vocabulary.build([["a", NL, "a", NL, NL]], specials=(BOS, EOS, NL))
    assert v.tokens == [PAD, UNK, BOS, EOS, NL, "a"]
    assert v.counts[NL] == 3


def test_vocabulary_encode_decode_unknown_and_range() -> None:
    v = Vocabulary.build([["가", "나"]])
    assert v.encode(["나", "다", "가"]) == [3, UNK_ID, 2]
    assert v.decode_tokens([0, 1, 2]) == [PAD, UNK, "가"]
    with pytest.raises(IndexError):
        v.token(len(v))
    with pytest.raises(IndexError):
        v.token(-1)


def test_vocabulary_oov_rate() -> None:
    v = Vocabulary.build([["a", "b"]])
    assert v.oov_rate([["a", "x"], ["b", "y", "z", "a"]]) == pytest.approx(0.5)
    assert v.oov_rate([]) == 0.0


def test_vocabulary_dict_round_trip_and_bad_data() -> None:
    v = Vocabulary.build([list("hello world")], specials=(BOS,))
    w = Vocabulary.from_dict(json.loads(json.dumps(v.to_dict())))
    assert w == v and w.counts == v.counts and w.specials == (BOS,)
    with pytest.raises(FormatError):
        Vocabulary.from_dict({"tokens": ["a", "b"], "counts": [0, 0]})
    with pytest.raises(FormatError):
        Vocabulary.from_dict({"tokens": [PAD, UNK, "a", "a"], "counts": [0, 0, 1, 1]})
    with pytest.raises(FormatError):
        Vocabulary.from_dict({"counts": []})


# --------------------------------------------------------------------------------------------------- round trips


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(train=texts, data=st.data())
@pytest.mark.parametrize("cls", [JamoTokenizer, SyllableTokenizer])
def test_char_level_round_trip(cls: type[Tokenizer], train: str, data: st.DataObject) -> None:
    tok = cls().fit([train])
    # Draw a text from the training text's own characters, so every token is known.
    s = data.draw(st.text(st.sampled_from(train), max_size=40) if train else st.just(""))
    assert tok.unknown_tokens(s) == []
    ids = tok.encode(s)
    assert UNK_ID not in ids
    # Whitespace-only text has no tokens by design; everything else comes back exactly.
    assert tok.decode(ids) == ("" if s.isspace() else s)


@settings(max_examples=100, deadline=None)
@given(train=texts, s=texts)
@pytest.mark.parametrize("cls", [JamoTokenizer, SyllableTokenizer])
def test_char_level_round_trip_whenever_all_known(cls: type[Tokenizer], train: str, s: str) -> None:
    tok = cls().fit([train])
    if s.isspace():
        assert tok.encode(s) == []
    elif not tok.unknown_tokens(s):
        assert tok.decode(tok.encode(s)) == s
    else:
        assert UNK_ID in tok.encode(s)


_words = st.text(
    st.one_of(st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), st.sampled_from(list("ab1!.ㅋ😀"))),
    min_size=1,
    max_size=8,
)
_lines = st.lists(_words, min_size=1, max_size=6).map(" ".join)
_normalised = st.lists(_lines, min_size=0, max_size=4).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(s=_normalised)
def test_word_round_trip_on_normalised_whitespace(s: str) -> None:
    tok = WordTokenizer(stem=None).fit([s])
    ids = tok.encode(s)
    assert UNK_ID not in ids
    assert tok.decode(ids) == s
    assert tok.tokenize(s).count(NL) == s.count("\n")


def test_decode_skips_pad_bos_eos_and_marks_unk() -> None:
    tok = SyllableTokenizer().fit(["가나"])
    v = tok.vocab
    assert v is not None
    ids = [v.id(BOS), v.id("가"), UNK_ID, v.id("나"), v.id(EOS), PAD_ID, PAD_ID]
    assert tok.decode(ids) == "가" + UNK_MARKER + "나"
    assert tok.encode("가다") == [v.id("가"), UNK_ID]


def test_jamo_tokens_are_conjoining_and_decode_shows_syllables() -> None:
    tok = JamoTokenizer().fit(["한글 ㅋㅋ!"])
    assert tok.tokenize("한") == ["\u1112", "\u1161", "\u11ab"]
    assert tok.tokenize("ㅋ") == ["ㅋ"]
    assert tok.decode(tok.encode("한글 ㅋㅋ!")) == "한글 ㅋㅋ!"
    # A sampled stream can stop after a lead consonant or put a tail first: still nothing loose on screen.
    v = tok.vocab
    assert v is not None
    stream = [v.id("\u11ab"), v.id("\u1112"), v.id("\u1161"), v.id("\u1100")]
    out = tok.decode(stream)
    assert not any(_is_conjoining_jamo(c) for c in out)
    assert "하" in out


@pytest.mark.parametrize("level", ["jamo", "syllable", "word"])
@pytest.mark.parametrize("blank", ["", " ", "   \t  ", "\n\n", "\u3000"])
def test_empty_and_blank_text_encode_to_nothing(level: str, blank: str) -> None:
    tok = make_tokenizer(level).fit(["가나 다"])
    assert tok.encode(blank) == []
    assert tok.decode([]) == ""


@pytest.mark.parametrize("cls", [JamoTokenizer, SyllableTokenizer])
def test_emoji_and_mixed_scripts(cls: type[Tokenizer]) -> None:
    s = "영화 good 👍🏽 漢字 Привет ㅋㅋ 10점!! 👨‍👩‍👧"
    tok = cls().fit([s])
    assert tok.decode(tok.encode(s)) == s
    assert "👍" in tok.tokenize(s)
    assert tok.unknown_tokens("🎬 영화") == ["🎬"]


def test_word_level_mixed_scripts_and_newlines() -> None:
    s = "영화 good 👍\n漢字 ㅋㅋ"
    tok = WordTokenizer(stem=None).fit([s])
    assert tok.tokenize(s) == ["영화", "good", "👍", NL, "漢字", "ㅋㅋ"]
    assert tok.decode(tok.encode(s)) == s
    assert tok.vocab is not None and tok.vocab.id(NL) == 4  # reserved: <pad> <unk> <bos> <eos> <nl>


# --------------------------------------------------------------------------------------------------- word stems


def test_word_truncate_on_nsmc_review() -> None:
    tok = WordTokenizer(stem="truncate")
    tokens = tok.tokenize(NSMC_REVIEW)
    assert tokens[:6] == ["괜히", "나올", "때", "어미", "알", "건드려서"[:5]]
    assert "만들었다는"[:5] in tokens and "보이던데,"[:5] in tokens
    assert all(len(t) <= 5 for t in tokens)
    assert len(tokens) == len(NSMC_REVIEW.split())
    assert WordTokenizer(stem="truncate", truncate_to=2).tokenize("재미있을 줄") == ["재미", "줄"]


def test_word_truncate_keeps_newline_token() -> None:
    tok = WordTokenizer(stem="truncate", truncate_to=3)
    assert tok.tokenize("가나다라마\n바사아자") == ["가나다", NL, "바사아"]


def test_word_options_are_checked() -> None:
    with pytest.raises(UsageError, match="truncate"):
        WordTokenizer(stem="lemma")
    with pytest.raises(UsageError):
        WordTokenizer(truncate_to=0)


def test_morph_stem_lemmatises() -> None:
    tok = WordTokenizer(stem="morph")
    tokens = tok.tokenize("재미있을 줄 알았는데")
    assert "재미있다" in tokens
    two = tok.tokenize("재미있을 줄 알았는데\n지루하다")
    assert NL in two and two[: two.index(NL)] == tokens
    batch = tok.tokenize_batch(["재미있을 줄 알았는데", "", "지루하다\n\n재미있다"])
    assert batch[0] == tokens and batch[1] == []
    assert batch[2].count(NL) == 2


def test_morph_fit_encode_save_load(tmp_path: Path) -> None:
    docs = ["재미있을 줄 알았는데 지루했다", "정말 재미있는 영화", "배우들의 연기가 좋았다"]
    tok = WordTokenizer(stem="morph").fit(docs)
    assert tok.vocab is not None and "재미있다" in tok.vocab
    path = tmp_path / "morph.json"
    tok.save(path)
    back = load_tokenizer(path)
    assert isinstance(back, WordTokenizer) and back.stem == "morph"
    assert back.encode_batch(docs) == tok.encode_batch(docs)


def test_morph_all_keeps_endings_particles_and_punctuation(tmp_path: Path) -> None:
    content = WordTokenizer(stem="morph").tokenize("영화가 재미있네요!")
    every = WordTokenizer(stem="morph-all").tokenize("영화가 재미있네요!")
    # The content morphemes come in the same order; the extra ones are exactly what sentiment needs.
    assert [t for t in every if t in content] == content
    assert {"가", "!"} <= set(every) - set(content)
    assert len(every) > len(content)
    # Large batches go through the stem cache; its key keeps the two modes apart.
    docs = [f"영화가 {i}번 재미있네요!" for i in range(1200)]
    tok = WordTokenizer(stem="morph-all").fit(docs)
    assert tok.vocab is not None and "!" in tok.vocab
    again = WordTokenizer(stem="morph").tokenize_batch(docs)
    assert "!" not in again[0]
    path = tmp_path / "all.json"
    tok.save(path)
    back = load_tokenizer(path)
    assert isinstance(back, WordTokenizer) and back.stem == "morph-all"
    assert back.encode(docs[0]) == tok.encode(docs[0])


# --------------------------------------------------------------------------------------------------- factories


def test_make_tokenizer_levels_and_errors() -> None:
    assert isinstance(make_tokenizer("jamo"), JamoTokenizer)
    assert isinstance(make_tokenizer("syllable"), SyllableTokenizer)
    w = make_tokenizer("word", stem="truncate", truncate_to=3)
    assert isinstance(w, WordTokenizer) and w.stem == "truncate" and w.truncate_to == 3
    assert make_tokenizer("word").stem is None  # the factory keeps whole words unless told otherwise
    with pytest.raises(UsageError, match="jamo, syllable, word"):
        make_tokenizer("char")
    with pytest.raises(UsageError):
        make_tokenizer("jamo", stem="truncate")
    with pytest.raises(UsageError):
        make_tokenizer("jamo", clean="no-such-rules")


def test_unfitted_tokenizer_says_so() -> None:
    tok = JamoTokenizer()
    assert tok.tokenize("가") == ["\u1100", "\u1161"]
    with pytest.raises(UsageError, match="fit"):
        tok.encode("가")
    with pytest.raises(UsageError):
        _ = tok.vocab_size


def test_fit_options_and_progress() -> None:
    docs = [f"가{i % 7}" for i in range(4500)]
    seen: list[int] = []
    tok = SyllableTokenizer().fit(iter(docs), max_size=6, progress=seen.append)
    assert seen == [2000, 4000, 4500]
    assert tok.vocab_size == 6
    assert tok.vocab is not None and tok.vocab.tokens[5] == "가"
    assert SyllableTokenizer().fit(["aab"], min_count=2).vocab.tokens == [PAD, UNK, BOS, EOS, "\n", "a"]


@pytest.mark.parametrize("level", ["jamo", "syllable", "word"])
def test_fitted_line_by_line_still_knows_newlines(level: str) -> None:
    text = "첫 줄이다\n둘째 줄이다"
    tok = make_tokenizer(level).fit(text.split("\n"))
    assert tok.unknown_tokens(text) == []
    assert tok.decode(tok.encode(text)) == text


def test_encode_batch_matches_encode() -> None:
    docs = ["재미있을 줄 알았는데", "", "별로 ㅠㅠ", "👍 good"]
    for level in ("jamo", "syllable", "word"):
        tok = make_tokenizer(level).fit(docs[:2])
        assert tok.encode_batch(docs) == [tok.encode(d) for d in docs]


def test_clean_rules_are_applied_and_stored(tmp_path: Path) -> None:
    from hangul_rnn import text as text_mod
    raw = "정말 재밌다!!   (웃음) 漢字\n다음 줄"
    tok = SyllableTokenizer(clean="nsmc").fit([raw])
    assert tok.tokenize(raw) == list(text_mod.clean(raw, rules="nsmc"))
    path = tmp_path / "t.json"
    tok.save(path)
    back = load_tokenizer(path)
    assert back.clean == "nsmc"
    assert back.encode(raw) == tok.encode(raw)


# --------------------------------------------------------------------------------------------------- files


def _fitted_of_every_kind() -> list[Tokenizer]:
    docs = [NSMC_REVIEW, "재미있을 줄 알았는데\n지루했다 ㅋㅋ 👍", "good 영화"]
    return [
        JamoTokenizer().fit(docs),
        SyllableTokenizer().fit(docs, max_size=30),
        WordTokenizer(stem="truncate", truncate_to=3).fit(docs),
        WordTokenizer(stem=None).fit(docs, min_count=1),
        JamoTokenizer(),  # unfitted tokenizers save too (e.g. a config written before training)
    ]


@pytest.mark.parametrize("index", range(5))
def test_save_load_round_trip(tmp_path: Path, index: int) -> None:
    tok = _fitted_of_every_kind()[index]
    path = tmp_path / "sub" / "tokenizer.json"
    tok.save(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format_version"] == 1 and data["kind"] == tok.kind
    back = load_tokenizer(path)
    assert type(back) is type(tok)
    assert back.to_dict() == tok.to_dict()
    assert type(tok).load(path).to_dict() == tok.to_dict()
    assert load_tokenizer(tok.to_dict()).to_dict() == tok.to_dict()
    if tok.vocab is not None:
        assert back.vocab == tok.vocab and back.vocab is not None and back.vocab.counts == tok.vocab.counts
        probe = "재미있을 줄 몰랐다 good 🎬\n영화"
        assert back.encode(probe) == tok.encode(probe)
        assert back.decode(tok.encode(probe)) == tok.decode(tok.encode(probe))
    assert sorted(p.name for p in path.parent.iterdir()) == ["tokenizer.json"]  # no temp file left behind


def test_save_overwrites_atomically(tmp_path: Path) -> None:
    path = tmp_path / "tok.json"
    SyllableTokenizer().fit(["가"]).save(path)
    SyllableTokenizer().fit(["나다"]).save(path)
    assert load_tokenizer(path).vocab_size == 7
    assert [p.name for p in tmp_path.iterdir()] == ["tok.json"]


def _one_line_naming(exc: pytest.ExceptionInfo[FormatError], path: Path) -> None:
    msg = str(exc.value)
    assert "\n" not in msg and str(path) in msg


def test_newer_format_version_is_refused(tmp_path: Path) -> None:
    data = JamoTokenizer().fit(["가"]).to_dict()
    data["format_version"] = 2
    path = tmp_path / "new.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FormatError, match="version 2") as exc:
        load_tokenizer(path)
    _one_line_naming(exc, path)
    for bad in (None, "1", 0, True):
        data["format_version"] = bad
        path.write_text(json.dumps(data), encoding="utf-8")
        with pytest.raises(FormatError):
            load_tokenizer(path)


def test_corrupt_json_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    SyllableTokenizer().fit(["가나"]).save(path)
    path.write_text(path.read_text(encoding="utf-8")[:-10], encoding="utf-8")
    with pytest.raises(FormatError, match="corrupt JSON") as exc:
        load_tokenizer(path)
    _one_line_naming(exc, path)
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(FormatError) as exc:
        load_tokenizer(path)
    _one_line_naming(exc, path)
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(FormatError):
        load_tokenizer(path)
    with pytest.raises(FormatError, match="no such"):
        load_tokenizer(tmp_path / "missing.json")


def test_unknown_kind_is_refused(tmp_path: Path) -> None:
    data = SyllableTokenizer().fit(["가"]).to_dict()
    data["kind"] = "bpe"
    path = tmp_path / "bpe.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(FormatError, match="bpe") as exc:
        load_tokenizer(path)
    _one_line_naming(exc, path)
    with pytest.raises(FormatError):
        load_tokenizer(data)


def test_wrong_kind_or_bad_fields_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "word.json"
    WordTokenizer().fit(["가나 다"]).save(path)
    with pytest.raises(FormatError, match="word"):
        JamoTokenizer.load(path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["stem"] = "lemma"
    with pytest.raises(FormatError):
        load_tokenizer(data)
    data = SyllableTokenizer().fit(["가"]).to_dict()
    data["vocab"]["tokens"][0] = "x"
    with pytest.raises(FormatError):
        load_tokenizer(data)


# --------------------------------------------------------------------------------------------------- real corpus


def _nsmc_documents(shared_corpora: Path, split: str = "test") -> list[str]:
    path = shared_corpora / "nsmc" / f"ratings_{split}.txt"
    if not path.is_file():
        pytest.skip(f"{path} is not present")
    lines = path.read_text(encoding="utf-8").split("\n")
    assert lines[0].split("\t") == ["id", "document", "label"]
    return [line.split("\t")[1] for line in lines[1:] if line]


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_jamo_round_trip_on_every_nsmc_test_document(shared_corpora: Path) -> None:
    docs = _nsmc_documents(shared_corpora)
    assert len(docs) == 50_000
    tok = JamoTokenizer().fit(docs)
    # NSMC is almost all Hangul: the jamo vocabulary is far smaller than the syllable one would be.
    assert tok.vocab_size < 3000
    bad = [d for d, ids in zip(docs, tok.encode_batch(docs)) if tok.decode(ids) != d]
    assert bad == []
