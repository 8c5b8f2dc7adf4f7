"""The corpus registry: manifests, specs, strict reading, and the local corpora in ../shared/corpora."""

from __future__ import annotations

import gzip
import itertools
import warnings
from pathlib import Path

import pytest

from hangul_rnn import corpora, corpus_files
from hangul_rnn.corpora import get_corpus, list_corpora
from hangul_rnn.errors import CorpusError, UsageError


@pytest.fixture(autouse=True)
def _fresh_warnings() -> None:
    corpora._warned.clear()


def _write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return path


# ------------------------------------------------------------------------------------------------------ registry


def test_registry_lists_the_built_in_corpora() -> None:
    by_name = {m.name: m for m in list_corpora()}
    assert set(by_name) == {"nsmc", "annals", "nsmc-raw"}
    nsmc, annals = by_name["nsmc"], by_name["annals"]
    assert (nsmc.kind, nsmc.cleaning, tuple(nsmc.splits)) == ("labeled", "nsmc", ("train", "test"))
    assert (annals.kind, annals.cleaning, tuple(annals.splits)) == ("text", "annals", ("train",))
    train = nsmc.splits["train"][0]
    assert train.url == "https://raw.githubusercontent.com/e9t/nsmc/master/ratings_train.txt"
    assert train.size == 14_628_807 and train.sha256.startswith("e03b7d14")
    assert nsmc.splits["test"][0].sha256.startswith("8ac9f640")
    book = annals.splits["train"][0]
    assert book.sha256 is None and book.size == 62_012_502 and "http://bit.ly/2Mc3SOV" in book.aliases
    assert book.local_names[-1] == "annals/annals_subset_ko.txt.gz"
    assert "CC0" in nsmc.licence and "unverified" in annals.licence


def test_samples_are_shipped_and_readable() -> None:
    nsmc = get_corpus("nsmc").manifest.sample_path()
    annals = get_corpus("annals").manifest.sample_path()
    assert nsmc is not None and nsmc.read_text(encoding="utf-8").startswith("id\tdocument\tlabel\n")
    examples = list(get_corpus(f"tsv:{nsmc}").examples())
    assert len(examples) == 200 and examples[0] == ("굳 ㅋ", 1)
    assert annals is not None and len(list(get_corpus(f"text:{annals}").texts())) == 200


def test_unknown_name_lists_known_forms() -> None:
    with pytest.raises(UsageError) as info:
        get_corpus("nsmcc")
    message = str(info.value)
    assert "\n" not in message
    for expected in ("'nsmcc'", "nsmc", "annals", "text:PATH", "tsv:PATH"):
        assert expected in message


def test_names_are_case_insensitive_and_column_options_are_refused() -> None:
    assert get_corpus("NSMC").name == "nsmc"
    with pytest.raises(UsageError):
        get_corpus("nsmc", text_column=1)
    with pytest.raises(UsageError):
        get_corpus("text:/x.txt", label_column=0)


# ------------------------------------------------------------------------------------------------- text: / tsv:


def test_text_spec_yields_non_blank_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "my.txt", "\ufeff첫 줄\r\n\n  \n둘째 줄\n마지막")
    corpus = get_corpus(f"text:{path}")
    assert (corpus.name, corpus.kind, corpus.splits, corpus.cleaning) == ("my", "text", ("train",), "plain")
    assert list(corpus.texts()) == ["첫 줄", "둘째 줄", "마지막"]
    assert corpus.path() == path
    with pytest.raises(UsageError, match="without labels"):
        next(corpus.examples())
    with pytest.raises(UsageError, match="no split 'test'"):
        corpus.path("test")
    info = corpus.info("train")
    assert (info.documents, info.lines, info.label_counts) == (3, 5, {})


def test_gz_is_read_transparently(tmp_path: Path) -> None:
    text = "가나다\n라마바\n"
    plain = get_corpus(f"text:{_write(tmp_path / 'a.txt', text)}")
    packed = get_corpus(f"text:{_write(tmp_path / 'a.txt.gz', gzip.compress(text.encode()))}")
    assert list(packed.texts()) == list(plain.texts()) == ["가나다", "라마바"]
    assert packed.name == "a"
    packed_tsv = _write(tmp_path / "b.tsv.gz", gzip.compress("좋다\t1\n별로\t0\n".encode()))
    tsv = get_corpus(f"tsv:{packed_tsv}")
    assert list(tsv.examples()) == [("좋다", 1), ("별로", 0)]


def test_tsv_with_header_and_column_names(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.tsv", "id\tdocument\tlabel\n1\t재밌다\t1\n2\t\"\"\"따옴표\"\" 리뷰\"\t0\n3\t\t1\n")
    by_name = get_corpus(f"tsv:{path}", text_column="document", label_column="label")
    # CSV quoting is undone once, as pandas.read_table does; the empty document is skipped.
    assert list(by_name.examples()) == [("재밌다", 1), ('"따옴표" 리뷰', 0)]
    by_default = get_corpus(f"tsv:{path}")  # header guessed, label = last column, text = the one before
    assert list(by_default.examples()) == list(by_name.examples())
    info = by_name.info()
    assert (info.documents, info.empty_documents, info.label_counts) == (3, 1, {0: 1, 1: 2})
    with pytest.raises(CorpusError, match="no column 'review'.*id, document, label"):
        next(get_corpus(f"tsv:{path}", text_column="review").examples())


def test_tsv_without_header_and_column_indices(tmp_path: Path) -> None:
    path = _write(tmp_path / "r.tsv", "1\t좋아요\t1\n0\t싫어요\t0\n")
    assert list(get_corpus(f"tsv:{path}").examples()) == [("좋아요", 1), ("싫어요", 0)]
    first_col_label = get_corpus(f"tsv:{path}", text_column=1, label_column=0, has_header=False)
    assert list(first_col_label.examples()) == [("좋아요", 1), ("싫어요", 0)]
    with pytest.raises(UsageError, match="no header"):
        next(get_corpus(f"tsv:{path}", text_column="document", has_header=False).examples())


def test_bad_utf8_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path / "bad.txt", "좋은 줄\n또 좋은 줄\n".encode() + b"\xff\xfe broken\n")
    with pytest.raises(CorpusError, match=r"bad\.txt: line 3 is not valid UTF-8"):
        list(get_corpus(f"text:{path}").texts())


def test_lone_surrogate_is_invalid(tmp_path: Path) -> None:
    path = _write(tmp_path / "sur.tsv", b"a\t1\n" + b"\xed\xa0\x80\t0\n")
    with pytest.raises(CorpusError, match=r"sur\.tsv: line 2 is not valid UTF-8"):
        list(get_corpus(f"tsv:{path}").examples())


def test_missing_column_and_bad_label_name_the_line(tmp_path: Path) -> None:
    missing = _write(tmp_path / "m.tsv", "id\tdocument\tlabel\n1\t좋다\t1\n2\t나쁘다\n")
    with pytest.raises(CorpusError, match=r"m\.tsv: line 3: missing column"):
        list(get_corpus(f"tsv:{missing}", text_column="document", label_column="label").examples())
    label = _write(tmp_path / "l.tsv", "좋다\t1\n나쁘다\tbad\n")
    with pytest.raises(CorpusError, match=r"l\.tsv: line 2: label 'bad' is not an integer"):
        list(get_corpus(f"tsv:{label}").examples())


def test_empty_and_missing_files(tmp_path: Path) -> None:
    empty = _write(tmp_path / "empty.txt", "")
    with pytest.raises(CorpusError, match="empty.txt is empty"):
        list(get_corpus(f"text:{empty}").texts())
    blank = _write(tmp_path / "blank.txt", "\n \n")
    with pytest.raises(CorpusError, match="only blank lines"):
        list(get_corpus(f"text:{blank}").texts())
    header_only = _write(tmp_path / "h.tsv", "document\tlabel\n")
    with pytest.raises(CorpusError, match="no data rows"):
        list(get_corpus(f"tsv:{header_only}").examples())
    with pytest.raises(CorpusError, match="nope.txt does not exist") as info:
        get_corpus(f"text:{tmp_path / 'nope.txt'}").path()
    assert info.value.exit_code == 2  # the path the user gave is wrong: a usage error, as for a bad option


def test_broken_gzip_is_a_corpus_error(tmp_path: Path) -> None:
    data = gzip.compress(("가나다\n" * 1000).encode())
    path = _write(tmp_path / "cut.txt.gz", data[: len(data) // 2])
    with pytest.raises(CorpusError, match="broken gzip"):
        list(get_corpus(f"text:{path}").texts())


# --------------------------------------------------------------------------------------- ../shared/corpora copies


def test_nsmc_official_test_split(shared_corpora: Path) -> None:
    corpus = get_corpus("nsmc")
    assert corpus.path("test") == shared_corpora / "nsmc" / "ratings_test.txt"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the official file matches its sha256: no warning
        info = corpus.info("test")
    assert info.documents == 50_000 and info.label_counts == {0: 24_827, 1: 25_173}
    assert info.bytes == 4_893_335 and info.characters == 2_318_260 and info.empty_documents == 3
    assert next(corpus.examples("test")) == ("굳 ㅋ", 1)
    assert sum(1 for _ in corpus.texts("test")) == 50_000 - 3


def test_rebuilt_nsmc_train_warns_once(shared_corpora: Path) -> None:
    corpus = get_corpus("nsmc")
    with pytest.warns(UserWarning) as record:
        path = corpus.path("train")
        corpus.path("train", download=False)
        first = list(itertools.islice(corpus.examples("train"), 5))
    messages = [str(w.message) for w in record if "ratings_train.txt" in str(w.message)]
    assert len(messages) == 1
    assert "rebuilt" in messages[0] and "e03b7d14" in messages[0]
    assert path == shared_corpora / "nsmc" / "ratings_train.txt" and len(first) == 5
    info = corpus.info("train")  # the rebuild keeps the official class counts (SOURCES.md, section 0)
    assert info.documents == 150_000 and info.label_counts == {0: 75_173, 1: 74_827}


def test_stray_quote_does_not_swallow_rows(tmp_path: Path) -> None:
    path = _write(tmp_path / "q.tsv", 'id\tdocument\tlabel\n1\t"반쪽 따옴표\t0\n2\t다음 줄\t1\n3\t"끝" 이후\t1\n')
    assert list(get_corpus(f"tsv:{path}").examples()) == [('"반쪽 따옴표', 0), ("다음 줄", 1), ('"끝" 이후', 1)]


def test_verification_is_cached(shared_corpora: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = get_corpus("nsmc")
    corpus.path("test")
    calls: list[Path] = []
    monkeypatch.setattr(corpus_files, "sha256_file", lambda p: calls.append(p) or "")
    corpus.path("test")
    assert calls == []  # second resolution read the (path, size, mtime) cache


def test_annals_resolves_to_the_shared_subset(shared_corpora: Path) -> None:
    corpus = get_corpus("annals")
    with pytest.warns(UserWarning, match="subset"):
        path = corpus.path()
    assert path == shared_corpora / "annals" / "annals_subset_ko.txt.gz"
    first = list(itertools.islice(corpus.texts(), 2))
    assert first[0] == "태조가 백관의 추대를 받아 수창궁에서 왕위에 오르다"
    with pytest.raises(UsageError, match="no split 'test'"):
        corpus.path("test")


def test_local_book_file_is_preferred(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "annals").mkdir()
    _write(tmp_path / "annals" / "annals_subset_ko.txt.gz", gzip.compress("부분\n".encode()))
    book = _write(tmp_path / "annals" / "input.txt", "책의 말뭉치\n")
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(tmp_path))
    with pytest.warns(UserWarning, match="input.txt is not the canonical corpus.txt"):
        assert get_corpus("annals").path() == book


def test_missing_everywhere_without_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(tmp_path))
    with pytest.raises(CorpusError, match="not downloaded.*hangul-rnn corpus download nsmc"):
        get_corpus("nsmc").path("test", download=False)
