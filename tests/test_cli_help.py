"""The command line explains itself and stays quiet: help and defaults for every option, choices checked by
argparse before TensorFlow loads, one-line warnings, no TensorFlow start-up chatter, one answer to a bare command."""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from hangul_rnn import config
from hangul_rnn.cli import build_parser, main
from hangul_rnn.errors import HangulRNNWarning

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpora" / "samples"
#: A line TensorFlow's C++ side writes (absl/glog format) or absl's note that precedes them.
TF_NATIVE_LINE = re.compile(r"^[IWEF]\d{4} |absl::InitializeLog|oneDNN|cuda|cuInit|cpu_feature_guard", re.M)


def _train_parser(task: str) -> argparse.ArgumentParser:
    train = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["train"]
    return next(a for a in train._actions if isinstance(a, argparse._SubParsersAction)).choices[task]


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    return {a.option_strings[-1]: a for a in parser._actions if a.option_strings and a.dest != "help"}


def _run(code: str, env: dict[str, str] | None = None, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    """Python code in a fresh process from the repository root (this checkout's code, whatever is installed)."""
    full_env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}  # hangul-rnn's default must do
    full_env.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=full_env,
                          timeout=timeout)


@pytest.mark.parametrize("task", config.TASKS)
def test_every_train_option_has_help_and_shows_its_default(task: str) -> None:
    parser = _train_parser(task)
    formatter = parser._get_formatter()
    for option, action in _options(parser).items():
        assert action.help, f"train {task} {option} has no help text"
        if action.nargs == 0:  # a flag: on when given
            continue
        shown = formatter._expand_help(action)
        assert "(default: " in shown, f"train {task} {option} does not show its default: {shown!r}"


def test_task_options_appear_only_under_their_task() -> None:
    generator, classifier = _options(_train_parser("generator")), _options(_train_parser("classifier"))
    for option in ("--seq-len", "--sample-chars", "--sample-prompt"):
        assert option in generator and option not in classifier
    for option in ("--max-len", "--bidirectional", "--conv-filters", "--pooling"):
        assert option in classifier and option not in generator


@pytest.mark.parametrize("option, values", [("--cell", config.CLASSIFIER_CELLS), ("--level", config.LEVELS),
                                            ("--strategy", config.STRATEGIES), ("--stem", config.STEMS),
                                            ("--pooling", config.POOLINGS)])
def test_choices_come_from_config(option: str, values: tuple) -> None:
    action = _options(_train_parser("classifier"))[option]
    expected = ["none" if v is None else v for v in values]
    if option == "--pooling":
        expected.remove("none")  # absent means the model's default, "last"
    assert list(action.choices) == expected


def test_per_task_defaults_come_from_config() -> None:
    from hangul_rnn.commands.train import config_from_args

    for task in config.TASKS:
        assert config_from_args(build_parser().parse_args(["train", task])) == config.default_config(task)


def test_a_bad_choice_is_refused_before_tensorflow_loads() -> None:
    result = _run(
        "import sys\n"
        "from hangul_rnn.cli import main\n"
        "code = main(['train', 'generator', '--cell', 'transformer'])\n"
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
        "sys.exit(code)\n"
    )
    assert result.returncode == 2, result.stderr
    assert "invalid choice: 'transformer'" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [[], ["train"], ["corpus"]], ids=["bare", "train", "corpus"])
def test_a_missing_command_exits_2_with_usage(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("usage: hangul-rnn") and "error: the following arguments are required" in err


def test_max_tokens_says_what_it_counts() -> None:
    generate = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["generate"]
    help_text = " ".join(_options(generate)["--max-tokens"].help.split())
    assert all(unit in help_text for unit in ("jamo", "syllables", "words"))


def test_hangul_rnn_warnings_are_one_clean_line(capsys: pytest.CaptureFixture, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn import corpora

    folder = tmp_path / "corpora" / "nsmc"
    folder.mkdir(parents=True)
    (folder / "ratings_test.txt").write_bytes((SAMPLES / "nsmc_sample.tsv").read_bytes())
    monkeypatch.setenv("HANGUL_RNN_CORPORA", str(tmp_path / "corpora"))
    corpora._warned.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("default", HangulRNNWarning)
        assert main(["corpus", "info", "nsmc", "--split", "test"]) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if "not the canonical" in line]
    assert len(notes) == 1 and notes[0].startswith("hangul-rnn: warning: nsmc: local copy ")
    assert "UserWarning" not in err and "warnings.warn" not in err and "corpora.py" not in err


@pytest.mark.slow  # a subprocess or a real training run: in CI's bounded slow subset
@pytest.mark.ci
def test_training_from_the_library_prints_no_tensorflow_native_line(tmp_path: Path) -> None:
    result = _run(
        "from hangul_rnn.config import TrainConfig\n"
        "from hangul_rnn.training import train\n"
        f"train(TrainConfig(task='classifier', corpus='tsv:{SAMPLES / 'nsmc_sample.tsv'}', level='syllable',\n"
        "                   epochs=1, units=4, embedding_dim=4, max_len=10, patience=0), name='quiet')\n"
        "import os; print(os.environ['TF_CPP_MIN_LOG_LEVEL'])\n",
        env={"HANGUL_RNN_HOME": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert not TF_NATIVE_LINE.search(result.stderr), result.stderr
    assert result.stdout.strip().splitlines()[-1] == "3"


def test_quieting_applies_to_our_imports_only_and_keeps_a_users_log_level(monkeypatch: pytest.MonkeyPatch) -> None:
    from hangul_rnn import _quiet_tf

    finder = _quiet_tf._QuietFinder()
    assert finder.find_spec("tensorflow", None) is None  # imported by this test module, not by hangul-rnn
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    scope = {"__name__": "hangul_rnn.some_module", "finder": finder}
    exec("spec = finder.find_spec('tensorflow', None)", scope)  # as if hangul_rnn.some_module imported it
    assert isinstance(scope["spec"].loader, _quiet_tf._QuietLoader)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "1"
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL")
    exec("spec = finder.find_spec('tensorflow', None)", scope)
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3"
