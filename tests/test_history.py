"""``hangul-rnn history``: a bundle's training curves in the terminal and as SVG (hangul_rnn.charts)."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from hangul_rnn.catalog import resolve_bundle_path, shipped_dir
from hangul_rnn.charts import Series, epoch_axis, history_panels, history_svg, nice_ticks, text_chart
from hangul_rnn.cli import main
from hangul_rnn.errors import UsageError

SVG = "{http://www.w3.org/2000/svg}"
HISTORY = {"loss": [0.9, 0.5, 0.3], "val_loss": [0.8, 0.6, 0.7], "accuracy": [0.6, 0.8, 0.9],
           "val_accuracy": [0.65, 0.75, 0.7], "learning_rate": [0.001, 0.001, 0.001]}


def one_line_error(capsys: pytest.CaptureFixture) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("hangul-rnn: error:") and "\n" not in err and "Traceback" not in err, err
    return err


def _bundle_with(tmp_path: Path, history: dict) -> Path:
    """A copy of the shipped classifier whose history.json says ``history``."""
    folder = tmp_path / "copy"
    shutil.copytree(shipped_dir() / "nsmc-classifier", folder)  # type: ignore[operator]
    (folder / "history.json").write_text(json.dumps(history), encoding="utf-8")
    return folder


def test_text_chart_puts_points_on_the_grid() -> None:
    chart = text_chart([Series("a", [(0.0, 0.0), (1.0, 1.0)], "x", "")], 3, 2)
    assert chart.plain.splitlines() == [" 1.000   x", " 0.000 x  "]
    joined = text_chart([Series("a", [(1.0, 0.0), (3.0, 0.0)], "x", "")], 5, 2, x_min=1.0, connect=True)
    assert joined.plain.splitlines()[1].endswith("x···x")


def test_history_panels_and_epoch_axis() -> None:
    loss, accuracy = history_panels(HISTORY)
    assert (loss.title, accuracy.title) == ("loss", "accuracy")
    assert [s.name for s in loss.series] == ["train", "validation"]
    assert list(accuracy.series[1].points) == [(1.0, 0.65), (2.0, 0.75), (3.0, 0.7)]
    assert history_panels({"loss": [1.0]})[0].series[0].points == [(1.0, 1.0)]
    assert history_panels({"learning_rate": [0.1]}) == []
    assert epoch_axis(13, 3).plain.splitlines()[1] == "epoch  1     2     3"
    assert epoch_axis(9, 3).plain.splitlines()[1] == "epoch  1       3"  # at least 4 columns a label


def test_nice_ticks_are_round_and_cover_the_range() -> None:
    assert nice_ticks(0.21, 0.38) == [0.2, 0.25, 0.3, 0.35, 0.4]
    assert nice_ticks(2.0, 3.2) == [2.0, 2.5, 3.0, 3.5]
    ticks = nice_ticks(0.5, 0.5)  # one value: a range around it
    assert ticks[0] <= 0.5 <= ticks[-1] and len(ticks) >= 2


def test_history_svg_is_valid_and_follows_the_values(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    folder = _bundle_with(tmp_path, HISTORY)
    out = tmp_path / "pictures" / "curves.svg"
    assert main(["history", str(folder), "--save", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "loss" in printed and "validation" in printed and "epoch  1" in printed
    root = ET.parse(out).getroot()  # well-formed XML
    assert root.tag == f"{SVG}svg" and root.findtext(f"{SVG}title") == "copy (classifier): 3 epochs"
    panels = {g.get("data-quantity"): g for g in root.iter(f"{SVG}g") if g.get("class") == "panel"}
    assert set(panels) == {"loss", "accuracy"}
    for quantity, g in panels.items():
        lines = {p.get("data-series"): p for p in g.iter(f"{SVG}polyline")}
        assert set(lines) == {"train", "validation"}
        for name, line in lines.items():
            points = [tuple(map(float, xy.split(","))) for xy in line.get("points", "").split()]
            values = HISTORY[quantity if name == "train" else f"val_{quantity}"]
            assert len(points) == len(values)
            assert [x for x, _ in points] == sorted(x for x, _ in points)  # epochs left to right
            # a larger value is drawn higher up (smaller y); equal gaps in value, equal gaps in pixels
            ys = [y for _, y in points]
            for i in range(len(values) - 1):
                assert (ys[i + 1] < ys[i]) == (values[i + 1] > values[i])
            span = (ys[0] - ys[1]) / (values[1] - values[0])
            assert ys[0] - ys[2] == pytest.approx(span * (values[2] - values[0]), abs=0.2)
    with pytest.raises(UsageError, match="no loss or accuracy"):
        history_svg({"learning_rate": [0.1]}, "x")


def test_history_of_the_shipped_classifier_as_json(capsys: pytest.CaptureFixture) -> None:
    assert main(["history", "nsmc-classifier", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["epochs"] == len(result["history"]["loss"]) and result["best_epoch"] is not None


def test_bad_history_requests_are_one_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["history", "no-such-model"]) == 2
    assert "no model named 'no-such-model'" in one_line_error(capsys)
    assert main(["history", "nsmc-classifier", "--save", str(tmp_path / "c.png")]) == 2
    assert "written as SVG" in one_line_error(capsys)
    assert not (tmp_path / "c.png").exists()
    assert main(["history", "nsmc-classifier", "--height", "1"]) == 2
    assert "--height" in one_line_error(capsys)
    assert main(["history", str(_bundle_with(tmp_path, {}))]) == 2
    assert "no per-epoch loss or accuracy" in one_line_error(capsys)
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert main(["history", "nsmc-classifier", "--save", str(blocker / "c.svg")]) == 1
    assert "cannot write" in one_line_error(capsys)
    copy = shutil.copytree(resolve_bundle_path("nsmc-classifier"), tmp_path / "second")
    assert main(["ensemble", "pair", "nsmc-classifier", str(copy)]) == 0
    capsys.readouterr()
    assert main(["history", "pair"]) == 2
    assert "ensemble" in one_line_error(capsys)
