"""nsmc-raw: the raw NSMC reviews as a pretraining corpus, with the official NSMC test reviews always left out."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

pytestmark = pytest.mark.filterwarnings("ignore:.*is not the canonical:UserWarning")

from hangul_rnn.corpora import get_corpus, list_corpora
from hangul_rnn.errors import CorpusError
from hangul_rnn.preparation import generator_text

_REVIEWS = [  # review_id, movie_id, rating, review
    ("7", "29354", "6", "뻔한 스토리지만, 택시 시리즈는 괜찮음"),
    ("33", "26624", "10", "최고의 영화...정말 최고다.."),
    ("35", "10155", "8", "\"따옴표로 시작하고 끝나는 리뷰\""),
    ("40", "10155", "1", "테스트 리뷰 하나 절대 나오면 안됨"),
    ("41", "10155", "2", "   "),
    ("52", "10155", "9", "테스트 리뷰 둘 이것도 안됨"),
    ("60", "14502", "10", "불가사리는 쇠를 먹고"),
]
_TEST_IDS = ("40", "52", "999")  # 999: a test id that is not in the pool


def write_raw_corpora(root: Path, *, with_test: bool = True) -> Path:
    raw = root / "nsmc-raw"
    raw.mkdir(parents=True)
    lines = ["review_id\tmovie_id\trating\treview"] + ["\t".join(r) for r in _REVIEWS]
    with gzip.open(raw / "reviews.tsv.gz", "wt", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    if with_test:
        (root / "nsmc").mkdir()
        rows = ["id\tdocument\tlabel"] + [f"{i}\t테스트 리뷰 {i}\t1" for i in _TEST_IDS]
        (root / "nsmc" / "ratings_test.txt").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def tiny_raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = write_raw_corpora(tmp_path / "corpora")
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(root))
    return root


def test_manifest_names_source_checksum_licence_and_local_copy() -> None:
    manifest = {m.name: m for m in list_corpora()}["nsmc-raw"]
    assert (manifest.kind, manifest.cleaning) == ("text", "nsmc")
    assert "CC0" in manifest.licence and manifest.homepage.endswith("e9t/nsmc/tree/master/raw")
    (file,) = manifest.splits["train"]
    assert file.local_names == ("nsmc-raw/reviews.tsv.gz",) and file.url is None
    assert file.sha256 == "203ea3871265831e1456fe48af9c62205ffa4f0fbdfeef723b583c234729fdfa"
    assert manifest.exclude is not None and (manifest.exclude.corpus, manifest.exclude.split) == ("nsmc", "test")


def test_test_ids_never_reach_the_pretraining_stream(tiny_raw: Path) -> None:
    corpus = get_corpus("nsmc-raw")
    texts = list(corpus.texts())
    assert texts == [r[3] for r in _REVIEWS if r[0] not in _TEST_IDS and r[3].strip()]
    stream = generator_text(corpus, None)  # what a generator trains on
    assert "테스트" not in stream and "불가사리" in stream
    assert texts[2] == "\"따옴표로 시작하고 끝나는 리뷰\""  # plain TSV: quotes are the review's own
    info = corpus.info()
    assert (info.documents, info.excluded_documents, info.empty_documents) == (4, 2, 1)


def test_reading_refuses_without_the_test_ids(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(write_raw_corpora(tmp_path / "c", with_test=False)))
    with pytest.raises(CorpusError) as info:
        next(iter(get_corpus("nsmc-raw").texts()))
    message = str(info.value)
    assert "\n" not in message and "refusing" in message and "nsmc/test" in message


def test_an_empty_test_file_is_refused_too(tiny_raw: Path) -> None:
    (tiny_raw / "nsmc" / "ratings_test.txt").write_text("id\tdocument\tlabel\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no 'id' ids"):
        list(get_corpus("nsmc-raw").texts())


def test_missing_copy_says_how_to_get_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(tmp_path))
    with pytest.raises(CorpusError) as info:
        get_corpus("nsmc-raw").path()
    assert "\n" not in str(info.value) and "python -m hangul_rnn.nsmc_raw" in str(info.value)


def test_cli_list_and_info(tiny_raw: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from hangul_rnn.cli import main

    assert main(["corpus", "info", "nsmc-raw", "--json"]) == 0
    (info,) = json.loads(capsys.readouterr().out)
    assert info["documents"] == 4 and info["excluded_documents"] == 2
    assert main(["corpus", "list"]) == 0
    assert "nsmc-raw" in capsys.readouterr().out


def test_real_corpus_leaves_out_every_official_test_id(shared_corpora: Path) -> None:
    raw = shared_corpora / "nsmc-raw" / "reviews.tsv.gz"
    test = shared_corpora / "nsmc" / "ratings_test.txt"
    if not raw.is_file() or not test.is_file():
        pytest.skip("nsmc-raw/reviews.tsv.gz or nsmc/ratings_test.txt is not in ../shared/corpora")
    corpus = get_corpus("nsmc-raw")
    test_ids = set(corpus.excluded_ids())
    assert len(test_ids) == 50_000
    pool: set[str] = set()
    empty = 0
    for _n, doc_id, text in corpus._text_rows(corpus.path()):
        pool.add(doc_id)
        empty += not text.strip() and doc_id not in test_ids
    assert len(pool) == 712_404
    info = corpus.info()
    assert info.excluded_documents == len(test_ids & pool) == 50_000
    assert info.documents == 712_404 - len(test_ids & pool) - empty == 662_386


def test_converter_builds_the_corpus_from_raw_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from hangul_rnn.nsmc_raw import main

    raw = tmp_path / "nsmc" / "raw"
    raw.mkdir(parents=True)
    def review(i: int, movie: str, text: str) -> dict:
        return {"review": text, "date": "15.08.25", "rating": "9", "author": "a****", "review_id": str(i),
                "movie_id": movie}

    (raw / "10001.json").write_text(json.dumps([review(33, "10001", "탭\t과\n줄바꿈"), review(40, "10001", "테스트")]),
                                    encoding="utf-8")
    (raw / "10002.json").write_text(json.dumps([review(7, "10002", "첫 리뷰")], ensure_ascii=False), encoding="utf-8")
    root = tmp_path / "corpora"
    assert main([str(raw), str(root / "nsmc-raw" / "reviews.tsv.gz")]) == 0
    with gzip.open(root / "nsmc-raw" / "reviews.tsv.gz", "rt", encoding="utf-8") as f:
        assert f.read() == ("review_id\tmovie_id\trating\treview\n7\t10002\t9\t첫 리뷰\n"
                            "33\t10001\t9\t탭 과 줄바꿈\n40\t10001\t9\t테스트\n")
    (root / "nsmc").mkdir()
    (root / "nsmc" / "ratings_test.txt").write_text("id\tdocument\tlabel\n40\t테스트\t1\n", encoding="utf-8")
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(root))
    assert list(get_corpus("nsmc-raw").texts()) == ["첫 리뷰", "탭 과 줄바꿈"]
    assert main([str(tmp_path / "nowhere"), str(tmp_path / "x.gz")]) == 1
