"""Hand-edited and mismatched bundles: one line naming the file on load; `hangul-rnn models` lists them as broken."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from hangul_rnn import paths
from hangul_rnn.bundle import load_bundle
from hangul_rnn.catalog import SHIPPED_DIR, list_bundles
from hangul_rnn.errors import FormatError, HangulRNNError

GENERATOR = SHIPPED_DIR / "annals-syllable"
CLASSIFIER = SHIPPED_DIR / "nsmc-classifier"


def _edit_json(name: str, change: Callable[[dict], object]) -> Callable[[Path], None]:
    def edit(folder: Path) -> None:
        path = folder / name
        data = json.loads(path.read_text(encoding="utf-8"))
        data = change(data) or data
        path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    return edit


def _set(section: str | None, key: str, value: object) -> Callable[[dict], None]:
    def change(data: dict) -> None:
        (data[section] if section else data)[key] = value

    return change


def _more_tokens(data: dict) -> None:
    data["vocab"]["tokens"] += [f"extra{i}" for i in range(50)]
    data["vocab"]["counts"] += [1] * 50


def _nested(folder: Path) -> None:
    (folder / "history.json").write_text("[" * 100_000 + "]" * 100_000)


def _swap_tokenizer(folder: Path) -> None:
    shutil.copy(GENERATOR / "tokenizer.json", folder / "tokenizer.json")


# name -> (source bundle, how it is broken, what the error names)
BROKEN: dict[str, tuple[Path, Callable[[Path], None], str]] = {
    "history-list": (GENERATOR, _edit_json("history.json", lambda d: [1, 2]), "history.json"),
    "history-strings": (GENERATOR, _edit_json("history.json", lambda d: {"loss": ["x"]}), "history.json"),
    "epochs-two": (GENERATOR, _edit_json("metrics.json", _set(None, "epochs_done", "two")), "epochs_done"),
    "units-big": (GENERATOR, _edit_json("config.json", _set("hyperparameters", "units", "big")), "config.json"),
    "layers-list": (CLASSIFIER, _edit_json("config.json", _set("hyperparameters", "layers", [2])), "config.json"),
    "hp-list": (CLASSIFIER, _edit_json("config.json", _set(None, "hyperparameters", [1])), "hyperparameters"),
    "nested": (GENERATOR, _nested, "nested too deeply"),
    "wrong-tokenizer": (CLASSIFIER, _swap_tokenizer, "tokenizer"),
    "too-many-tokens": (GENERATOR, _edit_json("tokenizer.json", _more_tokens), "embedding"),
}


@pytest.fixture
def broken(no_shipped_models) -> dict[str, str]:
    root = paths.models_dir()
    root.mkdir(parents=True)
    for name, (source, breaks, _) in BROKEN.items():
        shutil.copytree(source, root / name)
        breaks(root / name)
    return {name: expected for name, (_, _, expected) in BROKEN.items()}


def _load_and_run(name: str) -> None:
    bundle = load_bundle(name)
    bundle.runtime  # noqa: B018 - the network's fit to the tokenizer is checked when it is first read


def test_each_broken_bundle_is_one_error_naming_what_is_wrong(broken: dict[str, str]) -> None:
    for name, expected in broken.items():
        with pytest.raises(FormatError) as caught:
            _load_and_run(name)
        assert expected in str(caught.value), (name, str(caught.value))
        assert "\n" not in str(caught.value)


def test_models_lists_broken_bundles_without_dying(broken: dict[str, str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    from hangul_rnn.cli import main

    summaries = {s.name: s for s in list_bundles()}
    assert set(summaries) == set(broken)
    json_only = {n for n, (_, _, e) in BROKEN.items() if e in ("tokenizer", "embedding")}  # read past listing
    assert {n for n, s in summaries.items() if s.error} == set(broken) - json_only
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name in broken:
        assert name in out


def test_resuming_a_bundle_with_a_bad_saved_value_blames_the_bundle(broken: dict[str, str]) -> None:
    from hangul_rnn.config import TrainConfig
    from hangul_rnn.training import train

    with pytest.raises(HangulRNNError) as caught:
        train(TrainConfig(corpus="annals", epochs=1), name="units-big", resume=True)
    assert "config.json" in str(caught.value) and "--units" not in str(caught.value)


def test_an_ensemble_listing_itself_or_a_cycle_is_one_error(no_shipped_models) -> None:
    root = paths.models_dir()
    root.mkdir(parents=True)
    for name, members in (("self", ["self", "self"]), ("a", ["b", "b"]), ("b", ["a", "a"])):
        (root / name).mkdir()
        config = {"format_version": 1, "task": "classifier", "kind": "ensemble", "members": members}
        (root / name / "config.json").write_text(json.dumps(config))
        (root / name / "metrics.json").write_text("{}")
    for name in ("self", "a"):
        with pytest.raises(FormatError, match="itself an ensemble"):
            load_bundle(name)


def test_a_classifier_carrying_a_generators_tokenizer_does_not_load(broken: dict[str, str]) -> None:
    with pytest.raises(FormatError, match="do not belong together"):
        load_bundle("wrong-tokenizer")  # refused on load, before any text is scored


def test_a_bundle_trained_on_a_bigger_machine_is_not_broken_here(monkeypatch: pytest.MonkeyPatch,
                                                                 no_shipped_models) -> None:
    from hangul_rnn import limits

    root = paths.models_dir()
    root.mkdir(parents=True)
    shutil.copytree(GENERATOR, root / "big")
    monkeypatch.setattr(limits, "physical_memory", lambda: 1 << 20)  # 1 MiB: training it here would not fit
    assert load_bundle("big").task == "generator"
    assert [s.error for s in list_bundles()] == [None]
