"""The chapter-7 toy tasks: their data are the book's, each cell runs tiny, the CLI prints the book's figures."""

from __future__ import annotations

import numpy as np
import pytest

from hangul_rnn.cli import main
from hangul_rnn.errors import UsageError
from hangul_rnn.events import BatchEnded, EpochEnded, TrainFinished
from hangul_rnn.toys import multiplication_data, next_number_data, run_toy, toy_config


def test_next_number_data_are_the_books_six_sequences() -> None:
    x, y, new_x, new_y = next_number_data()
    assert x.shape == (6, 4, 1) and np.allclose(x[0, :, 0], [0.0, 0.1, 0.2, 0.3])
    assert np.allclose(y, np.arange(4, 10) / 10)
    assert np.allclose(new_y, [1.0, 0.3]) and np.allclose(new_x[0, :, 0], [0.6, 0.7, 0.8, 0.9])


def test_multiplication_targets_are_the_product_of_the_two_marked_numbers() -> None:
    x, y = multiplication_data(50, 20, seed=3)
    assert x.shape == (50, 20, 2)
    assert (x[:, :, 0].sum(axis=1) == 2).all()
    for row, target in zip(x, y):
        marked = row[row[:, 0] == 1.0, 1]
        assert target == pytest.approx(marked[0] * marked[1], rel=1e-6)


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
@pytest.mark.parametrize("cell", ["rnn", "gru"])  # lstm: through the command below
def test_multiplication_runs_tiny_with_events(cell: str) -> None:
    events: list = []
    result = run_toy(toy_config("multiplication", cell=cell, epochs=2, examples=30, test=10, steps=6, units=3,
                                batch_size=32), on_event=events.append)
    assert result.accuracy is not None and 0.0 <= result.accuracy <= 100.0
    assert len(result.predictions) == 10 and len(result.history["loss"]) == 2 and "val_loss" in result.history
    assert [e.epoch for e in events if isinstance(e, EpochEnded)] == [0, 1]
    assert any(isinstance(e, BatchEnded) for e in events) and isinstance(events[-1], TrainFinished)


@pytest.mark.slow
def test_next_number_learns_the_six_examples() -> None:
    result = run_toy(toy_config("next-number", epochs=300))
    assert np.abs(result.predictions[:6] - result.targets[:6]).max() < 0.15  # untrained it is ~0.6 off somewhere
    assert result.accuracy is None and len(result.inputs) == 8


@pytest.mark.parametrize("changes, words", [
    (dict(cell="transformer"), "cell"),
    (dict(epochs=0), "--epochs"),
    (dict(steps=1), "--steps"),
    (dict(examples=10, test=8), "--examples"),
])
def test_bad_toy_settings_are_one_line_errors(changes: dict, words: str) -> None:
    with pytest.raises(UsageError, match=words):
        toy_config("multiplication", **changes)


@pytest.mark.slow  # several seconds each: in CI's bounded slow subset, off the default run
@pytest.mark.ci
def test_the_toy_command_prints_ours_beside_the_books(capsys: pytest.CaptureFixture) -> None:
    assert main(["toy", "multiplication", "--epochs", "1", "--examples", "40", "--test", "10", "--steps", "8",
                 "--units", "3"]) == 0
    out = capsys.readouterr().out
    assert "of 10 test cases (the book, lstm: 83.86%)" in out
    assert main(["toy", "next-number", "--epochs", "2"]) == 0
    assert "0.0 0.1 0.2 0.3 →" in capsys.readouterr().out
    assert main(["toy", "multiplication", "--cell", "cnn"]) == 2
    assert main(["toy", "multiplication", "--epochs", "0"]) == 2
    assert "--epochs" in capsys.readouterr().err


def test_toy_help_lists_the_tasks_and_the_books_figures(capsys: pytest.CaptureFixture) -> None:
    assert main(["toy", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "next-number" in out and "LSTM 83.86%" in out
    assert main(["toy", "multiplication", "--help"]) == 0
    assert "--cell {lstm,gru,rnn}" in capsys.readouterr().out
