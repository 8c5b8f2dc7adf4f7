"""``import hangul_rnn`` is cheap and its public names are there: lazily, without TensorFlow until training."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_public_names_resolve_and_unknown_ones_fail() -> None:
    import hangul_rnn

    for name in hangul_rnn.__all__:
        assert getattr(hangul_rnn, name) is not None, name
    assert set(hangul_rnn.__all__) <= set(dir(hangul_rnn))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        hangul_rnn.nope  # noqa: B018


def test_load_and_generate_through_the_package_never_import_tensorflow() -> None:
    code = (
        "import sys, hangul_rnn\n"
        "from hangul_rnn.commands.generate import DEFAULT_MODEL\n"
        "b = hangul_rnn.load_bundle(DEFAULT_MODEL)\n"
        "text = ''.join(hangul_rnn.generate(b, '임금이', max_tokens=10, seed=1))\n"
        "assert text, 'nothing generated'\n"
        "assert hangul_rnn.TrainConfig().task == 'generator'\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "False"]
