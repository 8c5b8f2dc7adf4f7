"""The bundles shipped in the package: generate and score work right after install, offline, with no training."""

from __future__ import annotations

from hangul_rnn.bundle import load_bundle
from hangul_rnn.catalog import list_bundles
from hangul_rnn.cli import main
from hangul_rnn.scoring import score


def test_shipped_bundles_are_listed() -> None:
    shipped = {s.name: s for s in list_bundles()}
    assert shipped["annals-syllable"].task == "generator"
    assert shipped["nsmc-classifier"].task == "classifier"


def test_generate_with_the_default_model(capsys) -> None:
    assert main(["generate", "--prompt", "태조가", "--max-tokens", "60", "--seed", "1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("태조가")
    assert len(out.strip()) > len("태조가") + 5
    assert not any("\u1100" <= ch <= "\u11ff" for ch in out)


def test_default_classifier_tells_praise_from_complaint(capsys) -> None:
    bundle = load_bundle("nsmc-classifier")
    assert score(bundle, "정말 재미있어요 최고의 영화").label == "positive"
    assert score(bundle, "최악의 영화. 시간 아깝다").label == "negative"
    assert main(["score", "정말 재미있어요"]) == 0
    assert capsys.readouterr().out.startswith("positive\t")
