"""The README's Python example runs as written (it is the first thing a library user copies)."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

import pytest

from hangul_rnn.cli import build_parser

README = Path(__file__).resolve().parent.parent / "README.md"


def test_readme_python_example_runs() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "the README has no Python example"
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})


def test_readme_names_the_commands_ci_runs() -> None:
    text = README.read_text(encoding="utf-8")
    ci = (README.parent / ".ci" / "run").read_text(encoding="utf-8")
    for command in ("pip install -e '.[dev]'", "python -m pytest"):
        assert command in text and command in ci


# --------------------------------------------------------------------------------------------- shell commands

MODEL_CARD = README.parent / "hangul_rnn" / "default_models" / "MODEL_CARD.md"
SHIPPED = {"annals-syllable", "nsmc-classifier"}


def _shell_lines(path: Path) -> list[str]:
    """Every command line of the ```bash blocks, continuation lines joined."""
    lines: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S):
        for line in block.replace("\\\n", " ").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line.strip())
    return lines


def _hangul_rnn_argv(line: str) -> list[str] | None:
    """The arguments of a ``hangul-rnn ...`` line (environment assignments and the comment dropped), else None."""
    words = shlex.split(line, comments=True)
    while words and re.fullmatch(r"[A-Z_]+=\S*", words[0]):
        words = words[1:]
    return words[1:] if words and words[0] == "hangul-rnn" else None


README_COMMANDS = [argv for line in _shell_lines(README) if (argv := _hangul_rnn_argv(line)) is not None]
CARD_COMMANDS = [argv for line in _shell_lines(MODEL_CARD) if (argv := _hangul_rnn_argv(line)) is not None]


def _subparser(argv: list[str]) -> argparse.ArgumentParser:
    """The parser of the (sub)command ``argv`` names, e.g. ``train classifier``."""
    parser = build_parser()
    for word in argv:
        actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not actions or word not in actions[0].choices:
            break
        parser = actions[0].choices[word]
    return parser


@pytest.mark.parametrize("argv", README_COMMANDS + CARD_COMMANDS, ids=lambda argv: " ".join(argv)[:60])
def test_shell_command_parses_and_its_help_lists_every_option(argv: list[str]) -> None:
    help_text = _subparser(argv).format_help()
    for word in argv:
        if word.startswith("--"):
            option = word.split("=", 1)[0]
            assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text), (
                f"`hangul-rnn {' '.join(argv)}`: {option} is not in its --help")
    try:
        build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse rejected it (unknown option, bad choice, missing argument)
        pytest.fail(f"`hangul-rnn {' '.join(argv)}` does not parse (exit {exc.code})")


def test_readme_commands_only_use_models_it_has_made() -> None:
    made = set(SHIPPED)
    for argv in README_COMMANDS:
        args = build_parser().parse_args(argv)
        used: list[str] = []
        if args.command == "evaluate":
            used = list(args.model)
        elif args.command in ("score", "generate"):
            used = [args.model] if isinstance(args.model, str) else list(args.model or [])
        elif args.command == "ensemble":
            used = list(args.members)
        missing = [name for name in used if name not in made]
        assert not missing, f"`hangul-rnn {' '.join(argv)}` uses {missing}, which the README never creates"
        if args.command == "train":
            made.add(args.name)
        elif args.command == "ensemble":
            made.add(args.name)


def test_every_readme_training_example_says_how_long_it_runs() -> None:
    lines = [line for line in _shell_lines(README) if line.startswith("hangul-rnn train ")]
    assert lines, "the README has no training example"
    text = README.read_text(encoding="utf-8")
    for line in lines:
        before = text[: text.index(line)].rsplit("```", 1)[-1].splitlines()[-3:]  # the comment lines above it
        comment = " ".join(before) + line.split("#", 1)[-1] if "#" in line else " ".join(before)
        assert re.search(r"\d+(-\d+)? ?(s|min|minutes|h|hours)\b", comment), f"no run time stated for: {line}"


def test_readme_has_one_install_one_run_and_one_test_command() -> None:
    lines = _shell_lines(README)
    assert [line for line in lines if line.startswith("pip ")] == ["pip install -e '.[dev]'"]
    assert [line for line in lines if line.startswith("python -m pytest")] == ["python -m pytest"]
    run = re.search(r"## Run\n\n```bash\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert run is not None and len(run.group(1).strip().splitlines()) == 1
